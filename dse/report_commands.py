"""CLI commands ``report`` (Pareto report of any stored study) and ``demo`` (registered by dse.cli)."""
from __future__ import annotations

import shutil
from pathlib import Path

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
@click.option("--designs", "n_designs", type=click.IntRange(min=0), default=4, show_default=True,
              help="Pareto designs shown in detail (each objective's best, then the knee).")
@click.option("--png/--no-png", "static", default=True, show_default=True,
              help="Also export the figures as PNGs (plotly static export; needs kaleido and Chrome/Chromium, else skipped with one warning).")
@click.option("--screenshot", is_flag=True,
              help="Also open report.html in headless chromium: check it and save screenshot.png.")
def report(storage, study_name, out_dir, pairs, n_designs, static, screenshot):
    """Pareto report of a study: pareto.csv/json, report.html (self-contained), PNGs."""
    from dse.report import write_report

    if screenshot:
        _require_chromium()
    missing = [p for p in (Path(out_dir).absolute(), *Path(out_dir).absolute().parents) if not p.exists()]
    created = missing[-1] if missing else None  # the topmost directory this report creates
    try:
        files = write_report(storage, study_name, out_dir, pairs=pairs, n_designs=n_designs, static=static,
                             progress=lambda line: click.echo(line, err=True))
    except BaseException as exc:
        if created is not None:  # a failed report leaves no (partial or empty) output directory behind
            shutil.rmtree(created, ignore_errors=True)
        if isinstance(exc, DSEInputError):
            raise click.ClickException(str(exc)) from exc
        raise
    if screenshot:
        _screenshot(files.html)
    click.echo(f"report: {files.html}")
    click.echo(f"Pareto designs: {files.csv}, {files.json}")
    for note in files.notes:
        click.echo(f"note: {note}", err=True)


def _require_chromium() -> None:
    """Fail before any work when ``--screenshot`` is asked for and no Chromium is installed."""
    from dse.report_browser import find_chromium

    if find_chromium() is None:
        raise click.ClickException("--screenshot needs Chromium (chromium, chromium-browser or google-chrome on "
                                   "PATH), e.g. `sudo apt-get install chromium`; nothing was written")


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


@click.command("demo")
@click.option("--out", "out_dir", default="accel-dse-demo", show_default=True, type=click.Path(file_okay=False),
              help="Output directory: models/, study.db, the report (`--out reports/demo` regenerates the "
                   "checkout's committed demo report).")
@click.option("--trials", "n_trials", type=int, default=300, show_default=True, help="Search trials.")
@click.option("--models", type=click.Path(file_okay=False, exists=True), default=None,
              help="Use this trained bundle instead of training on the bundled dataset.")
@click.option("--data", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Backend PPA CSV to train on (default: the bundled datasets/asap7/ppa_samples.csv).")
@click.option("--space", "space_path", default=None,
              help="Search-space TOML or bundled space name (default: asap7, i.e. dse/spaces/asap7.toml).")
@click.option("--tuning-trials", type=int, default=15, show_default=True,
              help="Surrogate tuning: Optuna trials per target and family.")
@click.option("--budget-s", type=float, default=None,
              help="Also stop surrogate tuning after this many seconds (default: no time ceiling, so runs with "
                   "the same seed give the same results).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--screenshot", is_flag=True, help="Check report.html in headless chromium, save screenshot.png.")
def demo(out_dir, n_trials, models, data, space_path, tuning_trials, budget_s, seed, screenshot):
    """Bundled data -> surrogates -> ResNet-50 + BERT-base study -> Pareto report (a few minutes).

    Searches the space for ResNet-50 and BERT-base, weighted equally. Seeded and stopped by trial
    counts: two runs with the same options give the same Pareto set."""
    import math

    from dse.demo import SPACE, run_demo
    from dse.report_browser import BrowserError

    try:
        if screenshot:
            _require_chromium()
        run_demo(out_dir, n_trials=n_trials, models=models, data=data, space=space_path or SPACE,
                 budget_s=math.inf if budget_s is None else budget_s, tuning_trials=tuning_trials, seed=seed,
                 screenshot=screenshot, say=click.echo)
    except (DSEInputError, BrowserError) as exc:
        raise click.ClickException(str(exc)) from exc


COMMANDS: list = [report, demo]
