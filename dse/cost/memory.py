"""The default memory model: per-node constants for SRAM area, SRAM access energy and DRAM energy.

The synthesized datasets contain the PE array (+ SIMD) logic only, no SRAM macros, so buffer area and
access energy come from the approximate constants in :data:`MEMORY_CONSTANTS` (override any of them in
the space file's ``[constants]``). The constants model has no SRAM leakage and no memory clock limit.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dse.cost.protocols import BUFFERS, MemoryDesign, MemoryEnergy, Performance
from dse.cost.registry import register

if TYPE_CHECKING:
    from dse.space import SearchSpace

#: Design columns holding the buffer sizes (KiB), one per buffer.
BUFFER_FIELDS = tuple(f"{buffer}_kib" for buffer in BUFFERS)


@dataclass(frozen=True)
class MemoryConstants:
    """Per-node memory constants (approximate; override in the space file's [constants])."""

    dram_pj_per_byte: float  #: pJ per DRAM byte moved (read or write)
    sram_pj_per_byte: float  #: pJ per SRAM byte accessed
    sram_um2_per_kib: float  #: µm² per KiB of on-chip buffer (bitcells + periphery)


#: Sources: DRAM — Horowitz, "Computing's energy problem", ISSCC 2014: 1.3–2.6 nJ per 64-bit DRAM
#: access, i.e. ~20–40 pJ/byte; we take the low end, 20 pJ/byte (LPDDR-class), for both nodes.
#: SRAM energy — same source, 45 nm: 20 pJ per 64-bit read of a 32 KB SRAM = 2.5 pJ/byte, scaled to the
#: node by first-order C·V² (C ∝ feature size): 7 nm at 0.7 V → 2.5·(7/45)·(0.7/0.9)² ≈ 0.24 pJ/byte;
#: 180 nm at 3.3 V (the GF180 library's voltage) → 2.5·(180/45)·(3.3/0.9)² ≈ 134 pJ/byte.
#: SRAM area — 6T bitcell area / 50 % array efficiency × 8192 bits: 7 nm-class high-density bitcell
#: 0.027 µm² (TSMC N7, IEDM 2016) → ≈ 442 µm²/KiB; 180 nm-class bitcell ≈ 5 µm² → ≈ 81,920 µm²/KiB.
MEMORY_CONSTANTS = {
    "asap7": MemoryConstants(dram_pj_per_byte=20.0, sram_pj_per_byte=0.24, sram_um2_per_kib=442.0),
    "gf180": MemoryConstants(dram_pj_per_byte=20.0, sram_pj_per_byte=134.0, sram_um2_per_kib=81920.0),
}


@register("memory", "constants")
class ConstantMemory:
    """Buffers costed by per-node constants: area = KiB × µm²/KiB, energy = bytes × pJ/byte.

    ``constants``: ``{pdk: MemoryConstants}`` covering every pdk of the designs.
    """

    options = ()

    def __init__(self, constants: Mapping[str, MemoryConstants]):
        self.constants = dict(constants)

    @classmethod
    def from_space(cls, space: SearchSpace, bundle: Any, options: Mapping[str, Any]) -> ConstantMemory:
        """:data:`MEMORY_CONSTANTS` with the space's ``[constants]`` applied to every node."""
        return cls({pdk: MemoryConstants(**{**asdict(c), **space.constants}) for pdk, c in MEMORY_CONSTANTS.items()})

    def _per_design(self, designs: pd.DataFrame, name: str) -> np.ndarray:
        return designs["pdk"].map(lambda pdk: getattr(self.constants[pdk], name)).to_numpy(dtype=float)

    def design(self, designs: pd.DataFrame) -> MemoryDesign:
        """Area (µm²) = (ibuf+wbuf+obuf+bbuf+vmem) KiB × µm²/KiB; no leakage (0 mW), no clock limit (inf GHz)."""
        kib = designs[list(BUFFER_FIELDS)].to_numpy(dtype=float).sum(axis=1)
        return MemoryDesign(area_um2=kib * self._per_design(designs, "sram_um2_per_kib"),
                            leakage_mw=np.zeros(len(designs)), fmax_ghz=np.full(len(designs), np.inf))

    def energy(self, designs: pd.DataFrame, performance: Performance) -> MemoryEnergy:
        """J = bytes (read + write) × pJ/byte × 1e-12, for SRAM (all buffers) and DRAM."""
        return MemoryEnergy(sram_j=performance.sram_bytes * self._per_design(designs, "sram_pj_per_byte") * 1e-12,
                            dram_j=performance.dram_bytes * self._per_design(designs, "dram_pj_per_byte") * 1e-12)
