"""On-chip buffers built from SRAM macros: the macro table and the buffer organiser.

**Macro table** (:func:`read_macro_table`; the bundled one is ``datasets/sram_macros.csv``, made by
``accel-dse characterise-memory``). A CSV, one macro per row, columns:

=================  ====================================================================  ==========
column             meaning                                                               required
=================  ====================================================================  ==========
``pdk``            node name the designs use (``gf180``, ``asap7``, …)                   yes
``macro``          macro name (unique within its node)                                   yes
``words``          addressable words, integer >= 1                                       yes
``bits``           bits per word, integer >= 1                                           yes
``area_um2``       µm², the macro's footprint (LEF SIZE w × h), > 0                      yes
``read_pj``        pJ per read access of one word, >= 0                                  yes
``write_pj``       pJ per write access of one word, >= 0                                 yes
``leakage_mw``     mW, standby leakage, >= 0                                             yes
``min_period_ns``  ns, minimum clock period, > 0                                         yes
``access_ns``      ns, clock to data out                                                 no
``width_um``       µm, footprint width (``height_um``: height)                           no
``source``         ``macro`` (silicon data), ``modelled`` or anything else (e.g. ``user``)  no (``user``)
=================  ====================================================================  ==========

A bad cell is a :class:`~ppa.errors.PPAInputError` naming the file, its line and column.

**Organiser** (:func:`organise`): a buffer of a given capacity, word width per cycle and ports is built as
a grid of identical macros — ``width_banks`` side by side make one word (``ceil(word_bits / bits)``; unused
bits of the last column are wasted), ``depth_banks`` stacked make the depth. ``ports = 2`` is a ping-pong
(double-buffered) buffer: two halves of half the capacity, each its own macros, one filled while the other is
read; ``ports = 1`` is one single-port array. The depth is rounded up to whole macros (the built capacity is
reported). Among the node's macros the organiser chooses the one **minimising total area** (ties: lower read
energy, then fewer macros). A full-word access activates one row of ``width_banks`` macros: energy per access
= ``width_banks`` × the macro's energy; leakage = all macros × the macro's leakage; the buffer's minimum
period is the macro's. Area is the sum of the macros' areas (no routing or periphery between macros).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from ppa.errors import PPAInputError

#: Required columns of a macro table and what each must hold.
REQUIRED = {"pdk": "a node name", "macro": "a macro name", "words": "an integer >= 1", "bits": "an integer >= 1",
            "area_um2": "a number > 0", "read_pj": "a number >= 0", "write_pj": "a number >= 0",
            "leakage_mw": "a number >= 0", "min_period_ns": "a number > 0"}
OPTIONAL = {"access_ns": "a number >= 0 or empty", "width_um": "a number >= 0 or empty",
            "height_um": "a number >= 0 or empty", "source": "text"}
#: Default limit on the macros of one buffer: beyond it, wiring between macros (not modelled) dominates.
MAX_MACROS = 4096


@dataclass(frozen=True)
class Organisation:
    """One buffer built from macros. Energies are per access of the full word."""

    buffer: str
    pdk: str
    macro: str
    macro_words: int        #: words of one macro
    macro_bits: int         #: bits of one macro word
    width_banks: int        #: macros side by side forming one word
    depth_banks: int        #: macro rows (both halves of a ping-pong buffer)
    word_bits: int          #: bits per access (per cycle)
    capacity_bits: int      #: bits of words the organisation holds (>= the requested capacity)
    area_um2: float         #: µm², macros × macro area
    read_pj: float          #: pJ per full-word read
    write_pj: float         #: pJ per full-word write
    leakage_mw: float       #: mW, all macros
    min_period_ns: float    #: ns, the macro's minimum clock period
    source: str             #: "macro", "modelled" or the user table's label

    @property
    def macros(self) -> int:
        """Macros in the buffer."""
        return self.width_banks * self.depth_banks


def read_macro_table(path: str | Path) -> pd.DataFrame:
    """A macro table CSV (format in the module docstring), checked cell by cell."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PPAInputError(f"{path}: not a readable CSV macro table ({str(exc).splitlines()[0]})") from None
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise PPAInputError(f"{path}: missing column(s) {missing}; a macro table needs {list(REQUIRED)}")
    if len(table) == 0:
        raise PPAInputError(f"{path}: no macro rows")
    out = pd.DataFrame({"pdk": table["pdk"].str.strip(), "macro": table["macro"].str.strip()})
    for i, row in table.iterrows():
        line = int(i) + 2
        for column in ("pdk", "macro"):
            if not row[column].strip():
                raise PPAInputError(f"{path}:{line}: column {column!r} is empty; expected {REQUIRED[column]}")
    for column, expected in {**REQUIRED, **OPTIONAL}.items():
        if column in ("pdk", "macro", "source") or column not in table.columns:
            continue
        values = []
        for i, text in table[column].items():
            line = int(i) + 2
            if column in OPTIONAL and not text.strip():
                values.append(math.nan)
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            integer = column in ("words", "bits")
            ok = (math.isfinite(value) and (value >= 0 if expected.startswith("a number >= 0") else value > 0)
                  and (not integer or (value.is_integer() and value >= 1)))
            if not ok:
                raise PPAInputError(f"{path}:{line}: column {column!r} is {text!r}; expected {expected}")
            values.append(int(value) if integer else value)
        out[column] = values
    for column in ("access_ns", "width_um", "height_um"):
        if column not in out:
            out[column] = math.nan
    out["source"] = table["source"].str.strip().replace("", "user") if "source" in table else "user"
    duplicated = out.duplicated(["pdk", "macro"])
    if duplicated.any():
        line = int(duplicated.to_numpy().nonzero()[0][0]) + 2
        raise PPAInputError(f"{path}:{line}: macro {out.macro[line - 2]!r} of {out.pdk[line - 2]!r} is listed twice")
    return out


@cache
def bundled_macro_table() -> pd.DataFrame:
    """The bundled ``datasets/sram_macros.csv`` (a source checkout's own copy first, else the installed one)."""
    source_tree = Path(__file__).resolve().parents[1] / "datasets" / "sram_macros.csv"
    if source_tree.exists():
        return read_macro_table(source_tree)
    from accel_dse_datasets import path

    return read_macro_table(path("sram_macros.csv"))


def _kib(bits: float) -> str:
    return f"{bits / 8192:g} KiB"


def organise(table: pd.DataFrame, pdk: str, buffer: str, capacity_bits: float, word_bits: int, ports: int = 1,
             max_macros: int = MAX_MACROS) -> Organisation:
    """The least-area organisation of ``buffer`` (``capacity_bits`` bits, ``word_bits`` bits per access,
    ``ports`` 1 or 2) from ``pdk``'s macros in ``table``; PPAInputError naming the buffer and the limit when
    no organisation meets it."""
    macros = table[table["pdk"] == pdk]
    if macros.empty:
        raise PPAInputError(f"unknown node {pdk!r} for buffer {buffer}: the macro table has the nodes "
                            f"{sorted(table['pdk'].unique())}")
    if ports not in (1, 2):
        raise PPAInputError(f"buffer {buffer}: {ports} ports; single-port macros build 1 (one array) or 2 "
                            "(ping-pong halves)")
    if not (isinstance(word_bits, int) and word_bits >= 1):
        raise PPAInputError(f"buffer {buffer}: word width {word_bits!r} bits; expected an integer >= 1")
    if not (math.isfinite(capacity_bits) and capacity_bits >= word_bits * ports):
        raise PPAInputError(f"buffer {buffer}: {_kib(capacity_bits)} is too small: it must hold at least one "
                            f"{word_bits}-bit word per port ({ports} port(s): {_kib(word_bits * ports)})")
    words_per_port = math.ceil(math.ceil(capacity_bits / word_bits) / ports)
    best, best_key, fewest = None, None, None
    for m in macros.itertuples(index=False):
        width = math.ceil(word_bits / m.bits)
        depth = ports * math.ceil(words_per_port / m.words)
        count = width * depth
        fewest = count if fewest is None else min(fewest, count)
        if count > max_macros:
            continue
        key = (count * m.area_um2, width * m.read_pj, count)
        if best_key is None or key < best_key:
            best_key = key
            best = Organisation(buffer=buffer, pdk=pdk, macro=m.macro, macro_words=int(m.words), macro_bits=int(m.bits),
                                width_banks=width, depth_banks=depth, word_bits=word_bits,
                                capacity_bits=depth * m.words * word_bits,
                                area_um2=count * m.area_um2, read_pj=width * m.read_pj, write_pj=width * m.write_pj,
                                leakage_mw=count * m.leakage_mw, min_period_ns=float(m.min_period_ns),
                                source=str(m.source))
    if best is None:
        raise PPAInputError(f"buffer {buffer}: {_kib(capacity_bits)} at {word_bits} bits per access needs at least "
                            f"{fewest} {pdk} macros; the limit is {max_macros} per buffer (too wide or too large)")
    return best
