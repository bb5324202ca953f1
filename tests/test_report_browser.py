"""The HTML report in a real headless browser (Debian chromium): no JavaScript error, every plot drawn,
the recommended designs first and highlighted on every front, no clipped or overlapping title."""
from __future__ import annotations

import re
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


def test_recommended_designs_first_highlighted_on_every_front_and_no_clipped_title(tmp_path):
    """The acceptance check of the report as a browser draws it (issue 19): the first section is the
    recommended designs, one sentence per pick naming its achieved clock, a note for picks on a
    bound of the space; every front (2-D, 3-D, parallel coordinates) names each pick in its
    rendered legend or colour bar; every title the figures ask for is drawn complete, inside its
    figure, overlapping no other title."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    make_study(url, n_trials=40)
    files = report.write_report(url, "fixture", tmp_path / "out", static=False)
    check = check_html(files.html, window=(1200, 2400), layout=True)
    assert check.ok, (check.errors, check.plots, check.rendered)
    assert not list((tmp_path / "out").glob(".*")), "the probe's copy of the page is removed"

    text = files.html.read_text(encoding="utf-8")
    assert re.findall(r'<section id="([^"]+)">', text)[0] == "designs"
    first = text[text.index('<section id="designs">'):text.index('<section id="fronts">')]
    assert "<h2>Recommended designs</h2>" in first
    sentences = re.findall(r"<li class='pick'[^>]*>(.*?)</li>", first)
    assert len(sentences) == len(files.chosen) >= 3
    assert all(re.search(r"runs at (its )?\d\.\d{3} GHz", s) for s in sentences), sentences
    assert re.search(r"<li class='bound'>[^<]*(lowest|highest) searched", first)

    labels = [f"{row['role']} (trial {int(row['trial'])})" for _, row in files.chosen.iterrows()]
    fronts = {f.id: f for f in check.figures if f.id.startswith(("fig-fronts-", "fig-space-"))}
    assert len(fronts) == 5  # three 2-D fronts, the 3-D scatter, parallel coordinates
    for figure in fronts.values():
        shown = figure.colorbar if figure.id == "fig-space-1" else figure.legend
        assert all(label in shown for label in labels), (figure.id, shown)
        if figure.id != "fig-space-1":
            assert all(label in figure.traces for label in labels)
    parallel = fronts["fig-space-1"]
    assert {t.text for t in parallel.texts if t.kind == "parcoords"} >= {"array_rows [PEs]", "runtime [s]", "area [µm²]"}
    for figure in check.figures:
        assert figure.texts, figure.id
        assert figure.clipped() == [], (figure.id, figure.clipped())
        assert figure.overlapping() == [], (figure.id, figure.overlapping())


def test_layout_probe_catches_a_clipped_title(tmp_path):
    """The issue's "rray_rows": a parallel-coordinates label centred on the figure's left edge (no
    left margin) is reported as clipped; with a margin it is not."""
    import plotly.graph_objects as go

    from dse.report_html import write_html

    def page(name, margin_left):
        fig = go.Figure(go.Parcoords(dimensions=[dict(label="array_rows [PEs]", values=[4, 16]),
                                                 dict(label="runtime [s]", values=[0.1, 0.2])]))
        fig.update_layout(title="fits", margin=dict(l=margin_left, r=80, t=80), width=500, height=300)
        return write_html(tmp_path / name, name, [("a", "A", [fig])])

    clipped = check_html(page("clipped.html", 0), layout=True).figures[0]
    assert [t.text for t in clipped.clipped()] == ["array_rows [PEs]"]
    roomy = check_html(page("roomy.html", 90), layout=True).figures[0]
    assert roomy.clipped() == [] and [t.kind for t in roomy.texts] == ["title", "parcoords", "parcoords"]


def test_check_catches_script_errors_and_unrendered_plots(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><div id='a' class='plotly-graph-div'></div>"
        "<script>undefinedFunction();</script></body></html>")
    check = check_html(page)
    assert check.errors == ["Uncaught ReferenceError: undefinedFunction is not defined"]
    assert (check.plots, check.rendered, check.ok) == (1, 0, False)
