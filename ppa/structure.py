"""What an architect knows about a design, written as expressions over the CSV's columns.

* **Derived features** (``derived = {name = "expression"}``): columns computed from the features,
  e.g. ``n_pe = "array_rows * array_cols"``. Every model family sees them next to the raw features,
  and the domain check covers them (a 32×32 array is out of domain even when 32 rows were seen).
* **Cost-model terms** (``terms = {target = ["expression", ...]}``): the quantities a target is a
  non-negative sum of — e.g. area ≈ Σ unit area × count, with counts such as
  ``n_pe * act_bits * wgt_bits`` (multiplier cells) or ``simd_lanes * acc_bits``. The ``additive``
  model family (:mod:`ppa.additive`) fits the unit costs.

Expressions use :mod:`ppa.expression_language` (parsed with :mod:`ast`, never ``eval``); comparisons give
0/1, so ``n_pe * (mult_style == 'booth')`` counts Booth PEs only.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ppa.errors import PPAInputError
from ppa.expression_language import Expression
from ppa.schema import lines


def _evaluate(text: str, where: str, X: pd.DataFrame) -> np.ndarray:
    """One expression over the columns of ``X`` → float vector (clear errors for unknown names, NaN, inf)."""
    expression = Expression(text, where, PPAInputError)
    unknown = sorted(expression.names - set(X.columns))
    if unknown:
        raise PPAInputError(f"{where} = {text!r} reads {unknown}, which are not feature columns "
                            f"(features: {', '.join(map(str, X.columns))})")
    values = {c: X[c].to_numpy() for c in expression.names}
    try:
        with np.errstate(all="ignore"):
            out = np.broadcast_to(np.asarray(expression.evaluate(values), dtype=float), (len(X),)).copy()
    except (TypeError, ValueError) as exc:
        raise PPAInputError(f"{where} = {text!r} cannot be computed on these columns ({exc}); "
                            "compare categories with ==, do arithmetic on numbers") from None
    bad = ~np.isfinite(out)
    if bad.any():
        raise PPAInputError(f"{where} = {text!r} is NaN/inf at data row(s) {lines(np.flatnonzero(bad))} "
                            "(e.g. a division by zero)")
    return out


def add_derived(X: pd.DataFrame, derived: Mapping[str, str] | None, lookup: Mapping | None = None,
                what: str = "row") -> pd.DataFrame:
    """``X`` with the looked-up feature columns (``lookup``: name → :class:`ppa.lookup.LookupTable`, read
    at ``X``'s keys; ``what`` names ``X``'s rows in its errors), then the derived feature columns appended,
    in order (a later one may use an earlier one)."""
    if not derived and not lookup:
        return X
    out = X.copy()
    for name, table in (lookup or {}).items():
        if name in X.columns:
            raise PPAInputError(f"lookup {name!r} has the name of a feature column; rename it")
        out[name] = table.values(X, name, what)
    for name, text in (derived or {}).items():
        if name in X.columns:
            raise PPAInputError(f"derived feature {name!r} has the name of a feature column; rename it")
        if not isinstance(text, str):
            raise PPAInputError(f"derived feature {name!r} must be an expression string, got {text!r}")
        out[name] = _evaluate(text, f"derived feature {name!r}", out)
    return out


def term_matrix(X: pd.DataFrame, target: str, terms: Sequence[str]) -> np.ndarray:
    """Rows × terms float matrix of ``target``'s cost-model terms (X includes the derived columns)."""
    if isinstance(terms, str) or not terms or not all(isinstance(t, str) for t in terms):
        raise PPAInputError(f"terms of target {target!r} must be a non-empty list of expression strings, got {terms!r}")
    columns = [_evaluate(text, f"term {k} of target {target!r}", X) for k, text in enumerate(terms)]
    T = np.column_stack(columns)
    negative = (T < 0).any(axis=0)
    if negative.any():
        k = int(np.flatnonzero(negative)[0])
        raise PPAInputError(f"term {k} of target {target!r} ({terms[k]!r}) is negative at data row(s) "
                            f"{lines(np.flatnonzero(T[:, k] < 0))}; terms are counts with non-negative unit costs")
    return T
