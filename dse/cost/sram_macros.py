"""The SRAM-macro memory model: every on-chip buffer built from its node's SRAM macros (:mod:`ppa.sram`).

Per design and buffer, :func:`buffer_words` gives the word width the hardware reads or writes per cycle,
:func:`buffer_ports` its halves (ping-pong double buffering, as frontend_sim's memory model assumes) and
:func:`ppa.sram.organise` the least-area macro organisation. Then, in the units of :mod:`dse.cost.protocols`:

* area [µm²] = Σ over buffers of macros × macro area (LEF footprint; no inter-macro routing);
* SRAM leakage [mW] = Σ macros × macro leakage (the evaluator charges it over the runtime);
* memory fmax [GHz] = 1 / the largest macro ``min_period_ns`` of the design's buffers;
* SRAM energy [J] = Σ over buffers of (read bytes · 8 / word bits) × full-word read pJ + (write bytes · 8 /
  word bits) × full-word write pJ, · 1e-12 — traffic is counted in full-word accesses (a partial word costs a
  whole one, so this is the lower bound when the simulator's bytes are not word-aligned);
* DRAM energy [J] = DRAM bytes (read + write) × :data:`DRAM_PJ_PER_BYTE` · 1e-12.

GF180 rows of the bundled table come from the real GF180MCU macros (``source = macro``); ASAP7 rows are
CACTI-modelled (``source = modelled``): see ``datasets/sram_macros.md``. Options (``[cost_models.memory]``):
``table`` (a user macro table CSV, path relative to the space file; format in :mod:`ppa.sram`),
``max_macros`` (macros per buffer, default :data:`ppa.sram.MAX_MACROS`) and ``dram_pj_per_byte``.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dse.cost.protocols import BUFFERS, MemoryDesign, MemoryEnergy, Performance
from dse.cost.registry import register
from dse.errors import DSEInputError
from ppa.errors import PPAInputError
from ppa.sram import MAX_MACROS, Organisation, bundled_macro_table, organise, read_macro_table

if TYPE_CHECKING:
    from dse.space import SearchSpace

logger = logging.getLogger(__name__)

#: pJ per DRAM byte moved (read or write), both nodes: Horowitz, "Computing's energy problem", ISSCC 2014,
#: 1.3–2.6 nJ per 64-bit DRAM access ≈ 20–40 pJ/byte; the low end (LPDDR-class). Same value as the
#: constants model.
DRAM_PJ_PER_BYTE = 20.0
#: Halves of a double-buffered (ping-pong) buffer.
PORTS = 2


def buffer_words(designs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Bits per access of each buffer (the hardware description, per cycle):
    IBUF ``array_rows · act_bits`` (one operand per PE row); WBUF ``array_cols · wgt_bits`` (a row of weights
    enters the array per cycle) under the im2col mapping, ``array_rows · array_cols · wgt_bits`` under the
    GeneSys mapping (every PE reads its weight each cycle); OBUF ``array_cols · acc_bits`` (one accumulator per
    column); BBUF ``array_cols · bias_bits``; VMEM ``lanes · acc_bits`` (``lanes`` = ``simd_lanes``, or
    ``array_cols`` when 0)."""
    rows, cols = designs["array_rows"].to_numpy(dtype=int), designs["array_cols"].to_numpy(dtype=int)
    lanes = np.where(designs["simd_lanes"].to_numpy(dtype=int) > 0, designs["simd_lanes"].to_numpy(dtype=int), cols)
    acc, wgt = designs["acc_bits"].to_numpy(dtype=int), designs["wgt_bits"].to_numpy(dtype=int)
    genesys = (designs["array_mapping"] == "genesys").to_numpy() if "array_mapping" in designs else False
    return {"ibuf": rows * designs["act_bits"].to_numpy(dtype=int),
            "wbuf": np.where(genesys, rows * cols * wgt, cols * wgt),
            "obuf": cols * acc, "bbuf": cols * designs["bias_bits"].to_numpy(dtype=int), "vmem": lanes * acc}


def buffer_ports(designs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Halves of each buffer: 2 (ping-pong, as frontend_sim's memory model double-buffers every buffer),
    VMEM ``vmem_buffers`` (1 = single-buffered)."""
    two = np.full(len(designs), PORTS)
    vmem = designs["vmem_buffers"].to_numpy(dtype=int) if "vmem_buffers" in designs else two
    return {"ibuf": two, "wbuf": two, "obuf": two, "bbuf": two, "vmem": vmem}


@dataclass(frozen=True)
class SramMacroConstants:
    """What the model assumes for one node (recorded with a study)."""

    dram_pj_per_byte: float   #: pJ per DRAM byte (read or write)
    macro_table: str          #: the macro table the buffers are built from
    macros: str               #: the node's macro names, comma-separated
    source: str               #: "macro" (silicon data), "modelled" or the user table's label
    max_macros: int           #: limit of macros per buffer


@register("memory", "sram_macros")
class SramMacroMemory:
    """Buffers built from SRAM macros (see the module docstring).

    ``table``: a macro table (:func:`ppa.sram.read_macro_table`); ``table_name``: its file, for records;
    ``dram_pj_per_byte``: pJ per DRAM byte; ``max_macros``: limit per buffer; ``where``: for messages.
    """

    options = ("table", "max_macros", "dram_pj_per_byte")

    def __init__(self, table: pd.DataFrame, table_name: str, dram_pj_per_byte: float = DRAM_PJ_PER_BYTE,
                 max_macros: int = MAX_MACROS, where: str = "sram_macros"):
        self.table = table
        self.dram_pj_per_byte = float(dram_pj_per_byte)
        self.max_macros = int(max_macros)
        self.where = where
        self.constants = {
            pdk: SramMacroConstants(dram_pj_per_byte=self.dram_pj_per_byte, macro_table=table_name,
                                    macros=",".join(rows["macro"]), source=",".join(sorted(set(rows["source"]))),
                                    max_macros=self.max_macros)
            for pdk, rows in table.groupby("pdk")}
        self._organise = lru_cache(maxsize=65536)(self._organise_one)

    @classmethod
    def from_space(cls, space: SearchSpace, bundle: Any, options: Mapping[str, Any]) -> SramMacroMemory:
        where = f"{space.path}: [cost_models.memory]"
        dram = options.get("dram_pj_per_byte", DRAM_PJ_PER_BYTE)
        limit = options.get("max_macros", MAX_MACROS)
        if isinstance(dram, bool) or not isinstance(dram, (int, float)) or not (math.isfinite(dram) and dram >= 0):
            raise DSEInputError(f"{where} dram_pj_per_byte = {dram!r}; expected a number >= 0 (pJ per byte)")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise DSEInputError(f"{where} max_macros = {limit!r}; expected an integer >= 1")
        if "table" in options:
            path = Path(str(options["table"]))
            if not path.is_absolute():
                path = Path(space.path).parent / path
            try:
                table = read_macro_table(path)
            except PPAInputError as exc:
                raise DSEInputError(f"{where} table: {exc}") from None
            name = str(path)
        else:
            table, name = bundled_macro_table(), "datasets/sram_macros.csv (bundled)"
        return cls(table, name, dram, limit, where=str(space.path))

    def _organise_one(self, pdk: str, buffer: str, capacity_bits: float, word_bits: int, ports: int) -> Organisation:
        return organise(self.table, pdk, buffer, capacity_bits, word_bits, ports, self.max_macros)

    def organisations(self, designs: pd.DataFrame) -> dict[str, list[Organisation]]:
        """Each buffer's organisation for every design; DSEInputError naming the design when one cannot be built."""
        widths, ports = buffer_words(designs), buffer_ports(designs)
        pdks = designs["pdk"].astype(str).to_numpy()
        out: dict[str, list[Organisation]] = {}
        for buffer in BUFFERS:
            kib = designs[f"{buffer}_kib"].to_numpy(dtype=float)
            built = []
            for i, (pdk, size, word, port) in enumerate(zip(pdks, kib, widths[buffer], ports[buffer])):
                try:
                    built.append(self._organise(pdk, buffer, float(size) * 8192.0, int(word), int(port)))
                except PPAInputError as exc:
                    raise DSEInputError(f"{self.where}: design {i} ({buffer}_kib = {size:g}): {exc}") from None
            out[buffer] = built
        return out

    def design(self, designs: pd.DataFrame) -> MemoryDesign:
        """Area (µm²) = Σ macro areas; leakage (mW) = Σ macro leakage; fmax (GHz) = 1 / max macro min period (ns)."""
        org = self.organisations(designs)
        area = np.array([sum(o[i].area_um2 for o in org.values()) for i in range(len(designs))], dtype=float)
        leak = np.array([sum(o[i].leakage_mw for o in org.values()) for i in range(len(designs))], dtype=float)
        period = np.array([max(o[i].min_period_ns for o in org.values()) for i in range(len(designs))], dtype=float)
        return MemoryDesign(area_um2=area, leakage_mw=leak, fmax_ghz=1.0 / period)

    def energy(self, designs: pd.DataFrame, performance: Performance) -> MemoryEnergy:
        """SRAM J = Σ buffers (bytes·8/word bits) × full-word pJ · 1e-12 (reads and writes); DRAM J = bytes × pJ/byte · 1e-12."""
        org = self.organisations(designs)
        sram = np.zeros(len(designs))
        for buffer, built in org.items():
            word = np.array([o.word_bits for o in built], dtype=float)
            read = np.array([o.read_pj for o in built], dtype=float)
            write = np.array([o.write_pj for o in built], dtype=float)
            sram += (performance.sram_read_bytes[buffer] * 8.0 / word * read
                     + performance.sram_write_bytes[buffer] * 8.0 / word * write) * 1e-12
        return MemoryEnergy(sram_j=sram, dram_j=performance.dram_bytes * self.dram_pj_per_byte * 1e-12)
