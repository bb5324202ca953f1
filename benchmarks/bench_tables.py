"""Markdown pipe tables for the benchmark reports (pandas' to_markdown needs tabulate, not a dependency)."""
from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame, float_format: str = "{}") -> str:
    """A GitHub pipe table of ``frame`` (index dropped); floats formatted with ``float_format``."""
    def cell(value) -> str:
        return float_format.format(value) if isinstance(value, float) else str(value)
    rows = [" | ".join(map(str, frame.columns)), " | ".join("---" for _ in frame.columns)]
    rows += [" | ".join(cell(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(f"| {row} |" for row in rows)
