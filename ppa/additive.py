"""AdditiveCostRegressor: y ≈ (Σₖ cₖ·termₖ) · exp(boosted correction), with unit costs cₖ ≥ 0.

The first stage is the architect's cost model: a target such as area is a sum of counts (PEs,
multiplier bits, accumulator bits, SIMD lanes — the terms of :mod:`ppa.structure`) times unknown
non-negative unit costs, fitted by non-negative least squares on the *relative* error
(rows weighted 1/y, the quantity MAPE measures). It extrapolates the way hardware scales:
twice the PEs, about twice the PE area. The second stage (``n_estimators`` > 0) is a small
gradient-boosted tree model on the remaining log ratio log(y / first stage), from the encoded
features, for what the sum cannot say (synthesis sizing, tool effects).

Input matrix: the ``n_terms`` term columns first, then the feature columns of the correction.
"""
from __future__ import annotations

import numpy as np
import xgboost as xgb
from scipy.optimize import nnls
from sklearn.base import BaseEstimator, RegressorMixin

from ppa.errors import PPAInputError


class AdditiveCostRegressor(RegressorMixin, BaseEstimator):
    """Non-negative cost model on ``n_terms`` term columns, times a boosted log-ratio correction.

    Parameters
    ----------
    n_terms : int
        How many leading columns of X are cost-model terms (≥ 1).
    n_estimators, max_depth, learning_rate, subsample, min_child_weight, reg_lambda : int or float
        The correction's xgboost parameters; ``n_estimators=0`` fits the cost model alone.
    """

    def __init__(self, n_terms: int = 1, n_estimators: int = 200, max_depth: int = 2, learning_rate: float = 0.05,
                 subsample: float = 1.0, min_child_weight: float = 1.0, reg_lambda: float = 1.0,
                 random_state: int = 0, n_jobs: int = 1):
        self.n_terms = n_terms
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _split(self, X) -> tuple[np.ndarray, np.ndarray]:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or not 1 <= self.n_terms <= X.shape[1]:
            raise PPAInputError(f"AdditiveCostRegressor needs a 2-D matrix with at least n_terms={self.n_terms} "
                                f"columns, got shape {X.shape}")
        return X[:, : self.n_terms], X[:, self.n_terms:]

    def fit(self, X, y) -> "AdditiveCostRegressor":
        T, Z = self._split(X)
        y = np.asarray(y, dtype=float)
        if (y <= 0).any():
            raise PPAInputError("the additive cost model fits relative error, so every target value must be > 0")
        self.scale_ = np.where(T.max(axis=0) > 0, T.max(axis=0), 1.0)  # column scaling for a well-posed NNLS
        weights = 1.0 / y
        coef, _ = nnls((T / self.scale_) * weights[:, None], y * weights)
        self.unit_costs_ = coef / self.scale_
        base = T @ self.unit_costs_
        self.floor_ = float(np.min(y)) * 1e-3  # a row with all-zero terms: the correction starts near 0
        self.correction_ = None
        if self.n_estimators > 0 and Z.shape[1] > 0:
            self.correction_ = xgb.XGBRegressor(
                n_estimators=self.n_estimators, max_depth=self.max_depth, learning_rate=self.learning_rate,
                subsample=self.subsample, min_child_weight=self.min_child_weight, reg_lambda=self.reg_lambda,
                tree_method="hist", random_state=self.random_state, n_jobs=self.n_jobs)
            self.correction_.fit(Z, np.log(y / np.maximum(base, self.floor_)))
        return self

    def predict_cost_model(self, X) -> np.ndarray:
        """The first stage alone: Σₖ cₖ·termₖ (target units)."""
        T, _ = self._split(X)
        return T @ self.unit_costs_

    def predict(self, X) -> np.ndarray:
        base = self.predict_cost_model(X)
        if self.correction_ is None:
            return base
        _, Z = self._split(X)
        return np.maximum(base, self.floor_) * np.exp(self.correction_.predict(Z))
