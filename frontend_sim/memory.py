"""Buffer tiling, SRAM/DRAM traffic and DRAM stall cycles of one GEMM layer (analytical).

Per group the layer is an (M×K)·(K×N) GEMM run as ``row_folds × col_folds`` folds in SCALE-Sim's
loop order: the outer loop walks the array-column tiles of S_c, the inner loop the array-row tiles
of S_r (see :mod:`frontend_sim.dataflow`). Every buffer is double-buffered: half of it holds the
tile in use, the other half is filled from DRAM meanwhile, so an operand is *resident* when it fits
in half its buffer. Bytes follow the operand widths: ifmap ``act_bits``, filter ``wgt_bits``,
partial sums ``acc_bits``, bias ``bias_bits``, outputs written to DRAM at ``act_bits``.

DRAM traffic per group (bytes), with the refetch factors the loop order implies:

=====  ==================================  ==================================  =====================
 df     ifmap (A = unique input elements)   filter (K·N)                        partial-sum spill
=====  ==================================  ==================================  =====================
 os     A · (1 if A fits else col_folds)    K·N · (1 if a K×C tile fits         none (sums stay in PEs)
                                            else row_folds)
 ws     A · (1 if A fits else col_folds)    K·N once (each R×C tile once)       2·(row_folds−1)·M·N·acc
                                                                                if an M×C tile of sums
                                                                                does not fit the OBUF
 is     A once (each tile once)             K·N · (1 if K·N fits                2·(row_folds−1)·M·N·acc
                                            else col_folds)                     if a C×N tile does not fit
=====  ==================================  ==================================  =====================

plus the ofmap (M·N at ``act_bits``) and the bias vector (N at ``bias_bits``). With ``tiling =
"search"`` the refetch factors and partial-sum passes are those of the searched DRAM tiling and loop
order (:mod:`frontend_sim.im2col_tiling`; the fixed order is one of its candidates), whose extra
fill/drain cycles are added to the compute (and overlap DRAM like it).
SRAM traffic: each buffer is written with what DRAM delivers; the array reads the ifmap matrix
M·K (im2col view) ``col_folds`` times in os/ws and once in is, the filter ``row_folds`` times in os,
once in ws and ``col_folds`` times in is; the OBUF is written once per K pass (1 in os, row_folds
in ws/is) at ``acc_bits`` and read back for each further pass and once to drain.

Stall cycles (DRAM bandwidth ``dram_bytes_per_cycle`` shared by all tensors): the first fold's
operand tiles must arrive before the array starts (initial fill, capped at half of each buffer);
afterwards each fold's share of the remaining traffic overlaps the previous fold's compute:

    stall = fill_bytes / bw + folds · max(0, (dram_bytes − fill_bytes) / (folds · bw) − fold_cycles)

SIMD layers (``simd_model = "stream"``) stream their input(s) from DRAM at the width GEMM outputs are
written (``ofmap_write``) and the result back at ``simd_write`` width, through the shared link or, with
per-buffer ports, the SIMD port (``simd_axi_bits``); a double-buffered VMEM overlaps that with the SIMD
cycles, ``stall = max(0, dram_bytes / bw − simd_cycles)``, a single-buffered one does not,
``stall = dram_bytes / bw``; softmax/layernorm re-read their input per data pass when a row does not fit
half the VMEM (see :mod:`frontend_sim.simd`, also for the GeneSys SIMD model).
With ``dram_ports = "per_buffer"`` each buffer has its own port (``ibuf_axi_bits``, ``parambuf_axi_bits``
for weights and bias, ``obuf_axi_bits`` for outputs and partial sums) and a transfer takes as long as its
slowest port; ``ofmap_write = "acc"`` writes outputs at ``acc_bits``; ``fetch_padding`` reads the
zero-padded input. Everything broadcasts over numpy arrays (configs × layers).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontend_sim import im2col_tiling
from frontend_sim.dataflow import ComputeResult, as_float

KIB = 1024
#: SCALE-Sim's loop order per dataflow over the per-group GEMM dims, innermost first: the streamed
#: dimension (time), then the array-row folds, then the array-column folds.
FIXED_LOOP_ORDER = {"os": "k,m,n", "ws": "m,k,n", "is": "n,k,m"}


@dataclass  # not frozen: built on every model call, and a frozen __init__ costs ~2 µs more
class MemoryTraffic:
    """Traffic (bytes) and stalls (cycles) per (config, layer): arrays that broadcast to (configs × layers);
    what does not vary with the layer or the configuration (e.g. the fixed order's refetch factor 1) may
    be a number."""

    dram_ifmap_bytes: np.ndarray
    dram_filter_bytes: np.ndarray
    dram_bias_bytes: np.ndarray
    dram_ofmap_bytes: np.ndarray
    dram_psum_bytes: np.ndarray  # partial sums spilled out and read back (half each way)
    sram_ibuf_read_bytes: np.ndarray
    sram_ibuf_write_bytes: np.ndarray
    sram_wbuf_read_bytes: np.ndarray
    sram_wbuf_write_bytes: np.ndarray
    sram_obuf_read_bytes: np.ndarray
    sram_obuf_write_bytes: np.ndarray
    sram_bbuf_read_bytes: np.ndarray
    sram_bbuf_write_bytes: np.ndarray
    stall_cycles: np.ndarray
    ifmap_refetch: np.ndarray  # times the input is read from DRAM
    filter_refetch: np.ndarray  # times the weights are read from DRAM
    psum_passes: np.ndarray  # K passes whose partial sums go through the OBUF (1: none)
    extra_compute_cycles: np.ndarray  # fill/drain of folds reloaded by a split streamed dim (search), cycles
    tile_m: np.ndarray  # DRAM tile of the per-group GEMM, elements (fixed order: one fold)
    tile_oc: np.ndarray  # N (output channels per group)
    tile_k: np.ndarray
    loop_order_code: np.ndarray  # index into im2col_tiling.LOOP_ORDERS; FIXED_CODE = SCALE-Sim's order

    @property
    def dram_read_bytes(self) -> np.ndarray:
        return self.dram_ifmap_bytes + self.dram_filter_bytes + self.dram_bias_bytes + self.dram_psum_bytes / 2

    @property
    def dram_write_bytes(self) -> np.ndarray:
        return self.dram_ofmap_bytes + self.dram_psum_bytes / 2


def byte_widths(hw) -> dict[str, np.ndarray]:
    """What the traffic model reads of ``hw`` (field arrays) in bytes, derived once per configuration table:
    operand widths ``act_bytes, wgt_bytes, acc_bytes, bias_bytes``, the width outputs are written at
    (``out_bytes``: ``ofmap_write``), the per-buffer DRAM ports' bytes per cycle (``ibuf_axi_bytes``,
    ``parambuf_axi_bytes``, ``obuf_axi_bytes``), the array's rows and columns as float64 (``array_rows_f``,
    ``array_cols_f``: the fold tile multiplies byte widths) and half of each GEMM buffer (``ibuf_half_bytes``,
    ``wbuf_half_bytes``, ``obuf_half_bytes``: the double-buffered share a tile may use)."""
    act, acc = hw["act_bits"] / 8, hw["acc_bits"] / 8
    return {"act_bytes": act, "wgt_bytes": hw["wgt_bits"] / 8, "acc_bytes": acc, "bias_bytes": hw["bias_bits"] / 8,
            "out_bytes": np.where(hw["ofmap_write_code"] == 1, acc, act),
            **{f"{port}_axi_bytes": hw[f"{port}_axi_bits"] / 8 for port in ("ibuf", "parambuf", "obuf")},
            "array_rows_f": hw["array_rows"].astype(float), "array_cols_f": hw["array_cols"].astype(float),
            **{f"{b}_half_bytes": hw[f"{b}_kib"] * (KIB / 2) for b in ("ibuf", "wbuf", "obuf")}}


def gemm_products(m, n, k, groups, ifmap_elems, padded_ifmap_elems) -> dict[str, np.ndarray]:
    """The per-layer products :func:`gemm_traffic` reads (derived once per workload): the per-group sizes
    ``m, n, k``, ``groups``, ``kn``, the products with the groups ``g_n, g_mn, g_mk, g_kn`` and
    ``g2_mn`` (2·groups·M·N), and the unique input elements of one group without (``ifmap_group``) and
    with (``padded_group``) the zero padding; integers, arrays broadcast (configs × layers); plus float64
    copies of :data:`FLOAT_PRODUCTS` (``<key>_f``) and ``one_f`` (float64 ones of the same shape)."""
    g = groups
    mn, mk, kn = m * n, m * k, k * n
    ifmap_group = ifmap_elems // np.maximum(g, 1)
    products = {"m": m, "n": n, "k": k, "groups": g, "kn": kn, "g_n": g * n, "g_mn": g * mn,
                "g_mk": g * mk, "g_kn": g * kn, "g2_mn": (2 * g) * mn, "ifmap_group": ifmap_group,
                "padded_group": np.maximum(ifmap_group, padded_ifmap_elems // np.maximum(g, 1))}
    # float64 copies of the products that multiply byte widths (numpy converts an int64 operand to float64
    # anyway: the same values, without the slower mixed-type operation per call), and integer ones
    products.update({f"{key}_f": products[key].astype(float) for key in FLOAT_PRODUCTS})
    products["one_f"] = np.ones_like(products["ifmap_group_f"])
    return products


#: Products of :func:`gemm_products` also kept as float64 (key suffix ``_f``).
FLOAT_PRODUCTS = ("m", "n", "k", "groups", "kn", "g_n", "g_mn", "g_mk", "g_kn", "g2_mn", "ifmap_group", "padded_group")


def gemm_traffic(layer: dict, hw, dataflow: str, comp: ComputeResult, search: bool = False) -> MemoryTraffic:
    """Traffic and stalls of grouped GEMM layers under one dataflow: SCALE-Sim's fixed loop order, or
    with ``search`` the DRAM tiling and loop order of :mod:`frontend_sim.im2col_tiling`.

    ``layer``: :func:`gemm_products` of GEMM layers (``groups >= 1``; the unique input elements are what
    the whole layer reads, H·W·C less rows/columns a large stride skips, with the padding when
    ``fetch_padding``); ``hw`` a mapping of HardwareConfig field arrays with their :func:`byte_widths`;
    ``comp`` the compute result of the same layers. Arrays broadcast (configs × layers); factors that
    do not depend on the layer (the fixed order's refetch factors, tiles and loop order) may stay
    per-configuration or scalar.
    """
    m, n, k, g = layer["m"], layer["n"], layer["k"], layer["groups"]
    act, wgt, acc = hw["act_bytes"], hw["wgt_bytes"], hw["acc_bytes"]
    ibuf_half, wbuf_half, obuf_half = hw["ibuf_half_bytes"], hw["wbuf_half_bytes"], hw["obuf_half_bytes"]
    # sizes (and, for one configuration, fold counts) in float64, exact whole numbers: they only meet floats
    rf, cf = as_float(comp.row_folds), as_float(comp.col_folds)
    g_f, one = layer["groups_f"], layer["one_f"]
    ifmap_b = np.where(hw["fetch_padding"], layer["padded_group_f"], layer["ifmap_group_f"]) * act
    tiles = im2col_tiling.fold_tile(layer["m_f"], layer["n_f"], layer["k_f"], hw["array_rows_f"], hw["array_cols_f"],
                                    dataflow)
    if dataflow == "os":
        ifmap_refetch = np.where(ifmap_b <= ibuf_half, one, cf)
        filter_refetch = np.where(layer["k_f"] * tiles["n"] * wgt <= wbuf_half, one, rf)
        k_passes, psum_tile = 1, None
        ifmap_reads, filter_reads, m_tiles = cf, rf, rf
        fill_ifmap, fill_filter = tiles["m"] * layer["k_f"], layer["k_f"] * tiles["n"]
    elif dataflow == "ws":
        ifmap_refetch = np.where(ifmap_b <= ibuf_half, one, cf)
        filter_refetch = 1
        k_passes, psum_tile = rf, layer["m_f"] * tiles["n"]
        ifmap_reads, filter_reads, m_tiles = cf, 1, 1
        fill_ifmap, fill_filter = layer["m_f"] * tiles["k"], tiles["k"] * tiles["n"]
    else:  # "is"
        ifmap_refetch = 1
        filter_refetch = np.where(layer["kn_f"] * wgt <= wbuf_half, one, cf)
        k_passes, psum_tile = rf, tiles["m"] * layer["n_f"]
        ifmap_reads, filter_reads, m_tiles = 1, cf, cf
        fill_ifmap, fill_filter = tiles["k"] * tiles["m"], tiles["k"] * layer["n_f"]
    if psum_tile is None:
        dram_psum, psum_passes = 0.0, 1
    else:
        # partial sums spill (k_passes > 1 times) when an output tile of them misses half the OBUF
        psum_passes = np.where(psum_tile * acc > obuf_half, k_passes, one)
        dram_psum = layer["g2_mn_f"] * (psum_passes - 1) * acc
    dram_bias = layer["g_n_f"] * hw["bias_bytes"]
    dram_ofmap = layer["g_mn_f"] * hw["out_bytes"]
    fill_i = np.minimum(fill_ifmap * act, ibuf_half)
    transfer = transfer_function(hw)
    fill_f = np.minimum(fill_filter * wgt, wbuf_half)
    fill_room = np.maximum(fill_i + fill_f, 1e-30)

    def fill_cycles(dram_total):
        """Cycles to bring the first fold's operands (at most what the layer moves at all)."""
        scale = np.minimum(1.0, dram_total / fill_room)
        return transfer(fill_i * scale, fill_f * scale)

    extra = 0.0
    order = im2col_tiling.FIXED_CODE
    if search:
        fixed_total = (g_f * ifmap_refetch) * ifmap_b + (g_f * filter_refetch) * layer["kn_f"] * wgt + dram_psum \
            + dram_bias + dram_ofmap
        fixed = dict(ifmap_refetch=ifmap_refetch, filter_refetch=filter_refetch, psum_passes=psum_passes,
                     tiles=tiles, bias=dram_bias, ofmap=dram_ofmap, fill=fill_cycles(fixed_total))
        chosen = im2col_tiling.search(m, n, k, g, ifmap_b, hw, dataflow, comp, fixed, transfer)
        ifmap_refetch, filter_refetch, psum_passes = chosen.ifmap_refetch, chosen.filter_refetch, chosen.psum_passes
        dram_psum = layer["g2_mn_f"] * (psum_passes - 1) * acc
        extra = chosen.extra_cycles
        tiles = {"m": chosen.tile_m, "n": chosen.tile_n, "k": chosen.tile_k}
        order = chosen.loop_order_code
    dram_ifmap = (g_f * ifmap_refetch) * ifmap_b
    sram_wbuf_read = layer["g_kn_f"] * wgt if dataflow == "ws" else (layer["g_kn_f"] * filter_reads) * wgt
    # ws reads and fetches the weights once (unless the search refetches them)
    dram_filter = sram_wbuf_read if dataflow == "ws" and not search else (layer["g_kn_f"] * filter_refetch) * wgt
    total = dram_ifmap + dram_filter + dram_bias + dram_ofmap + dram_psum
    fill_time = fill_cycles(total)
    total_time = transfer(dram_ifmap, dram_filter + dram_bias, dram_ofmap + dram_psum)
    steps = np.maximum(comp.group_folds, 1).astype(float)  # float once: it divides and multiplies floats
    busy = as_float(comp.fold_cycles)  # cycles of one fold (and its share of the search's extra fill/drain)
    if search:
        busy = busy + extra / steps
    stall = np.ceil(fill_time + steps * np.maximum((total_time - fill_time) / steps - busy, 0.0))
    obuf_bytes = (layer["g_mn_f"] * k_passes) * acc
    return MemoryTraffic(
        dram_ifmap_bytes=dram_ifmap, dram_filter_bytes=dram_filter, dram_bias_bytes=dram_bias,
        dram_ofmap_bytes=dram_ofmap, dram_psum_bytes=dram_psum,
        sram_ibuf_read_bytes=(layer["g_mk_f"] * ifmap_reads) * act, sram_ibuf_write_bytes=dram_ifmap,
        sram_wbuf_read_bytes=sram_wbuf_read, sram_wbuf_write_bytes=dram_filter,
        sram_obuf_read_bytes=obuf_bytes, sram_obuf_write_bytes=obuf_bytes,
        sram_bbuf_read_bytes=dram_bias if dataflow == "ws" else (layer["g_n_f"] * m_tiles) * hw["bias_bytes"],
        sram_bbuf_write_bytes=dram_bias,
        stall_cycles=stall, ifmap_refetch=ifmap_refetch, filter_refetch=filter_refetch, psum_passes=psum_passes,
        extra_compute_cycles=extra, tile_m=tiles["m"], tile_oc=tiles["n"], tile_k=tiles["k"], loop_order_code=order,
    )


def transfer_function(hw):
    """Cycles to move (ibuf, param, obuf) bytes through the DRAM interface of ``hw``, as a function: one
    shared link (the sum over ``dram_bytes_per_cycle``) or one AXI port per buffer (the slowest of IBUF,
    PARAMBUF, OBUF); only the interface models its configurations use are evaluated. The OBUF bytes may be
    left out (nothing to move; byte counts are never negative)."""
    code = hw["dram_ports_code"]
    if code.size == 1 or (code.ndim == 2 and code.shape[0] == 1):  # one configuration (rows are configs)
        every = some = bool(code.flat[0] == 1)
    else:
        per_port = code == 1
        every, some = bool(per_port.all()), bool(per_port.any())

    def ports(ibuf_bytes, param_bytes, obuf_bytes=None):
        slowest = np.maximum(ibuf_bytes / hw["ibuf_axi_bytes"], param_bytes / hw["parambuf_axi_bytes"])
        return slowest if obuf_bytes is None else np.maximum(slowest, obuf_bytes / hw["obuf_axi_bytes"])

    def shared(ibuf_bytes, param_bytes, obuf_bytes=None):
        both = ibuf_bytes + param_bytes
        return (both if obuf_bytes is None else both + obuf_bytes) / hw["dram_bytes_per_cycle"]

    if every:
        return ports
    if not some:
        return shared
    return lambda *loads: np.where(per_port, ports(*loads), shared(*loads))


def simd_stalls(in_elems, out_elems, row_elems, row_passes, simd_cycles, hw, next_gemm=0):
    """(DRAM read bytes, DRAM write bytes, stall cycles) of SIMD layers streaming through DRAM.

    Inputs are re-read ``row_passes`` times when a row of ``acc_bits`` words misses half the VMEM;
    ``next_gemm`` (per layer) is 1 where the next layer runs on the array (``simd_write`` rule).
    """
    in_bytes = np.where(hw["ofmap_write_code"] == 1, hw["acc_bits"], hw["act_bits"]) / 8
    write = hw["simd_write_code"]  # 0 act, 1 acc, 2 act_if_next_gemm
    out_bytes = np.where((write == 0) | ((write == 2) & (next_gemm == 1)), hw["act_bits"], hw["acc_bits"]) / 8
    row_fits = row_elems * (hw["acc_bits"] / 8) <= hw["vmem_kib"] * (KIB / 2)
    read_b = in_elems * in_bytes * np.where(row_fits, 1, row_passes)
    write_b = out_elems * out_bytes
    bw = np.where(hw["dram_ports_code"] == 1, hw["simd_axi_bits"] / 8, hw["dram_bytes_per_cycle"])
    transfer = (read_b + write_b) / bw
    stall = np.ceil(np.where(hw["vmem_buffers"] == 1, transfer, np.maximum(transfer - simd_cycles, 0.0)))
    return read_b, write_b, stall
