"""Open an HTML report in headless Chromium: JavaScript errors, rendered plots, a screenshot, and
optionally where every figure's titles landed.

Runs the Debian ``chromium`` binary once on the ``file://`` URL, isolated from the network and from
any user profile, with ``--dump-dom``, console logging on stderr and optionally ``--screenshot``:
uncaught exceptions in the log are JavaScript errors, and every plotly div of the dumped DOM must
hold its rendered ``main-svg``. WebGL views (3-D scatter, parallel coordinates) render with
SwiftShader (software). With ``layout=True`` a copy of the page gets a small script (:data:`PROBE`)
that, once the plots are drawn, writes into the DOM each figure's trace names, rendered legend and
colour-bar texts, and for every title the figure asks for (figure, axis and subplot titles,
parallel-coordinates axis labels) whether the SVG holds that complete text and where its box lies
relative to the figure's div (3-D axis titles are drawn by WebGL and cannot be read back).
"""
from __future__ import annotations

import json
import os
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


#: Runs in the page after plotly drew it; writes :class:`RenderedFigure` data as JSON into the DOM.
PROBE = r"""<script>
window.addEventListener('load', () => setTimeout(() => {
  const text = (t) => (t && typeof t === 'object') ? (t.text || '') : (t || '');
  const figures = [];
  for (const div of document.querySelectorAll('.plotly-graph-div')) {
    const frame = div.getBoundingClientRect();
    const layout = div.layout || {};
    const wanted = [['title', text(layout.title)]];
    for (const key of Object.keys(layout)) {
      if (/^[xy]axis[0-9]*$/.test(key)) wanted.push(['axis', text((layout[key] || {}).title)]);
    }
    for (const a of (layout.annotations || [])) wanted.push(['annotation', text(a.text)]);
    for (const trace of (div.data || [])) {
      for (const d of (trace.dimensions || [])) wanted.push(['parcoords', d.label || '']);
    }
    const rendered = Array.from(div.querySelectorAll(
      '.g-gtitle text, g[class^="g-x"][class$="title"] text, g[class^="g-y"][class$="title"] text, '
      + 'text.axis-title, .annotation-text'));
    const used = new Set();
    const texts = wanted.filter(([, t]) => t).map(([kind, t]) => {
      const hit = rendered.find((el, i) => !used.has(i) && el.textContent === t && (used.add(i), true));
      if (!hit) return {kind, text: t, found: false, box: null};
      const r = hit.getBoundingClientRect();
      return {kind, text: t, found: true,
              box: [r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top]};
    });
    figures.push({id: div.id, width: frame.width, height: frame.height,
                  traces: (div.data || []).map((t) => t.name || ''),
                  legend: Array.from(div.querySelectorAll('.legendtext')).map((e) => e.textContent),
                  colorbar: Array.from(div.querySelectorAll('.colorbar text')).map((e) => e.textContent),
                  texts});
  }
  const out = document.createElement('script');
  out.type = 'application/json';
  out.id = 'accel-dse-layout';
  out.textContent = JSON.stringify(figures).replace(/</g, '\\u003c');
  document.body.appendChild(out);
}, 1500));
</script>"""
LAYOUT = re.compile(r'<script type="application/json" id="accel-dse-layout">(.*?)</script>', re.S)


@dataclass
class RenderedText:
    """A title a figure asks for and where it was drawn (``box``: left, top, right, bottom in px
    from the figure div's top-left corner; None when the SVG holds no element with that complete text)."""

    kind: str  #: "title", "axis", "annotation" (subplot titles) or "parcoords" (axis label)
    text: str
    box: tuple[float, float, float, float] | None


@dataclass
class RenderedFigure:
    """One plotly figure as drawn: its size, trace names, legend and colour-bar texts, titles."""

    id: str
    width: float
    height: float
    traces: list[str]
    legend: list[str]
    colorbar: list[str]
    texts: list[RenderedText]

    def clipped(self) -> list[RenderedText]:
        """Titles missing from the SVG, or whose box leaves the figure's div."""
        return [t for t in self.texts if t.box is None or t.box[0] < 0 or t.box[1] < 0
                or t.box[2] > self.width or t.box[3] > self.height]

    def overlapping(self) -> list[tuple[str, str]]:
        """Pairs of titles whose boxes intersect (the box of a rotated label is the upright box
        around it, so this errs on the side of reporting an overlap)."""
        labels = [t for t in self.texts if t.box is not None]
        return [(a.text, b.text) for i, a in enumerate(labels) for b in labels[i + 1:]
                if a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3] and b.box[1] < a.box[3]]


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
    #: Each figure's titles, traces and legend as drawn (only with ``check_html(layout=True)``).
    figures: list[RenderedFigure] = field(default_factory=list)

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
               wait_ms: int = 5000, timeout: float = 120.0, attempts: int = 2, layout: bool = False) -> BrowserCheck:
    """Load ``html`` in headless Chromium (``wait_ms`` of virtual time to render); optionally save a
    ``window``-sized PNG screenshot. A run that hangs past ``timeout`` seconds is retried with a
    fresh profile (software WebGL under heavy load occasionally never finishes), ``attempts`` in all.
    With ``layout``, a temporary copy of the page beside it runs :data:`PROBE` and the check's
    ``figures`` say what each figure drew where.
    """
    binary = find_chromium()
    if binary is None:
        raise BrowserError("chromium is not installed (Debian: apt-get install chromium)")
    if layout:
        html = Path(html)
        probe = html.with_name(f".{html.stem}.{os.getpid()}.probe.html")
        text = html.read_text(encoding="utf-8")
        at = text.rfind("</body>")
        probe.write_text(text[:at] + PROBE + text[at:] if at >= 0 else text + PROBE, encoding="utf-8")
        try:
            check = check_html(probe, screenshot, window, wait_ms, timeout, attempts)
        finally:
            probe.unlink(missing_ok=True)
        if not check.figures:
            raise BrowserError(f"the layout probe wrote nothing into the DOM of {html}")
        return check
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
    probed = LAYOUT.search(run.stdout)
    figures = [RenderedFigure(**{**f, "texts": [RenderedText(t["kind"], t["text"], tuple(t["box"]) if t["box"] else None)
                                               for t in f["texts"]]})
               for f in (json.loads(probed.group(1)) if probed else [])]
    return BrowserCheck(plots=len(counter.rendered), rendered=sum(counter.rendered),
                        errors=CONSOLE_ERROR.findall(run.stderr), screenshot=screenshot, attempts=attempt,
                        figures=figures)
