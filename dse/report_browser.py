"""Open an HTML report in headless Chromium: JavaScript errors, rendered plots, a screenshot.

Runs the Debian ``chromium`` binary once on the ``file://`` URL, isolated from the network and from
any user profile, with ``--dump-dom``, console logging on stderr and optionally ``--screenshot``:
uncaught exceptions in the log are JavaScript errors, and every plotly div of the dumped DOM must
hold its rendered ``main-svg``. WebGL views (3-D scatter, parallel coordinates) render with
SwiftShader (software).
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
    attempts: int = 1

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


def check_html(html: Path, screenshot: Path | None = None, window: tuple[int, int] = (1300, 5200),
               wait_ms: int = 5000, timeout: float = 120.0, attempts: int = 2) -> BrowserCheck:
    """Load ``html`` in headless Chromium (``wait_ms`` of virtual time to render); optionally save a
    ``window``-sized PNG screenshot. A run that hangs past ``timeout`` seconds is retried with a
    fresh profile (software WebGL under heavy load occasionally never finishes), ``attempts`` in all.
    """
    binary = find_chromium()
    if binary is None:
        raise BrowserError("chromium is not installed (Debian: apt-get install chromium)")
    url = Path(html).resolve().as_uri()
    if screenshot is not None:
        screenshot = Path(screenshot).resolve()
        screenshot.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        with tempfile.TemporaryDirectory(prefix="accel-dse-chromium-") as profile:
            args = [binary, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={wait_ms}",
                    f"--window-size={window[0]},{window[1]}", "--enable-logging=stderr", "--v=0", "--dump-dom"]
            if screenshot is not None:
                args.append(f"--screenshot={screenshot}")
            try:
                run = subprocess.run([*args, url], capture_output=True, text=True, timeout=timeout, check=False)
                break
            except subprocess.TimeoutExpired:
                if attempt == attempts:
                    raise BrowserError(f"chromium did not finish loading {html} within {timeout:.0f} s "
                                       f"({attempts} attempts)") from None
    if run.returncode != 0 or not run.stdout:
        raise BrowserError(f"chromium failed on {html} (exit {run.returncode}): {run.stderr[-500:]}")
    if screenshot is not None and not screenshot.is_file():
        raise BrowserError(f"chromium wrote no screenshot of {html}: {run.stderr[-500:]}")
    counter = _PlotCounter()
    counter.feed(run.stdout)
    return BrowserCheck(plots=len(counter.rendered), rendered=sum(counter.rendered),
                        errors=CONSOLE_ERROR.findall(run.stderr), screenshot=screenshot, attempts=attempt)
