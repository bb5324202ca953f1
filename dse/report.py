"""The Pareto report of a stored study: ``write_report`` writes every table, figure and the HTML page.

Reads the study once (``dse.report_data``) and assembles: the chosen designs (each objective's
best, then the knee), 2-D Pareto fronts, a 3-D and a parallel-coordinates view, the per-layer
breakdown of the chosen designs, the surrogates on held-out data, every Pareto design, parameter
importances and the study's settings. Each part that cannot be made (e.g. a workload that no longer
loads) becomes a note in the report instead of stopping it.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dse import report_figures as rf
from dse import report_html as rh
from dse.report_data import StudyData, read_study
from dse.report_importance import param_importances
from dse.report_layers import layer_breakdown
from dse.report_pareto import chosen_designs, pareto_table, parse_pairs
from dse.report_picks import KNEE_EXPLAINED, bound_hits, bound_notes, pick_sentence, pick_table
from dse.report_storage import ReportError, load_study
from dse.report_tables import study_settings, write_tables
from frontend_sim.atomic import check_writable, output_files, write_file


@dataclass
class ReportFiles:
    """What ``write_report`` wrote."""

    out: Path
    csv: Path
    json: Path
    html: Path
    pngs: list[Path]
    notes: list[str]
    #: The Pareto designs shown in detail (a ``role`` column says why each was chosen).
    chosen: pd.DataFrame
    #: Number of Pareto-optimal designs (rows of pareto.csv).
    n_pareto: int


def write_report(storage: str, study_name: str, out: Path | str, pairs: str | None = None,
                 n_designs: int = 4, static: bool = True, progress=lambda message: None) -> ReportFiles:
    """Write the full report of a study into ``out``: pareto.csv, pareto.json, units.csv,
    layers.csv, report.html (self-contained) and, with ``static``, the PNGs. ``progress`` receives
    one line per step."""
    out = Path(out)
    check_writable(out / "report.html")  # before any work: a read-only --out is one line, not a traceback
    with output_files(out) as stage:  # all files or, on a failure (e.g. a full disk), the previous ones
        files = _write_report(storage, study_name, stage, pairs, n_designs, static, progress)
    files = replace(files, out=out, csv=out / files.csv.name, json=out / files.json.name,
                    html=out / files.html.name, pngs=[out / png.name for png in files.pngs])
    progress(f"report written: {files.html}")
    return files


def _write_report(storage: str, study_name: str, out: Path, pairs: str | None, n_designs: int, static: bool,
                  progress) -> ReportFiles:
    study = load_study(storage, study_name)
    progress(f"study {study_name!r}: {len(study.trials)} trials")
    data = read_study(study)
    table, params, units = data.trials, list(data.params), data.units
    front = pareto_table(data)
    csv_path, json_path = write_tables(data, front, storage, out)
    progress(f"Pareto set: {len(front)} designs -> {csv_path.name}, {json_path.name}")
    notes: list[str] = []
    static_figures: dict[Path, go.Figure] = {}  # PNG path -> figure, exported at the end

    def draw(figure: go.Figure, name: str) -> go.Figure:
        static_figures[out / name.replace("/", "_")] = figure
        return figure

    sections: list[tuple[str, str, list]] = []

    summary = (f"<p>{len(table)} completed trials, {int(table['feasible'].sum())} feasible, "
               f"{len(front)} Pareto-optimal in ({', '.join(o.name for o in data.objectives)}). "
               "Full table: <code>pareto.csv</code> / <code>pareto.json</code>.</p>")
    chosen = chosen_designs(front, data.objectives, n_designs)
    sections.append(("designs", "Recommended designs", _recommended_section(data, chosen, summary)))

    pair_list = parse_pairs(pairs, data)
    figures = []
    for x, y in pair_list:
        directions = (data.direction(x), data.direction(y))
        figures.append(draw(rf.pareto_pair_figure(table, x, y, directions, units, params, chosen),
                            f"pareto_{x}_vs_{y}.png"))
    sections.append(("fronts", "Pareto fronts", figures or ["<p class='note'>no metric pairs to plot</p>"]))
    progress(f"Pareto fronts: {len(pair_list)} pairs")

    sections.append(("space", "Designs in 3-D and parallel coordinates", _space_views(data, front, chosen)))

    if not chosen.empty:
        try:
            sections.append(("layers", "Per-layer breakdown of the chosen designs",
                             _layer_section(data, chosen, out, draw)))
            n = len(data.workloads)
            progress(f"per-layer breakdown: {len(chosen)} designs x {n} workload{'' if n == 1 else 's'}")
        except ReportError as exc:
            notes.append(str(exc))

    try:
        sections.append(("surrogates", "Surrogates on held-out data", _surrogate_section(data, out, draw)))
        progress("surrogate parity plots done")
    except ReportError as exc:
        notes.append(str(exc))

    sections.append(("pareto", "All Pareto-optimal designs",
                     [rh.table_html(front.drop(columns=["pareto"]), units, max_rows=200)]))

    try:
        importances = param_importances(study, data.objectives)
        sections.append(("importance", "Parameter importances",
                         [draw(rf.importance_figure(importances), "importances.png")]))
    except ReportError as exc:
        notes.append(str(exc))
    progress("parameter importances done")

    sections.append(("settings", "Study settings", [rh.settings_html(study_settings(data, storage))]))
    if notes:
        sections.append(("notes", "Notes", ["<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"]))
    html_path = rh.write_html(out / "report.html", f"accel-dse report: {study_name}", sections)
    pngs = rf.write_pngs(static_figures) if static else []
    if pngs:
        progress(f"{len(pngs)} PNGs written (plotly static export)")
    return ReportFiles(out, csv_path, json_path, html_path, pngs, notes, chosen, len(front))


def _recommended_section(data: StudyData, chosen: pd.DataFrame, summary: str) -> list:
    """The picks: the explanation of the roles, the pick table (objectives and achieved clock first),
    one sentence per pick and a note per pick on a bound of the searched space."""
    if chosen.empty:
        return [summary, "<p class='note'>no feasible Pareto-optimal design to recommend</p>"]
    objectives = list(data.objectives)
    roles = ("Each objective's best design, and the knee. " + html.escape(KNEE_EXPLAINED)
             if len(objectives) > 1 else "The best design.")
    if "clock_ghz" in chosen:
        roles += (" <code>clock_ghz</code> is the clock a design achieves (the lowest of its target, "
                  "logic and memory fmax), the one its runtime is computed at.")
    roles = f"<p>{roles}</p>"
    sentences = "".join(
        f"<li class='pick' data-trial='{int(pick['trial'])}'><b>{html.escape(pick['role'])}</b> "
        f"(trial {int(pick['trial'])}): {html.escape(pick_sentence(pick, chosen, objectives))}</li>"
        for _, pick in chosen.iterrows())
    parts = [summary, roles, rh.table_html(pick_table(chosen, objectives, list(data.params)), data.units),
             f"<ul class='picks'>{sentences}</ul>"]
    notes = bound_notes(bound_hits(chosen, data.distributions))
    if notes:
        parts.append("<div class='bounds'><b>On a bound of the searched space</b> (the best design may lie "
                     "beyond it; widening the space would tell):<ul>"
                     + "".join(f"<li class='bound'>{html.escape(n)}</li>" for n in notes) + "</ul></div>")
    return parts


def _space_views(data: StudyData, front, chosen: pd.DataFrame) -> list:
    """A 3-D scatter of three objectives (filled up with area, energy, runtime, power) and parallel
    coordinates of the Pareto designs, the picks highlighted in both."""
    views: list = []
    metrics3 = [o.name for o in data.objectives][:3]
    for extra in ("top1", "area_um2", "energy_j", "runtime_s", "power_mw"):
        if len(metrics3) < 3 and extra in data.trials and extra not in metrics3:
            metrics3.append(extra)
    if len(metrics3) == 3:
        views.append(rf.scatter3d_figure(data.trials, metrics3, data.units, list(data.params), chosen))
    if len(front) > 1:
        views.append(rf.parallel_figure(front, list(data.params), list(data.objectives), data.units, chosen))
    return views


def _layer_section(data: StudyData, chosen, out: Path, draw) -> list:
    """Per-layer cycles of the chosen designs, one figure per workload, and ``layers.csv``."""
    layers = layer_breakdown(data, chosen)
    write_file(out / "layers.csv", lambda p: layers.to_csv(p, index=False))
    parts: list = ["<p class='note'>Re-simulated with frontend_sim for the chosen designs; "
                   "cycles stack as compute + memory stall + SIMD = total; hover a bar for the layer's "
                   "chosen mapping (DRAM tile M×K×N, loop order innermost first, refetch factors, where "
                   "partial sums live). "
                   "Table: <code>layers.csv</code>.</p>"]
    for workload in dict.fromkeys(layers["workload"]):
        parts.append(draw(rf.layer_cycles_figure(layers, workload), f"layers_{workload}.png"))
    return parts


def _surrogate_section(data: StudyData, out: Path, draw) -> list:
    """Parity figure and error table of the study's model bundle, as stored in it, and a sha256 check."""
    from ppa.hashing import tree_sha256
    from dse.report_surrogates import bundle_path_of, heldout_predictions

    bundle = bundle_path_of(data)
    predictions, errors = heldout_predictions(bundle)
    write_file(out / "surrogate_heldout.csv", lambda p: predictions.to_csv(p, index=False))
    write_file(out / "surrogate_errors.csv", lambda p: errors.to_csv(p, index=False))
    same = data.models_sha256 == tree_sha256(bundle)
    split = errors["split"].iloc[0] if "split" in errors else "?"
    note = (f"<p class='note'>Bundle <code>{bundle}</code>"
            + ("" if same else " <b>changed since the study ran (sha256 differs)</b>")
            + f". Out-of-fold predictions of its {split}-split cross-validation "
            "(whole configurations held out when the split is 'unseen'), as the bundle stores them; "
            "the errors are the bundle's own, computed from these predictions. "
            "Tables: <code>surrogate_heldout.csv</code>, <code>surrogate_errors.csv</code>.</p>")
    return [note, draw(rf.parity_figure(predictions), "surrogate_parity.png"), rh.error_table_html(errors)]
