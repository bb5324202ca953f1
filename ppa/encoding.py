"""Feature encoding with a JSON state: numeric columns pass through, categorical ones are one-hot.

The encoder also remembers the training domain (numeric min/max, the categories seen), which
:meth:`FeatureEncoder.in_domain` uses to flag queries a surrogate would have to extrapolate to.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ppa.errors import PPAInputError


class FeatureEncoder:
    """One-hot for categorical columns (categories in training order), float for the rest."""

    def __init__(self, features, categorical=()):
        self.features = list(features)
        self.categorical = [c for c in self.features if c in set(categorical)]

    def fit(self, X: pd.DataFrame) -> "FeatureEncoder":
        self.categories_ = {c: sorted(X[c].astype(str).unique().tolist()) for c in self.categorical}
        numeric = [c for c in self.features if c not in self.categories_]
        self.ranges_ = {c: [float(X[c].min()), float(X[c].max())] for c in numeric}
        return self

    @property
    def output_names(self) -> list[str]:
        names = []
        for c in self.features:
            names += [f"{c}={v}" for v in self.categories_[c]] if c in self.categories_ else [c]
        return names

    def columns_of(self, names) -> np.ndarray:
        """Positions in :attr:`output_names` of the encoded columns of features ``names``."""
        wanted, sources = set(names), []
        for c in self.features:
            sources += [c] * (len(self.categories_[c]) if c in self.categories_ else 1)
        return np.array([i for i, c in enumerate(sources) if c in wanted], dtype=int)

    def _check(self, X: pd.DataFrame) -> None:
        missing = [c for c in self.features if c not in X.columns]
        if missing:
            raise PPAInputError(f"query is missing feature column(s) {missing}; the model needs {self.features}")

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Float matrix (rows × len(output_names)); an unseen category encodes as all-zero."""
        self._check(X)
        cols = []
        for c in self.features:
            if c in self.categories_:
                values = X[c].astype(str).to_numpy()
                cols += [(values == v).astype(float) for v in self.categories_[c]]
            else:
                try:
                    cols.append(X[c].to_numpy(dtype=float))
                except (TypeError, ValueError):
                    raise PPAInputError(f"feature column {c!r} must be numeric (the model was trained on numbers)") from None
        return np.column_stack(cols)

    def in_domain(self, X: pd.DataFrame) -> np.ndarray:
        """True where every numeric feature is inside its training [min, max] and every category was seen."""
        self._check(X)
        ok = np.ones(len(X), dtype=bool)
        for c, (lo, hi) in self.ranges_.items():
            v = X[c].to_numpy(dtype=float)
            ok &= (v >= lo) & (v <= hi)
        for c, cats in self.categories_.items():
            ok &= X[c].astype(str).isin(cats).to_numpy()
        return ok

    def to_json(self) -> dict:
        return {"features": self.features, "categorical": self.categorical,
                "categories": self.categories_, "ranges": self.ranges_}

    @classmethod
    def from_json(cls, state: dict) -> "FeatureEncoder":
        enc = cls(state["features"], state["categorical"])
        enc.categories_ = {k: list(v) for k, v in state["categories"].items()}
        enc.ranges_ = {k: [float(a), float(b)] for k, (a, b) in state["ranges"].items()}
        if set(enc.categories_) | set(enc.ranges_) != set(enc.features):
            raise PPAInputError("encoder state does not cover exactly the model's features")
        return enc
