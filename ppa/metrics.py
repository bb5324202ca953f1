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


def objective_error(y_true, y_pred) -> float:
    """What tuning minimises: MAPE over y>0 rows when most rows are positive, else RMSE/std(y)."""
    y, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    pos = y > 0
    if pos.mean() >= 0.5:
        return float(np.mean(np.abs(p[pos] - y[pos]) / y[pos]) * 100.0)
    return float(np.sqrt(((p - y) ** 2).mean()) / (y.std() or 1.0))


def is_frequency_target(name: str) -> bool:
    low = name.lower()
    return low.startswith("fmax") or "freq" in low


def timing_accuracy(fmax_pred, target_clock, timing_met) -> float:
    """Share of rows where (predicted fmax ≥ target clock) agrees with the measured timing_met flag."""
    met_pred = np.asarray(fmax_pred, float) >= np.asarray(target_clock, float)
    return float(np.mean(met_pred == np.asarray(timing_met, bool)))
