"""The metrics an evaluated design point carries, with their units.

Design metrics do not depend on the workload; workload metrics exist per workload
(``<workload>.<metric>``) and as the weighted aggregate over the study's workloads (plain name).
"""
from __future__ import annotations

#: Workload-independent metrics of a design point.
DESIGN_METRICS = {
    "area_um2": "µm² (logic from the surrogate + SRAM buffers from the memory model)",
    "area_logic_um2": "µm² (surrogate: synthesized PE array + SIMD logic)",
    "area_sram_um2": "µm² (memory model; default: buffers × SRAM area per KiB, approximate)",
    "area_mm2": "mm²",
    "fmax_ghz": "GHz (surrogate: achieved clock)",
    "clock_ghz": "GHz (effective clock = min(target, logic fmax, memory fmax))",
    "power_mw": "mW (surrogate logic power scaled to the effective clock)",
    "power_target_mw": "mW (surrogate logic power at the target clock)",
    "leakage_mw": "mW (surrogate leakage; 0 when the bundle has no leakage_mw target)",
    "area_um2_std": "µm² (surrogate spread of the logic area)",
    "power_mw_std": "mW (surrogate spread of the logic power at the target clock)",
    "fmax_ghz_std": "GHz (surrogate spread of fmax)",
    "surrogate_rel_spread": "1 (largest std / value over area, power, fmax)",
}

#: Metrics computed per workload and aggregated (weighted) over the study's workloads.
WORKLOAD_METRICS = {
    "total_cycles": "cycles",
    "runtime_s": "s (cycles / effective clock)",
    "throughput_ips": "inferences/s",
    "energy_j": "J per inference (logic + DRAM + SRAM)",
    "energy_logic_j": "J per inference (logic power × runtime)",
    "energy_dram_j": "J per inference (memory model; default: DRAM bytes × pJ/byte)",
    "energy_sram_j": "J per inference (memory model: SRAM accesses + SRAM leakage × runtime; default: bytes × pJ/byte, approximate)",
    "edp_js": "J·s (energy × runtime)",
    "avg_power_mw": "mW (energy / runtime, logic + memories)",
    "dram_bytes": "bytes per inference (read + write)",
    "sram_bytes": "bytes per inference (read + write)",
    "utilization": "1 (fraction of PE-cycles doing MACs)",
    "tops": "TOPS (2 × MACs / runtime / 1e12)",
    "ips_per_mm2": "inferences/s/mm² (perf / area)",
    "ips_per_w": "inferences/s/W (perf / W = inferences per joule)",
}

#: Accuracy metrics, present when the space names an accuracy table (``[search] accuracy``; :mod:`dse.accuracy`).
#: ``<workload>.top1`` exists per workload; ``top1`` is the lowest of them.
ACCURACY_METRICS = {
    "top1": "% top-1 (looked up in the accuracy table: published or user-measured, not computed here)",
    "accuracy_uncertain": "bool (top1 from a precision bound or a resolution interpolation, or unknown)",
}

#: Flags (stored as bools in each trial's metrics attribute, dse.record).
FLAGS = {
    "in_domain": "bool (every surrogate feature inside the training range)",
    "uncertain": "bool (surrogate_rel_spread above the space's uncertainty_threshold)",
    "feasible": "bool (all constraints met)",
}

#: Unit (and meaning) of every aggregate metric: the one table of the DSE's metric units.
METRIC_UNITS = {**DESIGN_METRICS, **WORKLOAD_METRICS}


def metric_units(workloads: list[str] | tuple[str, ...] = (), accuracy: bool = False) -> dict[str, str]:
    """Unit of every metric a study with these workloads records: :data:`METRIC_UNITS` plus
    ``<workload>.<metric>`` for each workload metric, and with ``accuracy`` (the space names an accuracy
    table) :data:`ACCURACY_METRICS` plus ``<workload>.top1``."""
    units = dict(METRIC_UNITS)
    units.update({f"{workload}.{metric}": unit for workload in workloads for metric, unit in WORKLOAD_METRICS.items()})
    if accuracy:
        units.update(ACCURACY_METRICS)
        units.update({f"{workload}.top1": ACCURACY_METRICS["top1"] for workload in workloads})
    return units


def metric_names(workloads: list[str] | tuple[str, ...] = (), accuracy: bool = False) -> list[str]:
    """All metric names a study with these workloads (and an accuracy table when ``accuracy``) can optimise or
    constrain (flags such as ``accuracy_uncertain`` are not metrics to optimise)."""
    return [name for name in metric_units(workloads, accuracy) if name != "accuracy_uncertain"]
