"""Pareto fronts and hypervolume of metric tables, with Optuna's own algorithms.

Optuna 5.0 exposes the Pareto front of a *study* publicly (``Study.best_trials``) but not of an
arbitrary table, and its hypervolume only through ``optuna._hypervolume.compute_hypervolume``; both
private functions are wrapped here (and pinned by tests/test_sweep.py) so a change in Optuna breaks
one place.
"""
from __future__ import annotations

import numpy as np
from optuna._hypervolume import compute_hypervolume
from optuna.study._multi_objective import _is_pareto_front


def as_loss(values: np.ndarray, directions: list[str]) -> np.ndarray:
    """Objective values turned into losses (maximised columns negated), shape (points, objectives)."""
    values = np.asarray(values, dtype=float).reshape(len(values), -1)
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    return values * signs


def pareto_mask(values: np.ndarray, directions: list[str]) -> np.ndarray:
    """Boolean mask of the non-dominated rows (duplicates of a front point are all kept)."""
    loss = as_loss(values, directions)
    if len(loss) == 0:
        return np.zeros(0, dtype=bool)
    return _is_pareto_front(loss, assume_unique_lexsorted=False)


def hypervolume(values: np.ndarray, directions: list[str], reference: np.ndarray) -> float:
    """Hypervolume dominated by ``values`` up to ``reference`` (given in the objectives' own directions)."""
    loss = as_loss(values, directions)
    ref = as_loss(np.asarray(reference, dtype=float)[None, :], directions)[0]
    loss = loss[np.all(loss < ref, axis=1)]
    if len(loss) == 0:
        return 0.0
    return float(compute_hypervolume(loss, ref, assume_pareto=False))
