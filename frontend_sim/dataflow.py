"""Compute cycles of a GEMM on an R×C systolic array, exactly as SCALE-Sim 3.0.0 counts them.

Every GEMM-type layer is an (M×K)·(K×N) product per group (M output pixels, N filters, K window).
A dataflow maps two of the three dimensions onto the array and streams the third in time
(SCALE-Sim's S_r, S_c, T):

=====  =====================  =====================  ==========
 df     S_r (array rows)       S_c (array columns)    T (time)
=====  =====================  =====================  ==========
 os     M  ofmap pixels        N  filters             K window
 ws     K  window              N  filters             M pixels
 is     K  window              M  ofmap pixels        N filters
=====  =====================  =====================  ==========

The array runs ``ceil(S_r/R) · ceil(S_c/C)`` folds one after another, each fold draining before
the next starts. Per fold SCALE-Sim's demand matrices (``systolic_compute_{os,ws,is}.py``) last

* os: ``T + R + C − 2`` cycles (stream T, skew in over R rows, drain over C columns);
* ws, is: ``2R + C + T − 2`` cycles (R cycles to load the stationary operand, then as os).

``compute_cycles`` is the number of cycles (a count). SCALE-Sim reports "Total Cycles" as the
index of the last cycle *including stalls*, i.e. ``compute_cycles − 1 + stall_cycles``
(upstream issue #125); tests compare against that explicitly.

Mapping efficiency and compute utilization are SCALE-Sim's per-fold averages, in closed form:
mapping efficiency = ``S_r·S_c / (folds·R·C)``; compute utilization =
``S_r·S_c·T / (folds·R·C·U)`` where U is the fold length SCALE-Sim divides by (os: ``T+R+C−2``;
ws/is: ``2R+2C+T−3``, one column-skew longer than the fold, as its source does).

Grouped and depthwise convolutions run their ``groups`` GEMMs one after another (cycles × groups,
efficiencies unchanged) — what SCALE-Sim does with "DP" layers, which it splits into one layer
per channel. All functions broadcast over numpy arrays (configs × layers).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import DATAFLOWS

#: Integer arrays up to this many elements (one configuration's layers) are cast to float64 once before
#: they meet floats: numpy's fixed cost per call dominates such arrays, and an operation on one dtype costs
#: a third of a mixed int/float one; larger arrays (many configurations) are left to numpy's buffered
#: casting inside the operation, which beats a separate cast pass.
SMALL_ARRAY = 4096


def as_float(x):
    """``x`` (an integer array) as float64 when it has at most :data:`SMALL_ARRAY` elements, else itself:
    the same values in every float operation either way."""
    return x.astype(float) if x.size <= SMALL_ARRAY else x


def _int64(x):
    """``x`` as an int64 array (itself when it already is one)."""
    return x if type(x) is np.ndarray and x.dtype == np.int64 else np.asarray(x, np.int64)


@dataclass  # not frozen: built on every model call, and a frozen __init__ costs ~2 µs more
class ComputeResult:
    """Per-(config, layer) compute figures; arrays broadcast to a common shape."""

    compute_cycles: np.ndarray  # cycles, all groups
    folds: np.ndarray  # folds per group
    group_folds: np.ndarray  # folds of all groups
    row_folds: np.ndarray  # ceil(S_r / R)
    col_folds: np.ndarray  # ceil(S_c / C)
    fold_cycles: np.ndarray  # cycles of one fold
    mapping_efficiency: np.ndarray  # fraction 0..1
    compute_utilization: np.ndarray  # fraction 0..1


def spatio_temporal(m, n, k, dataflow: str):
    """(S_r, S_c, T) of an M×N×K GEMM under ``dataflow`` (see module table)."""
    if dataflow == "os":
        return m, n, k
    if dataflow == "ws":
        return k, n, m
    if dataflow == "is":
        return k, m, n
    raise SimulatorInputError(f"dataflow={dataflow!r}: expected one of {', '.join(DATAFLOWS)}")


def array_terms(rows, cols) -> dict[str, np.ndarray]:
    """The fold schedule's terms that depend on the array only (derived once per configuration table):
    fold length beyond the streamed dim ``os_fold_extra`` = R + C − 2 and ``fold_extra`` = 2R + C − 2
    (ws, is), ``rows_less_one`` = R − 1 and ``cols_less_one`` = C − 1 (the ceiling divisions of the fold
    counts; C − 1 is also the column skew SCALE-Sim's utilization divides by, cycles), and the PEs of one
    fold ``fold_pes`` = R·C; integer arrays shaped like ``rows, cols``."""
    rows, cols = _int64(rows), _int64(cols)
    return {"os_fold_extra": rows + cols - 2, "fold_extra": 2 * rows + cols - 2, "rows_less_one": rows - 1,
            "cols_less_one": cols - 1, "fold_pes": rows * cols}


def compute(m, n, k, groups, rows, cols, dataflow: str, terms: dict | None = None) -> ComputeResult:
    """SCALE-Sim compute cycles, mapping efficiency and compute utilization of grouped GEMMs.

    ``m, n, k`` are per-group GEMM sizes, ``groups`` the number of groups run in sequence,
    ``rows, cols`` the array (R, C); arrays broadcast (e.g. configs × layers) under one dataflow.
    ``terms``: :func:`array_terms` of ``rows, cols`` when already at hand (a configuration table).
    Layers with ``groups == 0`` or ``m == 0`` (SIMD layers) get zero cycles.
    """
    sr, sc, t = spatio_temporal(_int64(m), _int64(n), _int64(k), dataflow)
    rows, cols = _int64(rows), _int64(cols)
    if terms is None:
        terms = array_terms(rows, cols)
    row_folds = (sr + terms["rows_less_one"]) // rows  # ceil(S_r / R) (S_r >= 0)
    col_folds = (sc + terms["cols_less_one"]) // cols
    folds = row_folds * col_folds
    if dataflow == "os":
        fold_cycles = t + terms["os_fold_extra"]
        util_cycles = fold_cycles
    else:
        fold_cycles = t + terms["fold_extra"]
        util_cycles = fold_cycles + terms["cols_less_one"]
    pe_slots = folds * terms["fold_pes"]
    safe = np.maximum(pe_slots, 1)
    mapping = (sr * sc) / safe
    utilization = mapping * as_float(t) / as_float(util_cycles)
    group_folds = _int64(groups) * folds
    return ComputeResult(
        compute_cycles=group_folds * fold_cycles,
        folds=folds, group_folds=group_folds, row_folds=row_folds, col_folds=col_folds, fold_cycles=fold_cycles,
        mapping_efficiency=mapping, compute_utilization=utilization,
    )
