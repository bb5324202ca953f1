"""Markdown pipe tables for the benchmark reports (pandas' to_markdown needs tabulate, not a dependency)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def markdown_table(frame: pd.DataFrame, float_format: str = "{}") -> str:
    """A GitHub pipe table of ``frame`` (index dropped); floats formatted with ``float_format``."""
    def cell(value) -> str:
        return float_format.format(value) if isinstance(value, float) else str(value)
    rows = [" | ".join(map(str, frame.columns)), " | ".join("---" for _ in frame.columns)]
    rows += [" | ".join(cell(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(f"| {row} |" for row in rows)


def save_results(rows: list[dict], out: Path, command: str) -> pd.DataFrame:
    """The rows as a frame with the producing ``command`` in every row, written to ``out``.csv."""
    frame = pd.DataFrame(rows)
    frame["command"] = command
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out.with_suffix(".csv"), index=False)
    return frame
