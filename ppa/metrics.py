"""Error measures of a surrogate on held-out rows (percentages in %, R² unitless)."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import r2_score


def regression_metrics(y_true, y_pred) -> dict:
    """MAPE, std and max of the absolute percentage error (over y>0 rows), R², MAE, RMSE (target units)."""
    y, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    pos = y > 0
    ape = 100.0 * np.abs(p[pos] - y[pos]) / y[pos]
    nan = float("nan")
    return {
        "n": int(len(y)),
        "n_pct": int(pos.sum()),
        "mape_pct": float(ape.mean()) if pos.any() else nan,
        "ape_std_pct": float(ape.std()) if pos.any() else nan,
        "ape_max_pct": float(ape.max()) if pos.any() else nan,
        "r2": float(r2_score(y, p)) if len(y) > 1 else nan,
        "mae": float(np.abs(p - y).mean()),
        "rmse": float(np.sqrt(((p - y) ** 2).mean())),
    }


#: Share of positive rows from which :func:`objective_error` is the MAPE over them.
MAPE_MIN_POSITIVE = 0.1


def is_mape_objective(y_true) -> bool:
    """Whether :func:`objective_error` of this target is a MAPE (≥ MAPE_MIN_POSITIVE of the rows are > 0)."""
    return bool((np.asarray(y_true, float) > 0).mean() >= MAPE_MIN_POSITIVE)


def objective_error(y_true, y_pred) -> float:
    """What tuning and model selection minimise: the error the surrogate is reported in, the MAPE (%) over
    y>0 rows (``regression_metrics``' ``mape_pct``) — also for counts with many zeros, as long as ≥ 10 % of
    the rows are positive — else RMSE/std(y) (unitless)."""
    y, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    pos = y > 0
    if is_mape_objective(y):
        return float(np.mean(np.abs(p[pos] - y[pos]) / y[pos]) * 100.0)
    return float(np.sqrt(((p - y) ** 2).mean()) / (y.std() or 1.0))


def is_frequency_target(name: str) -> bool:
    low = name.lower()
    return low.startswith("fmax") or "freq" in low


def timing_accuracy(fmax_pred, target_clock, timing_met) -> float:
    """Share of rows where (predicted fmax ≥ target clock) agrees with the measured timing_met flag."""
    met_pred = np.asarray(fmax_pred, float) >= np.asarray(target_clock, float)
    return float(np.mean(met_pred == np.asarray(timing_met, bool)))
