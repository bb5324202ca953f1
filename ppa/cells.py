"""Cells of a CSV read as strings: which are blank, and how to name rows in messages."""
from __future__ import annotations

import pandas as pd

_SHOW = 8  # rows quoted in a message


def lines(index) -> str:
    """CSV line numbers of 0-based data-row positions, the first few."""
    idx = [int(i) + 2 for i in index]
    text = ", ".join(str(i) for i in idx[:_SHOW])
    return f"{text}, … ({len(idx)} rows)" if len(idx) > _SHOW else text


def blank(s: pd.Series) -> pd.Series:
    """Empty cells and the usual spellings of 'missing'."""
    return s.isna() | s.str.lower().isin(("", "nan", "na", "n/a", "null"))
