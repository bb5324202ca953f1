"""Hardware configuration of the modelled accelerator (GeneSys/TPU style).

An ``array_rows × array_cols`` systolic PE array (SimDIT's ARRAY_N × ARRAY_M) running one
dataflow, a SIMD vector unit, input/weight/output/bias buffers and a DRAM interface.
Field names are the vocabulary shared by the simulator, the PPA datasets and the DSE space.
"""
from __future__ import annotations

from dataclasses import dataclass

DATAFLOWS = ("os", "ws", "is")


@dataclass(frozen=True)
class HardwareConfig:
    """One accelerator configuration. Widths in bits, buffers in KiB, DRAM in bytes/cycle."""

    array_rows: int = 32
    array_cols: int = 32
    dataflow: str = "os"
    act_bits: int = 8
    wgt_bits: int = 8
    acc_bits: int = 32
    bias_bits: int = 32
    ibuf_kib: float = 64.0
    wbuf_kib: float = 64.0
    obuf_kib: float = 64.0
    bbuf_kib: float = 4.0
    dram_bytes_per_cycle: float = 16.0
    simd_lanes: int = 0  # 0 means "as many lanes as array columns"
    vmem_kib: float = 64.0
