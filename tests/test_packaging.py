"""Every package in the source tree is shipped by pyproject.toml's explicit package list."""
import tomllib
from pathlib import Path

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
