"""The documentation builds: ``mkdocs build --strict`` (links, anchors, navigation, API pages from the
docstrings), every public module has an API page, and every relative link of README.md resolves."""
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("frontend_sim", "ppa", "dse")
# Markdown links and images: [text](target) / ![alt](target); the target ends at whitespace or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


@pytest.fixture(scope="module")
def mkdocs_installed():
    missing = [name for name, module in (("mkdocs-material", "material"),
                                         ("mkdocstrings-python", "mkdocstrings_handlers.python"))
               if importlib.util.find_spec(module.split(".")[0]) is None
               or importlib.util.find_spec(module) is None]
    if missing:
        pytest.fail(f"the docs build needs {', '.join(missing)}: pip install -e '.[test]'")


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(site)], cwd=ROOT, capture_output=True, text=True, timeout=900)


def problems(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if re.search(r"WARNING|ERROR|Error|Abort", line)]
    return "\n".join(lines) or result.stderr[-3000:]


def test_site_builds_strict_with_api_pages(mkdocs_installed, tmp_path):
    result = build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{problems(result)}"
    site = tmp_path / "site"
    # API pages are rendered from the docstrings, not left as `:::` directives.
    api = (site / "reference" / "frontend_sim" / "index.html").read_text(encoding="utf-8")
    assert ":::" not in api and 'id="frontend_sim.simulator.simulate_batch"' in api
    ppa = (site / "reference" / "ppa" / "index.html").read_text(encoding="utf-8")
    assert 'id="ppa.surrogate.PPASurrogate"' in ppa
    # Sphinx roles in docstrings become links to the API entries (docs/hooks/sphinx_roles.py).
    assert ":mod:" not in ppa and 'href="#ppa.structure"><code>ppa.structure</code></a>' in ppa
    # index.md includes README.md's results table (one copy of it).
    assert "compute cycles vs SCALE-Sim 3.0.0" in (site / "index.html").read_text(encoding="utf-8")
    # GitHub alert blocks (> [!WARNING]) become admonitions (docs/hooks/github_alerts.py).
    limits = (site / "limits" / "index.html").read_text(encoding="utf-8")
    assert 'class="admonition warning"' in limits and "[!WARNING]" not in limits
    # Repository files linked from a page (the demo's screenshot) are copied into the site.
    assert (site / "repo" / "reports" / "demo" / "screenshot.png").is_file()


@pytest.mark.parametrize("defects, messages", [
    ({"validation.md": "[gone](guide/no-such-page.md)", "guide/dse.md": "[gone](#no-such-anchor)",
      "history.md": "![gone](../reports/no-such-figure.png)"},
     ["no-such-page.md", "no-such-anchor", "no-such-figure.png"]),
    ({"reference/ppa.md": "::: ppa.no_such_module"}, ["ppa.no_such_module"]),
], ids=["broken links", "stale API page"])
def test_strict_build_fails_on_a_broken_link_or_a_stale_api_page(mkdocs_installed, tmp_path, defects, messages):
    """The same configuration on a copy of docs/ with defects added must fail, naming each."""
    import yaml

    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    for page, defect in defects.items():
        with open(docs / page, "a", encoding="utf-8") as f:
            f.write(f"\n\n{defect}\n")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs)
    config["hooks"] = [str(ROOT / hook) for hook in config.get("hooks", [])]
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            plugin["mkdocstrings"]["handlers"]["python"]["paths"] = [str(ROOT)]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0, f"a strict build with {defects} passed"
    for message in messages:
        assert message in result.stderr, problems(result)


def test_every_public_module_has_an_api_page():
    directives = set()
    for page in (ROOT / "docs" / "reference").glob("*.md"):
        directives |= set(re.findall(r"^:::\s*([\w.]+)", page.read_text(encoding="utf-8"), re.M))
    modules = set()
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
                if path.read_text(encoding="utf-8").strip() == "":
                    continue            # an empty package marker has nothing to document
            if any(p.startswith("_") for p in parts) or parts[-1] == "cli" or parts[-1].endswith("commands"):
                continue                # private modules; CLI modules are documented by `--help` and the guide
            modules.add(".".join(parts))
    missing = sorted(modules - directives)
    assert not missing, f"public modules without an API page (add `::: MODULE` to docs/reference/*.md): {missing}"
    stale = sorted(d for d in directives if d.split(".")[0] in LAYERS and d not in modules)
    assert not stale, f"docs/reference/*.md names modules that do not exist: {stale}"


def readme_links(text: str) -> list[str]:
    """Relative link targets of a Markdown text (outside code fences), without their #anchor."""
    targets = []
    for target in LINK.findall(FENCE.sub("", text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue                    # http:, mailto: … and anchors within the README
        targets.append(target.split("#")[0])
    return targets


def test_readme_links_resolve():
    targets = readme_links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert any(t.startswith("docs/") for t in targets), "README.md links to no docs page"
    broken = [t for t in targets if not (ROOT / t).exists()]
    assert not broken, f"README.md: relative links to missing files: {broken}"


def test_readme_link_check_sees_every_link_form():
    text = ("[a](docs/a.md) ![b](reports/b.png \"title\") [c](https://x.org/c) [d](#d) [e](docs/e.md#x)\n"
            "```bash\n[f](not/a/link.md)\n```\n")
    assert readme_links(text) == ["docs/a.md", "reports/b.png", "docs/e.md"]
