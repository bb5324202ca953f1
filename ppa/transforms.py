"""Target transforms: a target spanning a decade or more is fitted in log space."""
from __future__ import annotations

import numpy as np

TRANSFORMS = ("none", "log", "log1p")
#: max/min ratio (over positive values) from which a target is fitted in log space.
LOG_SPAN = 10.0


def choose_transform(y) -> tuple[str, str]:
    """(transform, reason) from the data: ``log`` if all y>0 and max/min ≥ LOG_SPAN,
    ``log1p`` if y ≥ 0 with zeros and the positive values span ≥ LOG_SPAN, else ``none``."""
    y = np.asarray(y, float)
    y = y[np.isfinite(y)]
    pos = y[y > 0]
    if (y < 0).any() or len(pos) == 0:
        return "none", "negative values" if (y < 0).any() else "no positive values"
    span = pos.max() / pos.min()
    if span < LOG_SPAN:
        return "none", f"max/min = {span:.3g} < {LOG_SPAN:g}"
    if (y == 0).any():
        return "log1p", f"positive values span max/min = {span:.3g} ≥ {LOG_SPAN:g}, with zeros"
    return "log", f"max/min = {span:.3g} ≥ {LOG_SPAN:g}"


def forward(name: str, y):
    y = np.asarray(y, float)
    return {"none": lambda v: v, "log": np.log, "log1p": np.log1p}[name](y)


def inverse(name: str, z):
    z = np.asarray(z, float)
    return {"none": lambda v: v, "log": np.exp, "log1p": np.expm1}[name](z)
