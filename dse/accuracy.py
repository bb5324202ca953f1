"""Accuracy of a network choice, looked up in a table of measured top-1 accuracies (a pluggable input).

Accuracy is never computed here: it comes from published tables (bundled, see
``datasets/accuracy/PROVENANCE.md``) or from the user's own measurements in the same CSV format:

``network,width,resolution,depth,act_bits,wgt_bits,edge_bits,top1,source[,policy]``

* ``network``: a zoo family (``mobilenetv2``, ``resnet``; :data:`frontend_sim.zoo.FAMILIES`) or a workload name;
* ``width``: width multiplier (> 0); ``resolution``: input side in pixels and ``depth``: network depth
  (integers >= 1, or blank where the network has none);
* ``act_bits``, ``wgt_bits``: bits of the body's activations and weights; ``edge_bits``: bits of the first
  and last GEMM layer (:func:`frontend_sim.workloads.with_precision`); 1..32, 32 = floating point;
* ``top1``: percent (0..100); ``source``: the training recipe / publication the row comes from (the bundled
  tables: a key of PROVENANCE.md); rows of one source share one baseline;
* ``policy`` (optional column; blank = uniform): the name of a published per-layer (mixed-precision)
  assignment; the three bit columns then give the *widest* bits the policy uses in each layer group, i.e.
  the widths an array must be built for. A table without the column is read as all-uniform.

Blank lines and lines starting with ``#`` are skipped; a bad row or two rows of one source with the same
choice raise :class:`~dse.errors.DSEInputError` naming the file and line.

Lookup of a :class:`NetworkChoice`, **within each source** (the rules are the only places an answer is not a
table row; each sets ``uncertain``); only rows of the choice's ``policy`` take part (uniform choices never
see mixed-precision rows, and the reverse):

1. a row with the same network, width, resolution, depth and precision: its ``top1``, certain;
2. precision not in the table: the lowest ``top1`` of the rows at the same geometry whose three widths are
   all at least the choice's -- an *upper bound*, assuming accuracy does not rise when precision falls;
3. resolution not in the table: linear interpolation in resolution between the nearest lower and higher
   resolution at the same network, width and depth (each end by rules 1-2); never extrapolated;
4. otherwise NaN (unknown): a constraint on ``top1`` is then violated, an objective on it rejects the design.

Sources are never mixed within one answer (a bound or an interpolation uses one source's rows, so a
difference between two recipes' baselines never looks like an effect of precision). When several sources
answer, the answer of the lowest-numbered rule wins, and among equal rules the lowest ``top1`` (the
conservative one); :attr:`Accuracy.source` names the source used.
"""
from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from dse.errors import DSEInputError

logger = logging.getLogger(__name__)

COLUMNS = ("network", "width", "resolution", "depth", "act_bits", "wgt_bits", "edge_bits", "top1", "source")
#: The optional last column: a named per-layer precision assignment (blank = uniform by layer group).
POLICY = "policy"
#: Bits that stand for floating point (unquantised) in a table.
FLOAT_BITS = 32
#: Bundled tables by name (files of ``accel_dse_datasets``, ``datasets/accuracy/``).
BUNDLED = {"mobilenetv2_slim": "accuracy/mobilenetv2_slim.csv", "mobilenetv2_tflite": "accuracy/mobilenetv2_tflite.csv",
           "mobilenetv2_haq": "accuracy/mobilenetv2_haq.csv", "resnet50_hawq_v3": "accuracy/resnet50_hawq_v3.csv"}
#: How a lookup was answered (the ``accuracy_rule`` of a design).
RULES = ("table", "precision_bound", "resolution_interpolation", "missing")


@dataclass(frozen=True)
class NetworkChoice:
    """What a design runs: the network (family or workload name), its scaling and its layer-group widths (bits).
    ``resolution`` and ``depth`` are None where the network has none; ``policy``: a named per-layer precision
    assignment ("" = uniform by layer group, the bits then being the widest the policy uses)."""

    network: str
    width: float = 1.0
    resolution: int | None = None
    depth: int | None = None
    act_bits: int = FLOAT_BITS
    wgt_bits: int = FLOAT_BITS
    edge_bits: int = FLOAT_BITS
    policy: str = ""


@dataclass(frozen=True)
class Accuracy:
    """Answer of a lookup: top-1 (percent, NaN when unknown), whether a rule beyond an exact row gave it, which,
    and the source whose rows gave it ("" when unknown)."""

    top1: float
    uncertain: bool
    rule: str
    source: str = ""


def _number(text: str, kind: type, low: float, high: float | None, blank_ok: bool):
    """The cell as ``kind`` within [low, high], None when blank and allowed; ValueError otherwise."""
    text = text.strip()
    if not text:
        if blank_ok:
            return None
        raise ValueError("is blank")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"= {text!r} is not a number") from None
    if not math.isfinite(value) or value < low or (high is not None and value > high):
        raise ValueError(f"= {text!r} is outside {low:g}..{'' if high is None else f'{high:g}'}")
    if kind is int:
        if not value.is_integer():
            raise ValueError(f"= {text!r} is not an integer")
        return int(value)
    return value


#: Per column: (type, low, high, blank allowed).
_CELLS = {"width": (float, 1e-9, None, False), "resolution": (int, 1, None, True), "depth": (int, 1, None, True),
          "act_bits": (int, 1, FLOAT_BITS, False), "wgt_bits": (int, 1, FLOAT_BITS, False),
          "edge_bits": (int, 1, FLOAT_BITS, False), "top1": (float, 0, 100, False)}


class AccuracyTable:
    """Measured top-1 accuracies (rows of :data:`COLUMNS`) and the lookup rules of the module docstring."""

    def __init__(self, rows: pd.DataFrame, sources: tuple[str, ...]):
        self.rows = rows
        self.sources = sources

    @classmethod
    def read(cls, *names: str | Path) -> AccuracyTable:
        """Tables by bundled name (:data:`BUNDLED`) or CSV path, combined; errors name the file and line."""
        frames, sources = [], []
        for name in names:
            path = bundled_path(str(name)) if str(name) in BUNDLED else Path(name)
            frames.append(_read_csv(path))
            sources.append(str(name))
        if not frames:
            raise DSEInputError("accuracy: no table given; name a bundled table "
                                f"({', '.join(BUNDLED)}) or a CSV path")
        rows = pd.concat(frames, ignore_index=True)
        key = rows[["network", "width", "resolution", "depth", "act_bits", "wgt_bits", "edge_bits", "source",
                    POLICY]].fillna(-1)
        repeated = key.duplicated(keep=False)
        if repeated.any():
            a, b = rows[repeated].head(2)["where"].tolist()
            raise DSEInputError(f"accuracy tables: {a} and {b} give the same network, scaling, precision and "
                                f"source; expected one measurement per choice and source")
        return cls(rows, tuple(sources))

    def lookup(self, choice: NetworkChoice) -> Accuracy:
        """Top-1 of one choice by the rules of the module docstring (each source on its own, then the best rule)."""
        same = self.rows[(self.rows["network"] == choice.network) & np.isclose(self.rows["width"], choice.width)
                         & _equal(self.rows["depth"], choice.depth) & (self.rows[POLICY] == choice.policy)]
        answers = [replace(_lookup_source(rows, choice), source=source) for source, rows in same.groupby("source")]
        known = [a for a in answers if not math.isnan(a.top1)]
        if not known:
            return Accuracy(math.nan, True, "missing")
        return min(known, key=lambda a: (RULES.index(a.rule), a.top1))


def _lookup_source(same: pd.DataFrame, choice: NetworkChoice) -> Accuracy:
    """Rules 1-3 on the rows of one source at the choice's network, width, depth and policy."""
    value, exact = _by_precision(same[_equal(same["resolution"], choice.resolution)], choice)
    if not math.isnan(value):
        return Accuracy(value, not exact, "table" if exact else "precision_bound")
    if choice.resolution is not None:
        known = same["resolution"].dropna()
        lower, higher = known[known < choice.resolution], known[known > choice.resolution]
        if len(lower) and len(higher):
            r0, r1 = lower.max(), higher.min()
            v0, _ = _by_precision(same[same["resolution"] == r0], choice)
            v1, _ = _by_precision(same[same["resolution"] == r1], choice)
            if not (math.isnan(v0) or math.isnan(v1)):
                top1 = v0 + (v1 - v0) * (choice.resolution - r0) / (r1 - r0)
                return Accuracy(float(top1), True, "resolution_interpolation")
    return Accuracy(math.nan, True, "missing")


def _equal(column: pd.Series, value) -> pd.Series:
    """Rows whose optional integer cell equals ``value`` (None matches a blank cell)."""
    return column.isna() if value is None else column == value


def _by_precision(rows: pd.DataFrame, choice: NetworkChoice) -> tuple[float, bool]:
    """(top1, exact) at one geometry: the exact precision row, else the lowest row at least as precise (NaN)."""
    bits = rows[["act_bits", "wgt_bits", "edge_bits"]].to_numpy()
    wanted = np.array([choice.act_bits, choice.wgt_bits, choice.edge_bits])
    exact = (bits == wanted).all(axis=1)
    if exact.any():
        return float(rows["top1"].to_numpy()[exact][0]), True
    above = (bits >= wanted).all(axis=1)
    return (float(rows["top1"].to_numpy()[above].min()), False) if above.any() else (math.nan, False)


def dataset_file(relative: str) -> Path:
    """Path of a bundled data file (``relative`` to ``datasets/``): the source tree's ``datasets/`` when this
    module runs from one, else the installed ``accel_dse_datasets``."""
    source = Path(__file__).resolve().parents[1] / "datasets" / relative
    if source.is_file():
        return source
    import accel_dse_datasets

    return accel_dse_datasets.path(relative)


def bundled_path(name: str) -> Path:
    """Path of a bundled accuracy table (a key of :data:`BUNDLED`)."""
    return dataset_file(BUNDLED[name])


def table_rows(path: Path, what: str, bundled, columns) -> tuple[tuple[str, ...], str, list[tuple[str, list[str]]]]:
    """Header, its "file:line" and the ("file:line", cells) rows of a CSV table (``what``: "accuracy table",
    "policy table"), blank and ``#`` lines skipped; an unreadable or empty file is a one-line error naming the
    bundled tables (``bundled``) or the expected header (``columns``)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DSEInputError(f"{path}: cannot read the {what} ({exc}); bundled tables: "
                            f"{', '.join(bundled)}") from None
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise DSEInputError(f"{path}: empty {what}; expected the header {','.join(columns)}")
    reader = csv.reader([line for _, line in lines])
    header = tuple(cell.strip() for cell in next(reader))
    return header, f"{path}:{lines[0][0]}", [(f"{path}:{number}", cells) for (number, _), cells in zip(lines[1:], reader)]


def _read_csv(path: Path) -> pd.DataFrame:
    """Rows of one accuracy CSV, validated; ``where`` = "file:line" of each row."""
    header, header_where, rows = table_rows(path, "accuracy table", BUNDLED, COLUMNS)
    if header not in (COLUMNS, (*COLUMNS, POLICY)):
        raise DSEInputError(f"{header_where}: header {','.join(header)!r}; expected {','.join(COLUMNS)} "
                            f"(optionally followed by ,{POLICY})")
    records = []
    for where, cells in rows:
        if len(cells) != len(header):
            raise DSEInputError(f"{where}: {len(cells)} cells; expected {len(header)} ({','.join(header)})")
        named = dict(zip(header, cells))
        record = {"network": named["network"].strip(), "source": named["source"].strip(),
                  POLICY: named.get(POLICY, "").strip(), "where": where}
        if not record["network"]:
            raise DSEInputError(f"{where}: network is blank; expected a zoo family or workload name")
        for column, (kind, low, high, blank_ok) in _CELLS.items():
            try:
                record[column] = _number(named[column], kind, low, high, blank_ok)
            except ValueError as exc:
                expected = f"{'an integer' if kind is int else 'a number'} in {low:g}..{'' if high is None else f'{high:g}'}"
                raise DSEInputError(f"{where}: {column} {exc}; expected {expected}{' or blank' if blank_ok else ''}") from None
        records.append(record)
    if not records:
        raise DSEInputError(f"{path}: no rows after the header")
    logger.debug("accuracy table %s: %d rows", path, len(records))
    frame = pd.DataFrame.from_records(records)
    for column in ("resolution", "depth"):
        frame[column] = frame[column].astype("Float64").astype(float)
    return frame
