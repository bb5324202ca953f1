"""Measured lookup tables as features: a column read from a characterisation table, not learned.

A spec's ``[lookup.NAME]`` names a CSV (e.g. the PE areas of ``accel-dse characterise``), the
columns that key it (``keys``, matched to the feature columns of the same names), the column read
(``value``) and optionally a numeric column to interpolate over (``interpolate``): between the
table's points of a key the value is linear in log(x), beyond them it is the end point's value.
The feature ``NAME`` then sits before the derived features (:func:`ppa.structure.add_derived`):
models, ``[terms]`` and the domain check see it. A row whose key is not in the table is an error
naming it (never a guess). The table travels inside model bundles (JSON rows), so a bundle needs no
file beside it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ppa.errors import PPAInputError


def _norm(value):
    """A key cell as compared: numbers as float (8 == 8.0 == "8"), anything else as its text."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


@dataclass(eq=False)
class LookupTable:
    """``value`` by ``keys`` (and by ``interpolate``, linear in its log) from the rows of a measured table."""

    value: str
    keys: tuple[str, ...]
    interpolate: str | None
    rows: pd.DataFrame  #: the table's keys, interpolate and value columns
    source: str = ""    #: file it was read from (for messages and provenance)
    sha256: str = ""    #: of the rows as stored in a bundle (:meth:`to_json`)
    _index: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.keys = tuple(self.keys)
        self._index = {}
        cols = list(self.keys)
        for key, group in self.rows.groupby(cols, sort=False) if cols else [((), self.rows)]:
            key = tuple(_norm(k) for k in (key if isinstance(key, tuple) else (key,)))
            if self.interpolate:
                group = group.sort_values(self.interpolate)
                self._index[key] = (np.log(group[self.interpolate].to_numpy(float)), group[self.value].to_numpy(float))
            else:
                self._index[key] = (None, group[self.value].to_numpy(float))
        self.sha256 = self.sha256 or hashlib.sha256(self.rows.to_csv(index=False).encode()).hexdigest()

    @property
    def columns(self) -> list[str]:
        """Feature columns the lookup reads."""
        return [*self.keys, *([self.interpolate] if self.interpolate else [])]

    def values(self, X: pd.DataFrame, name: str, what: str = "row", first: int = 0) -> np.ndarray:
        """The looked-up value of every row of ``X``; an error naming the first keys the table lacks and
        their rows (``what``s numbered from ``first``: 2 gives CSV lines when the header is line 1)."""
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise PPAInputError(f"lookup {name!r} reads column(s) {missing}, which are not features "
                                f"(features: {', '.join(map(str, X.columns))})")
        out = np.full(len(X), np.nan)
        absent = []
        groups = X.groupby(list(self.keys), sort=False).indices if self.keys else {(): np.arange(len(X))}
        for key, idx in groups.items():
            key = tuple(_norm(k) for k in (key if isinstance(key, tuple) else (key,)))
            if key not in self._index:
                absent.append((key, idx))
                continue
            xs, vs = self._index[key]
            out[idx] = vs[0] if xs is None else np.interp(np.log(X[self.interpolate].to_numpy(float)[idx]), xs, vs)
        if absent:
            key, idx = absent[0]
            shown = ", ".join(f"{c}={k:g}" if isinstance(k, float) else f"{c}={k}" for c, k in zip(self.keys, key))
            raise PPAInputError(
                f"lookup {name!r} ({self.source or 'table'}) has no entry for {shown} ({what}s "
                f"{', '.join(str(i + first) for i in idx[:8])}{', …' if len(idx) > 8 else ''}"
                + (f"; {len(absent) - 1} more key(s) missing" if len(absent) > 1 else "")
                + "): measure it into the table, or keep the queries to the table's keys")
        return out

    def to_json(self) -> dict:
        return {"value": self.value, "keys": list(self.keys), "interpolate": self.interpolate,
                "source": self.source, "sha256": self.sha256, "rows": self.rows.to_dict("list")}

    @classmethod
    def from_json(cls, data: dict, where: str) -> "LookupTable":
        rows = pd.DataFrame(data["rows"])
        table = cls(data["value"], tuple(data["keys"]), data.get("interpolate"), rows, data.get("source", ""))
        if table.sha256 != data["sha256"]:
            raise PPAInputError(f"{where}: refused, lookup rows from {table.source!r} do not match their sha256")
        return table


def read_lookup(name: str, entry, spec_path: Path) -> LookupTable:
    """The spec entry ``[lookup.name]`` (file relative to the spec, keys, value, interpolate), its CSV checked."""
    where = f"{spec_path}: [lookup.{name}]"
    allowed = {"file", "keys", "value", "interpolate"}
    if not isinstance(entry, dict) or not {"file", "keys", "value"} <= set(entry) or set(entry) - allowed:
        raise PPAInputError(f"{where} must be a table with file = \"table.csv\", keys = [\"column\", ...], "
                            f"value = \"column\" and optionally interpolate = \"column\", got {entry!r}")
    keys, value, interpolate = entry["keys"], entry["value"], entry.get("interpolate")
    if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys) and isinstance(value, str)
            and (interpolate is None or isinstance(interpolate, str)) and isinstance(entry["file"], str)):
        raise PPAInputError(f"{where}: keys must be a list of column names, file/value/interpolate strings, got {entry!r}")
    path = spec_path.parent / entry["file"]
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise PPAInputError(f"{where}: table file {path} not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PPAInputError(f"{where}: {path} is not a readable CSV ({exc})") from None
    columns = [*keys, *([interpolate] if interpolate else []), value]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise PPAInputError(f"{path}: lookup {name!r} needs column(s) {missing}; the file has: {', '.join(df.columns)}")
    df = df[columns]
    blank = df[keys].isna().any(axis=1) | (df[keys].astype(str).apply(lambda c: c.str.strip()) == "").any(axis=1)
    if blank.any():
        lines = ", ".join(str(i + 2) for i in np.flatnonzero(blank)[:8])
        raise PPAInputError(f"{path}: lookup {name!r} has empty key cells ({', '.join(keys)}) at line(s) {lines}")
    for col in [value, *([interpolate] if interpolate else [])]:
        numbers = pd.to_numeric(df[col], errors="coerce")
        bad = ~np.isfinite(numbers.to_numpy(float)) | (numbers.to_numpy(float) <= 0 if col == interpolate else False)
        if bad.any():
            lines = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:8])
            raise PPAInputError(f"{path}: column {col!r} must hold finite numbers{' > 0' if col == interpolate else ''}; "
                                f"bad at line(s) {lines}")
        df[col] = numbers.astype(float)
    dup = df.duplicated(subset=columns[:-1], keep=False)
    if dup.any():
        lines = ", ".join(str(i + 2) for i in np.flatnonzero(dup)[:8])
        raise PPAInputError(f"{path}: lookup {name!r} has more than one row for the same {', '.join(columns[:-1])} "
                            f"at line(s) {lines}")
    return LookupTable(value, tuple(keys), interpolate, df.reset_index(drop=True), source=path.name)
