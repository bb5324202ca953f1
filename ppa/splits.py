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


def describe_split(split: str, key: list[str], source: str, n_groups: int, n_rows: int) -> str:
    """One line saying which split gives the held-out error and what a group is.

    ``source``: where the key comes from ("given", "architecture columns" or "all features")."""
    if split == "mixed":
        return (f"mixed split: rows held out at random ({n_rows} rows), a row-wise error; rows of one "
                "configuration may sit on both sides")
    what = f"one distinct combination of {', '.join(key)}" if len(key) <= 6 else f"one distinct combination of the {len(key)} columns {', '.join(key[:4])}, …"
    if source == "all features":
        what += " (no configuration key found: no architecture columns, no --group-by)"
    if n_groups == n_rows:
        return (f"unseen split, but every one of the {n_rows} rows is its own group ({what}), so this is a "
                "row-wise (mixed) error; give --group-by to hold out whole configurations")
    return (f"unseen split: a group is {what}; {n_groups} groups in {n_rows} rows, each held out whole "
            "(never on both sides of a fold)")


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
