"""Column roles of a training CSV — target, feature or excluded, and why — checked before any model is fitted.

When the features are not listed explicitly (``--features`` or ``features = [...]`` in a spec), every other
column would become a feature; a table nobody prepared for us carries columns that must not:

* **identifier-like**: unique in every row and an integer sequence (dense, or ascending in file order),
  unique text, hash-like text (≥ 8 hex digits), or unique under an id-like name (``id``, ``*_index``, ``key``…);
* **another measured output** (a leak: known at training time, unknown when the model is used): named like
  a tool outcome (:data:`OUTCOME_WORDS`: ``valid``, ``tns``, ``runtime``…), measuring a target's quantity
  (``hls_lut`` next to target ``impl_lut``), sharing the prefix of a target or of another flagged column
  while taking more than :data:`SPREAD_VALUES` values (``impl_ff`` next to ``impl_lut``), or flagged by a
  leakage probe on at most :data:`PROBE_ROWS` rows: a numeric column with many distinct values that alone
  explains ≥ :data:`LEAK_R2` of a target's variance (3-fold cross-validated, one decision tree, log of a
  positive target) with at most half the unexplained variance the design columns (the others, without
  such suspects) leave; or one the targets determine to ≥ :data:`LEAK_R2_FROM_TARGETS`. Sweep parameters
  with few levels are not probed from the targets (the outputs often pin them down), nor are two-valued
  flags (a ``valid`` flag is caught by its name);
* **high-cardinality text** (more than :data:`MAX_CATEGORIES` distinct values, or over half the rows):
  one-hot encoding would add that many columns;
* **mixed numbers and text** (e.g. ``none`` among numbers, a typo).

All problems of a file are reported at once, in one line naming the columns and the flags that resolve them
(``--exclude``, ``--keep`` to use a column as a feature anyway, ``--categorical``). Columns named in ``keep``
or listed as features are not probed; constant columns are kept with a warning. The probe is a heuristic:
a design column that alone determines a target (a clock that fixes power, say) can be flagged, and an output
that is weakly related to every target can pass; the roles table shows what was decided.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.tree import DecisionTreeRegressor

from ppa.cells import blank, lines

#: Rows the leakage probe looks at (a random subset of larger tables).
PROBE_ROWS = 2000
#: Share of a target's variance one column must explain alone to be probed further as a leak.
LEAK_R2 = 0.8
#: Share of a column's variance the targets must explain for it to count as their output.
LEAK_R2_FROM_TARGETS = 0.95
#: Distinct values above which a column sharing a name prefix with a target (or a flagged output) is an output:
#: design knobs sharing a module prefix (``lane_bits`` next to ``lane_fmax_ghz``) have fewer levels.
SPREAD_VALUES = 10
#: Distinct values above which a text column is not one-hot encoded without being asked.
MAX_CATEGORIES = 50
_ID_NAME = re.compile(r"(^|[_\W])(id|idx|index|key|uuid|hash|row|seq|serial)([_\W]|$)", re.IGNORECASE)
#: Name tokens of tool outcomes (status flags, slack, run time): never design inputs.
OUTCOME_WORDS = ("valid", "success", "succeeded", "passed", "failed", "failure", "status", "error", "errors",
                 "feasible", "met", "violated", "violations", "tns", "wns", "slack", "runtime", "elapsed",
                 "walltime", "time", "seconds")
#: Unit suffixes skipped when naming a column's quantity (``impl_lut`` → ``lut``, ``pe_area_um2`` → ``area``).
UNIT_WORDS = ("ns", "ps", "us", "ms", "s", "ghz", "mhz", "khz", "hz", "w", "mw", "uw", "nw", "pj", "nj", "fj", "um2",
              "mm2", "nm2", "um", "mm", "pct", "percent", "kib", "mib", "bytes", "bits", "count", "n", "num")
_HASH = re.compile(r"^[0-9a-fA-F]{8,}(\W.*)?$")


@dataclass(frozen=True)
class Role:
    """What a CSV column is used as (``target``, ``feature``, ``excluded``, ``group key``) and why."""

    column: str
    role: str
    reason: str


def roles_text(roles: list[Role]) -> str:
    """The roles table as printed by ``accel-dse train``."""
    width = max(len(r.column) for r in roles)
    return "\n".join(f"  {r.column:<{width}}  {r.role:<9}  {r.reason}" for r in roles)


def quantity(name: str) -> str | None:
    """The last word of a column name that is not a unit (``hls_lut`` → ``lut``), or None."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in UNIT_WORDS]
    return words[-1] if words else None


def prefix(name: str) -> str | None:
    """The first word of a name of two or more words (``impl_lut`` → ``impl``), or None."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    return words[0] if len(words) >= 2 and words[0] not in UNIT_WORDS and len(words[0]) >= 2 else None


def _numeric(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.where(~blank(s)), errors="coerce")


def identifier_reason(s: pd.Series) -> str | None:
    """Why column ``s`` (strings) looks like a row identifier, or None."""
    n = len(s)
    values = s[~blank(s)]
    if n < 10 or len(values) < n:
        return None
    if values.str.match(_HASH).mean() >= 0.9 and values.str.contains(r"[a-fA-F]").any():
        return f"hash-like values (e.g. {values.iloc[0]!r})"
    if values.nunique() < n:
        return None
    number = pd.to_numeric(values, errors="coerce")
    if number.isna().any():
        return f"a different text in every row (e.g. {values.iloc[0]!r})" if n >= 20 else None
    if _ID_NAME.search(str(s.name)):
        return "a different value in every row, id-like name"
    integer = bool((number == np.round(number)).all())
    if n >= 20 and integer:
        dense = number.max() - number.min() + 1 <= 2 * n
        if dense or number.is_monotonic_increasing:
            return f"integer sequence {number.min():g}…{number.max():g}, a different value in every row"
    return None


def mixed_reason(path, s: pd.Series) -> str | None:
    """Why ``s`` mixes numbers and text (first text value and its lines), or None."""
    values = s[~blank(s)]
    number = pd.to_numeric(values, errors="coerce")
    text = number.isna()
    if not text.any() or text.all():
        return None
    words = values[text]
    return (f"{s.name} ({int(text.sum())} non-numeric among numbers, e.g. {words.iloc[0]!r} at line(s) "
            f"{lines(np.flatnonzero(s.index.isin(words.index)))})")


def _cv_r2(model, X: np.ndarray, y: np.ndarray) -> float:
    if len(y) < 15 or np.var(y) == 0:
        return float("nan")
    pred = cross_val_predict(model, X, y, cv=KFold(3, shuffle=True, random_state=0))
    return float(1.0 - np.mean((y - pred) ** 2) / np.var(y))


def _codes(s: pd.Series) -> np.ndarray:
    number = _numeric(s)
    if number.notna().all():
        return number.to_numpy(float)
    return s.astype(str).factorize(sort=True)[0].astype(float)


def leak_reasons(frame: pd.DataFrame, candidates: list[str], targets: pd.DataFrame) -> dict[str, str]:
    """The leakage probe (module docstring): column → why it looks like another measured output."""
    if len(frame) > PROBE_ROWS:
        pick = np.sort(np.random.default_rng(0).choice(len(frame), PROBE_ROWS, replace=False))
        frame, targets = frame.iloc[pick], targets.iloc[pick]
    n = len(frame)
    columns = {c: _codes(frame[c]) for c in candidates}
    distinct = {c: len(np.unique(v)) for c, v in columns.items()}
    many = [c for c in candidates if distinct[c] >= max(20, 0.05 * n) and _numeric(frame[c]).notna().all()]
    tree = DecisionTreeRegressor(min_samples_leaf=5, random_state=0)
    scaled = {}
    for t in targets.columns:
        y = targets[t].to_numpy(float)
        ok = np.isfinite(y)
        scaled[t] = (ok, np.log(y[ok]) if (y[ok] > 0).all() else y[ok])
    reasons = {}
    alone = {t: {c: _cv_r2(tree, columns[c][ok, None], y) for c in many} for t, (ok, y) in scaled.items()}
    suspects = {c for t in alone for c, r2 in alone[t].items() if r2 >= LEAK_R2}
    rest = [c for c in candidates if c not in suspects and distinct[c] > 1]  # the design columns
    for t, (ok, y) in scaled.items():
        mine = [c for c in suspects if alone[t][c] >= LEAK_R2 and c not in reasons]
        if not mine:
            continue
        design = _cv_r2(ExtraTreesRegressor(30, min_samples_leaf=3, random_state=0, n_jobs=1),
                        np.column_stack([columns[c][ok] for c in rest]), y) if rest else 0.0
        design = 0.0 if not np.isfinite(design) else max(design, 0.0)
        for c in mine:
            if 1 - alone[t][c] <= 0.5 * (1 - design):
                reasons[c] = (f"{c} (alone explains {alone[t][c]:.1%} of {t}'s variance, the design columns "
                              f"{design:.1%})")
    complete = np.all([ok for ok, _ in scaled.values()], axis=0)
    if complete.sum() >= 15:
        Y = np.column_stack([np.log(targets[t].to_numpy(float)[complete]) if (targets[t].to_numpy(float)[complete] > 0).all()
                             else targets[t].to_numpy(float)[complete] for t in targets.columns])
        for c in many:
            if c in reasons:
                continue
            r2 = _cv_r2(tree, Y, columns[c][complete])
            if r2 >= LEAK_R2_FROM_TARGETS:
                reasons[c] = f"{c} ({r2:.0%} of its variance follows from the targets)"
    return reasons


def check_columns(path, df: pd.DataFrame, candidates: list[str], targets: list[str], *, categorical=(),
                  keep=(), probe: bool = True) -> tuple[list[str], list[str]]:
    """Check the would-be feature columns; returns (problem descriptions, warnings).

    ``candidates``: the feature columns; ``probe``: look for identifiers, leaks and high-cardinality text
    (False when the features were listed explicitly). Columns in ``keep`` are not probed; ``categorical``
    columns may mix numbers and text.
    """
    problems, warnings = [], []
    declared = set(categorical)
    mixed = {c: r for c in candidates if c not in declared and (r := mixed_reason(path, df[c]))}
    constant = [c for c in candidates if df[c].nunique(dropna=False) == 1]
    if constant:
        warnings.append(f"{path}: constant column(s) {', '.join(constant)}: no information to learn from here "
                        "(kept; a query with another value is out of the training domain)")
    probed = [c for c in candidates if c not in set(keep) and c not in constant] if probe else []
    ids = {c: r for c in probed if (r := identifier_reason(df[c]))}
    mixed = {c: r for c, r in mixed.items() if c not in ids}  # hashes may be all digits in some rows
    if mixed:
        problems.append("mixed numbers and text: " + "; ".join(mixed.values()) + " → fix the values or declare "
                        f"the column(s) categorical (--categorical {','.join(mixed)})")
    if not probe:
        return problems, warnings
    if ids:
        problems.append("identifier-like: " + "; ".join(f"{c} ({r})" for c, r in ids.items()))
    texts = [c for c in probed if c not in ids and _numeric(df[c]).isna().all()]
    wide = {c: df[c].nunique() for c in texts
            if df[c].nunique() > MAX_CATEGORIES or (len(df) >= 20 and df[c].nunique() > 0.5 * len(df))}
    if wide:
        problems.append("high-cardinality text: " + "; ".join(
            f"{c} ({k} distinct values in {len(df)} rows: one-hot would add {k} columns)" for c, k in wide.items())
            + " → exclude, or derive a few numeric features from it")
    numeric_ok = [c for c in probed if c not in ids and c not in wide and c not in mixed]
    Y = pd.DataFrame({t: _numeric(df[t]) for t in targets}, index=df.index)
    leaks = {c: f"{c} (named like a tool outcome)" for c in probed
             if c not in ids and set(re.split(r"[^a-z0-9]+", c.lower())) & set(OUTCOME_WORDS)}
    measured = {quantity(t): t for t in targets if quantity(t)}
    leaks.update({c: f"{c} (measures what target {measured[quantity(c)]} does: {quantity(c)})" for c in probed
                  if c not in ids and c not in leaks and quantity(c) in measured})
    # a shared prefix is a module or a tool stage: only columns with many values (an output, not a knob) count
    spread = [c for c in probed if c not in ids and c not in leaks and df[c].nunique() > SPREAD_VALUES]
    prefixes = {p: t for t in targets if (p := prefix(t))}
    leaks.update({c: f"{c} (named like target {prefixes[prefix(c)]}: prefix {prefix(c)}_)" for c in spread
                  if prefix(c) in prefixes})
    numeric_ok = [c for c in numeric_ok if c not in leaks]
    leaks.update(leak_reasons(df, numeric_ok, Y) if numeric_ok else {})
    siblings = {p: c for c in leaks if (p := prefix(c))}  # hls_lut is an output: so are hls_ff, hls_dsp…
    leaks.update({c: f"{c} (named like {siblings[prefix(c)]}: prefix {prefix(c)}_)" for c in spread
                  if c not in leaks and prefix(c) in siblings})
    if leaks:
        problems.append("looks like another measured output: " + "; ".join(leaks.values()))
    flagged = [*ids, *wide, *leaks]
    if flagged:
        problems.append(f"--exclude {','.join(flagged)} to drop, or --keep {','.join(flagged)} to use as features anyway")
    return problems, warnings
