"""SIMD vector unit: cycles and VMEM traffic of the non-GEMM layers.

The unit has ``lanes`` ALUs (``HardwareConfig.simd_lanes``, 0 = ``array_cols``, as in GeneSys).
A layer is ``elements`` lane-operations repeated ``passes`` times, so

    simd_cycles = ceil(elements / lanes) · passes                                  [cycles]

Passes per element count one cycle per simple ALU op (add, sub, mul, max, compare) and SimDIT's
inference-mode latencies for the long ones (GeneSys SIMD, 32-bit fixed point): exp 3, div 9,
inverse square root 13 cycles. Per-row reciprocals / inverse square roots of softmax and
layernorm are amortised over the row and neglected.

=====================  =============================================  =========  ==========
 op                     composition                                    passes     elements
=====================  =============================================  =========  ==========
 relu                   max                                            1          input
 relu6, clip            max, min                                       2          input
 add, sub, mul          one op on two inputs                           1          input
 div                    div                                            9          input
 batchnorm              mul, add (folded scale/shift)                  2          input
 sigmoid                exp, add, div                                  13         input
 tanh                   2·sigmoid(2x) − 1                              16         input
 silu / swish           x·sigmoid(x)                                   14         input
 gelu                   x·sigmoid(1.702x)                              15         input
 softmax                max, sub, exp, add, mul                        7          input
 layernorm              mean, sub, square, var, norm, γ, β             7          input
 maxpool                one max per window element                     fh·fw      output
 avgpool                window adds + one mul                          fh·fw + 1  output
 globalavgpool, mean    adds over H·W + one mul                        1          input
 flatten, reshape,      no arithmetic (address generation only)        0          input
 identity, dropout
 concat                 copy                                           1          input
=====================  =============================================  =========  ==========

VMEM traffic: each pass reads and writes one ``acc_bits``-wide word per element
(GeneSys' SIMD datapath is 32-bit). DRAM traffic of SIMD layers (they stream their inputs in and
the result out at ``act_bits``) is in :mod:`frontend_sim.memory`: softmax and layernorm reduce over
a row (``ifmap_w × channels`` elements) and make 3 (max, exp-sum, normalise) and 2 (statistics,
normalise) passes over it; when a row of ``acc_bits`` words does not fit half the VMEM (the other
half streams), each pass re-reads the row from DRAM. Post-GEMM work fused into the
array's output path (bias add, requantisation) is not charged to the SIMD unit.
"""
from __future__ import annotations

import numpy as np

from frontend_sim.errors import SimulatorInputError

#: op -> (ALU passes per element, input tensors, passes over the data when a row misses VMEM).
SIMD_OPS: dict[str, tuple[int, int, int]] = {
    "relu": (1, 1, 1),
    "relu6": (2, 1, 1),
    "clip": (2, 1, 1),
    "add": (1, 2, 1),
    "sub": (1, 2, 1),
    "mul": (1, 2, 1),
    "div": (9, 2, 1),
    "batchnorm": (2, 1, 1),
    "sigmoid": (13, 1, 1),
    "tanh": (16, 1, 1),
    "silu": (14, 1, 1),
    "swish": (14, 1, 1),
    "gelu": (15, 1, 1),
    "softmax": (7, 1, 3),
    "layernorm": (7, 1, 2),
    "globalavgpool": (1, 1, 1),
    "mean": (1, 1, 1),
    "flatten": (0, 1, 1),
    "reshape": (0, 1, 1),
    "identity": (0, 1, 1),
    "dropout": (0, 1, 1),
    "concat": (1, 1, 1),
}
#: Pooling ops: passes depend on the window (see module table).
POOL_OPS = {"maxpool": 0, "avgpool": 1}


def layer_simd_work(layer) -> tuple[int, int, int, int, int, int]:
    """(elements, ALU passes, input elements read, output elements, row elements, row data passes)
    of one non-GEMM layer; a row is ``ifmap_w × channels`` (the reduction axis of softmax/layernorm)."""
    op = layer.op.lower()
    in_elems = layer.ifmap_h * layer.ifmap_w * layer.channels
    row = layer.ifmap_w * layer.channels
    if op in POOL_OPS:
        out_elems = layer.ofmap_h * layer.ofmap_w * layer.channels
        return out_elems, layer.filter_h * layer.filter_w + POOL_OPS[op], in_elems, out_elems, row, 1
    if op not in SIMD_OPS:
        known = ", ".join(sorted(set(SIMD_OPS) | set(POOL_OPS)))
        raise SimulatorInputError(f"layer {layer.name!r}: op {layer.op!r} is not a GEMM op (conv, gemm) "
                                  f"nor a SIMD op the simulator models ({known})")
    passes, inputs, row_passes = SIMD_OPS[op]
    out_elems = layer.channels if op in ("globalavgpool", "mean") else in_elems
    return in_elems, passes, in_elems * inputs, out_elems, row, row_passes


def simd_cycles(elements, passes, lanes):
    """Cycles of ``elements × passes`` lane-operations on ``lanes`` lanes (broadcasts)."""
    elements = np.asarray(elements, np.int64)
    return -(-elements // np.asarray(lanes, np.int64)) * np.asarray(passes, np.int64)


def vmem_bytes(elements, passes, acc_bits):
    """VMEM bytes read (= written) by the SIMD unit: one acc-width word per element and pass."""
    return np.asarray(elements, np.int64) * np.asarray(passes, np.int64) * (np.asarray(acc_bits) / 8)
