"""CLI commands ``report`` (Pareto report of any stored study) and ``demo`` (registered by dse.cli)."""
from __future__ import annotations

import click

from dse.errors import DSEInputError


@click.command("report")
@click.option("--storage", required=True,
              help="Where the study is: sqlite:///FILE.db, journal:///FILE.log or postgresql://USER@HOST/DB.")
@click.option("--study", "study_name", required=True, help="Study name (an unknown name lists the stored ones).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Output directory, e.g. reports/<name>/.")
@click.option("--pairs", default=None, metavar="X:Y[,X:Y…]",
              help="Metric pairs for 2-D Pareto fronts, e.g. runtime_s:energy_j,area_um2:energy_j "
                   "(default: every pair of the study's objectives).")
@click.option("--designs", "n_designs", type=int, default=4, show_default=True,
              help="Pareto designs shown in detail (each objective's best, then the knee).")
@click.option("--screenshot", is_flag=True,
              help="Also open report.html in headless chromium: check it and save screenshot.png.")
def report(storage, study_name, out_dir, pairs, n_designs, screenshot):
    """Pareto report of a study: pareto.csv/json, report.html (self-contained), PNGs."""
    from dse.report import write_report

    try:
        files = write_report(storage, study_name, out_dir, pairs=pairs, n_designs=n_designs,
                             progress=lambda line: click.echo(line, err=True))
    except DSEInputError as exc:
        raise click.ClickException(str(exc)) from exc
    if screenshot:
        _screenshot(files.html)
    click.echo(f"report: {files.html}")
    click.echo(f"Pareto designs: {files.csv}, {files.json}")
    for note in files.notes:
        click.echo(f"note: {note}", err=True)


def _screenshot(html):
    from dse.report_browser import BrowserError, check_html

    try:
        check = check_html(html, screenshot=html.parent / "screenshot.png")
    except BrowserError as exc:
        raise click.ClickException(str(exc)) from exc
    if not check.ok:
        raise click.ClickException(f"{html}: {check.rendered}/{check.plots} plots rendered in chromium, "
                                   f"JavaScript errors: {check.errors or 'none'}")
    click.echo(f"chromium: {check.plots} plots rendered, no JavaScript error; screenshot {check.screenshot}")


COMMANDS: list = [report]
