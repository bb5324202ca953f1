"""The surrogates behind a study, on data they never saw: held-out predictions and error table.

A bundle's manifest stores each target's held-out error (``cv_metrics``: MAPE, std and max of the
absolute percentage error, R², from the out-of-fold predictions of its cross-validation), but not
the predictions themselves. For the parity plots they are recomputed with the ppa API exactly as
``PPASurrogate.fit`` made them: the bundle's training CSV (checked against its sha256), the same
configuration key, split, folds and seed, and the tuned hyperparameters stored in the manifest.
The recomputed MAPE is shown next to the stored one, so any disagreement is visible.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dse.report_data import StudyData
from dse.report_storage import ReportError

#: Columns of the error table, in order (percentages in %, R² unitless).
ERROR_COLUMNS = ("model", "split", "n", "configs", "mape_pct", "ape_std_pct", "ape_max_pct", "r2",
                 "timing_accuracy", "recomputed_mape_pct")


def bundle_path_of(data: StudyData) -> Path:
    """The model bundle the study was searched with, as the study recorded it."""
    path = Path(data.models_path)
    if not path.exists():
        raise ReportError(f"model bundle {path} of study {data.name!r} no longer exists")
    return path


def _training_csv(manifest: dict, bundle: Path) -> Path:
    recorded = (manifest.get("training_data") or {}).get("path")
    if not recorded:
        raise ReportError(f"model bundle {bundle}: the manifest does not record its training CSV")
    for candidate in (Path(recorded), bundle / recorded):
        if candidate.is_file():
            return candidate
    raise ReportError(f"model bundle {bundle}: its training CSV {recorded} is not found "
                      "(needed to recompute the held-out predictions)")


def heldout_predictions(bundle: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(predictions, errors): one row per (target, held-out sample) with ``actual``, ``predicted``
    and ``fold``; and one row per target with the stored held-out metrics plus the recomputed MAPE."""
    from ppa.bundle import load_bundle
    from ppa.metrics import regression_metrics
    from ppa.schema import DataSpec, read_table
    from ppa.splits import config_groups, make_folds
    from ppa.tuning import fit_predict_folds

    bundle = Path(bundle)
    try:
        surrogate = load_bundle(bundle)
        manifest = surrogate.manifest
        csv = _training_csv(manifest, bundle)
        settings = manifest["settings"]
        spec = DataSpec(targets=tuple(surrogate.targets), features=tuple(surrogate.features),
                        categorical=tuple(manifest["encoder"]["categorical"]),
                        group_by=tuple(surrogate.group_by_) or None, clock_column=settings["clock_column"])
        table = read_table(csv, spec)
    except ValueError as exc:  # PPAInputError and friends name the file and column
        raise ReportError(f"surrogate parity plots: {exc}") from None
    if table.sha256 != manifest["training_data"]["sha256"]:
        raise ReportError(f"model bundle {bundle}: {csv} changed since training (sha256 differs)")
    X, y = table.X.reset_index(drop=True), table.y.reset_index(drop=True).astype(float)
    frames, errors, oof = [], [], {}
    min_of = surrogate.min_of or {}
    # fitted targets first; a min_of target is the minimum of its components' out-of-fold predictions
    for target in sorted(surrogate.targets, key=lambda t: t in min_of):
        keep = y[target].notna().to_numpy()
        actual = y[target].to_numpy()[keep]
        folds = make_folds(settings["split"], config_groups(X[keep], surrogate.group_by_),
                           settings["cv_folds"], settings["seed"] + 1)
        fold = np.empty(len(actual), dtype=int)
        for k, (_, test) in enumerate(folds):
            fold[test] = k
        if target in min_of:
            predicted = np.min([oof[c][keep] for c in min_of[target]], axis=0)
        else:
            predicted, _ = fit_predict_folds(surrogate.tuned_estimator(target), surrogate.design(X, target)[keep],
                                             actual, surrogate.transforms_[target]["transform"], folds)
            oof[target] = np.full(len(y), np.nan)
            oof[target][keep] = predicted
        frames.append(pd.DataFrame({"target": target, "actual": actual, "predicted": predicted, "fold": fold}))
        stored = surrogate.cv_metrics_.loc[target].to_dict()
        errors.append({"target": target, **{k: stored.get(k) for k in ERROR_COLUMNS if k in stored},
                       "recomputed_mape_pct": regression_metrics(actual, predicted)["mape_pct"]})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(errors)
