"""The model families, each a scikit-learn regressor built from plain parameters.

``xgboost`` (primary), ``random_forest``, ``mlp`` (standardised inputs and target) and ``stacked``:
a scikit-learn StackingRegressor of the three with a non-negative linear meta-learner (a GLM with
identity link, as H2O's stacked ensemble in the seed paper). The stacked family reuses the tuned
parameters of its members. ``loglinear`` is a power-law model for sparse data: ridge regression on
asinh(features) (≈ log for values ≫ 1, defined for zeros and negatives), so with a log-space
target it fits y ≈ c·∏ xᵢ^aᵢ — the way area and power scale with PEs and bit widths — and,
unlike trees, it extrapolates. ``additive`` is the architect's cost model (:mod:`ppa.additive`):
non-negative unit costs of the spec's terms times a boosted correction; it needs terms per target.
``gbr`` is scikit-learn's gradient boosting and ``extra_trees`` its extremely randomised trees (Geurts et al.
2006: random split thresholds, whole training set per tree), both candidates of ``auto``. ``auto`` is the default
of ``accel-dse train``: a :class:`BlendRegressor`, a weighted average of members, each a family with its own
parameters and target transform, chosen per target by cross-validated error (:mod:`ppa.auto`).
Each tunable family has an Optuna search space (:func:`suggest`).
"""
from __future__ import annotations

import numpy as np
import optuna
import xgboost as xgb
from sklearn.compose import TransformedTargetRegressor
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor, StackingRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ppa import transforms
from ppa.additive import AdditiveCostRegressor
from ppa.choices import FAMILIES
from ppa.errors import PPAInputError

BASE_FAMILIES = ("xgboost", "random_forest", "mlp")

#: Untuned starting points (also enqueued as the first Optuna trial of each study).
DEFAULTS = {
    "xgboost": {"n_estimators": 400, "max_depth": 6, "learning_rate": 0.05, "subsample": 0.9,
                "colsample_bytree": 0.9, "min_child_weight": 1.0, "reg_lambda": 1.0},
    "random_forest": {"n_estimators": 100, "max_features": 1.0, "min_samples_leaf": 1},
    "extra_trees": {"n_estimators": 100, "max_features": 1.0, "min_samples_leaf": 1},
    "mlp": {"width": 64, "depth": 2, "alpha": 1e-4, "learning_rate_init": 1e-3},
    "loglinear": {"alpha": 1.0},
    "gbr": {"n_estimators": 100, "max_depth": 3, "learning_rate": 0.1, "subsample": 1.0},
    "additive": {"n_estimators": 200, "max_depth": 2, "learning_rate": 0.05, "subsample": 1.0,
                 "min_child_weight": 1.0, "reg_lambda": 1.0},
}
TUNABLE = ("xgboost", "random_forest", "extra_trees", "mlp", "loglinear", "additive", "gbr")
#: Families that fit the target itself (relative-error weights), never a log transform of it.
RAW_TARGET = ("additive",)


def suggest(family: str, trial: optuna.Trial) -> dict:
    """Optuna search space of a base family."""
    if family == "xgboost":
        return {"n_estimators": trial.suggest_int("n_estimators", 100, 1000, log=True),
                "max_depth": trial.suggest_int("max_depth", 2, 10),
                "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
                "subsample": trial.suggest_float("subsample", 0.5, 1.0),
                "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
                "min_child_weight": trial.suggest_float("min_child_weight", 0.1, 20.0, log=True),
                "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True)}
    if family in ("random_forest", "extra_trees"):
        return {"n_estimators": trial.suggest_int("n_estimators", 50, 300, log=True),
                "max_features": trial.suggest_float("max_features", 0.2, 1.0),
                "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 8)}
    if family == "mlp":
        return {"width": trial.suggest_int("width", 16, 256, log=True),
                "depth": trial.suggest_int("depth", 1, 3),
                "alpha": trial.suggest_float("alpha", 1e-6, 1.0, log=True),
                "learning_rate_init": trial.suggest_float("learning_rate_init", 1e-4, 1e-2, log=True)}
    if family == "gbr":
        return {"n_estimators": trial.suggest_int("n_estimators", 50, 800, log=True),
                "max_depth": trial.suggest_int("max_depth", 2, 8),
                "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
                "subsample": trial.suggest_float("subsample", 0.5, 1.0)}
    if family == "loglinear":
        return {"alpha": trial.suggest_float("alpha", 1e-4, 100.0, log=True)}
    if family == "additive":  # 0 trees: the cost model alone
        return {"n_estimators": trial.suggest_categorical("n_estimators", [0, 50, 100, 200, 400]),
                "max_depth": trial.suggest_int("max_depth", 1, 4),
                "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
                "subsample": trial.suggest_float("subsample", 0.5, 1.0),
                "min_child_weight": trial.suggest_float("min_child_weight", 0.1, 20.0, log=True),
                "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True)}
    raise PPAInputError(f"no search space for model family {family!r}; choose from {TUNABLE}")


def build(family: str, params: dict | None = None, *, seed: int = 0, n_jobs: int = 1, n_terms: int = 0):
    """An unfitted regressor of ``family``; ``params`` override :data:`DEFAULTS`.

    For ``stacked``, ``params`` maps each base family to its parameters; ``additive`` reads its
    ``n_terms`` leading input columns as cost-model terms.
    """
    if family == "stacked":
        params = params or {}
        members = [(f, build(f, params.get(f), seed=seed, n_jobs=n_jobs)) for f in BASE_FAMILIES]
        return StackingRegressor(members, final_estimator=LinearRegression(positive=True),
                                 cv=KFold(3, shuffle=True, random_state=seed), n_jobs=1)
    if family == "auto":
        members = (params or {}).get("members")
        if not members:
            raise PPAInputError("model family 'auto' is chosen per target by PPASurrogate.fit; it has no default members")
        return BlendRegressor([{**m, "estimator": build(m["family"], m["params"], seed=seed, n_jobs=n_jobs)}
                               for m in members], scale=params.get("scale", 1.0))
    if family not in DEFAULTS:
        raise PPAInputError(f"unknown model family {family!r}; choose from {FAMILIES}")
    p = {**DEFAULTS[family], **(params or {})}
    if family == "xgboost":
        return xgb.XGBRegressor(**p, tree_method="hist", random_state=seed, n_jobs=n_jobs)
    if family == "random_forest":
        return RandomForestRegressor(**p, random_state=seed, n_jobs=n_jobs)
    if family == "extra_trees":
        return ExtraTreesRegressor(**p, random_state=seed, n_jobs=n_jobs)
    if family == "gbr":
        return GradientBoostingRegressor(**p, random_state=seed)
    if family == "additive":
        if n_terms < 1:
            raise PPAInputError("model family 'additive' needs cost-model terms for each target "
                                "(a `[terms]` table in the spec)")
        return AdditiveCostRegressor(n_terms=n_terms, **p, random_state=seed, n_jobs=n_jobs)
    if family == "loglinear":
        return make_pipeline(FunctionTransformer(np.arcsinh), StandardScaler(), Ridge(alpha=p["alpha"]))
    mlp = MLPRegressor(hidden_layer_sizes=(p["width"],) * p["depth"], alpha=p["alpha"],
                       learning_rate_init=p["learning_rate_init"], solver="adam", max_iter=300,
                       early_stopping=True, validation_fraction=0.15, n_iter_no_change=20, random_state=seed)
    return TransformedTargetRegressor(make_pipeline(StandardScaler(), mlp), transformer=StandardScaler())


class BlendRegressor(RegressorMixin, BaseEstimator):
    """Weighted average of member regressors, each fitted on its own transform of the target.

    ``members``: list of dicts with ``estimator`` (unfitted regressor), ``transform`` (a
    :data:`ppa.transforms.TRANSFORMS` name), ``weight`` (> 0; normalised to sum 1), and the
    ``family``/``params`` it was built from; ``scale``: a factor on the average (the relative-error
    calibration of :func:`ppa.auto.relative_scale`; 1 in bundles written before it). Predictions are in
    target units: scale · Σ wᵢ·inverseᵢ(memberᵢ(X)).
    """

    def __init__(self, members, scale=1.0):
        self.members = members
        self.scale = scale

    def __setstate__(self, state):
        """A blend pickled before ``scale`` existed predicts as it did then (scale 1)."""
        super().__setstate__({"scale": 1.0, **state})

    def fit(self, X, y):
        y = np.asarray(y, float)
        self.estimators_ = [clone(m["estimator"]).fit(X, transforms.forward(m["transform"], y)) for m in self.members]
        weights = np.array([m["weight"] for m in self.members], float)
        self.weights_ = weights / weights.sum()
        return self

    def predict(self, X):
        parts = [transforms.inverse(m["transform"], model_predict(e, X)) for m, e in zip(self.members, self.estimators_)]
        return self.scale * np.average(np.stack(parts), axis=0, weights=self.weights_)


def model_predict(model, X) -> np.ndarray:
    """``model.predict(X)``. For a random forest or extra trees: the same sum of its trees' predictions, in the same
    order, without scikit-learn's per-tree dispatch (~0.2 ms a tree, most of a single-row query's time)."""
    if type(model) in (RandomForestRegressor, ExtraTreesRegressor) and model.n_outputs_ == 1:
        X = np.ascontiguousarray(X, dtype=np.float32)  # what scikit-learn's trees read
        out = np.zeros(X.shape[0])
        for tree in model.estimators_:
            out += tree.tree_.predict(X)[:, 0]
        return out / len(model.estimators_)
    return model.predict(X)

