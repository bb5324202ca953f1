"""Gantt chart of a multi-DNN schedule (:class:`frontend_sim.schedule.Schedule`): one row per core, one bar per
layer from its start to its finish, coloured by network; hovering a bar names the job, layer and cycles."""
from __future__ import annotations

import logging
from pathlib import Path

import plotly.express as px
import plotly.graph_objects as go

from frontend_sim.atomic import write_file
from frontend_sim.schedule import Schedule

logger = logging.getLogger(__name__)


def gantt_figure(schedule: Schedule, title: str | None = None) -> go.Figure:
    """The schedule as a plotly figure; time in ms when the schedule has an energy model (a clock), else cycles."""
    frame = schedule.frame()
    model = schedule.instance.energy_model
    scale, unit = (1e3 / (model.clock_ghz * 1e9), "ms") if model is not None else (1.0, "cycles")
    palette = px.colors.qualitative.Plotly
    figure = go.Figure()
    for n, (network, rows) in enumerate(frame.groupby("network", sort=False)):
        figure.add_trace(go.Bar(
            y=rows["core"], x=rows["cycles"] * scale, base=rows["start_cycle"] * scale, orientation="h",
            name=network, marker={"color": palette[n % len(palette)], "line": {"width": 0.3, "color": "white"}},
            customdata=rows[["job", "layer", "cycles"]].to_numpy(),
            hovertemplate="%{customdata[0]} %{customdata[1]}<br>%{base:.4g} – %{x:.4g} " + unit
                          + " (%{customdata[2]:,.0f} cycles)<extra></extra>"))
    summary = schedule.summary()
    busy = ", ".join(f"{core} {100 * u:.1f} %" for core, u in summary["utilization"].items())
    heading = title or (f"{schedule.instance.workload.name} on {schedule.instance.design.name}: makespan "
                        f"{schedule.makespan_cycles * scale:.4g} {unit}, busy {busy}")
    figure.update_layout(title=heading, barmode="overlay", xaxis_title=f"time ({unit})", yaxis_title="core",
                         yaxis={"categoryorder": "array",
                                "categoryarray": [c.name for c in schedule.instance.design.cores][::-1]},
                         legend_title="network", template="plotly_white", height=220 + 60 * schedule.instance.n_cores)
    return figure


def write_gantt(schedule: Schedule, path: str | Path, title: str | None = None, plotly_js: bool | str = True) -> Path:
    """Write the chart as an HTML file (:func:`frontend_sim.atomic.write_file`: never half-written).
    ``plotly_js``: True embeds plotly.js (self-contained, ~4 MB), ``"cdn"`` links it (small file, needs the
    network to view)."""
    figure = gantt_figure(schedule, title)
    path = write_file(path, lambda tmp: figure.write_html(tmp, include_plotlyjs=plotly_js))
    logger.info("Gantt chart written to %s", path)
    return path
