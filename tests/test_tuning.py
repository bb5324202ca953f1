"""Tuning: stops when nothing measurable is left to gain, runs its trials otherwise."""
import numpy as np

from ppa.splits import make_folds
from ppa.tuning import GOOD_ENOUGH_MAPE_PCT, tune


def _folds(n):
    return make_folds("unseen", np.arange(n) % 10, 3, 0)


def test_tuning_stops_once_the_error_is_below_the_flows_reproducibility():
    # a target that is a pure function of one recurring category (like a SIMD lane's clock): exact
    X = np.repeat(np.arange(6, dtype=float), 20)[:, None]
    y = 1.0 + 0.1 * X[:, 0]
    result = tune("random_forest", X, y, "none", _folds(len(y)), budget_s=60, n_trials=30)
    assert result.n_trials == 1 and result.error <= GOOD_ENOUGH_MAPE_PCT


def test_tuning_runs_its_trials_when_there_is_error_left():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(120, 3))
    y = 1.0 + X[:, 0] + 0.3 * rng.standard_normal(120) ** 2
    result = tune("random_forest", X, y, "none", _folds(len(y)), budget_s=60, n_trials=5)
    assert result.n_trials == 5 and result.error > GOOD_ENOUGH_MAPE_PCT
