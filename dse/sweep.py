"""Exhaustive vectorized sweep of a discrete space: every design point evaluated in batches
(batched simulator + batched surrogate), written as a table with its Pareto front.

It is the ground truth the sampler benchmark measures the searches against.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from dse.errors import DSEInputError
from dse.evaluator import Evaluator
from dse.pareto import pareto_mask
from dse.space import SearchSpace
from frontend_sim.atomic import output_files, write_file, write_text
from ppa.json_values import json_value

#: Largest space ``sweep`` evaluates unless told otherwise (points).
MAX_POINTS = 200_000


def sweep_design_space(space: SearchSpace, evaluator: Evaluator, max_points: int = MAX_POINTS,
                       chunk: int = 4096, progress: bool = True) -> pd.DataFrame:
    """Every design point of a discrete search space, evaluated (the DSE's exhaustive sweep; the backend's
    synthesis sweep is :func:`ppa.backend_flow.sweep.sweep_backend_samples`): parameters, metrics,
    ``objective:<name>`` and ``constraint:<name>`` (<= 0 met) columns, ``feasible``, ``rejected`` and
    ``pareto`` (non-dominated among the feasible points)."""
    size = space.grid_size()
    if size == 0:
        space.grid()  # raises, naming the continuous parameter
    if size > max_points:
        sizes = ", ".join(f"{n}={len(p.grid() or ())}" for n, p in space.parameters.items())
        raise DSEInputError(f"{space.path}: the space has {size:,} points ({sizes}), above the sweep limit of "
                            f"{max_points:,}; coarsen a parameter, fix one, or raise --max-points")
    grid = space.grid()
    parts = []
    for start in tqdm(range(0, len(grid), chunk), disable=not progress, unit="chunk", desc="sweep"):
        params = grid.iloc[start:start + chunk]
        assessment = evaluator.assess(space.designs(params.to_dict(orient="records")))
        table = pd.concat([params.reset_index(drop=True), assessment.metrics.reset_index(drop=True)], axis=1)
        for j, objective in enumerate(space.objectives):
            table[f"objective:{objective.name}"] = assessment.objectives[:, j]
        for j, name in enumerate(assessment.constraint_names):
            table[f"constraint:{name}"] = assessment.constraints[:, j]
        table["feasible"] = assessment.feasible
        table["rejected"] = assessment.rejected.to_numpy()
        parts.append(table)
    table = pd.concat(parts, ignore_index=True)
    table["pareto"] = False
    feasible = table["feasible"].to_numpy()
    values = table.loc[feasible, [f"objective:{o.name}" for o in space.objectives]].to_numpy()
    if feasible.any():
        table.loc[feasible, "pareto"] = pareto_mask(values, space.directions)
    return table


def write_sweep(table: pd.DataFrame, space: SearchSpace, evaluator: Evaluator, out_dir: str | Path) -> dict:
    """``sweep.csv`` (every point), ``pareto.csv`` (the front) and ``sweep.json`` (what was swept, units),
    written as one output (:func:`frontend_sim.atomic.output_files`: all three or, on a failure, none)."""
    with output_files(out_dir) as out:
        return _write_sweep(table, space, evaluator, out)


def _write_sweep(table: pd.DataFrame, space: SearchSpace, evaluator: Evaluator, out: Path) -> dict:
    write_file(out / "sweep.csv", lambda p: table.to_csv(p, index=False))
    write_file(out / "pareto.csv", lambda p: table[table["pareto"]].to_csv(p, index=False))
    summary = {
        "space": space.describe(),
        "objectives": [{"name": o.name, "direction": o.direction, "definition": o.describe()}
                       for o in space.objectives],
        "constraints": [c.text for c in space.constraints],
        "workloads": {key: weight for key, (_, weight) in evaluator.workloads.items()},
        "points": int(len(table)),
        "feasible": int(table["feasible"].sum()),
        "pareto": int(table["pareto"].sum()),
        "metric_units": evaluator.metric_units(),
    }
    write_text(out / "sweep.json", json.dumps(json_value(summary), indent=2, allow_nan=False))
    return summary

