"""Hyperparameter tuning with Optuna (TPE) under a time and trial budget, scored by cross-validation.

Each trial fits the model on every training fold and scores the held-out fold in the target's
own units (:func:`ppa.metrics.objective_error`); folds are reported to Optuna so a median pruner
stops hopeless trials early. The family's defaults are the first trial, so tuning never returns
parameters worse (on these folds) than the untuned model. Tuning also stops once a trial's MAPE is
at most :data:`GOOD_ENOUGH_MAPE_PCT`: nothing measurable is left to gain (e.g. the SIMD lane's clock,
which recurs exactly across cores, is predicted to ~0.00 % by the defaults). ``reserve_fits`` keeps
time for the fits that follow tuning (held-out folds, final model): after each trial, tuning stops when
another trial plus ``reserve_fits`` fits of the longest trial's size (at the machine's current load, when
the fit's :class:`ppa.budget.FitClock` is given) would overrun ``budget_s``.

Optuna logs every trial at INFO; a tuning study's trials are an inner detail, so Optuna is held at
WARNING while (and only while) a tuning study runs. Each tuning result is logged at DEBUG.
"""
from __future__ import annotations

import logging
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import optuna
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from ppa import transforms
from ppa.budget import FitClock
from ppa.metrics import is_mape_objective, objective_error
from ppa.models import DEFAULTS, build, suggest

logger = logging.getLogger(__name__)

#: Cross-validated MAPE (%) at which tuning stops: below the flow's own reproducibility (module clocks and
#: areas of the same module agree to ≤ 0.05 % across cores, ``benchmarks/bench_learning_curve.py``).
GOOD_ENOUGH_MAPE_PCT = 0.1


@dataclass
class TuningResult:
    params: dict
    error: float  # objective_error of the best trial (MAPE % or normalised RMSE)
    n_trials: int
    seconds: float
    fit_s: float = float("nan")  #: seconds of one fold fit of the best trial, to plan the fits after tuning
    oof: np.ndarray | None = None  #: out-of-fold predictions (target units) of the best trial
    trial: int = -1  #: number of the best trial (-1: none completed)


@contextmanager
def _optuna_warnings_only():
    """Optuna's verbosity at least WARNING inside the block; the caller's setting is restored after."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(max(previous, optuna.logging.WARNING))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


def fit_predict_folds(estimator, X, y, transform: str, folds, *, on_fold=None, clock: FitClock | None = None,
                      name: str = ""):
    """Out-of-fold predictions (target units) and the fold models; ``on_fold(k, error)`` after each fold (it may
    raise to stop); with a ``clock``, each fold's fit and prediction time is recorded under ``name``."""
    oof = np.full(len(y), np.nan)
    models = []
    z = transforms.forward(transform, y)

    def fit_fold(train, test):
        model = clone(estimator)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X[train], z[train])
        return model, model.predict(X[test])

    for k, (train, test) in enumerate(folds):
        model, pred = clock.timed(name, lambda: fit_fold(train, test)) if clock else fit_fold(train, test)
        oof[test] = transforms.inverse(transform, pred)
        models.append(model)
        if on_fold is not None:
            done = np.concatenate([f[1] for f in folds[: k + 1]])
            on_fold(k, objective_error(y[done], oof[done]))
    return oof, models


def tune(family: str, X: np.ndarray, y: np.ndarray, transform: str, folds, *, budget_s: float,
         n_trials: int | None = None, seed: int = 0, n_jobs: int = 1, n_terms: int = 0,
         reserve_fits: float = 0.0, skip_defaults: bool = False, clock: FitClock | None = None,
         tag: str = "") -> TuningResult:
    """Best parameters of a base ``family`` found by TPE within ``budget_s`` seconds / ``n_trials``,
    leaving time for ``reserve_fits`` later fits; ``skip_defaults``: the caller has scored them already.
    ``clock`` (optional): the fit's clock, which records every trial's fold fits and scales their times to
    the machine's current load when judging whether another trial fits (the fits are recorded as ``tag`` + "<family> trial <n>")."""
    now = clock.now if clock else time.perf_counter
    start = now()
    oofs, fit_s = {}, {}

    def objective(trial: optuna.Trial) -> float:
        estimator = build(family, suggest(family, trial), seed=seed, n_jobs=n_jobs, n_terms=n_terms)

        def report(k, err):
            trial.report(err, k)
            if trial.should_prune():
                raise optuna.TrialPruned()

        began = now()
        oof, _ = fit_predict_folds(estimator, X, y, transform, folds, on_fold=report, clock=clock,
                                   name=f"{tag}{family} trial {trial.number}")
        fit_s[trial.number] = (now() - began) / len(folds)
        oofs[trial.number] = oof
        return objective_error(y, oof)

    mape = is_mape_objective(y)  # objective_error is a MAPE (else a normalised RMSE)

    def good_enough(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if mape and trial.state == optuna.trial.TrialState.COMPLETE and trial.value <= GOOD_ENOUGH_MAPE_PCT:
            study.stop()
        if fit_s:  # another trial (len(folds) fits) and the reserved fits must still fit in the budget
            longest = max(clock.estimate(f"{tag}{family} trial {n}", t) for n, t in fit_s.items()) if clock \
                else max(fit_s.values())
            if now() - start + longest * (len(folds) + reserve_fits) > budget_s:
                study.stop()

    with _optuna_warnings_only():
        study = optuna.create_study(direction="minimize",
                                    sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=8),
                                    pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1))
        if not skip_defaults:
            study.enqueue_trial(DEFAULTS[family])
        study.optimize(objective, n_trials=n_trials, timeout=max(budget_s, 1e-3), catch=(ValueError,),
                       callbacks=[good_enough])
    seconds = now() - start
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:  # budget too small even for the first trial: keep the defaults
        result = TuningResult(dict(DEFAULTS[family]), float("nan"), len(study.trials), seconds,
                              max(fit_s.values(), default=float("nan")))
    else:
        best = study.best_trial.number
        result = TuningResult(dict(study.best_params), float(study.best_value), len(study.trials), seconds,
                              fit_s[best], oofs[best], best)
    logger.debug("tuned %s: %d trials (%d complete) in %.1f s, best CV error %.4g", family, result.n_trials,
                 len(complete), result.seconds, result.error)
    return result
