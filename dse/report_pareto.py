"""Pareto sets of a study: the full front, 2-D fronts of metric pairs, and the designs to look at first.

The full front is Optuna's own ``study.best_trials`` (feasible trials only when the study is
constrained; the ``pareto`` flag of ``StudyData.trials``). 2-D fronts of any metric pair use
Optuna's non-dominated sorting too, on a scratch in-memory study.
"""
from __future__ import annotations

import numpy as np
import optuna
import pandas as pd

from dse.objectives import Objective
from dse.report_data import StudyData
from dse.report_storage import ReportError


def pareto_table(data: StudyData) -> pd.DataFrame:
    """The Pareto-optimal designs, best first in the first objective."""
    first = data.objectives[0]
    front = data.trials[data.trials["pareto"]]
    return front.sort_values(first.name, ascending=first.direction == "minimize").reset_index(drop=True)


def pair_front_mask(table: pd.DataFrame, x: str, y: str, directions: tuple[str, str]) -> pd.Series:
    """True for rows on the 2-D Pareto front of metrics ``x`` and ``y`` (feasible rows only)."""
    for name in (x, y):
        if name not in table:
            raise ReportError(f"metric {name!r} is not recorded by the study's trials")
    candidates = table[table["feasible"]].dropna(subset=[x, y])
    candidates = candidates[np.isfinite(candidates[[x, y]].to_numpy(float)).all(axis=1)]
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "new study created" line per pair
    try:
        scratch = optuna.create_study(directions=list(directions))
    finally:
        optuna.logging.set_verbosity(verbosity)
    scratch.add_trials([optuna.trial.create_trial(values=[float(vx), float(vy)])
                        for vx, vy in zip(candidates[x], candidates[y])])
    # the scratch trials are numbered 0, 1, … in the order of the candidates
    on_front = candidates.index[[t.number for t in scratch.best_trials]] if len(candidates) else []
    return pd.Series(table.index.isin(list(on_front)), index=table.index)


def parse_pairs(spec: str | None, data: StudyData) -> list[tuple[str, str]]:
    """Metric pairs from ``"runtime_s:energy_j,area_um2:energy_j"``; default: every pair of objectives
    (with one objective: it against area, energy or runtime, whichever is recorded)."""
    table = data.trials
    if spec:
        pairs = []
        for item in spec.split(","):
            parts = [p.strip() for p in item.split(":")]
            if len(parts) != 2 or not all(parts):
                raise ReportError(f"--pairs item {item!r}: expected METRIC:METRIC, e.g. runtime_s:energy_j")
            for name in parts:
                if name not in table:
                    known = ", ".join(sorted(c for c in table.columns if c not in ("trial", "feasible", "pareto")))
                    raise ReportError(f"--pairs: metric {name!r} is not recorded by the study; known: {known}")
            pairs.append((parts[0], parts[1]))
        return pairs
    names = [o.name for o in data.objectives]
    if len(names) == 1:
        extra = [m for m in ("area_um2", "energy_j", "runtime_s") if m in table and m != names[0]]
        return [(names[0], extra[0])] if extra else []
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def chosen_designs(front: pd.DataFrame, objectives: tuple[Objective, ...] | list[Objective],
                   limit: int = 4) -> pd.DataFrame:
    """A few Pareto designs an architect would look at first: each objective's best, then the knee.

    The knee is the design of ``front`` nearest the ideal point after scaling every objective to
    [0, 1] over the front (0 = the front's best value; an objective constant over the front
    scales to 0). A ``role`` column says why each design was picked; a design picked for several
    reasons is one row naming all of them (``"best runtime_s + knee"``), so no role is lost.
    At most ``limit`` designs, in the order of their first role.
    """
    if front.empty:
        return front
    roles: dict[int, list[str]] = {}
    scaled = []
    for objective in objectives:
        values = front[objective.name].astype(float)
        best = values.idxmin() if objective.direction == "minimize" else values.idxmax()
        roles.setdefault(best, []).append(f"best {objective.name}")
        span = values.max() - values.min()
        norm = (values - values.min()) / span if span > 0 else values * 0.0
        scaled.append(norm if objective.direction == "minimize" else 1.0 - norm)
    if len(objectives) > 1:
        knee = pd.concat(scaled, axis=1).pow(2).sum(axis=1).idxmin()
        roles.setdefault(knee, []).append("knee")
    picked = list(roles)[:limit]
    chosen = front.loc[picked].copy()
    chosen.insert(0, "role", [" + ".join(roles[i]) for i in picked])
    return chosen.reset_index(drop=True)
