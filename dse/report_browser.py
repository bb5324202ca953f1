"""Open an HTML report in headless Chromium: JavaScript errors, rendered plots, a screenshot.

Runs the Debian ``chromium`` binary twice on the ``file://`` URL, isolated from the network and
from any user profile: once with ``--dump-dom`` and console logging on stderr (uncaught exceptions
are JavaScript errors; every plotly div must have got its rendered ``main-svg``), and once with
``--screenshot``. WebGL views (3-D scatter, parallel coordinates) render with SwiftShader.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--hide-scrollbars",
)
CONSOLE_ERROR = re.compile(r':CONSOLE[:(]\d*\)?\]\s*"(Uncaught [^"]*)"')


class BrowserError(RuntimeError):
    """Chromium is missing or did not finish."""


def find_chromium() -> str | None:
    """Path of the chromium binary (Debian ``chromium``, or ``chromium-browser``), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class BrowserCheck:
    """What the browser saw: plot divs, how many rendered an SVG, uncaught JavaScript errors."""

    plots: int
    rendered: int
    errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.plots == self.rendered


class _PlotCounter(HTMLParser):
    """Counts ``plotly-graph-div`` elements and those holding an ``svg.main-svg``."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[int | None] = []  # index of the enclosing plot div, per open element
        self.rendered: list[bool] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        current = next((i for i in reversed(self.stack) if i is not None), None)
        if tag == "div" and "plotly-graph-div" in classes:
            self.rendered.append(False)
            current = len(self.rendered) - 1
        elif tag == "svg" and "main-svg" in classes and current is not None:
            self.rendered[current] = True
        if tag not in self.VOID:
            self.stack.append(current)

    def handle_endtag(self, tag):
        if self.stack and tag not in self.VOID:
            self.stack.pop()


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BrowserError(f"chromium did not finish within {timeout:.0f} s: {' '.join(args[:3])} …") from None


def check_html(html: Path, screenshot: Path | None = None, window: tuple[int, int] = (1300, 5200),
               wait_ms: int = 8000, timeout: float = 180.0) -> BrowserCheck:
    """Load ``html`` in headless Chromium; optionally save a ``window``-sized PNG screenshot."""
    binary = find_chromium()
    if binary is None:
        raise BrowserError("chromium is not installed (Debian: apt-get install chromium)")
    url = Path(html).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="accel-dse-chromium-") as profile:
        common = [binary, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={wait_ms}",
                  f"--window-size={window[0]},{window[1]}"]
        dom = _run([*common, "--enable-logging=stderr", "--v=0", "--dump-dom", url], timeout)
        if dom.returncode != 0 or not dom.stdout:
            raise BrowserError(f"chromium failed on {html} (exit {dom.returncode}): {dom.stderr[-500:]}")
        if screenshot is not None:
            screenshot = Path(screenshot).resolve()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            shot = _run([*common, f"--screenshot={screenshot}", url], timeout)
            if shot.returncode != 0 or not screenshot.is_file():
                raise BrowserError(f"chromium could not screenshot {html}: {shot.stderr[-500:]}")
    counter = _PlotCounter()
    counter.feed(dom.stdout)
    return BrowserCheck(plots=len(counter.rendered), rendered=sum(counter.rendered),
                        errors=CONSOLE_ERROR.findall(dom.stderr), screenshot=screenshot)
