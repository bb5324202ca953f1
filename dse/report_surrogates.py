"""The surrogates behind a study, on data they never saw: held-out predictions and error table.

A model bundle stores the out-of-fold predictions of its cross-validation (``heldout.csv``: every
training row predicted by fold models that never saw it — nor, with the ``unseen`` split, its
configuration) and the held-out errors computed from them (``cv_metrics`` in the manifest). The
report reads both as stored: no training data, no refit.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from dse.report_data import StudyData
from dse.report_storage import ReportError

#: Columns of the error table, in order (percentages in %, R² unitless, timing accuracy a fraction).
ERROR_COLUMNS = ("model", "split", "n", "configs", "mape_pct", "ape_std_pct", "ape_max_pct", "r2",
                 "timing_accuracy")


def bundle_path_of(data: StudyData) -> Path:
    """The model bundle the study was searched with, as the study recorded it."""
    path = Path(data.models_path)
    if not path.exists():
        raise ReportError(f"model bundle {path} of study {data.name!r} no longer exists")
    return path


def heldout_predictions(bundle: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(predictions, errors) of ``bundle`` as it stores them: one row per (target, held-out training
    row) with ``row``, ``key`` (the configuration), ``fold``, ``actual`` and ``predicted`` (target
    units); and one row per target with its stored held-out metrics (``ERROR_COLUMNS``).

    Raises ReportError with the bundle's own one-line reason when it cannot be read (missing file,
    sha256 mismatch, or a bundle format older than the stored predictions).
    """
    from ppa.bundle import read_heldout

    try:
        manifest, predictions = read_heldout(bundle)
    except ValueError as exc:  # PPAInputError names the file and what is wrong
        raise ReportError(f"surrogate section: {exc}") from None
    errors = [{"target": target, **{k: info["cv_metrics"].get(k) for k in ERROR_COLUMNS if k in info["cv_metrics"]}}
              for target, info in manifest["targets"].items()]
    return predictions, pd.DataFrame(errors)
