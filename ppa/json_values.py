"""Plain JSON values from the numpy/pandas values a result holds: one conversion for every writer.

:func:`json_value` turns nested dicts/lists/tuples of numpy scalars and arrays, pandas' ``NA``,
Python floats and paths into what :func:`json.dumps` writes with ``allow_nan=False``: integers stay
integers, booleans booleans, NaN and ±inf become ``null`` (JSON has no non-finite numbers), dict keys
become strings and paths their text. Other values are returned unchanged, so an unexpected type still
fails loudly in :func:`json.dumps` instead of being written as its ``repr``.
"""
from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd


def json_value(value):
    """``value`` with every nested numpy/pandas value replaced by its plain JSON counterpart."""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_value(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value
