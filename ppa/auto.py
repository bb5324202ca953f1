"""The ``auto`` model family: per target, a blend of candidate models chosen by cross-validated error.

Candidates, each scored on the same tuning folds (out-of-fold error in target units,
:func:`ppa.metrics.objective_error`): the untuned gradient-boosted trees of scikit-learn (``gbr``),
a random forest and xgboost, each fitted on the target itself and — when the target is positive —
on its logarithm (relative errors, which is what MAPE counts); then xgboost tuned by Optuna in the
better of its two target spaces with the time left. A greedy forward selection with replacement
(Caruana et al., "Ensemble selection from libraries of models", ICML 2004) averages the candidates'
out-of-fold predictions while that lowers the error, on all rows and on bootstrap resamples of them, and
the weights are averaged (bagged ensemble selection): candidates within noise of each other share the
weight, one clearly better keeps it. The untuned candidates are the usual plain baselines; the held-out
error of the surrogate is then measured on other folds.

Time: the candidates run in order, cheapest first, while the ones left, the tuning and the
``reserve_fits`` fits (each a tuning-fold fit's time) of the chosen blend that follow (held-out folds, final model) fit in ``budget_s``.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ppa.metrics import objective_error
from ppa.models import DEFAULTS, build
from ppa.tuning import fit_predict_folds, tune

logger = logging.getLogger(__name__)

#: Untuned candidate families, roughly cheapest first.
CANDIDATES = ("gbr", "xgboost", "random_forest")
#: Greedy blend steps (members may repeat, so weights are multiples of 1/BLEND_STEPS at the finest).
BLEND_STEPS = 10
#: Bootstrap resamples of the out-of-fold rows whose greedy blends are averaged.
BAGS = 20


@dataclass
class Selection:
    """The chosen blend (``params["members"]``: family, params, transform, weight) and how it was found."""

    params: dict
    candidates: dict = field(default_factory=dict)  #: name → {"error", "fit_s"}
    tuning: dict = field(default_factory=dict)  #: the tuned xgboost's trials, error, seconds
    error: float = float("nan")  #: tuning-fold error of the blend
    fit_s: float = float("nan")  #: seconds of one fit of the blend on a tuning fold
    seconds: float = 0.0

    def as_info(self) -> dict:
        return {"params": self.params, "cv_error": self.error, "candidates": self.candidates,
                "tuning": self.tuning, "seconds": round(self.seconds, 3)}


def target_spaces(y: np.ndarray) -> list[str]:
    """The transforms a candidate is tried in: the target itself, and its log when all values are positive."""
    return ["none", "log"] if (np.asarray(y) > 0).all() else ["none"]


def greedy(y: np.ndarray, oofs: dict[str, np.ndarray]) -> dict[str, float]:
    """Greedy ensemble selection with replacement: name → weight (sums to 1)."""
    chosen: list[str] = []
    total = np.zeros(len(y))
    best = float("inf")
    for _ in range(BLEND_STEPS):
        scores = {name: objective_error(y, (total + oof) / (len(chosen) + 1)) for name, oof in oofs.items()}
        name = min(scores, key=scores.get)
        if scores[name] >= best:
            break
        chosen.append(name)
        total += oofs[name]
        best = scores[name]
    return {name: n / len(chosen) for name, n in Counter(chosen).items()}


def blend(y: np.ndarray, oofs: dict[str, np.ndarray], bags: int = BAGS, seed: int = 0) -> tuple[dict[str, float], float]:
    """Bagged ensemble selection (Caruana et al. 2004): the mean of the :func:`greedy` weights on all rows
    and on ``bags`` bootstrap resamples of them, so that candidates within noise of each other share the
    weight and a clearly better one keeps it (weights under 1 % are dropped). Returns (name → weight,
    error of the weighted average on all rows)."""
    rng = np.random.default_rng(seed)
    weights: Counter = Counter(greedy(y, oofs))
    for _ in range(bags):
        rows = rng.integers(0, len(y), len(y))
        weights.update(greedy(y[rows], {n: o[rows] for n, o in oofs.items()}))
    kept = {n: w for n, w in weights.items() if w / sum(weights.values()) >= 0.01}
    weights = {n: w / sum(kept.values()) for n, w in kept.items()}
    return weights, objective_error(y, sum(w * oofs[n] for n, w in weights.items()))


def select(X: np.ndarray, y: np.ndarray, folds, *, budget_s: float, reserve_fits: float, n_trials: int | None,
           seed: int = 0, n_jobs: int = 1) -> Selection:
    """Choose the blend of one target within ``budget_s`` seconds (see the module docstring)."""
    start = time.perf_counter()
    members, oofs, info = {}, {}, {}

    def left() -> float:
        return budget_s - (time.perf_counter() - start)

    def reserve(weights) -> float:
        return reserve_fits * sum(info[n]["fit_s"] for n in weights)

    weights: dict[str, float] = {}
    for family in CANDIDATES:
        for transform in target_spaces(y):
            name = f"{family}/{transform}"
            same = [v["fit_s"] for k, v in info.items() if k.startswith(family + "/")]
            cost = len(folds) * (same[0] if same else max((v["fit_s"] for v in info.values()), default=0.0))
            if info and cost * (1 + reserve_fits / len(folds)) + reserve(weights) > left():
                logger.info("auto: skipping %s, %.1f s of the budget left", name, left())
                continue
            began = time.perf_counter()
            oofs[name], _ = fit_predict_folds(build(family, seed=seed, n_jobs=n_jobs), X, y, transform, folds)
            info[name] = {"error": objective_error(y, oofs[name]), "fit_s": (time.perf_counter() - began) / len(folds)}
            members[name] = (family, dict(DEFAULTS[family]), transform)
            weights, _ = blend(y, oofs)
    xgb_space = min((n for n in info if n.startswith("xgboost/")), key=lambda n: info[n]["error"], default=None)
    tuning = {}
    if xgb_space is not None and n_trials != 0:
        transform = members[xgb_space][2]
        # the tuned model joins the blend: keep time for its fits too
        budget = left() - reserve(weights) - reserve_fits * info[xgb_space]["fit_s"]
        if budget > len(folds) * info[xgb_space]["fit_s"]:
            result = tune("xgboost", X, y, transform, folds, budget_s=budget, n_trials=n_trials, seed=seed,
                          n_jobs=n_jobs, reserve_fits=reserve_fits, skip_defaults=True)
            tuning = {"trials": result.n_trials, "cv_error": result.error, "seconds": round(result.seconds, 3),
                      "transform": transform}
            if result.oof is not None:
                name = f"xgboost_tuned/{transform}"
                oofs[name] = result.oof
                info[name] = {"error": result.error, "fit_s": result.fit_s}
                members[name] = ("xgboost", {**DEFAULTS["xgboost"], **result.params}, transform)
    weights, error = blend(y, oofs)
    chosen = [{"name": n, "family": members[n][0], "params": members[n][1], "transform": members[n][2], "weight": w}
              for n, w in weights.items()]
    return Selection({"members": chosen}, info, tuning, error, sum(info[n]["fit_s"] for n in weights),
                     time.perf_counter() - start)
