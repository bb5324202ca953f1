"""Packaging: every package is shipped, the licenses are declared, the import names are this distribution's."""
import importlib
import json
import re
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    renamed = {v: k for k, v in config["package-dir"].items()}
    found = set()
    for top in ("frontend_sim", "ppa", "dse", "datasets"):
        for init in (ROOT / top).rglob("__init__.py"):
            parts = list(init.parent.relative_to(ROOT).parts)
            parts[0] = renamed.get(parts[0], parts[0])
            found.add(".".join(parts))
    assert found == listed, f"pyproject packages differ from the tree: missing {found - listed}, stale {listed - found}"


def test_license_files_exist_and_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) 2026 the accel-dse developers")
    assert project["license"].split(" AND ")[0] == "MIT"
    for pattern in project["license-files"]:
        assert list(ROOT.glob(pattern)), f"license-files pattern {pattern!r} matches no file"


def _installed_by_accel_dse(module: Path) -> bool:
    """Whether ``module`` is a file of an installed accel-dse: under an editable install's source tree or
    among a regular install's files (every copy on the path counts, e.g. site-packages and an egg-info)."""
    for dist in metadata.distributions(name="accel-dse"):
        direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
        if direct_url.get("dir_info", {}).get("editable"):
            if module.is_relative_to(Path(unquote(urlparse(direct_url["url"]).path)).resolve()):
                return True
        elif module in {dist.locate_file(f).resolve() for f in dist.files or ()}:
            return True
    return False


def test_import_names_resolve_to_this_distribution():
    """The bare top-level names (``dse`` is also the import name of PyPI's Django package ``dse``) must be
    claimed by accel-dse alone and import this project's files, not a same-named package's."""
    top_level = metadata.distribution("accel-dse").read_text("top_level.txt").split()
    assert sorted(top_level) == ["accel_dse_datasets", "dse", "frontend_sim", "ppa"]
    owners = metadata.packages_distributions()
    for name in top_level:
        assert set(owners.get(name, ())) == {"accel-dse"}, f"import name {name!r} is installed by {owners.get(name)}"
        module = Path(importlib.import_module(name).__file__).resolve()
        # this source tree (tests run on a checkout) or an installed accel-dse's own files
        assert module.is_relative_to(ROOT) or _installed_by_accel_dse(module), \
            f"{name} imports {module}, not a file of accel-dse"


def test_min_constraints_pin_exactly_the_declared_floors():
    """.ci/run tests the floors by installing .ci/constraints-min.txt: it must pin every dependency of the
    package and of the test extra at its declared minimum, and nothing else."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)(,<[0-9.]+)?(; (.+))?", requirement)
        assert match, f"pyproject.toml: {requirement!r} has no >= floor"
        if match[5] and not Marker(match[5]).evaluate():
            continue  # a platform's alternative (xgboost on macOS): not installed here
        floors[match[1].lower()] = match[2]
    pins = {}
    for number, line in enumerate((ROOT / ".ci" / "constraints-min.txt").read_text().splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            assert pinned, f".ci/constraints-min.txt line {number}: expected NAME==VERSION, got {line!r}"
            pins[name.lower()] = pinned
    assert pins == floors, "constraints-min.txt differs from the floors: " + ", ".join(
        f"{n} pinned {pins.get(n)} but floor {floors.get(n)}" for n in sorted(set(pins) | set(floors))
        if pins.get(n) != floors.get(n))
