"""SIMD vector unit: cycles and VMEM traffic of the non-GEMM layers, two models (``simd_model``).

The unit has ``lanes`` ALUs (``HardwareConfig.simd_lanes``, 0 = ``array_cols``, as in GeneSys).
Streaming model (``simd_model = "stream"``, the default and SCALE-Sim presets' — SCALE-Sim has no
SIMD unit): a layer is ``elements`` lane-operations repeated ``passes`` times, so

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
 hardsigmoid            clip(x/6 + 1/2, 0, 1): mul, add, max, min      4          input
 hardswish              x·hardsigmoid(x)                               5          input
 softmax                max, sub, exp, add, mul                        7          input
 layernorm              mean, sub, square, var, norm, γ, β             7          input
 rmsnorm                square, mean, norm, γ                          4          input
 rope                   x·cos + rotate(x)·sin (rotary embedding)       3          input
 maxpool                one max per window element                     fh·fw      output
 avgpool                window adds + one mul                          fh·fw + 1  output
 globalavgpool, mean    adds over H·W + one mul                        1          input
 flatten, reshape,      no arithmetic (address generation only)        0          input
 identity, dropout
 concat                 copy                                           1          input
=====================  =============================================  =========  ==========

VMEM traffic: each pass reads and writes one ``acc_bits``-wide word per element
(GeneSys' SIMD datapath is 32-bit). DRAM traffic and stalls of streaming SIMD layers (inputs in at
the ``ofmap_write`` width, results out at the ``simd_write`` width, on the shared link or the SIMD port,
overlapped unless the VMEM is single-buffered) are in :mod:`frontend_sim.memory`: softmax and layernorm reduce over
a row (``ifmap_w × channels`` elements) and make 3 (max, exp-sum, normalise) and 2 (statistics,
normalise) passes over it; when a row of ``acc_bits`` words does not fit half the VMEM (the other
half streams), each pass re-reads the row from DRAM. Post-GEMM work fused into the
array's output path (bias add, requantisation) is not charged to the SIMD unit.

GeneSys SIMD unit (``simd_model = "genesys"``, what a SimDIT JSON selects): SimDIT's inference model
(``simd_models.py``, ``tiling_generator.py``), vectorized over (configs × layers). Symbols: lanes
``L`` (= ``array_cols`` unless ``simd_lanes``), input width ``b_in`` (= the width GEMM outputs are
written at, ``ofmap_write``: acc for GeneSys), output width ``b_out`` (``simd_write``:
``act_if_next_gemm`` = act when the next layer is a conv/GEMM, else acc), one VMEM bank
``V = vmem_kib/2`` (VMEM1 = VMEM2; the input tile fills one bank, the output goes to the other; with
``vmem_buffers = 2`` a tile gets half a bank), SIMD AXI port ``P = simd_axi_bits`` (read and write).

1. Channels are padded to the lanes: ``C' = L·ceil(C/L)``.
2. VMEM tile: the output plane is cut into i×i tiles, i the smallest of 1 and the common divisors of
   OH and OW for which ``L · IH_t · IW_t · b_in <= V`` (``IH_t = (OH/i − 1)·s_h + KH``, ``IW_t`` alike with
   ``s_w``; KH = KW = s = 1 for element-wise ops; SimDIT uses its one pool stride ``sx`` for both); then the channel tile grows in steps of L:
   ``C_t = L · min(floor(V / (L·IH_t·IW_t·b_in)), C'/L)``. Tiles ``T = i² · C'/C_t`` (may be fractional).
3. Compute: ``ceil((OH_t·OW_t·C_t/L · ops + (6 − 1) + (L − 1)) · T)`` cycles, ops per output element:
   relu/add 1, maxpool KH·KW, avgpool/globalavgpool KH·KW + 9 (divide), other element-wise ops their
   passes above; the 6-stage pipeline and the lane skew are paid per tile.
4. DRAM: ifmap ``IH_t·IW_t·C_t·T·b_in`` per input tensor (pool tiles re-read their halos), ofmap
   ``OH_t·OW_t·C_t·T·b_out`` bits.
5. Stalls: per tile ``load = Σ_inputs ceil(IH_t·IW_t·C_t·b_in / P)``, ``store = ceil(OH_t·OW_t·C_t·b_out / P)``.
   Single-buffered VMEM (GeneSys): nothing overlaps, ``stall = (load + store)·T``. Double-buffered:
   ``stall = load + store + (T − 1)·max(0, load + store − tile_cycles)`` (the first load and last store
   are exposed, the rest hides behind the previous tile's compute).

Flatten/reshape/identity/dropout are address changes: no cycles, no traffic (SimDIT ignores them).
Windows include the padding (GeneSys fetches halos, ``fetch_padding``); without it a tile's input is
clipped to the unpadded input. Softmax/layernorm row re-reads are not modelled in this mode.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontend_sim.errors import SimulatorInputError

KIB_BITS = 8 * 1024

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
    "hardsigmoid": (4, 1, 1),
    "hardswish": (5, 1, 1),
    "softmax": (7, 1, 3),
    "layernorm": (7, 1, 2),
    "rmsnorm": (4, 1, 2),
    "rope": (3, 1, 1),
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
    in_elems = layer.batch * layer.ifmap_h * layer.ifmap_w * layer.channels
    row = layer.ifmap_w * layer.channels
    if op in POOL_OPS:
        out_elems = layer.batch * layer.ofmap_h * layer.ofmap_w * layer.channels
        return out_elems, layer.filter_h * layer.filter_w + POOL_OPS[op], in_elems, out_elems, row, 1
    if op not in SIMD_OPS:
        known = ", ".join(sorted(set(SIMD_OPS) | set(POOL_OPS)))
        raise SimulatorInputError(f"layer {layer.name!r}: op {layer.op!r} is not a GEMM op (conv, gemm) "
                                  f"nor a SIMD op the simulator models ({known})")
    passes, inputs, row_passes = SIMD_OPS[op]
    out_elems = layer.batch * layer.channels if op in ("globalavgpool", "mean") else in_elems
    return in_elems, passes, in_elems * inputs, out_elems, row, row_passes


def simd_cycles(elements, passes, lanes):
    """Cycles of ``elements × passes`` lane-operations on ``lanes`` lanes (broadcasts)."""
    elements = np.asarray(elements, np.int64)
    return -(-elements // np.asarray(lanes, np.int64)) * np.asarray(passes, np.int64)


def vmem_bytes(elements, passes, acc_bits):
    """VMEM bytes read (= written) by the SIMD unit: one acc-width word per element and pass."""
    return np.asarray(elements, np.int64) * np.asarray(passes, np.int64) * (np.asarray(acc_bits) / 8)


# ---------------------------------------------------------------- GeneSys SIMD unit (SimDIT)
#: GeneSys SIMD pipeline depth (instruction fetch to write back) and inference divide latency, cycles.
PIPELINE_STAGES = 6
DIV_CYCLES = 9
#: Ops that only relabel a tensor: no SIMD cycles, no traffic.
FREE_OPS = ("flatten", "reshape", "identity", "dropout")
#: Per-layer GeneSys geometry columns (see :func:`genesys_geometry`).
GENESYS_COLUMNS = ("g_oh", "g_ow", "g_c", "g_kh", "g_kw", "g_sh", "g_sw", "g_ih", "g_iw", "g_ops", "g_inputs",
                   "g_free", "next_gemm")


def genesys_geometry(layer, next_layer) -> tuple[int, ...]:
    """GeneSys SIMD geometry of one non-GEMM layer, in the order of :data:`GENESYS_COLUMNS`:
    output plane OH×OW, channels, window KH×KW, strides, unpadded input IH×IW, ops per output element,
    input tensors, 1 for a free op, 1 when ``next_layer`` runs on the array."""
    op = layer.op.lower()
    next_gemm = int(next_layer is not None and next_layer.is_gemm)
    n = layer.batch  # the batch's planes are stacked along H
    if op in POOL_OPS:
        ops = layer.filter_h * layer.filter_w + (DIV_CYCLES if op == "avgpool" else 0)
        return (n * layer.ofmap_h, layer.ofmap_w, layer.channels, layer.filter_h, layer.filter_w, layer.stride_h,
                layer.stride_w, n * layer.ifmap_h, layer.ifmap_w, ops, 1, 0, next_gemm)
    if op in ("globalavgpool", "mean"):
        ops = layer.ifmap_h * layer.ifmap_w + DIV_CYCLES
        return (n, 1, layer.channels, layer.ifmap_h, layer.ifmap_w, layer.ifmap_h, 1, n * layer.ifmap_h,
                layer.ifmap_w, ops, 1, 0, next_gemm)
    passes, inputs, _ = SIMD_OPS[op]
    return (n * layer.ifmap_h, layer.ifmap_w, layer.channels, 1, 1, 1, 1, n * layer.ifmap_h, layer.ifmap_w, passes,
            inputs, int(op in FREE_OPS), next_gemm)


def tile_divisors(oh, ow) -> np.ndarray:
    """Tile counts per side SimDIT tries, per layer: 1 and the common divisors of OH and OW, ascending;
    shape (layers, D), rows padded with their last (largest) divisor."""
    lists = [[i for i in range(1, min(h, w) + 1) if h % i == 0 and w % i == 0] for h, w in zip(oh, ow)]
    width = max(len(d) for d in lists)
    return np.asarray([d + [d[-1]] * (width - len(d)) for d in lists], dtype=np.int64)


@dataclass(frozen=True)
class GenesysSimd:
    """GeneSys SIMD figures per (config, layer): cycles, stalls (cycles), DRAM and VMEM traffic (bytes)."""

    simd_cycles: np.ndarray
    stall_cycles: np.ndarray
    dram_ifmap_bytes: np.ndarray
    dram_ofmap_bytes: np.ndarray
    vmem_read_bytes: np.ndarray
    vmem_write_bytes: np.ndarray


#: The HardwareConfig columns the GeneSys SIMD model reads (config_table names).
GENESYS_HW = ("lanes", "ofmap_write_code", "acc_bits", "act_bits", "simd_write_code", "vmem_kib", "vmem_buffers",
              "fetch_padding", "simd_axi_bits")


def genesys_simd(geo: dict, divisors: np.ndarray, hw: dict, names=None) -> GenesysSimd:
    """SimDIT's GeneSys SIMD model (module docstring) for SIMD layers ``geo`` (arrays (1, L) of
    :data:`GENESYS_COLUMNS`) on configs ``hw`` (arrays (N, 1)); ``divisors`` from :func:`tile_divisors`;
    ``names`` of the layers for errors. A VMEM too small for a layer's smallest tile (one output pixel ×
    the lanes) raises :class:`SimulatorInputError` naming ``vmem_kib`` and its smallest legal value.

    Configs that differ only outside :data:`GENESYS_HW` share one evaluation (a design space rarely
    varies the SIMD unit as much as the array and buffers)."""
    keys = np.concatenate([hw[name].astype(float) for name in GENESYS_HW], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    if len(unique) == len(keys):
        return _genesys_simd(geo, divisors, hw, names)
    first = np.zeros(len(unique), dtype=np.int64)
    first[inverse.ravel()[::-1]] = np.arange(len(keys))[::-1]  # a representative config of each group
    result = _genesys_simd(geo, divisors, {name: hw[name][first] for name in GENESYS_HW}, names)
    return GenesysSimd(**{name: value[inverse.ravel()] for name, value in result.__dict__.items()})


def _genesys_simd(geo: dict, divisors: np.ndarray, hw: dict, names) -> GenesysSimd:
    """:func:`genesys_simd` on every config row of ``hw``."""
    lanes = hw["lanes"].astype(float)
    b_in = np.where(hw["ofmap_write_code"] == 1, hw["acc_bits"], hw["act_bits"]).astype(float)
    write = hw["simd_write_code"]  # 0 act, 1 acc, 2 act_if_next_gemm
    b_out = np.where((write == 0) | ((write == 2) & (geo["next_gemm"] == 1)), hw["act_bits"], hw["acc_bits"])
    bank = hw["vmem_kib"] * (KIB_BITS / 2) / np.where(hw["vmem_buffers"] == 2, 2.0, 1.0)
    oh, ow, c, kh, kw, sh, sw = (geo[k].astype(float) for k in ("g_oh", "g_ow", "g_c", "g_kh", "g_kw", "g_sh", "g_sw"))
    # Candidate tiles (layers, D): output and input extent per side for i tiles per side.
    oh_c, ow_c = oh[0][:, None] / divisors, ow[0][:, None] / divisors
    ih_c = (oh_c - 1) * sh[0][:, None] + kh[0][:, None]
    iw_c = (ow_c - 1) * sw[0][:, None] + kw[0][:, None]
    pixels = ih_c * iw_c  # (L, D), decreasing along D
    # First candidate that fits one bank.
    cap = bank / (lanes * b_in)  # (N, 1): input pixels per channel group that fit
    too_small = (pixels[None, :, -1] > cap) & (geo["g_free"] == 0)  # not even the smallest tile fits
    if too_small.any():
        row, col = (int(v[0]) for v in np.nonzero(too_small))
        buffers = 2 if hw["vmem_buffers"][row, 0] == 2 else 1
        need = 2 * buffers * lanes[row, 0] * pixels[col, -1] * b_in[row, 0] / KIB_BITS
        layer = f"layer {names[col]!r}" if names is not None else f"SIMD layer {col}"
        raise SimulatorInputError(
            f"vmem_kib = {hw['vmem_kib'][row, 0]:g} is too small for {layer}: its smallest VMEM tile "
            f"({pixels[col, -1]:g} pixels x {lanes[row, 0]:g} lanes x {b_in[row, 0]:g} bits, "
            f"{'double' if buffers == 2 else 'single'}-buffered) needs vmem_kib >= {need:g}")
    pick = (pixels[None, :, :] > cap[:, :, None]).sum(axis=2)
    rows = np.arange(divisors.shape[0])[None, :]
    oh_t, ow_t, ih_t, iw_t = oh_c[rows, pick], ow_c[rows, pick], ih_c[rows, pick], iw_c[rows, pick]
    clip = ~hw["fetch_padding"]  # (N, 1): without padding fetch a tile's input is clipped to the input
    ih_t = np.where(clip, np.minimum(ih_t, geo["g_ih"]), ih_t)
    iw_t = np.where(clip, np.minimum(iw_t, geo["g_iw"]), iw_t)
    c_pad = lanes * np.ceil(c / lanes)
    groups = np.maximum(np.minimum(np.floor(bank / (lanes * ih_t * iw_t * b_in)), c_pad / lanes), 1.0)
    c_t = lanes * groups
    tiles = (oh / oh_t) * (ow / ow_t) * (c_pad / c_t)
    # Cycles, in SimDIT's order of operations (its ceil sees the same floating-point values).
    ops = geo["g_ops"].astype(float)
    tile_cycles = oh_t * ow_t * (c_t / lanes) * ops + ((PIPELINE_STAGES - 1) + (lanes - 1))
    free = geo["g_free"] == 1
    compute = np.where(free, 0.0, np.ceil(tile_cycles * tiles))
    in_bits, out_bits = iw_t * ih_t * c_t * b_in, ow_t * oh_t * c_t * b_out
    port = hw["simd_axi_bits"].astype(float)
    inputs = geo["g_inputs"]
    load, store = np.ceil(in_bits / port) * inputs, np.ceil(out_bits / port)
    single = load * tiles + store * tiles
    double = load + store + np.maximum(tiles - 1, 0) * np.maximum(load + store - tile_cycles, 0)
    stall = np.where(free, 0.0, np.ceil(np.where(hw["vmem_buffers"] == 1, single, double)))
    dram_in = np.where(free, 0.0, in_bits * tiles * inputs / 8)
    dram_out = np.where(free, 0.0, out_bits * tiles / 8)
    # VMEM: filled from DRAM and with the results; read by the ALUs (every window element of every
    # input) and by the store to DRAM.
    alu_reads = np.where(free, 0.0, oh_t * ow_t * c_t * tiles * (kh * kw) * inputs * b_in / 8)
    return GenesysSimd(simd_cycles=compute.astype(np.int64), stall_cycles=stall, dram_ifmap_bytes=dram_in,
                       dram_ofmap_bytes=dram_out, vmem_read_bytes=alu_reads + dram_out,
                       vmem_write_bytes=dram_in + dram_out)
