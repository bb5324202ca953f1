"""Off-chip mapping of GEMM layers on a GeneSys-style array: DRAM tiling, loop order, cycles and traffic.

Marvel's off-chip-first decomposition: a layer's loop nest (OW, OH, N batch, KW, KH, IC, OC) is first
cut into DRAM tiles that fit the double-buffered buffers (half of each buffer holds the tile in use,
the other half is filled meanwhile), then each tile is mapped onto the array. This module models the
GeneSys array mapping (``HardwareConfig.array_mapping = "genesys"``) as SimDIT does
(``tiling_generator.py``, ``sysarray_models.py``, commit 977a36e): input channels on the R array rows
(padded to a multiple of R), filters on the C columns (padded to a multiple of C), the window and
the output pixels iterated in time, the pipeline filled and drained once per DRAM tile.

Tiling (per configuration and layer, vectorized over both; ``bits`` are operand widths,
``WB, IB, OB, BB`` half of each buffer in bits, ``ICp, OCp`` the padded channel counts):

* ``tiling = "genesys"`` -- SimDIT's tiling generator, priority kernel > IC > spatial > batch > OC:
  kernel tile ``ceil(KW/i) × ceil(KH/i)`` for the smallest ``i`` with an R×C weight slice in WB and
  an R-channel input column in IB; ``IC_t = R·j`` for the largest ``j`` with the weight tile (C
  filters) in WB, the input column in IB and ``IC_t ≤ ICp``; then the largest output tile in SimDIT's
  candidate order (``OW/i × OH/i`` with ``i`` dividing both when the kernel is at most 3×3, then --
  where SimDIT would loop forever because no dividing tile fits -- smaller ``ceil(OW/i) × ceil(OH/i)``
  tiles; ``ceil(OW/i) × ceil(OH/i)`` for larger kernels; for a GEMM with M > 1 rows, the batch ``M/k``
  for ``k`` dividing M) whose C-filter partial-sum tile fits OB and input tile ``((OW_t−1)·S+KW_t) ×
  ((OH_t−1)·S+KH_t) × IC_t`` fits IB; last ``OC_t = C·j`` for the largest ``j`` with weights in WB,
  partial sums in OB, bias in BB and ``OC_t ≤ OCp``.
* ``tiling = "search"`` -- the same legality, searched: ``IC_t`` the largest legal multiple of R or
  its half, for each the largest legal output tile and the next two smaller candidates, each with the
  largest legal ``OC_t`` (6 tilings, SimDIT's among them), scored by DRAM bytes, then
  cycles; the minimum per (configuration, layer) is kept (Marvel's off-chip-first order). Smaller IC
  tiles trade partial-sum traffic for larger OC tiles (fewer input refetches); smaller output tiles
  trade halo traffic for larger OC tiles. It is a local search around SimDIT's choice, not exhaustive.

Loop order (innermost first) ``ow, oh, n, kw, kh, ic, oc`` -- SimDIT's optimal weight-stationary order:
each weight tile is fetched once, the input is refetched once per OC tile, and partial sums of
the output tile in flight go to DRAM and back once per further reduction (IC·KW·KH) tile.

With ``nX = X / X_t`` tile counts (fractional where SimDIT's are), per group (bits):

    ifmap  = IW_t·IH_t·IC_t·N_t · nOW·nOH·nN·nIC·nKW·nKH · ceil(nOC) · act_bits
    filter = KW·KH·ICp·OCp · wgt_bits                 bias = OCp · bias_bits
    psum   = OW·OH·N·OCp · (2·ceil(nIC)·ceil(nKW)·ceil(nKH) − 2) · acc_bits
    ofmap  = OW·OH·N·OCp · (acc_bits or act_bits: ``ofmap_write``)
    compute_cycles = ceil((OW_t·OH_t·N_t·KW_t·KH_t·ceil(IC_t/R)·ceil(OC_t/C) + R−1 + C−1) · tiles)

A GEMM with one row (a batch-1 FC layer) keeps its outputs in the OBUF (SimDIT's output-stationary
FC model): no psum traffic, the input vector refetched once per OC tile (``ICp · nOC``).
With ``fetch_padding = False`` the zero padding (spatial halo, padded channels and filters) is not
moved: each tensor's DRAM bytes and tile transfer times are scaled by its true / padded size.

DRAM stalls follow SimDIT's double-buffered three-stage pipeline: every tile's transfers overlap the
previous tile's compute (``tile_cycles``), by tile kind (first, weight+bias, weight only, psum read
and write, ...). With ``dram_ports = "per_buffer"`` each buffer has its own AXI port (IBUF, PARAMBUF
for weights and bias at ``min(parambuf_axi_bits, R·wgt_bits)``, OBUF for psum reads and writes) and
a tile stalls for its slowest port; with ``"shared"`` all of a tile's transfers share
``dram_bytes_per_cycle`` and their times add.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from frontend_sim.hardware import TILINGS

logger = logging.getLogger(__name__)

#: Loop order of the GeneSys model, innermost first.
GENESYS_LOOP_ORDER = "ow,oh,n,kw,kh,ic,oc"
#: Largest kernel SimDIT tiles without requiring the output tile to divide the output (its ``max_kernel``).
MAX_UNSPLIT_KERNEL = 3
KIB_BITS = 8 * 1024


@dataclass(frozen=True)
class LoopDims:
    """GeneSys loop bounds of one layer per group (a conv: N = its batch; a GEMM M×K·K×N: OW = OH = KW = KH = 1,
    batch N = M, IC = K, OC = N), plus SimDIT's candidate output tiles in its search order."""

    ow: int
    oh: int
    n: int
    kw: int
    kh: int
    ic: int
    oc: int
    stride_w: int
    stride_h: int
    candidates: tuple[tuple[int, int, int], ...]  # (OW_t, OH_t, N_t), largest first
    fc: bool = False  # a GEMM with one row: SimDIT's batch-1 FC model


def loop_dims(layer) -> LoopDims:
    """GeneSys loop bounds and candidate output tiles of a GEMM-type layer."""
    if layer.op == "gemm":
        m, k, n = layer.gemm_m, layer.gemm_k, layer.gemm_n
        batch = [(1, 1, m // d) for d in range(1, m + 1) if m % d == 0]
        return LoopDims(1, 1, m, 1, 1, k, n, 1, 1, tuple(batch), fc=m == 1)
    ow, oh, kw, kh = layer.ofmap_w, layer.ofmap_h, layer.filter_w, layer.filter_h
    shrinking = list(dict.fromkeys((math.ceil(ow / i), math.ceil(oh / i)) for i in range(1, max(ow, oh) + 1)))
    if kw <= MAX_UNSPLIT_KERNEL and kh <= MAX_UNSPLIT_KERNEL:
        tiles = [(ow // i, oh // i) for i in range(1, max(ow, oh) + 1) if ow % i == 0 and oh % i == 0]
        # SimDIT stops at dividing tiles (and loops forever when none fits); we go on with smaller ones
        tiles += [(w, h) for w, h in shrinking if w <= tiles[-1][0] and h <= tiles[-1][1] and (w, h) != tiles[-1]]
    else:
        tiles = shrinking
    # a batch (N loop) is split before the plane (priority spatial > batch): the full plane with batch
    # tiles dividing N, largest first, then smaller planes one image at a time (areas keep shrinking)
    n = layer.batch
    batch_tiles = [(ow, oh, n // d) for d in range(1, n + 1) if n % d == 0]
    return LoopDims(ow, oh, n, kw, kh, layer.channels // layer.groups, layer.num_filters // layer.groups,
                    layer.stride_w, layer.stride_h, tuple(batch_tiles + [(w, h, 1) for w, h in tiles[1:]]))


def loop_table(dims: list[LoopDims | None]) -> dict[str, np.ndarray]:
    """Arrays (1, L) of the loop bounds and (1, L, P) of the candidate tiles (P = longest list; shorter
    lists repeat their last, smallest candidate). SIMD layers (``None``) get ones."""
    ones = LoopDims(1, 1, 1, 1, 1, 1, 1, 1, 1, ((1, 1, 1),))
    dims = [d or ones for d in dims]
    table = {f"loop_{name}": np.asarray([getattr(d, name) for d in dims], np.int64)[None, :]
             for name in ("ow", "oh", "n", "kw", "kh", "ic", "oc", "stride_w", "stride_h", "fc")}
    table["loop_fc"] = table["loop_fc"].astype(bool)
    width = max(len(d.candidates) for d in dims)
    cand = np.asarray([list(d.candidates) + [d.candidates[-1]] * (width - len(d.candidates)) for d in dims],
                      np.int64)
    for axis, name in enumerate(("ow", "oh", "n")):
        table[f"loop_cand_{name}"] = cand[None, :, :, axis]
    table["loop_cand_count"] = np.asarray([len(d.candidates) for d in dims], np.int64)[None, :]
    return table


def _fits(value, limit):
    """value <= limit with a relative tolerance for float round-off (SimDIT compares exact products)."""
    return value <= limit * (1 + 1e-12)


#: The search's IC tiles: the largest legal multiple of R divided by these (at least R).
SEARCH_IC_DIVISORS = (1, 2)
#: The search's output tiles: the largest legal one for that IC tile and the next smaller ones.
SEARCH_TILE_STEPS = (0, 1, 2)
#: Elements of the search's (configs × layers × tilings) temporaries evaluated at once.
SEARCH_CHUNK = 1_000_000
#: Bits of a search key that hold a candidate's value (the rest hold its row).
KEY_BITS = 40


def leading_misfits(values, row, limit):
    """How many leading candidates of each row exceed ``limit`` (with :func:`_fits`'s tolerance).

    ``values`` (rows, P): non-increasing integers per row; ``row``, ``limit``: arrays of one shape
    naming each query's row and its bound. One sorted search over all rows at once.
    """
    top = (1 << KEY_BITS) - 1
    keys = (np.arange(values.shape[0], dtype=np.int64)[:, None] << KEY_BITS) + (top - values)
    bound = np.clip(np.floor(limit * (1 + 1e-12)), -1, top).astype(np.int64)
    row, bound = np.broadcast_arrays(row, bound)
    found = np.searchsorted(keys.ravel(), (row << KEY_BITS) + (top - bound), side="left")
    return found - row * values.shape[1]


def _floor_ratio(limit, size):
    return np.floor(limit / size * (1 + 1e-12))


def _tiles(lt: dict, hw: dict, search: bool):
    """Tile sizes (configs × layers) of the GeneSys tiling; see the module docstring."""
    rows, cols = hw["array_rows"], hw["array_cols"]
    act, wgt, acc, bias = (hw[f"{x}_bits"] for x in ("act", "wgt", "acc", "bias"))
    wb, ib, ob, bb = (hw[f"{b}_kib"] * (KIB_BITS / 2) for b in ("wbuf", "ibuf", "obuf", "bbuf"))
    kw, kh, ic, oc = lt["loop_kw"], lt["loop_kh"], lt["loop_ic"], lt["loop_oc"]
    sw, sh = lt["loop_stride_w"], lt["loop_stride_h"]
    icp = -(-ic // rows) * rows
    ocp = -(-oc // cols) * cols
    # kernel: the smallest i whose ceil(K/i) slice fits (conditions fall monotonically with i)
    per_slice = rows * np.maximum(cols * wgt / wb, act / ib)
    i_kernel = np.ones(np.broadcast_shapes(kw.shape, rows.shape), np.int64)
    for i in range(1, int(max(kw.max(), kh.max()))):
        i_kernel += ~_fits(-(-kw // i) * -(-kh // i) * per_slice, 1.0)
    kwt, kht = -(-kw // i_kernel), -(-kh // i_kernel)
    kk = kwt * kht
    ic_mult_max = np.maximum(1, np.minimum(np.minimum(_floor_ratio(wb, kk * rows * cols * wgt),
                                                      _floor_ratio(ib, kk * rows * act)), icp // rows))
    cand = (lt["loop_cand_ow"][0], lt["loop_cand_oh"][0], lt["loop_cand_n"][0])  # (L, P)
    n_layers, width = cand[0].shape
    layer = np.broadcast_to(np.arange(n_layers), kk.shape)
    out_area = cand[0] * cand[1] * cand[2]
    splits = np.arange(1, int(max(kw.max(), kh.max())) + 1)[:, None, None]  # kernel split i, (I, 1, 1)
    in_area = (((cand[0] - 1) * sw[0][:, None] + -(-kw[0][:, None] // splits))
               * ((cand[1] - 1) * sh[0][:, None] + -(-kh[0][:, None] // splits)) * cand[2])  # (I, L, P)
    in_row = (i_kernel - 1) * n_layers + layer

    def first_output_tile(ict):
        """Index of SimDIT's first candidate whose psum (C filters) and input tiles fit: candidates shrink
        monotonically, so it is the number of leading candidates that do not fit (a sorted search)."""
        return np.maximum(leading_misfits(out_area, layer, ob / (cols * acc)),
                          leading_misfits(in_area.reshape(-1, width), in_row, ib / (ict * act)))

    def oc_tile(ict, owt, oht, nt):
        mult = np.minimum(np.minimum(_floor_ratio(wb, kk * ict * cols * wgt),
                                     _floor_ratio(ob, owt * oht * nt * cols * acc)),
                          np.minimum(_floor_ratio(bb, cols * bias), ocp // cols))
        return cols * np.maximum(1, mult)

    def pick(index, layer=layer):
        flat = layer * width + np.minimum(index, width - 1)
        return tuple(c.ravel()[flat] for c in cand)

    # every candidate list ends with a 1×1 (batch 1) tile, which the minimum buffers
    # (hardware.genesys_minimum_buffers) and the kernel split above make legal
    ict = rows * ic_mult_max
    owt, oht, nt = pick(first_output_tile(ict))
    best = dict(kwt=kwt, kht=kht, ict=ict, icp=icp, ocp=ocp, owt=owt, oht=oht, nt=nt,
                oct=oc_tile(ict, owt, oht, nt))
    if not search:
        return best
    # the search: SEARCH_IC_DIVISORS × SEARCH_TILE_STEPS tilings per (config, layer), SimDIT's first;
    # the legal one with the fewest DRAM bytes, then the fewest cycles, is kept. Axes: (N, L, D) per IC
    # tile, (N, L, D, S) per tiling; scores in float32 (they only rank candidates).
    x = lambda a: np.asarray(a)[..., None]  # noqa: E731  adds a trailing axis
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    ict_d = x(rows) * np.maximum(1, x(ic_mult_max) // np.asarray(SEARCH_IC_DIVISORS))
    first = np.maximum(x(leading_misfits(out_area, layer, ob / (cols * acc))),
                       leading_misfits(in_area.reshape(-1, width), x(in_row), x(ib) / (ict_d * x(act))))
    index = first[..., None] + np.asarray(SEARCH_TILE_STEPS)
    legal = index < x(x(lt["loop_cand_count"]))
    index = np.minimum(index, width - 1)
    out_k = f32(out_area.ravel()[x(x(layer)) * width + index])  # OW_t·OH_t·N_t
    in_k = f32(in_area.ravel()[x(x(in_row)) * width + index])  # IW_t·IH_t·N_t
    oc_mult = np.minimum(x(np.minimum(_floor_ratio(f32(x(wb / (kk * cols * wgt))), f32(ict_d)),
                                      x(f32(np.minimum(_floor_ratio(bb, cols * bias), ocp // cols))))),
                         _floor_ratio(f32(x(x(ob / (cols * acc)))), out_k))
    oc_mult = np.maximum(1, oc_mult)  # OC_t / C
    n_oc = x(x(f32(ocp / cols))) / oc_mult
    window = f32(kw * kh / kk)
    outputs = f32(lt["loop_ow"] * lt["loop_oh"] * lt["loop_n"])
    reduction = np.ceil(x(f32(icp)) / ict_d) * x(np.ceil(kw / kwt) * np.ceil(kh / kht))
    icp_window_act = f32(icp * window * act)
    conv = (in_k * x(x(outputs * icp_window_act)) / out_k * np.ceil(n_oc)
            + x(x(f32(outputs * ocp * acc)) * (2 * reduction - 2)))
    dram = conv  # batch-1 FC layers: the input vector once per OC tile, no partial sums
    fc_cols = np.flatnonzero(lt["loop_fc"][0])
    if fc_cols.size:
        dram[:, fc_cols] = x(x(f32(np.broadcast_to(icp * act, kk.shape)[:, fc_cols]))) * n_oc[:, fc_cols]
    # cycles = (tile + R + C − 2) · tiles, with tile = OW_t·OH_t·N_t · KW_t·KH_t · ceil(IC_t/R) · OC_t/C and
    # OC_t/C · n_OC = OCp/C: the per-IC-tile part once, the fill/drain part per candidate
    per_ic_tile = x(x(outputs * window) * x(f32(icp)) / ict_d)  # (N, L, D, 1)
    array_part = x(x(f32(kk)) * np.ceil(ict_d / x(rows)) * x(f32(ocp / cols)))
    cycles = per_ic_tile * (array_part + x(x(f32(rows + cols - 2))) * n_oc / out_k)
    shape = first.shape[:2] + (-1,)
    dram[~np.broadcast_to(legal, dram.shape)] = np.inf
    dram = dram.reshape(shape)
    fewest = dram <= dram.min(axis=-1, keepdims=True) * (1 + 1e-6)
    choice = np.argmin(np.where(fewest, cycles.reshape(shape), np.inf), axis=-1)
    steps = len(SEARCH_TILE_STEPS)
    pick_d = choice // steps
    best_index = np.take_along_axis(index.reshape(shape), choice[..., None], -1)[..., 0]
    best["ict"] = np.take_along_axis(ict_d, pick_d[..., None], -1)[..., 0]
    best["owt"], best["oht"], best["nt"] = pick(best_index)
    best["oct"] = oc_tile(best["ict"], best["owt"], best["oht"], best["nt"])
    return best


def _traffic(lt: dict, hw: dict, t: dict) -> dict[str, np.ndarray]:
    """DRAM bits per tensor, tile counts and compute cycles (per group) of a tiling ``t``."""
    rows, cols = hw["array_rows"], hw["array_cols"]
    act, wgt, acc, bias = (hw[f"{x}_bits"] for x in ("act", "wgt", "acc", "bias"))
    ow, oh, n, kw, kh = lt["loop_ow"], lt["loop_oh"], lt["loop_n"], lt["loop_kw"], lt["loop_kh"]
    sw, sh = lt["loop_stride_w"], lt["loop_stride_h"]
    icp, ocp = t["icp"], t["ocp"]
    iwt, iht = (t["owt"] - 1) * sw + t["kwt"], (t["oht"] - 1) * sh + t["kht"]
    n_ow, n_oh, n_n = ow / t["owt"], oh / t["oht"], n / t["nt"]
    n_kw, n_kh, n_ic, n_oc = kw / t["kwt"], kh / t["kht"], icp / t["ict"], ocp / t["oct"]
    n_out = n_ow * n_oh * n_n
    reduction = np.ceil(n_ic) * np.ceil(n_kw) * np.ceil(n_kh)
    fc = lt["loop_fc"]
    outputs = ow * oh * n * ocp
    ifmap = np.where(fc, icp * n_oc,
                     iwt * iht * t["ict"] * t["nt"] * n_out * n_ic * n_kw * n_kh * np.ceil(n_oc)) * act
    psum = np.where(fc, 0.0, outputs * (2 * reduction - 2)) * acc
    write_bits = np.where(hw["ofmap_write_code"] == 1, acc, act)
    tile_cycles = (t["owt"] * t["oht"] * t["nt"] * t["kwt"] * t["kht"] * np.ceil(t["ict"] / rows)
                   * np.ceil(t["oct"] / cols) + (rows - 1) + (cols - 1))
    tiles = n_out * n_ic * n_kw * n_kh * n_oc
    out = dict(dram_ifmap=ifmap, dram_filter=kw * kh * icp * ocp * wgt, dram_bias=ocp * bias,
               dram_psum=psum, dram_ofmap=outputs * write_bits, tile_cycles=tile_cycles,
               compute_cycles=np.ceil(tile_cycles * tiles), fc=fc, iwt=iwt, iht=iht, n_out=n_out,
               n_ic=n_ic, n_kw=n_kw, n_kh=n_kh, n_oc=n_oc, reduction=reduction)
    out["dram_total"] = out["dram_ifmap"] + out["dram_filter"] + out["dram_bias"] + psum + out["dram_ofmap"]
    return out


def _stalls(hw: dict, t: dict, c: dict, fc_columns: np.ndarray):
    """SimDIT's DRAM stall cycles per group (its tile-kind cases), per-buffer ports or one shared link.

    ``fc_columns``: the layer columns that are batch-1 FC layers (SimDIT's separate FC model); each model
    is evaluated on its own columns only.
    """
    per_port = hw["dram_ports_code"] == 1
    all_ports, no_ports = bool(per_port.all()), not per_port.any()

    def model(stalls, t, c, hw):
        rows, wgt, bias = hw["array_rows"], hw["wgt_bits"], hw["bias_bits"]
        shared = hw["dram_bytes_per_cycle"] * 8
        ports = {"ibuf": np.where(per_port, hw["ibuf_axi_bits"], shared),
                 "param": np.where(per_port, np.minimum(hw["parambuf_axi_bits"], rows * wgt), shared),
                 "obuf": np.where(per_port, hw["obuf_axi_bits"], shared)}
        comp = c["tile_cycles"]

        def case(*loads):
            """Stall of one tile: transfers overlap compute; per port the slowest, shared link the sum."""
            slowest = loads[0]
            for load in loads[1:]:
                slowest = np.maximum(slowest, load)
            busy = slowest if all_ports else sum(loads) if no_ports else np.where(per_port, slowest, sum(loads))
            return np.maximum(busy - comp, 0)

        wgt_t = np.ceil(t["kwt"] * t["kht"] * t["ict"] * t["oct"] * wgt * c["moved_filter"] / ports["param"])
        bias_t = np.ceil(t["oct"] * bias * c["moved_bias"] / ports["param"])
        return stalls(t, c, case, ports, wgt_t, bias_t, hw)

    # the conv model runs on every column (cheaper than selecting), the FC model on the FC columns
    out = model(_conv_stalls, t, c, hw)
    if fc_columns.size:
        width = out.shape[1]
        out[:, fc_columns] = model(_fc_stalls, _columns(t, ("kwt", "kht", "ict", "oct"), fc_columns, width),
                                   _columns(c, ("n_ic", "n_oc", "tile_cycles", "moved_ifmap", "moved_filter",
                                                "moved_bias", "moved_ofmap"), fc_columns, width),
                                   _columns(hw, STALL_FIELDS, fc_columns, width))  # per-layer widths follow
    return out


#: The configuration fields the stall models read.
STALL_FIELDS = ("array_rows", "act_bits", "wgt_bits", "acc_bits", "bias_bits", "dram_bytes_per_cycle", "ibuf_axi_bits",
                "parambuf_axi_bits", "obuf_axi_bits", "ofmap_write_code", "dram_ports_code")


def _columns(arrays: dict, names: tuple, columns: np.ndarray, width: int) -> dict:
    """The layer ``columns`` of the (configs × layers) arrays ``names``; per-config (N, 1) arrays as they are."""
    return {k: arrays[k][:, columns] if np.shape(arrays[k])[-1] == width else arrays[k] for k in names}


def _conv_stalls(t, c, case, ports, wgt_t, bias_t, hw):
    """Weight-stationary conv model (sysarray_models.conv_stall_model_nofu, optimal loop order)."""
    ifm_t = np.ceil(c["iwt"] * c["iht"] * t["ict"] * t["nt"] * hw["act_bits"] * c["moved_ifmap"] / ports["ibuf"])
    ps_t = np.ceil(t["owt"] * t["oht"] * t["oct"] * t["nt"] * hw["acc_bits"] * c["moved_psum"] / ports["obuf"])
    nt_wgt_bias = c["n_oc"]
    nt_weight = c["n_kw"] * c["n_kh"] * c["n_ic"] * nt_wgt_bias
    nt_ps_wrtonly = c["n_out"] * nt_wgt_bias
    nt_ps_rdwrt = nt_ps_wrtonly * (c["n_ic"] * c["n_kw"] * c["n_kh"] - 1)
    nt5 = nt_wgt_bias - 1
    nt4 = nt_weight - nt_wgt_bias
    nt1 = (nt_ps_wrtonly - 2) - nt5
    nt2 = nt_ps_rdwrt - nt4
    none = (nt2 + nt4) == 0
    nt2, nt4 = np.where(none, 0, nt2), np.where(none, 0, nt4)
    per_port = hw["dram_ports_code"] == 1
    first = np.where(per_port, np.maximum(ifm_t, wgt_t + bias_t), ifm_t + wgt_t + bias_t)
    return (case(ifm_t, ps_t) * nt1 + case(ifm_t, 2 * ps_t) * nt2 + case(ifm_t, wgt_t, 2 * ps_t) * nt4
            + case(ifm_t, ps_t, wgt_t + bias_t) * nt5 + case(ifm_t) + case(ps_t) + first + ps_t)


def _fc_stalls(t, c, case, ports, wgt_t, bias_t, hw):
    """Batch-1 FC model (gemmb1_stall_model_nofu): input-stationary with one IC tile, else output-stationary."""
    ifv_t = np.ceil(t["ict"] * hw["act_bits"] * c["moved_ifmap"] / ports["ibuf"])
    write_bits = np.where(hw["ofmap_write_code"] == 1, hw["acc_bits"], hw["act_bits"])
    of_t = np.ceil(t["oct"] * write_bits * c["moved_ofmap"] / ports["obuf"])
    per_port = hw["dram_ports_code"] == 1
    first = np.where(per_port, np.maximum(ifv_t, wgt_t + bias_t), ifv_t + wgt_t + bias_t)
    k1 = c["n_oc"] - 2
    input_stationary = np.where(k1 < 0, first + of_t,
                                case(wgt_t + bias_t, of_t) * np.maximum(k1, 0) + first + case(wgt_t + bias_t)
                                + case(of_t) + of_t)
    nt1 = nt4 = c["n_oc"] - 1
    nt3 = (c["n_ic"] * c["n_oc"] - c["n_oc"] - 1) - nt4
    output_stationary = (case(wgt_t + bias_t, ifv_t) * nt1 + case(wgt_t, ifv_t) * nt3
                         + case(wgt_t, ifv_t, of_t) * nt4 + first + case(wgt_t, ifv_t) + of_t)
    return np.where(np.ceil(c["n_ic"]) == 1, input_stationary, output_stationary)


def genesys_metrics(lt: dict, hw: dict, groups, ifmap_elems) -> dict[str, np.ndarray]:
    """Per-(config, layer) cycles, traffic (bytes) and chosen mapping of GEMM layers (GeneSys mapping).

    ``lt``: loop-bound arrays of :func:`loop_table` restricted to the GEMM columns; ``hw``: config
    arrays (N, 1) of one group of configurations; ``groups``, ``ifmap_elems`` (1, L) as in
    :func:`frontend_sim.simulator.layer_table`. Groups of a grouped conv run one after another.
    """
    if hw["tiling_code"][0, 0] == TILINGS.index("search"):
        # the search holds (configs × layers × tilings) temporaries: configs in blocks of SEARCH_CHUNK of them
        n_configs, n_layers = hw["array_rows"].shape[0], lt["loop_ow"].shape[1]
        step = max(1, SEARCH_CHUNK // (n_layers * len(SEARCH_IC_DIVISORS) * len(SEARCH_TILE_STEPS)))
        blocks = [_tiles(lt, {k: v[start:start + step] for k, v in hw.items()}, search=True)
                  for start in range(0, n_configs, step)]
        t = blocks[0] if len(blocks) == 1 else {
            k: np.concatenate([np.broadcast_to(b[k], (b["ict"].shape[0], n_layers)) for b in blocks]) for k in blocks[0]}
    else:
        t = _tiles(lt, hw, search=False)
    c = _traffic(lt, hw, t)
    act, wgt, acc, bias = (hw[f"{x}_bits"] for x in ("act", "wgt", "acc", "bias"))
    rows, cols = hw["array_rows"], hw["array_cols"]
    g = groups
    # share of each tensor's padded tile that moves: all of it when padding is fetched, else true / padded
    if_full = ((lt["loop_ow"] - 1) * lt["loop_stride_w"] + lt["loop_kw"]) * ((lt["loop_oh"] - 1) * lt["loop_stride_h"] + lt["loop_kh"])
    unpadded = {"ifmap": np.where(c["fc"], lt["loop_ic"] / t["icp"], np.minimum(
                    1.0, (ifmap_elems // np.maximum(g, 1)) / (if_full * lt["loop_n"] * t["icp"]))),
                "filter": lt["loop_ic"] * lt["loop_oc"] / (t["icp"] * t["ocp"]),
                "bias": lt["loop_oc"] / t["ocp"], "psum": lt["loop_oc"] / t["ocp"], "ofmap": lt["loop_oc"] / t["ocp"]}
    fetch = hw["fetch_padding"]
    c.update({f"moved_{name}": np.where(fetch, 1.0, share) for name, share in unpadded.items()})
    stall = _stalls(hw, t, c, np.flatnonzero(lt["loop_fc"][0]))
    dram = {name: g * c[f"dram_{name}"] / 8 * c[f"moved_{name}"] for name in ("ifmap", "filter", "bias", "psum", "ofmap")}
    # SRAM accesses (sysarray_models.conv_SRAM_access_NoStationary), bytes
    n_out_ceil = np.ceil(lt["loop_ow"] / t["owt"]) * np.ceil(lt["loop_oh"] / t["oht"]) * np.ceil(lt["loop_n"] / t["nt"])
    spatial = t["owt"] * t["oht"] * t["nt"]
    inner = c["n_ic"] * c["n_kw"] * c["n_kh"]
    ibuf_read = spatial * t["ict"] * t["kwt"] * t["kht"] * np.ceil(t["oct"] / cols) * c["n_out"] * inner \
        * np.ceil(c["n_oc"]) * act
    wbuf_read = t["kwt"] * t["kht"] * t["ict"] * t["oct"] * spatial * n_out_ceil * inner * c["n_oc"] * wgt
    obuf_access = spatial * t["oct"] * (2 * np.ceil(t["ict"] / rows) * t["kwt"] * t["kht"] * c["reduction"] - 1) \
        * c["n_out"] * c["n_oc"] * acc
    bbuf_read = spatial * t["oct"] * c["n_out"] * c["n_oc"] * bias
    compute = (g * c["compute_cycles"]).astype(np.int64)
    stall = np.ceil(g * stall)
    return dict(
        compute_cycles=compute, stall_cycles=stall, total_cycles=compute + stall.astype(np.int64),
        folds=g * np.ceil(c["n_out"] * c["n_ic"] * c["n_kw"] * c["n_kh"] * c["n_oc"]),
        dram_ifmap_bytes=dram["ifmap"], dram_filter_bytes=dram["filter"], dram_bias_bytes=dram["bias"],
        dram_psum_bytes=dram["psum"], dram_ofmap_bytes=dram["ofmap"],
        dram_read_bytes=dram["ifmap"] + dram["filter"] + dram["bias"] + dram["psum"] / 2,
        dram_write_bytes=dram["ofmap"] + dram["psum"] / 2,
        sram_ibuf_read_bytes=g * ibuf_read / 8, sram_ibuf_write_bytes=dram["ifmap"],
        sram_wbuf_read_bytes=g * wbuf_read / 8, sram_wbuf_write_bytes=dram["filter"],
        sram_obuf_read_bytes=g * obuf_access / 16, sram_obuf_write_bytes=g * obuf_access / 16,
        sram_bbuf_read_bytes=g * bbuf_read / 8, sram_bbuf_write_bytes=dram["bias"],
        tile_ow=t["owt"], tile_oh=t["oht"], tile_n=t["nt"], tile_kw=t["kwt"], tile_kh=t["kht"],
        tile_ic=t["ict"], tile_oc=t["oct"], ifmap_refetch=np.where(c["fc"], c["n_oc"], np.ceil(c["n_oc"])),
        filter_refetch=np.ones_like(c["n_oc"]), psum_passes=np.where(c["fc"], 1.0, c["reduction"]),
    )
