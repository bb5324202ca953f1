"""Cross-validation folds: "mixed" (random rows) or "unseen" (whole configurations held out)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold

from ppa.choices import SPLITS
from ppa.errors import PPAInputError



def config_groups(X: pd.DataFrame, columns) -> np.ndarray:
    """One integer id per distinct combination of ``columns`` (the configuration key)."""
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise PPAInputError(f"configuration key column(s) {missing} are not in the data")
    return X[list(columns)].astype(str).agg("|".join, axis=1).factorize()[0]


def make_folds(split: str, groups: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row positions; ``unseen`` never puts one configuration on both sides."""
    n = len(groups)
    if split == "mixed":
        if n < n_splits:
            raise PPAInputError(f"{n} rows are too few for {n_splits}-fold cross-validation")
        return list(KFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(n)))
    if split == "unseen":
        n_groups = len(np.unique(groups))
        if n_groups < n_splits:
            raise PPAInputError(f"only {n_groups} distinct configurations: too few for {n_splits}-fold "
                                "unseen-configuration cross-validation (use fewer folds or --split mixed)")
        return list(GroupKFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(n), groups=groups))
    raise PPAInputError(f"unknown split {split!r}; choose from {SPLITS}")
