"""Validate a CSV of PPA samples before any model sees it.

Every problem is either a :class:`~ppa.errors.PPAInputError` or a warning string, each naming
the file, the column and the rows (CSV line numbers: the header is line 1, the first data row line 2).
Nothing is dropped silently: rows without a value for one target are left out of that target's
model only, and the warning says which.
"""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from frontend_sim.hardware import HardwareConfig
from ppa.backend_flow.columns import SAMPLE_OUTPUTS
from ppa.cells import blank, lines
from ppa.errors import PPAInputError
from ppa.hashing import file_sha256
from ppa.lookup import read_lookup
from ppa.roles import Role, check_columns

#: Architectural columns (``HardwareConfig`` fields): the default configuration key of the unseen split.
ARCHITECTURE_COLUMNS = tuple(f.name for f in fields(HardwareConfig))
MIN_ROWS = 10


@dataclass(frozen=True)
class DataSpec:
    """Which columns of a CSV are features and targets, and how to split and check them.

    ``features=None`` means every column that is not a target, not a known PPA output
    (:data:`ppa.backend_flow.columns.SAMPLE_OUTPUTS`) and not in ``exclude``; those columns are checked
    by :mod:`ppa.roles` (identifiers, other measured outputs, wide text), except those in ``keep``. ``categorical`` forces columns to be
    encoded as categories (columns whose values are all non-numeric are categorical anyway).
    ``group_by`` is the configuration key of the "unseen" split, any columns of the CSV (None: the
    architectural columns among the features, or all features when there are none). ``clock_column``/``timing_column``
    enable the timing-met classification check of frequency targets when both exist.
    ``derived`` (name → expression) and ``terms`` (target → expressions) carry the architect's
    knowledge (:mod:`ppa.structure`); ``model`` is a family or a table target → family.
    ``inputs`` (target → features) restricts a target's model to those features (raw or derived).
    ``min_of`` (target → columns) predicts a target as the minimum of other columns' models; those
    columns are added to the targets. ``lookup`` adds features read from measured tables (:mod:`ppa.lookup`).
    """

    targets: tuple[str, ...]
    features: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    group_by: tuple[str, ...] | None = None
    clock_column: str = "target_clock_ghz"
    timing_column: str = "timing_met"
    derived: dict[str, str] | None = None
    terms: dict[str, list[str]] | None = None
    model: str | dict[str, str] | None = None
    inputs: dict[str, list[str]] | None = None
    min_of: dict[str, list[str]] | None = None
    lookup: dict | None = None  #: name → :class:`ppa.lookup.LookupTable` (``[lookup.name]`` in a spec file)
    keep: tuple[str, ...] = ()  #: features used although :mod:`ppa.roles` flags them (id-like, leak, wide text)

    def __post_init__(self):
        for name in ("targets", "features", "exclude", "categorical", "group_by", "keep"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
        if not self.targets:
            raise PPAInputError("no target columns given (e.g. --targets area_um2,power_mw,fmax_ghz)")
        for target, parts in (self.min_of or {}).items():
            if target not in self.targets:
                raise PPAInputError(f"[min_of] {target!r} is not a target (targets: {', '.join(self.targets)})")
            object.__setattr__(self, "targets", self.targets + tuple(p for p in parts if p not in self.targets))
        stray = [t for t in (self.inputs or {}) if t not in self.targets]
        if stray:
            raise PPAInputError(f"[inputs] {stray} are not targets (targets: {', '.join(self.targets)})")
        both = set(self.targets) & set(self.features or ())
        if both:
            raise PPAInputError(f"columns {sorted(both)} are both features and targets")


#: Spec tables of target = [strings]: what each row holds (for the error message) and its least length.
_LIST_TABLES = {"terms": ('target = ["expression", ...]', 1), "inputs": ('target = ["feature", ...]', 1),
                "min_of": ('target = ["column", "column", ...] (two or more)', 2)}


def load_spec(path: str | Path, **overrides) -> DataSpec:
    """Read a TOML spec file (top-level keys = :class:`DataSpec` fields); non-None overrides win."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise PPAInputError(f"{path}: not a UTF-8 text file (byte {exc.object[exc.start]:#04x} at offset "
                            f"{exc.start}); a spec is TOML text") from None
    except FileNotFoundError:
        raise PPAInputError(f"{path}: spec file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PPAInputError(f"{path}: not valid TOML ({exc})") from None
    known = {f.name for f in fields(DataSpec)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise PPAInputError(f"{path}: unknown keys {unknown}; expected some of {sorted(known)}")
    for key, value in raw.items():
        if key.endswith("_column"):
            if not isinstance(value, str):
                raise PPAInputError(f"{path}: {key} must be a string, got {value!r}")
        elif key == "derived":
            if not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
                raise PPAInputError(f"{path}: [derived] must be a table of name = \"expression\", got {value!r}")
        elif key in _LIST_TABLES:
            what, least = _LIST_TABLES[key]
            if not (isinstance(value, dict) and all(isinstance(v, list) and len(v) >= least
                                                    and all(isinstance(t, str) for t in v) for v in value.values())):
                raise PPAInputError(f"{path}: [{key}] must be a table of {what}, got {value!r}")
        elif key == "lookup":
            if not isinstance(value, dict):
                raise PPAInputError(f"{path}: [lookup] must hold tables [lookup.name] with file, keys, value, got {value!r}")
            raw[key] = {name: read_lookup(name, entry, path) for name, entry in value.items()}
        elif key == "model":
            if not (isinstance(value, str) or isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
                raise PPAInputError(f"{path}: model must be a family name or a table target = \"family\", got {value!r}")
        elif not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise PPAInputError(f"{path}: {key} must be a list of column names, got {value!r}")
    listed = set(raw.get("targets", ())) | {c for parts in (raw.get("min_of") or {}).values() for c in parts}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    if "targets" not in raw:
        raise PPAInputError(f"{path}: no `targets = [...]` in the spec and none given on the command line")
    # targets chosen on the command line: the spec's min_of/inputs entries of the others are dropped
    # (an entry for a target the spec never lists is still an error)
    chosen = set(raw["targets"])
    if raw.get("min_of"):
        raw["min_of"] = {t: v for t, v in raw["min_of"].items() if t in chosen or t not in listed}
        chosen |= {c for parts in raw["min_of"].values() for c in parts}
    if raw.get("inputs"):
        raw["inputs"] = {t: v for t, v in raw["inputs"].items() if t in chosen or t not in listed}
    return DataSpec(**raw)


@dataclass
class Table:
    """A validated CSV: features typed (numeric float or categorical str), targets float (NaN = missing)."""

    path: str
    frame: pd.DataFrame
    features: list[str]
    categorical: list[str]
    targets: list[str]
    group_by: list[str]
    sha256: str
    warnings: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)  #: every column's role and why
    keys: pd.DataFrame | None = None  #: the ``group_by`` columns (strings) when some are not features

    @property
    def X(self) -> pd.DataFrame:
        return self.frame[self.features]

    @property
    def y(self) -> pd.DataFrame:
        return self.frame[self.targets]

    def column(self, name: str) -> pd.Series | None:
        return self.frame[name] if name in self.frame else None


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV as strings (typing is done column by column, with messages); clear errors."""
    path = Path(path)
    if not path.is_file():
        raise PPAInputError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise PPAInputError(f"{path}: empty file (no header, no rows)")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:  # only blank lines: pandas finds no header
        raise PPAInputError(f"{path}: no header row (the file has only blank lines); expected a CSV header "
                            "naming the columns, then one row per sample") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PPAInputError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    header = [name.strip() for name in next(csv.reader(path.open(newline="", encoding="utf-8", errors="replace")))]
    dup = sorted({name for name in header if header.count(name) > 1})
    if dup:  # pandas would rename the second 'x' to 'x.1'
        where = "; ".join(f"{name!r} in columns {[i + 1 for i, h in enumerate(header) if h == name]}" for name in dup)
        raise PPAInputError(f"{path}: duplicate column names in the header: {where}; rename or delete the copies")
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise PPAInputError(f"{path}: header only, no data rows (columns: {', '.join(df.columns)})")
    return df.apply(lambda s: s.str.strip())


def _require_columns(path, df: pd.DataFrame, wanted, role: str) -> None:
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise PPAInputError(
            f"{path}: {role} column(s) {missing} not found; the file has: {', '.join(df.columns)}")


#: Largest magnitude a feature or target may have: xgboost computes in float32, beyond it a value is inf.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def to_numeric(path, s: pd.Series, role: str) -> pd.Series:
    """Strings → float; non-numeric text, ±inf or a magnitude beyond :data:`FLOAT32_MAX` raises, blanks
    become NaN (the caller decides)."""
    empty = blank(s)
    values = pd.to_numeric(s.where(~empty), errors="coerce").astype(float)
    bad = values.isna() & ~empty
    if bad.any():
        first = s[bad].iloc[0]
        raise PPAInputError(
            f"{path}: {role} column {s.name!r} has non-numeric values at line(s) {lines(np.flatnonzero(bad))} "
            f"(e.g. {first!r}); fix them, or if the column is a category list it as categorical "
            f"(--categorical {s.name} or `categorical = [...]` in the spec)")
    _check_range(path, s, values, role)
    return values


def _check_range(path, s: pd.Series, values: pd.Series, role: str) -> None:
    """``values`` (``s`` as floats) are finite and within :data:`FLOAT32_MAX`, else one line naming the lines."""
    inf = np.isinf(values)
    if inf.any():
        raise PPAInputError(f"{path}: {role} column {s.name!r} has infinite values at line(s) {lines(np.flatnonzero(inf))}")
    huge = np.abs(values) > FLOAT32_MAX
    if huge.any():
        raise PPAInputError(
            f"{path}: {role} column {s.name!r} has values beyond ±{FLOAT32_MAX:.3g} at line(s) "
            f"{lines(np.flatnonzero(huge))} (e.g. {s[huge].iloc[0]!r}); the models compute in 32-bit floats "
            "(xgboost), where such a value is infinite")


def type_features(path, df: pd.DataFrame, features, categorical) -> tuple[pd.DataFrame, list[str]]:
    """Type feature columns: declared or all-text columns → categorical str, the rest → float.

    A column mixing numbers with a few words is an error (a typo looks like that), unless declared.
    """
    out = {}
    cats = []
    for col in features:
        s = df[col]
        empty = blank(s) if col not in categorical else (s.isna() | (s == ""))
        numeric = pd.to_numeric(s.where(~empty), errors="coerce").notna()
        if col in categorical or (~numeric[~empty]).all():
            if empty.any():
                raise PPAInputError(f"{path}: categorical feature {col!r} is empty at line(s) {lines(np.flatnonzero(empty))}")
            out[col] = s.astype(str)
            cats.append(col)
            continue
        values = to_numeric(path, s, "feature")
        if values.isna().any():
            raise PPAInputError(
                f"{path}: feature column {col!r} is empty/NaN at line(s) {lines(np.flatnonzero(values.isna()))}; "
                "features may not be missing")
        out[col] = values
    return pd.DataFrame(out, index=df.index), cats


def read_table(path: str | Path, spec: DataSpec, *, for_training: bool = True) -> Table:
    """Read and check a training CSV (or, ``for_training=False``, a labelled evaluation CSV, which
    may be short and have constant targets) against ``spec``; see the module docstring."""
    df = read_csv(path)
    _require_columns(path, df, spec.targets, "target")
    if spec.features is not None:
        _require_columns(path, df, spec.features, "feature")
        features = list(spec.features)
    else:
        skip = set(spec.targets) | set(SAMPLE_OUTPUTS) | set(spec.exclude)
        features = [c for c in df.columns if c not in skip]
    if not features:
        raise PPAInputError(f"{path}: no feature columns left (columns: {', '.join(df.columns)})")
    _require_columns(path, df, [c for c in spec.categorical if c in features or spec.features is None], "categorical")
    if for_training and len(df) < MIN_ROWS:
        raise PPAInputError(f"{path}: only {len(df)} data rows; at least {MIN_ROWS} are needed to train and cross-validate")
    _require_columns(path, df, spec.keep, "--keep")
    for col, role in [(c, "target") for c in spec.targets] + [(c, "feature") for c in features
                                                            if c not in spec.categorical]:
        _check_range(path, df[col], pd.to_numeric(df[col], errors="coerce").astype(float), role)  # before the probes
    problems, warnings = check_columns(path, df, features, list(spec.targets), categorical=spec.categorical,
                                       keep=spec.keep, probe=for_training and spec.features is None)
    if problems:
        raise PPAInputError(f"{path}: column problems, all listed: " + " | ".join(problems))

    X, categorical = type_features(path, df, features, set(spec.categorical))
    for name, table in (spec.lookup or {}).items():  # every row's key must be measured (CSV lines named)
        table.values(X, name, what=f"{Path(path).name} line", first=2)
    targets = {}
    for col in spec.targets:
        y = to_numeric(path, df[col], "target")
        if y.isna().all():
            raise PPAInputError(f"{path}: target column {col!r} has no values")
        if y.isna().any():
            warnings.append(f"{path}: target {col!r} is empty at line(s) {lines(np.flatnonzero(y.isna()))}: "
                            f"those rows are left out of the {col} model and its error")
        if for_training and y.nunique(dropna=True) < 2:
            raise PPAInputError(f"{path}: target column {col!r} is constant ({y.dropna().iloc[0]:g}); nothing to learn")
        nonpos = y <= 0
        if nonpos.any():
            warnings.append(f"{path}: target {col!r} has {int(nonpos.sum())} zero/negative values at line(s) "
                            f"{lines(np.flatnonzero(nonpos))}: percentage errors use only its y>0 rows"
                            + (" and it is not fitted in log space" if (y < 0).any() else ""))
        targets[col] = y
    extra = {}
    for name in (spec.clock_column, spec.timing_column):
        if name in df.columns and name not in X:
            extra[name] = df[name]
    frame = pd.concat([X, pd.DataFrame(targets, index=df.index), pd.DataFrame(extra, index=df.index)], axis=1)
    if spec.timing_column in frame:
        flag = frame[spec.timing_column].astype(str).str.lower()
        ok = flag.isin(("true", "false", "1", "0", "1.0", "0.0"))
        if not ok.all():
            raise PPAInputError(f"{path}: column {spec.timing_column!r} must be true/false/1/0; "
                                f"bad at line(s) {lines(np.flatnonzero(~ok))}")
        frame[spec.timing_column] = flag.isin(("true", "1", "1.0"))
    if spec.clock_column in frame and spec.clock_column not in X:
        frame[spec.clock_column] = to_numeric(path, df[spec.clock_column], "clock")

    for col in categorical:
        if len(df) >= 20 and X[col].nunique() > 0.5 * len(df):
            warnings.append(f"{path}: categorical feature {col!r} has {X[col].nunique()} distinct values in "
                            f"{len(df)} rows: it looks like an identifier; --exclude it unless it is a real category")
    dup = df.duplicated(subset=features + list(spec.targets), keep="first")
    if dup.any():
        warnings.append(f"{path}: {int(dup.sum())} duplicate rows (same features and targets as an earlier row) "
                        f"at line(s) {lines(np.flatnonzero(dup))}: kept (they weigh double)")
    if spec.group_by is not None:
        _require_columns(path, df, spec.group_by, "group_by")
        group_by = list(spec.group_by)
    else:
        group_by = [c for c in features if c in ARCHITECTURE_COLUMNS] or list(features)
    keys = df[group_by] if set(group_by) - set(features) else None
    roles = column_roles(df, spec, features, categorical, group_by, X)
    return Table(str(path), frame, features, categorical, list(spec.targets), group_by, file_sha256(path), warnings,
                 roles, keys)


def column_roles(df: pd.DataFrame, spec: DataSpec, features, categorical, group_by, X: pd.DataFrame) -> list[Role]:
    """Every column of the CSV with its role (target, feature, excluded, group key) and why."""
    roles = []
    for c in df.columns:
        key = ", configuration key of the unseen split" if c in group_by and group_by != list(features) else ""
        if c in spec.targets:
            roles.append(Role(c, "target", "given as a target"))
        elif c in features:
            kind = f"categorical, {X[c].nunique()} values" if c in categorical else (
                f"numeric, {X[c].min():g}…{X[c].max():g}")
            if X[c].nunique() == 1:
                kind += ", constant"
            if c in spec.keep:
                kind += ", kept by --keep despite the column checks"
            roles.append(Role(c, "feature", kind + key))
        elif c in group_by:
            roles.append(Role(c, "group key", "configuration key of the unseen split, not a feature"))
        elif c in spec.exclude:
            roles.append(Role(c, "excluded", "--exclude"))
        elif spec.features is not None:
            roles.append(Role(c, "excluded", "not in --features"))
        elif c in (spec.clock_column, spec.timing_column):
            roles.append(Role(c, "excluded", "a measured output of the backend flow; used for the timing-met check"))
        else:
            roles.append(Role(c, "excluded", "a measured output of the backend flow (ppa.backend_flow.columns)"))
    return roles


def read_queries(path: str | Path, features, categorical) -> pd.DataFrame:
    """Read a CSV of query points for ``predict``: the model's feature columns, typed like training."""
    df = read_csv(path)
    _require_columns(path, df, features, "feature")
    X, _ = type_features(path, df, features, set(categorical))
    return X
