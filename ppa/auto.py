"""The ``auto`` model family: per target, a blend of candidate models chosen by cross-validated error.

The criterion is the one the surrogate is reported in: :func:`ppa.metrics.objective_error`, the mean
absolute percentage error over the y>0 rows (a normalised RMSE only when under 10 % of the values are > 0), so the
choice is the one with the lowest relative error, not the lowest error in target units.
Candidates (:data:`CANDIDATES`), cheapest first: the plain baselines — scikit-learn's gradient boosting
(``gbr``) and random forest and xgboost (``xgboost``), each with its library's default parameters — then
scikit-learn's extremely randomised trees (``extra_trees``, default parameters: smoother, less variance on
small tables), gradient boosting of the absolute error (``gbr_l1``: it fits the median, in log space the
geometric median, the better point for a relative error and robust where one value dominates, e.g. a BRAM
count that is 64 on 95 of 100 rows; tried in the transformed space only), and xgboost with the project's
slower defaults (``xgboost_fine``: 400 trees, learning rate 0.05); each fitted on the target itself, on its
logarithm when every value is positive, and on log(1 + y) when the values are ≥ 0 with zeros (relative
errors, which is what MAPE counts); then xgboost tuned by Optuna (on the ``tune_folds``) in the better of its
target spaces with the time left. Every candidate, the tuned one included, is then scored
on the same selection folds: :func:`selection_plan` K-fold cross-validation repeated with fresh fold
assignments — more repeats when rows are few, where one K-fold split is noisy — none of them the
tuning folds, so the tuned model's error is not the optimistic best-of-trials one. A greedy forward selection with replacement
(Caruana et al., "Ensemble selection from libraries of models", ICML 2004) averages the candidates'
out-of-fold predictions while that lowers the error, on all rows and on bootstrap resamples of them, and
the weights are averaged (bagged ensemble selection): candidates within noise of each other share the
weight, one clearly better keeps it. The blend is then multiplied by the factor that minimises its
out-of-fold MAPE (:func:`relative_scale`, a weighted median: a mean or median fit over-predicts in
relative terms on a noisy target). As the plain baselines are candidates, a blend of weight 1 on any of
them is always on offer. The held-out error of the surrogate is then measured on other folds.

Time: the candidates run in order, cheapest first, while each, the tuning and the ``reserve_fits`` fits
of the chosen blend that follow (held-out folds, final model) fit in ``budget_s`` — judged before and during
every candidate with fit times re-measured as they go (:class:`ppa.budget.FitClock`: a load change halfway
is seen), falling back to the best blend of cheaper candidates already scored when the chosen one's
later fits would not fit.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ppa.budget import FitClock
from ppa.metrics import is_mape_objective, objective_error
from ppa.models import DEFAULTS, build
from ppa.tuning import fit_predict_folds, tune

logger = logging.getLogger(__name__)

#: xgboost's own defaults (XGBRegressor() of xgboost ≥ 2: 100 trees of depth 6, learning rate 0.3, no subsampling).
XGBOOST_LIBRARY_DEFAULTS = {"n_estimators": 100, "max_depth": 6, "learning_rate": 0.3, "subsample": 1.0,
                            "colsample_bytree": 1.0, "min_child_weight": 1.0, "reg_lambda": 1.0}
#: Untuned candidates, name → (family, parameters), roughly cheapest first. gbr, random_forest and xgboost
#: are the plain baselines: their libraries' default regressors (DEFAULTS of gbr, random_forest and
#: extra_trees are scikit-learn's own).
CANDIDATES = {"gbr": ("gbr", DEFAULTS["gbr"]), "xgboost": ("xgboost", XGBOOST_LIBRARY_DEFAULTS),
              "random_forest": ("random_forest", DEFAULTS["random_forest"]),
              "extra_trees": ("extra_trees", DEFAULTS["extra_trees"]),
              "gbr_l1": ("gbr", {**DEFAULTS["gbr"], "loss": "absolute_error"}),
              "xgboost_fine": ("xgboost", DEFAULTS["xgboost"])}
PLAIN = ("gbr", "xgboost", "random_forest")
#: Folds of the selection cross-validation, and the rows it aims at: a table of n rows gets
#: ceil(SELECTION_ROWS / n) repeats (1 … MAX_REPEATS) of it, so every candidate is scored on ≥ SELECTION_ROWS
#: out-of-fold predictions where the time allows.
SELECTION_FOLDS = 5
SELECTION_ROWS = 240
MAX_REPEATS = 5
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
    """The transforms a candidate is tried in: the target itself; its log when every value is positive, or
    log(1 + y) when the values are ≥ 0 with zeros (counts such as DSP blocks or BRAMs)."""
    y = np.asarray(y, float)
    if (y > 0).all():
        return ["none", "log"]
    return ["none", "log1p"] if (y >= 0).all() and (y > 0).any() else ["none"]


def candidate_order(spaces: list[str]) -> list[tuple[str, str]]:
    """(candidate, transform) in the order they are scored: the plain baselines on the target itself, then
    on its transform; then on the transform ``extra_trees``, ``gbr_l1`` and ``xgboost_fine``; then
    ``extra_trees`` and ``xgboost_fine`` on the target (those later are the ones a short budget skips).
    ``gbr_l1`` is tried on a transform only (on the target itself its median fit is rarely chosen)."""
    transformed = spaces[1:]
    return ([(c, t) for t in spaces for c in PLAIN]
            + [(c, t) for t in transformed for c in ("extra_trees", "gbr_l1", "xgboost_fine")]
            + [("extra_trees", "none"), ("xgboost_fine", "none")])


def selection_plan(n_rows: int, n_groups: int) -> tuple[int, int]:
    """(folds, repeats) of the selection cross-validation of a table of ``n_rows`` rows in ``n_groups``
    groups: :data:`SELECTION_FOLDS` folds (fewer when there are fewer groups), repeated until about
    :data:`SELECTION_ROWS` out-of-fold predictions (at most :data:`MAX_REPEATS` times)."""
    return min(SELECTION_FOLDS, n_groups), int(np.clip(np.ceil(SELECTION_ROWS / n_rows), 1, MAX_REPEATS))


def repeated_oof(estimator, X: np.ndarray, y: np.ndarray, transform: str, repeats, **kwargs) -> np.ndarray:
    """Out-of-fold predictions (target units) of each fold assignment in ``repeats``, one after the other
    (``kwargs``: :func:`~ppa.tuning.fit_predict_folds`' ``on_fold``, ``clock`` and ``name``)."""
    return np.concatenate([fit_predict_folds(estimator, X, y, transform, folds, **kwargs)[0] for folds in repeats])


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


class _OutOfTime(Exception):
    """A candidate's remaining fits would overrun the target's time: it is dropped half-scored."""


def _key(tag: str, name: str) -> str:
    """The :class:`FitClock` name of a candidate's fits: the target's tag and the candidate without its
    transform (a candidate's fit takes about as long on the target as on its log)."""
    return tag + name.split("/")[0]


def select(X: np.ndarray, y: np.ndarray, tune_folds, repeats, *, budget_s: float, reserve_fits: float,
           n_trials: int | None, seed: int = 0, n_jobs: int = 1, clock: FitClock | None = None,
           tag: str = "") -> Selection:
    """Choose the blend of one target within ``budget_s`` seconds (see the module docstring): ``tune_folds``
    are the folds Optuna tunes xgboost on, ``repeats`` a list of fold assignments (none of them
    ``tune_folds``) on which every candidate is scored and the blend chosen.

    Time: every fit is recorded on ``clock`` (the whole fit's :class:`~ppa.budget.FitClock`; a new one
    if None) under ``tag`` + the candidate's name, and every decision uses its current, load-following
    estimates: a candidate starts only when its fits, and ``reserve_fits`` fits of it and of the blend
    so far, fit in the time left; it is dropped half-way when that stops being true; and when the chosen
    blend's ``reserve_fits`` fits no longer fit, its costliest candidates are left out one by one (the best
    blend of the cheaper ones already scored)."""
    clock = clock or FitClock(budget_s)
    start = clock.now()
    deadline = start + budget_s
    members, oofs, info = {}, {}, {}
    n_fits = sum(len(folds) for folds in repeats)
    y_rep = np.tile(y, len(repeats))
    weights: dict[str, float] = {}

    def left() -> float:
        return deadline - clock.now()

    def fit_s(name: str) -> float:
        """Seconds of the next fit of candidate ``name``; one not fitted yet for this target: as long as the
        longest so far, or for the first, as long as the same candidate's fits of other targets (0 if none)."""
        key = _key(tag, name)
        if key in clock.fits:
            return clock.estimate(key)
        if info:
            return max(fit_s(n) for n in info)
        return max((clock.estimate(k) for k in clock.fits if k.endswith(_key(": ", name))), default=0.0)

    def reserve(names) -> float:
        return reserve_fits * sum(fit_s(n) for n in names)

    def score(name: str, family: str, params: dict, transform: str) -> None:
        key, began, done = _key(tag, name), clock.now(), []

        def on_fold(k, error):
            done.append(k)
            if info and (n_fits - len(done)) * clock.estimate(key) + reserve(weights) > left():
                raise _OutOfTime
        try:
            oof = repeated_oof(build(family, params, seed=seed, n_jobs=n_jobs), X, y, transform, repeats,
                               on_fold=on_fold, clock=clock, name=key)
        except _OutOfTime:
            logger.info("auto: stopped scoring %s after %d of %d fits, %.1f s of the budget left", name, len(done),
                        n_fits, left())
            return
        oofs[name] = oof
        info[name] = {"error": objective_error(y_rep, oof), "fit_s": (clock.now() - began) / n_fits}
        members[name] = (family, dict(params), transform)

    order = candidate_order(target_spaces(y))
    candidate, transform = order[0]
    first = f"{candidate}/{transform}"
    if n_fits * fit_s(first) + reserve([first]) > left():  # no time to compare: the first, unscored
        logger.info("auto: %.1f s of the budget left, too little to score candidates; taking %s unscored", left(),
                    first)
        family, params = CANDIDATES[candidate]
        member = {"name": first, "family": family, "params": dict(params), "transform": transform, "weight": 1.0}
        return Selection({"members": [member]}, {}, {}, float("nan"), fit_s(first), clock.now() - start)
    for candidate, transform in order:
        name = f"{candidate}/{transform}"
        if info and n_fits * fit_s(name) + reserve([*weights, name]) > left():
            logger.info("auto: skipping %s, %.1f s of the budget left", name, left())
            continue
        score(name, *CANDIDATES[candidate], transform)
        weights, _ = blend(y_rep, oofs)
    xgb_space = min((n for n in info if members[n][0] == "xgboost"), key=lambda n: info[n]["error"], default=None)
    tuning = {}
    if xgb_space is not None and n_trials != 0:
        transform, each = members[xgb_space][2], fit_s(xgb_space)
        # after tuning: the tuned model's selection folds, and its fits if it joins the blend
        budget = left() - reserve(weights)
        if budget > (len(tune_folds) + n_fits + reserve_fits) * each:
            result = tune("xgboost", X, y, transform, tune_folds, budget_s=budget, n_trials=n_trials, seed=seed,
                          n_jobs=n_jobs, reserve_fits=reserve_fits + n_fits, skip_defaults=True, clock=clock,
                          tag=tag)
            tuning = {"trials": result.n_trials, "tune_folds_error": result.error, "seconds": round(result.seconds, 3),
                      "transform": transform}
            name = f"xgboost_tuned/{transform}"
            tuned_s = clock.estimate(f"{tag}xgboost trial {result.trial}", result.fit_s)
            if result.oof is not None and (n_fits + reserve_fits) * tuned_s + reserve(weights) <= left():
                score(name, "xgboost", {**DEFAULTS["xgboost"], **result.params}, transform)
                if name in info:
                    tuning["cv_error"] = info[name]["error"]
    weights, _ = _affordable_blend(y_rep, oofs, reserve, left)
    oof = sum(w * oofs[n] for n, w in weights.items())
    scale = relative_scale(y_rep, oof)
    chosen = [{"name": n, "family": members[n][0], "params": members[n][1], "transform": members[n][2], "weight": w}
              for n, w in weights.items()]
    return Selection({"members": chosen, "scale": scale}, info, tuning, objective_error(y_rep, scale * oof),
                     sum(fit_s(n) for n in weights), clock.now() - start)


def relative_scale(y: np.ndarray, pred: np.ndarray) -> float:
    """The factor c that minimises the MAPE of c·pred over the y>0 rows: Σ|c·pᵢ − yᵢ|/yᵢ = Σ (pᵢ/yᵢ)·|c − yᵢ/pᵢ|,
    so c is the median of the ratios yᵢ/pᵢ weighted by pᵢ/yᵢ (rows with pᵢ ≤ 0 left out). A model fitted to
    the mean or median of a noisy target is not MAPE-optimal: the relative error of an over-prediction is
    unbounded while an under-prediction's is at most 100 %, so the optimum sits lower; 1 when the target's
    criterion is not a MAPE (:func:`ppa.metrics.is_mape_objective`) or no row qualifies."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    ok = (y > 0) & (pred > 0)
    if not is_mape_objective(y) or not ok.any():
        return 1.0
    ratio, weight = y[ok] / pred[ok], pred[ok] / y[ok]
    order = np.argsort(ratio)
    cumulative = np.cumsum(weight[order])
    return float(ratio[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


def _affordable_blend(y: np.ndarray, oofs: dict[str, np.ndarray], reserve, left) -> tuple[dict[str, float], float]:
    """:func:`blend` of the scored candidates whose ``reserve(blend)`` seconds of later fits fit in ``left()``
    seconds: while they do not, the costliest candidate is left out and the rest blended again (the last
    resort is the cheapest candidate alone)."""
    pool = dict(oofs)
    weights, error = blend(y, pool)
    while reserve(weights) > left() and len(pool) > 1:
        costliest = max(weights, key=lambda n: reserve([n]))
        del pool[costliest]
        logger.info("auto: the blend's held-out folds and final fit (~%.1f s) would not fit in the %.1f s left; "
                    "leaving out %s", reserve(weights), left(), costliest)
        weights, error = blend(y, pool)
    return weights, error
