"""The report's figures, all plotly: 2-D Pareto fronts of metric pairs (dominated and infeasible
designs faded), a 3-D scatter of three objectives, parallel coordinates of the Pareto designs,
per-layer cycles and DRAM traffic of the chosen designs, the surrogates' parity plots and Optuna's
parameter importances. The HTML report embeds them; the PNGs are their static export
(``write_pngs``: plotly's own, through kaleido driving the local Chrome/Chromium).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from dse.objectives import Objective
from dse.report_pareto import pair_front_mask
from dse.report_units import UNITS_BY_SUFFIX, unit_of

logger = logging.getLogger(__name__)

#: Size of the exported PNGs (px before ``scale``): this width, and each figure's own height
#: (else PNG_HEIGHT).
PNG_WIDTH = 1100
PNG_HEIGHT = 500
FADED = "rgba(140,140,140,0.25)"
FRONT = "#d62728"
PARETO = "#1f77b4"
#: Colours and 2-D marker symbols of the recommended designs, in pick order.
PICK_COLORS = ("#ff7f0e", "#2ca02c", "#9467bd", "#17becf", "#e377c2", "#8c564b")
PICK_SYMBOLS = ("star", "diamond", "square", "triangle-up", "pentagon", "hexagon")
OTHER_3D = "rgba(70,70,70,0.6)"
CYCLE_PARTS = (("compute_cycles", "compute"), ("stall_cycles", "memory stall"), ("simd_cycles", "SIMD"))


def axis_title(name: str, units: dict[str, str]) -> str:
    unit = unit_of(name, units)
    return f"{name} [{unit}]" if unit else name


def _log_axis(values: pd.Series) -> bool:
    values = values.dropna().astype(float)
    return bool(len(values)) and values.min() > 0 and values.max() / values.min() > 30


def pick_label(pick: pd.Series) -> str:
    """Legend name of a recommended design: its role and trial."""
    return f"{pick['role']} (trial {int(pick['trial'])})"


def _short_label(name: str, units: dict[str, str]) -> str:
    """A parallel-coordinates axis label: the name without its unit suffix, the unit in brackets
    (``ibuf_kib`` → ``ibuf [KiB]``, ``runtime_s`` → ``runtime [s]``)."""
    unit = unit_of(name, units)
    base = name
    for suffix, _ in UNITS_BY_SUFFIX:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            break
    return f"{base} [{unit}]" if unit else base


def _hover(table: pd.DataFrame, params: list[str]) -> list[str]:
    shown = [p for p in params if p in table]
    return [
        f"trial {int(r['trial'])}<br>" + "<br>".join(f"{p} = {r[p]}" for p in shown)
        for _, r in table.iterrows()
    ]


def pareto_pair_figure(table: pd.DataFrame, x: str, y: str, directions: tuple[str, str],
                       units: dict[str, str], params: list[str], chosen: pd.DataFrame | None = None) -> go.Figure:
    """Scatter of ``y`` against ``x``: the pair's 2-D front highlighted (step line), designs
    Pareto-optimal in all objectives marked, dominated designs faded, infeasible ones as faded ×
    (listed only when there are some), each recommended design of ``chosen`` as its own legend entry."""
    on_front = pair_front_mask(table, x, y, directions)
    fig = go.Figure()
    groups = (
        ("infeasible (violates a constraint)", ~table["feasible"], dict(color=FADED, symbol="x", size=6)),
        ("dominated", table["feasible"] & ~on_front & ~table["pareto"], dict(color=FADED, size=6)),
        ("Pareto-optimal in all objectives", table["pareto"] & ~on_front,
         dict(color="rgba(0,0,0,0)", size=8, line=dict(color=PARETO, width=1.5))),
    )
    for name, mask, marker in groups:
        part = table[mask]
        if len(part):
            fig.add_trace(go.Scatter(x=part[x], y=part[y], mode="markers", name=name, marker=marker,
                                     hovertext=_hover(part, params), hoverinfo="text+x+y"))
    front = table[on_front].sort_values(x)
    fig.add_trace(go.Scatter(
        x=front[x], y=front[y], mode="lines+markers", name=f"2-D front ({len(front)} designs)",
        line=dict(color=FRONT, shape="hv" if directions[0] == directions[1] else "vh"),
        marker=dict(color=FRONT, size=9), hovertext=_hover(front, params), hoverinfo="text+x+y",
    ))
    for i, (_, pick) in enumerate(_picks(chosen)):
        fig.add_trace(go.Scatter(
            x=[pick[x]], y=[pick[y]], mode="markers", name=pick_label(pick), legendgroup="picks",
            marker=dict(color=PICK_COLORS[i % len(PICK_COLORS)], symbol=PICK_SYMBOLS[i % len(PICK_SYMBOLS)],
                        size=16, line=dict(color="black", width=1)),
            hovertext=_hover(pick.to_frame().T, params), hoverinfo="text+x+y"))
    fig.update_layout(
        title=f"Pareto front: {y} vs {x} ({directions[1][:3]} / {directions[0][:3]})",
        xaxis_title=axis_title(x, units), yaxis_title=axis_title(y, units),
        xaxis_type="log" if _log_axis(table[x]) else "linear",
        yaxis_type="log" if _log_axis(table[y]) else "linear",
        legend=dict(orientation="h", y=-0.2, yanchor="top"), height=560, margin=dict(t=60, b=150),
    )
    return fig


def scatter3d_figure(table: pd.DataFrame, metrics: list[str], units: dict[str, str],
                     params: list[str], chosen: pd.DataFrame | None = None) -> go.Figure:
    """3-D scatter of three metrics: Pareto designs coloured, the other feasible designs grey, each
    recommended design of ``chosen`` as its own legend entry. Log axes tick once per decade."""
    fig = go.Figure()
    feasible = table[table["feasible"]]
    for name, part, marker in (
        ("other designs", feasible[~feasible["pareto"]], dict(color=OTHER_3D, size=3.5)),
        ("Pareto-optimal designs", feasible[feasible["pareto"]], dict(color=FRONT, size=4)),
    ):
        fig.add_trace(go.Scatter3d(x=part[metrics[0]], y=part[metrics[1]], z=part[metrics[2]],
                                   mode="markers", name=name, marker=marker,
                                   hovertext=_hover(part, params), hoverinfo="text+x+y+z"))
    for i, (_, pick) in enumerate(_picks(chosen)):
        fig.add_trace(go.Scatter3d(
            x=[pick[metrics[0]]], y=[pick[metrics[1]]], z=[pick[metrics[2]]], mode="markers",
            name=pick_label(pick), marker=dict(color=PICK_COLORS[i % len(PICK_COLORS)], size=9, symbol="diamond",
                                               line=dict(color="black", width=1)),
            hovertext=_hover(pick.to_frame().T, params), hoverinfo="text+x+y+z"))
    scene = {}
    for axis, m in zip("xyz", metrics):
        log = _log_axis(table[m])
        scene[f"{axis}axis"] = dict(title=axis_title(m, units), type="log" if log else "linear",
                                    exponentformat="power", **(dict(dtick=1) if log else {}))
    fig.update_layout(title=dict(text="Designs in objective space (3-D)", y=0.97, yanchor="top"),
                      scene=dict(**scene, camera=dict(eye=dict(x=1.55, y=1.55, z=1.1))), height=650, legend=dict(x=0, y=1, yanchor="top", bgcolor="rgba(255,255,255,0.7)"),
                      margin=dict(t=60, l=10, r=10, b=10))
    return fig


def parallel_figure(front: pd.DataFrame, params: list[str], objectives: list[Objective],
                    units: dict[str, str], chosen: pd.DataFrame | None = None) -> go.Figure:
    """Parallel coordinates of the Pareto designs: parameters, then objectives, each labelled with
    its short name and unit; an axis constant over the front is left out (it says nothing). The
    recommended designs of ``chosen`` are coloured (named on the colour bar), the others grey, and
    drawn last so they lie on top. Categorical parameters get one tick per category."""
    picks = _picks(chosen)
    pick_of = {int(p["trial"]): i + 1 for i, (_, p) in enumerate(picks)}
    order = front.assign(_pick=front["trial"].map(lambda t: pick_of.get(int(t), 0))).sort_values("_pick", kind="stable")
    dims = []
    for name in params + [o.name for o in objectives]:
        if name not in order or order[name].nunique(dropna=False) < 2:
            continue
        column = order[name]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            cats = sorted(column.astype(str).unique())
            codes = column.astype(str).map({c: i for i, c in enumerate(cats)})
            dims.append(dict(label=_short_label(name, units), values=codes, tickvals=list(range(len(cats))),
                             ticktext=cats))
        else:
            dims.append(dict(label=_short_label(name, units), values=column.astype(float)))
    colors = ["#c8c8c8"] + [PICK_COLORS[i % len(PICK_COLORS)] for i in range(len(picks))]
    steps = len(colors)
    scale = [[edge, color] for i, color in enumerate(colors)
             for edge in (i / steps, (i + 1) / steps)] if steps > 1 else [[0, colors[0]], [1, colors[0]]]
    labels = ["other Pareto designs"] + [pick_label(p) for _, p in picks]
    fig = go.Figure(go.Parcoords(
        dimensions=dims, labelangle=-50, labelside="top", labelfont=dict(size=10.5),
        line=dict(color=order["_pick"], colorscale=scale, cmin=-0.5, cmax=steps - 0.5, showscale=True,
                  colorbar=dict(title="design", tickvals=list(range(steps)), ticktext=labels,
                                len=0.9, thickness=14)),
    ))
    fig.update_layout(title=dict(text=f"Pareto designs: parameters and objectives ({len(front)} designs)",
                                 y=0.985, yanchor="top"),
                      height=580, margin=dict(t=185, l=70, r=250, b=40))
    return fig


def _picks(chosen: pd.DataFrame | None) -> list[tuple[int, pd.Series]]:
    return [] if chosen is None else list(chosen.iterrows())


def layer_cycles_figure(layers: pd.DataFrame, workload: str) -> go.Figure:
    """Per-layer cycles of each chosen design (one panel each, compute / memory stall / SIMD stacked,
    all panels on one y scale so the designs compare at a glance; a bar's hover text is the layer's chosen
    mapping) and, in the last panel, each design's DRAM traffic per layer."""
    part = layers[layers["workload"] == workload]
    designs = list(dict.fromkeys(part["design"]))
    fig = make_subplots(rows=len(designs) + 1, cols=1, shared_xaxes=True, vertical_spacing=0.03,
                        subplot_titles=[f"{d}: cycles" for d in designs] + ["DRAM traffic (read + write)"])
    part_colors = ("#1f77b4", "#ff7f0e", "#2ca02c")
    design_colors = ("#d62728", "#9467bd", "#8c564b", "#17becf", "#e377c2", "#7f7f7f")
    for i, design in enumerate(designs, start=1):
        rows = part[part["design"] == design]
        for (column, label), color in zip(CYCLE_PARTS, part_colors):
            if column in rows:
                fig.add_trace(go.Bar(x=rows["layer"], y=rows[column], name=label, legendgroup=label,
                                     showlegend=i == 1, marker_color=color,
                                     hovertext=rows["mapping"] if "mapping" in rows else None), row=i, col=1)
        fig.update_yaxes(title_text="cycles", row=i, col=1)
        traffic = rows.get("dram_read_bytes", 0) + rows.get("dram_write_bytes", 0)
        fig.add_trace(go.Scatter(x=rows["layer"], y=traffic, mode="lines+markers", name=f"{design}: DRAM bytes",
                                 marker=dict(size=4), line=dict(width=1, color=design_colors[(i - 1) % 6])),
                      row=len(designs) + 1, col=1)
    stacked = part[[c for c, _ in CYCLE_PARTS if c in part]].sum(axis=1)
    top = float(stacked.max()) * 1.05 if len(stacked) and stacked.max() > 0 else 1.0
    for i in range(1, len(designs) + 1):
        fig.update_yaxes(range=[0, top], row=i, col=1)
    fig.update_yaxes(title_text="bytes", row=len(designs) + 1, col=1)
    fig.update_layout(title=f"{workload}: per-layer breakdown of the chosen designs", barmode="stack",
                      bargap=0.1, height=230 * (len(designs) + 1) + 150, legend=dict(orientation="h", y=-0.08),
                      margin=dict(t=70, b=150))
    return fig


def parity_figure(heldout: pd.DataFrame) -> go.Figure:
    """Predicted vs actual on held-out samples, one panel per target, with the y = x line."""
    targets = list(dict.fromkeys(heldout["target"]))
    fig = make_subplots(rows=1, cols=len(targets), subplot_titles=targets,
                        horizontal_spacing=0.06)
    for i, target in enumerate(targets, start=1):
        part = heldout[heldout["target"] == target]
        lo = float(min(part["actual"].min(), part["predicted"].min()))
        hi = float(max(part["actual"].max(), part["predicted"].max()))
        fig.add_trace(go.Scatter(x=part["actual"], y=part["predicted"], mode="markers",
                                 marker=dict(size=5, color=PARETO, opacity=0.6), name=target,
                                 showlegend=False), row=1, col=i)
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", line=dict(color="black", dash="dot"),
                                 showlegend=False, hoverinfo="skip"), row=1, col=i)
        log = lo > 0 and hi / lo > 30
        fig.update_xaxes(title_text=f"actual [{unit_of(target)}]", type="log" if log else "linear", row=1, col=i)
        fig.update_yaxes(title_text="predicted" if i == 1 else None, type="log" if log else "linear", row=1, col=i)
    fig.update_layout(title="Surrogates on held-out samples: predicted vs actual", height=420,
                      margin=dict(t=80))
    return fig


def importance_figure(importances: pd.DataFrame) -> go.Figure:
    """Optuna's parameter importances (rows = parameters, columns = objectives) as grouped bars."""
    fig = go.Figure([go.Bar(y=importances.index, x=importances[c], orientation="h", name=c)
                     for c in importances.columns])
    fig.update_layout(title="Parameter importances (Optuna PED-ANOVA, best 10 %), per objective",
                      xaxis_title="importance (normalised to sum 1)", barmode="group",
                      height=max(350, 24 * len(importances) * len(importances.columns)),
                      yaxis=dict(autorange="reversed"))
    return fig


def write_pngs(figures: dict[Path, go.Figure], scale: float = 2.0) -> list[Path]:
    """Export ``figures`` (path → figure) as PNGs with plotly's static export, in one browser session,
    ``PNG_WIDTH`` × the figure's own height, times ``scale`` pixels. Files are written under temporary
    names and renamed, so a failed export leaves none half-written.

    Returns the paths written; when kaleido or a Chrome/Chromium to drive is missing, returns []
    after logging one warning line (the HTML report holds every figure anyway).
    """
    if not figures:
        return []
    try:
        import kaleido  # noqa: F401  (plotly's static-export engine)
    except ImportError:
        logger.warning("PNGs skipped: plotly's static export needs kaleido (pip install kaleido); "
                       "report.html has every figure")
        return []
    paths = list(figures)
    staging = Path(tempfile.mkdtemp(prefix=".png-", dir=paths[0].parent))
    try:
        staged = [staging / f"{i}.png" for i in range(len(paths))]
        try:
            heights = [figure.layout.height or PNG_HEIGHT for figure in figures.values()]
            pio.write_images(list(figures.values()), staged, format="png", width=PNG_WIDTH, height=heights,
                             scale=scale)
        except RuntimeError as exc:  # kaleido found no browser, or the browser failed
            reason = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
            logger.warning("PNGs skipped: plotly's static export could not run a Chrome/Chromium (%s); "
                           "install Debian's chromium or pass --no-png; report.html has every figure", reason)
            return []
        for tmp, path in zip(staged, paths):
            os.replace(tmp, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return paths
