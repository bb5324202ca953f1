"""Pareto fronts and hypervolume of plain metric tables, with moocore's algorithms.

Optuna exposes the Pareto front of a *study* (``Study.best_trials``) but not of an arbitrary table;
``moocore`` (``is_nondominated``: Kung et al.'s dimension sweep; ``hypervolume``: exact WFG/HV3D
algorithms) does both for any (points, objectives) array.
"""
from __future__ import annotations

import moocore
import numpy as np


def as_loss(values: np.ndarray, directions: list[str]) -> np.ndarray:
    """Objective values turned into losses (maximised columns negated), shape (points, objectives)."""
    values = np.asarray(values, dtype=float)
    if values.size != len(values) * len(directions):
        raise ValueError(f"objective values of shape {values.shape} do not match {len(directions)} directions")
    values = values.reshape(len(values), len(directions))
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    return values * signs


def pareto_mask(values: np.ndarray, directions: list[str]) -> np.ndarray:
    """Boolean mask of the non-dominated rows (duplicates of a front point are all kept)."""
    loss = as_loss(values, directions)
    if len(loss) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(moocore.is_nondominated(loss, keep_weakly=True), dtype=bool)


def hypervolume(values: np.ndarray, directions: list[str], reference: np.ndarray) -> float:
    """Hypervolume dominated by ``values`` up to ``reference`` (given in the objectives' own directions),
    in the product of the objectives' units."""
    loss = as_loss(values, directions)
    ref = as_loss(np.asarray(reference, dtype=float)[None, :], directions)[0]
    loss = loss[np.all(loss < ref, axis=1)]
    if len(loss) == 0:
        return 0.0
    return float(moocore.hypervolume(loss, ref=ref))
