"""Objectives (single metrics or scalarised combinations) and constraints over evaluated metrics.

Objective values and constraint values are computed from the metrics table the evaluator returns
(one row per design point). Constraint values follow Optuna's ``constraints_func`` convention:
``<= 0`` is feasible; they are relative violations, ``(value - bound) / |bound|`` for ``<=`` and
``(bound - value) / |bound|`` for ``>=``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dse.errors import DSEInputError

DIRECTIONS = ("minimize", "maximize")
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=)\s*([-+0-9.eE_]+)\s*$")


@dataclass(frozen=True)
class Objective:
    """One study objective: a metric, or ``sum`` (Σ weight·metric) / ``product`` (Π metric^exponent)."""

    name: str
    direction: str
    combine: str  # "metric" | "sum" | "product"
    terms: tuple[tuple[str, float], ...]

    @property
    def metrics(self) -> list[str]:
        return [metric for metric, _ in self.terms]

    def values(self, metrics: pd.DataFrame) -> np.ndarray:
        """Objective value per row of ``metrics``."""
        if self.combine == "metric":
            return metrics[self.terms[0][0]].to_numpy(dtype=float)
        if self.combine == "sum":
            return sum(weight * metrics[m].to_numpy(dtype=float) for m, weight in self.terms)
        return np.prod([metrics[m].to_numpy(dtype=float) ** exponent for m, exponent in self.terms], axis=0)

    def describe(self) -> str:
        if self.combine == "metric":
            return self.terms[0][0]
        joiner = " + " if self.combine == "sum" else " × "
        return joiner.join(f"{m}·{w:g}" if self.combine == "sum" else f"{m}^{w:g}" for m, w in self.terms)


@dataclass(frozen=True)
class Constraint:
    """``metric <= bound`` or ``metric >= bound``."""

    metric: str
    op: str
    bound: float

    @property
    def text(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"

    def violation(self, metrics: pd.DataFrame) -> np.ndarray:
        """Relative violation per row (<= 0 feasible)."""
        value = metrics[self.metric].to_numpy(dtype=float)
        scale = abs(self.bound) or 1.0
        excess = value - self.bound if self.op == "<=" else self.bound - value
        return excess / scale


def parse_objective(raw: object, where: str, known_metrics: list[str]) -> Objective:
    """An objective from a ``[[objectives]]`` table: ``metric`` or ``sum``/``product`` (+ ``name``, ``direction``)."""
    if not isinstance(raw, dict):
        raise DSEInputError(f"{where}: expected a table with 'metric' (or 'sum'/'product') and 'direction'")
    unknown = set(raw) - {"metric", "sum", "product", "name", "direction"}
    if unknown:
        raise DSEInputError(f"{where}: unknown key(s) {sorted(unknown)}; expected metric or sum/product, "
                            f"name, direction")
    direction = raw.get("direction", "minimize")
    if direction not in DIRECTIONS:
        raise DSEInputError(f"{where}.direction: {direction!r} is not one of {DIRECTIONS}")
    kinds = [key for key in ("metric", "sum", "product") if key in raw]
    if len(kinds) != 1:
        raise DSEInputError(f"{where}: give exactly one of 'metric', 'sum', 'product' (got {kinds or 'none'})")
    kind = kinds[0]
    if kind == "metric":
        terms = ((raw["metric"], 1.0),)
    else:
        if not isinstance(raw[kind], dict) or not raw[kind]:
            raise DSEInputError(f"{where}.{kind}: expected a non-empty table metric = "
                                f"{'weight' if kind == 'sum' else 'exponent'}")
        terms = tuple((metric, float(weight)) for metric, weight in raw[kind].items())
    for metric, _ in terms:
        _check_metric(metric, f"{where}.{kind}", known_metrics)
    name = raw.get("name", terms[0][0] if kind == "metric" else f"{kind}({', '.join(m for m, _ in terms)})")
    return Objective(name=str(name), direction=direction, combine=kind, terms=terms)


def parse_constraint(text: object, where: str, known_metrics: list[str]) -> Constraint:
    """A constraint from a string such as ``"area_um2 <= 2e6"``."""
    match = _CONSTRAINT.match(text) if isinstance(text, str) else None
    if not match:
        raise DSEInputError(f"{where}: {text!r} is not a constraint of the form '<metric> <= <number>' or "
                            f"'<metric> >= <number>'")
    metric, op, bound = match.groups()
    _check_metric(metric, where, known_metrics)
    try:
        value = float(bound)
    except ValueError:
        raise DSEInputError(f"{where}: bound {bound!r} of {text!r} is not a number") from None
    return Constraint(metric=metric, op=op, bound=value)


def _check_metric(metric: str, where: str, known_metrics: list[str]) -> None:
    if metric not in known_metrics:
        raise DSEInputError(f"{where}: unknown metric {metric!r}; metrics are: {', '.join(known_metrics)}")


def objective_matrix(objectives: list[Objective], metrics: pd.DataFrame) -> np.ndarray:
    """Objective values, shape (designs, objectives), in each objective's own direction."""
    return np.column_stack([objective.values(metrics) for objective in objectives])


def constraint_matrix(constraints: list[Constraint], metrics: pd.DataFrame, penalize: pd.Series | None = None
                      ) -> np.ndarray:
    """Constraint values (<= 0 feasible), shape (designs, constraints [+1 surrogate-trust column])."""
    columns = [constraint.violation(metrics) for constraint in constraints]
    if penalize is not None:
        columns.append(np.where(penalize.to_numpy(dtype=bool), 1.0, 0.0))
    if not columns:
        return np.zeros((len(metrics), 0))
    return np.column_stack(columns)
