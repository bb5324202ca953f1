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
  partial-sum bytes go to DRAM and back; else they stay in the OBUF until final.

Candidates per (config, layer): four greedy tilings -- output-resident with N_t or M_t grown first,
weights-resident (K_t then N_t first), inputs-resident (K_t then M_t first), the remaining dims as
large as still fits -- each in all six loop orders, plus SCALE-Sim's fixed mapping itself (so the
search never moves more DRAM bytes than the fixed loop order).

Compute cycles stay SCALE-Sim's fold schedule, with one honest exception: when the streamed dim is
split into ``nT`` tiles, each fold's stationary data is loaded again for every further tile unless
the streamed loop is the innermost loop with more than one tile and a tile holds one fold (then the
array keeps streaming). Each reload costs the fold's fill and drain: ``extra = groups · folds ·
(nT − 1) · (fold_cycles − T)``, added to the compute cycles (``0`` whenever the search keeps
SCALE-Sim's order or splits nothing). All functions broadcast over (configs × layers) arrays.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np

from frontend_sim.dataflow import ComputeResult

logger = logging.getLogger(__name__)

KIB = 1024
#: GEMM dims per dataflow: (array-row dim, array-column dim, streamed dim), as in frontend_sim.dataflow.
ROLES = {"os": ("m", "n", "k"), "ws": ("k", "n", "m"), "is": ("k", "m", "n")}
#: The six loop orders of the tile loops, innermost first.
LOOP_ORDERS = tuple(",".join(p) for p in itertools.permutations("mnk"))
#: Code of the fixed (SCALE-Sim) loop order in ``loop_order_code`` (not an index of LOOP_ORDERS).
FIXED_CODE = -1


@dataclass(frozen=True)
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
    dim, elements per dim ``"m", "n", "k"``, broadcast to (configs × layers)."""
    row_dim, col_dim, streamed = ROLES[dataflow]
    dims = {"m": m, "n": n, "k": k}
    shape = np.broadcast_shapes(np.shape(m), np.shape(rows))
    tile = {row_dim: np.minimum(dims[row_dim], rows), col_dim: np.minimum(dims[col_dim], cols),
            streamed: dims[streamed]}
    return {d: np.broadcast_to(tile[d], shape).astype(float) for d in "mnk"}


def _fit(limit, size, grain):
    """Largest tile of a dim of ``size`` in multiples of ``grain`` (or the whole dim) within ``limit``
    elements; below the least legal tile ``min(size, grain)`` it returns that least tile (legality is
    checked afterwards)."""
    least = np.minimum(size, grain)
    tile = np.minimum(np.floor(limit / grain) * grain, size)
    return np.maximum(tile, least)


def search(m, n, k, groups, ifmap_bytes, hw, dataflow: str, comp: ComputeResult,
           fixed_dram_bytes, fixed_refetch) -> Im2colTiling:
    """The searched tiling of grouped GEMMs (per-group ``m, n, k``; ``ifmap_bytes`` the unique input
    bytes of one group as read from DRAM) under ``dataflow``.

    ``fixed_dram_bytes``: ifmap + filter + psum DRAM bytes (all groups) of SCALE-Sim's fixed loop order,
    ``fixed_refetch``: its (ifmap, filter, psum passes) -- the fixed candidate, kept where nothing
    searched moves fewer bytes. Arrays broadcast (configs × layers).
    """
    rows, cols = hw["array_rows"], hw["array_cols"]
    act, wgt, acc = (hw[f"{x}_bits"] / 8 for x in ("act", "wgt", "acc"))
    dims = {"m": m.astype(float), "n": n.astype(float), "k": k.astype(float)}
    row_dim, col_dim, streamed = ROLES[dataflow]
    grain = {row_dim: rows, col_dim: cols, streamed: 1}
    rho = np.minimum(1.0, ifmap_bytes / np.maximum(m * k * act, 1e-30))  # unique share of the im2col input
    budget_a = hw["ibuf_kib"] * (KIB / 2) / np.maximum(act * rho, 1e-30)  # M_t·K_t elements
    budget_b = hw["wbuf_kib"] * (KIB / 2) / wgt  # K_t·N_t
    budget_c = hw["obuf_kib"] * (KIB / 2) / acc  # M_t·N_t
    least = {d: np.minimum(dims[d], grain[d]) for d in "mnk"}
    fit = {d: (lambda limit, d=d: _fit(limit, dims[d], grain[d])) for d in "mnk"}
    budget_of = {"mk": budget_a, "kn": budget_b, "mn": budget_c}

    def grow(first, second):
        """Tile with ``first`` then ``second`` grown as far as the buffers allow, the third after."""
        tile = dict(least)
        for d in (first, second, next(x for x in "mnk" if x not in (first, second))):
            limits = [budget / tile[o] for pair, budget in budget_of.items() if d in pair
                      for o in pair.replace(d, "")]
            tile[d] = fit[d](np.minimum(limits[0], limits[1]))
        return tile

    tilings = [grow("n", "m"), grow("m", "n"), grow("k", "n"), grow("k", "m")]
    a_bytes, b_bytes, c_bytes = ifmap_bytes, k * n * wgt, 2 * m * n * acc
    overhead = comp.fold_cycles - dims[streamed]  # fill + drain of one fold
    g = groups
    best_dram = np.asarray(fixed_dram_bytes, float)
    shape = np.broadcast_shapes(best_dram.shape, np.shape(rows), np.shape(m))
    best_dram = np.broadcast_to(best_dram, shape)
    best_cycles = np.zeros(shape)
    chosen = {f"tile_{d}": t for d, t in fold_tile(m, n, k, rows, cols, dataflow).items()}
    chosen["extra_cycles"] = np.zeros(shape)
    chosen["ifmap_refetch"], chosen["filter_refetch"], chosen["psum_passes"] = (
        np.broadcast_to(np.asarray(r, float), shape).copy() for r in fixed_refetch)
    chosen["loop_order_code"] = np.full(shape, FIXED_CODE, float)
    for tile in tilings:
        legal = ((tile["m"] * tile["k"] <= budget_a * (1 + 1e-12)) & (tile["k"] * tile["n"] <= budget_b * (1 + 1e-12))
                 & (tile["m"] * tile["n"] <= budget_c * (1 + 1e-12)))
        count = {d: np.ceil(dims[d] / tile[d]) for d in "mnk"}
        split = {d: count[d] > 1 for d in "mnk"}
        one_fold = (tile[row_dim] <= rows) & (tile[col_dim] <= cols)
        for code, order in enumerate(LOOP_ORDERS):
            inner = order.split(",")  # innermost first

            def outside(loop, own):
                """Whether ``loop`` sits outside the innermost of the ``own`` loops with more than one tile."""
                pos = inner.index(loop)
                first = [inner.index(o) for o in own]
                below = np.zeros(shape, bool)  # some own loop with > 1 tile is inside ``loop``
                for p, o in zip(first, own):
                    if p < pos:
                        below = below | split[o]
                return below

            refetch_a = np.where(outside("n", "mk"), count["n"], 1.0)
            refetch_b = np.where(outside("m", "kn"), count["m"], 1.0)
            passes = np.where(outside("k", "mn"), count["k"], 1.0)
            others = [o for o in "mnk" if o != streamed]
            streams_on = ~(split[others[0]] & (inner.index(others[0]) < inner.index(streamed))) \
                & ~(split[others[1]] & (inner.index(others[1]) < inner.index(streamed))) & one_fold
            extra = np.where(split[streamed] & ~streams_on,
                             g * comp.folds * (count[streamed] - 1) * overhead, 0.0)
            dram = g * (a_bytes * refetch_a + b_bytes * refetch_b + c_bytes * (passes - 1))
            better = legal & ((dram < best_dram * (1 - 1e-9))
                              | ((dram <= best_dram * (1 + 1e-9)) & (extra < best_cycles)))
            if not better.any():
                continue
            best_dram, best_cycles = np.where(better, dram, best_dram), np.where(better, extra, best_cycles)
            for name, value in (("tile_m", tile["m"]), ("tile_n", tile["n"]), ("tile_k", tile["k"]),
                                ("extra_cycles", extra), ("ifmap_refetch", refetch_a),
                                ("filter_refetch", refetch_b), ("psum_passes", passes),
                                ("loop_order_code", code)):
                chosen[name] = np.where(better, value, chosen[name])
    return Im2colTiling(**chosen)
