"""Searched DRAM tiling and loop order of GEMM layers under the im2col array mapping (``tiling="search"``).

The im2col mapping runs a layer's per-group (M×K)·(K×N) GEMM as SCALE-Sim does: two dims on the
array (granularity R rows, C columns), the third streamed in time (:mod:`frontend_sim.dataflow`).
SCALE-Sim's fixed loop order (:mod:`frontend_sim.memory`) spills partial sums every K fold when an
output tile misses half the OBUF, and re-reads an operand that misses half its buffer once per fold
of the other. The search (Marvel's off-chip-first step) cuts the GEMM into DRAM tiles
``(M_t, N_t, K_t)`` -- array dims in whole folds (multiples of R or C, or the whole dim), the streamed
dim in any size -- whose double-buffered footprints fit half of each buffer::

    M_t·K_t·act·ρ <= IBUF/2      K_t·N_t·wgt <= WBUF/2      M_t·N_t·acc <= OBUF/2

(``ρ`` = unique input bytes / im2col bytes of the layer: a tile's input is taken as that share of
its im2col slice, so halos at tile borders are not counted -- an approximation), orders the three
tile loops, and keeps the candidate with the fewest DRAM bytes, then the fewest cycles.

Traffic of a loop order (tile counts ``nM, nN, nK``): an operand is fetched once per iteration of
the loops outside its innermost own loop that has more than one tile, i.e.

* ifmap (M×K) × ``nN`` when the N loop is outside it, else once;
* filter (K×N) × ``nM`` when the M loop is outside it, else once;
* outputs (M×N): ``passes = nK`` when the K loop is outside them, and ``2·(passes − 1)·M·N·acc``
  partial-sum bytes go to DRAM and back; else they stay in the OBUF until final;
* a whole operand that fits half its buffer is read once (outputs: never spilled) in any order, as
  in the fixed order's model.

With three loops this depends only on the innermost loop with more than one tile: innermost M
(``ifmap·nN + filter + psum(nK)``), N (``ifmap + filter·nM + psum(nK)``) or K (``ifmap·nN +
filter·nM``, no spill), reported as the orders ``m,k,n``, ``n,k,m``, ``k,m,n`` (innermost first).

Candidates per (config, layer): three greedy tilings -- output-resident with N_t or M_t grown first,
weights-resident (K_t then N_t first), the remaining dims as large as still fits -- each with each
innermost loop (9), plus SCALE-Sim's fixed mapping itself.
Off-chip first, within the layer's time: among the legal candidates whose estimated cycles
(``max(compute + extra fill/drain, DRAM transfer time − first fill)``, what the stall model of
:mod:`frontend_sim.memory` then counts) are at most the fixed order's, the fewest DRAM bytes win,
then the fewest cycles. So the search never moves more DRAM bytes *and* never takes more cycles
than SCALE-Sim's fixed order (a pure DRAM-first rule would pick tilings that reload every fold per
streamed tile: up to 10× the compute cycles on is arrays, measured on ResNet-18).

Compute cycles stay SCALE-Sim's fold schedule, with one honest exception: when the streamed dim is
split into ``nT`` tiles, each fold's stationary data is loaded again for every further tile unless
the streamed loop is the innermost loop with more than one tile and a tile holds one fold (then the
array keeps streaming). Each reload costs the fold's fill and drain: ``extra = groups · folds ·
(nT − 1) · (fold_cycles − T)``, added to the compute cycles (``0`` whenever the search keeps
SCALE-Sim's order or splits nothing). All functions broadcast over (configs × layers) arrays.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from frontend_sim.dataflow import ComputeResult, as_float

logger = logging.getLogger(__name__)

#: GEMM dims per dataflow: (array-row dim, array-column dim, streamed dim), as in frontend_sim.dataflow.
ROLES = {"os": ("m", "n", "k"), "ws": ("k", "n", "m"), "is": ("k", "m", "n")}
#: Innermost tile loop of the candidates (the other two outside it): with three loops the traffic depends
#: only on the innermost loop that has more than one tile.
INNERMOST = ("m", "n", "k")
#: The reported loop order (innermost first) per innermost loop; ``loop_order_code`` indexes this.
LOOP_ORDERS = ("m,k,n", "n,k,m", "k,m,n")
#: Code of the fixed (SCALE-Sim) loop order in ``loop_order_code`` (not an index of LOOP_ORDERS).
FIXED_CODE = -1


@dataclass  # not frozen: built on every model call, and a frozen __init__ costs ~2 µs more
class Im2colTiling:
    """The chosen tiling per (config, layer): tile sizes (elements), refetch factors, partial-sum
    passes, extra fill/drain cycles (all groups) and the loop order code (index into
    :data:`LOOP_ORDERS`, :data:`FIXED_CODE` for SCALE-Sim's own order)."""

    tile_m: np.ndarray
    tile_n: np.ndarray
    tile_k: np.ndarray
    ifmap_refetch: np.ndarray
    filter_refetch: np.ndarray
    psum_passes: np.ndarray
    extra_cycles: np.ndarray
    loop_order_code: np.ndarray


def fold_tile(m, n, k, rows, cols, dataflow: str) -> dict[str, np.ndarray]:
    """SCALE-Sim's fixed tiling in GEMM terms: one fold (R × C of the array dims) over the whole streamed
    dim, elements per dim ``"m", "n", "k"`` (integer arrays that broadcast to configs × layers)."""
    row_dim, col_dim, streamed = ROLES[dataflow]
    dims = {"m": m, "n": n, "k": k}
    return {row_dim: np.minimum(dims[row_dim], rows), col_dim: np.minimum(dims[col_dim], cols),
            streamed: dims[streamed]}


def _fit(limit, size, grain, least):
    """Largest tile of a dim of ``size`` in multiples of ``grain`` (or the whole dim) within ``limit``
    elements; below the least legal tile ``least = min(size, grain)`` it returns that least tile (legality
    is checked afterwards)."""
    tile = np.minimum(np.floor(limit / grain) * grain, size)
    return np.maximum(tile, least)


def search(m, n, k, groups, ifmap_bytes, hw, dataflow: str, comp: ComputeResult, fixed: dict,
           transfer) -> Im2colTiling:
    """The searched tiling of grouped GEMMs (per-group ``m, n, k``; ``ifmap_bytes`` the unique input
    bytes of one group as read from DRAM) under ``dataflow``; arrays broadcast (configs × layers).

    ``fixed``: SCALE-Sim's fixed order as a candidate -- its ``ifmap_refetch``, ``filter_refetch``,
    ``psum_passes``, ``tiles`` (:func:`fold_tile`) -- and what every candidate shares: ``bias``, ``ofmap`` DRAM bytes (all groups),
    ``fill`` cycles (the first fold's operands). ``transfer(ibuf, param, obuf)``: DRAM cycles of those
    bytes (:func:`frontend_sim.memory.transfer_function` of this hardware).
    """
    rows, cols = hw["array_rows_f"], hw["array_cols_f"]
    act, wgt, acc = hw["act_bytes"], hw["wgt_bytes"], hw["acc_bytes"]
    ibuf_half, wbuf_half, obuf_half = hw["ibuf_half_bytes"], hw["wbuf_half_bytes"], hw["obuf_half_bytes"]
    # float64 sizes (exact whole numbers): their products only meet byte widths and budgets
    dims = {"m": m.astype(float), "n": n.astype(float), "k": k.astype(float)}
    m_f, n_f, k_f = dims["m"], dims["n"], dims["k"]
    row_dim, col_dim, streamed = ROLES[dataflow]
    grain = {row_dim: rows, col_dim: cols, streamed: 1.0}
    rho = np.minimum(1.0, ifmap_bytes / np.maximum(m_f * k_f * act, 1e-30))  # unique share of the im2col input
    budget_of = {"mk": ibuf_half / np.maximum(act * rho, 1e-30),  # M_t·K_t elements
                 "kn": wbuf_half / wgt,  # K_t·N_t
                 "mn": obuf_half / acc}  # M_t·N_t
    least = {d: np.minimum(dims[d], grain[d]) for d in "mnk"}

    def grow(first, second):
        """Tile with ``first`` then ``second`` grown as far as the buffers allow, the third after."""
        tile = dict(least)
        for d in (first, second, next(x for x in "mnk" if x not in (first, second))):
            (p1, o1), (p2, o2) = _BUDGET_PAIRS[d]
            limit = np.minimum(budget_of[p1] / tile[o1], budget_of[p2] / tile[o2])
            tile[d] = _fit(limit, dims[d], grain[d], least[d])
        return tile

    g = groups
    # a whole operand that fits half its buffer stays there whatever the loop order (as in the fixed order)
    resident = {"a": ifmap_bytes <= ibuf_half, "b": k_f * n_f * wgt <= wbuf_half, "c": m_f * n_f * acc <= obuf_half}
    g_f = g.astype(float)
    a1, b1 = g_f * ifmap_bytes, g_f * (k_f * n_f * wgt)
    psum_pass = g_f * (2 * m_f * n_f * acc)  # bytes out and back per further reduction pass
    compute = as_float(comp.compute_cycles)  # added to float cycles by every candidate's score
    overhead = comp.group_folds * (comp.fold_cycles - dims[streamed])  # one more fill + drain of every fold
    const_param, const_out, fill = fixed["bias"], fixed["ofmap"], fixed["fill"]

    def score(ifmap, filt, psum, extra):
        """(DRAM bytes, estimated cycles): the layer's cycles less the shared first fill, as memory's stall
        model will count them: the compute (with extra fill/drain) or the DRAM time, the longer."""
        return ifmap + filt + psum, np.maximum(compute + extra, transfer(ifmap, filt + const_param, psum + const_out) - fill)

    fixed_dram, fixed_run = score(a1 * fixed["ifmap_refetch"], b1 * fixed["filter_refetch"],
                                  psum_pass * (fixed["psum_passes"] - 1), 0.0)
    zero = np.zeros(np.broadcast(fixed_dram, fixed_run).shape)
    best_dram, best_run = fixed_dram + zero, fixed_run + zero
    best = np.full(zero.shape, -1, np.int8)  # candidate: 3 · tiling + innermost loop; -1 = the fixed order
    budget = fixed_run * (1 + 1e-9)
    tilings = [grow(first, second) for first, second in GROWTH_ORDERS]
    for index, tile in enumerate(tilings):
        legal = ((tile["m"] * tile["k"] <= budget_of["mk"] * (1 + 1e-12))
                 & (tile["k"] * tile["n"] <= budget_of["kn"] * (1 + 1e-12))
                 & (tile["m"] * tile["n"] <= budget_of["mn"] * (1 + 1e-12)))
        if not legal.any():
            continue
        count = {d: np.ceil(dims[d] / tile[d]) for d in "mnk"}
        a_n, b_m, p_k = (a1 * np.where(resident["a"], 1.0, count["n"]), b1 * np.where(resident["b"], 1.0, count["m"]),
                         psum_pass * np.where(resident["c"], 0.0, count["k"] - 1))
        extra = overhead * (count[streamed] - 1)
        streaming = np.where((tile[row_dim] <= rows) & (tile[col_dim] <= cols), 0.0, extra)
        for inner, (ifmap, filt, psum) in enumerate(((a_n, b1, p_k), (a1, b_m, p_k), (a_n, b_m, 0.0))):
            dram, run = score(ifmap, filt, psum, streaming if INNERMOST[inner] == streamed else extra)
            better = legal & (run <= budget) & ((dram < best_dram * (1 - 1e-9))
                                               | ((dram <= best_dram * (1 + 1e-9)) & (run < best_run)))
            if not better.any():
                continue
            best_dram, best_run = np.where(better, dram, best_dram), np.where(better, run, best_run)
            best = np.where(better, 3 * index + inner, best)
    return _chosen(best, tilings, fixed, dims, resident, (row_dim, col_dim, streamed), rows, cols, overhead)


#: The greedy tilings: which dims grow first (the third grows last), see the module docstring.
#: Inputs-resident (K then M first) is left out: it kept 0.03-0.2 % of the DRAM bytes the search saves
#: (81.8 % of the fixed order's on DSE-like configs x ResNet-50) for a quarter of the work.
GROWTH_ORDERS = (("n", "m"), ("m", "n"), ("k", "n"))
#: Per dim, the two buffer budgets that bound it, each with the other dim of its footprint.
_BUDGET_PAIRS = {d: tuple((pair, pair.replace(d, "")) for pair in ("mk", "kn", "mn") if d in pair) for d in "mnk"}


def _chosen(best, tilings, fixed, dims, resident, roles, rows, cols, overhead) -> Im2colTiling:
    """Tile sizes, refetch factors, passes, extra cycles and loop order of the chosen candidates."""
    row_dim, col_dim, streamed = roles
    searched = best >= 0
    which, inner = np.maximum(best, 0) // 3, np.maximum(best, 0) % 3
    tile = {d: np.choose(which, [t[d] for t in tilings]) for d in "mnk"}
    count = {d: np.ceil(dims[d] / tile[d]) for d in "mnk"}
    refetch_a = np.where((inner == 1) | resident["a"], 1.0, count["n"])  # innermost m or k: N loop outside the input
    refetch_b = np.where((inner == 0) | resident["b"], 1.0, count["m"])
    passes = np.where((inner == 2) | resident["c"], 1.0, count["k"])
    one_fold = (tile[row_dim] <= rows) & (tile[col_dim] <= cols)
    keeps_streaming = (inner == INNERMOST.index(streamed)) & one_fold
    extra = np.where(keeps_streaming, 0.0, overhead * (count[streamed] - 1))
    fold = fixed["tiles"]
    return Im2colTiling(
        tile_m=np.where(searched, tile["m"], fold["m"]), tile_n=np.where(searched, tile["n"], fold["n"]),
        tile_k=np.where(searched, tile["k"], fold["k"]),
        ifmap_refetch=np.where(searched, refetch_a, fixed["ifmap_refetch"]),
        filter_refetch=np.where(searched, refetch_b, fixed["filter_refetch"]),
        psum_passes=np.where(searched, passes, fixed["psum_passes"]),
        extra_cycles=np.where(searched, extra, 0.0), loop_order_code=np.where(searched, inner, FIXED_CODE))
