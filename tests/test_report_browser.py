"""The HTML report in a real headless browser (Debian chromium): no JavaScript error, every plot drawn."""
from __future__ import annotations

import struct

import pytest

from dse import report
from dse.report_browser import check_html, find_chromium
from report_study import make_study

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="chromium is not installed (apt-get install chromium; .ci/run does)")


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_report_renders_every_plot_without_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    make_study(url, n_trials=24)
    files = report.write_report(url, "fixture", tmp_path / "out", static=False)
    assert files.pngs == [] and not list((tmp_path / "out").glob("*.png"))
    check = check_html(files.html, screenshot=tmp_path / "out" / "screenshot.png", window=(1200, 2400))
    assert check.errors == []
    assert check.plots == 7 and check.rendered == 7  # 3 fronts, 3-D, parallel, layers, importances
    assert png_size(check.screenshot) == (1200, 2400)
    assert check.screenshot.stat().st_size > 50_000  # plots, not a blank page


def test_check_catches_script_errors_and_unrendered_plots(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><div id='a' class='plotly-graph-div'></div>"
        "<script>undefinedFunction();</script></body></html>")
    check = check_html(page)
    assert check.errors == ["Uncaught ReferenceError: undefinedFunction is not defined"]
    assert (check.plots, check.rendered, check.ok) == (1, 0, False)
