"""Units of metric and parameter names, and the direction of a metric no objective declares.

Metric names carry their units (``runtime_s``, ``energy_j``, ``area_um2`` …); ``unit_of`` spells
them out, preferring the unit a study declares for the name.
"""
from __future__ import annotations

#: Units of metric and parameter names, by exact name first, then by name suffix.
UNITS_BY_NAME = {
    "total_cycles": "cycles",
    "compute_cycles": "cycles",
    "stall_cycles": "cycles",
    "simd_cycles": "cycles",
    "dram_bytes": "bytes",
    "macs": "MAC",
    "utilization": "fraction",
    "mapping_efficiency": "fraction",
    "in_domain": "bool",
    "dram_bytes_per_cycle": "bytes/cycle",
    "array_rows": "PEs",
    "array_cols": "PEs",
    "simd_lanes": "lanes",
}
UNITS_BY_SUFFIX = (
    ("_bytes_per_cycle", "bytes/cycle"),
    ("_per_w", "inferences/s/W"),
    ("_per_mm2", "inferences/s/mm²"),
    ("_js", "J·s"),
    ("_j", "J"),
    ("_s", "s"),
    ("_um2", "µm²"),
    ("_mm2", "mm²"),
    ("_mw", "mW"),
    ("_w", "W"),
    ("_ghz", "GHz"),
    ("_ps", "ps"),
    ("_ips", "inferences/s"),
    ("_cycles", "cycles"),
    ("_bytes", "bytes"),
    ("_kib", "KiB"),
    ("_bits", "bits"),
)
#: Direction of a metric nobody declared an objective (2-D fronts of arbitrary metric pairs).
MAXIMIZED_SUFFIXES = ("_ips", "_per_w", "_per_mm2", "_ghz", "utilization", "mapping_efficiency")


def unit_of(name: str, declared: dict[str, str] | None = None) -> str:
    """Short unit of a metric/parameter name: the study's declared unit without its explanation
    (``"µm² (logic + SRAM)"`` → ``"µm²"``), else read from the name's suffix."""
    if declared and name in declared:
        return str(declared[name]).split(" (", 1)[0]
    base = name.rsplit(".", 1)[-1]
    if base.endswith("_std"):
        base = base[: -len("_std")]
    if base in UNITS_BY_NAME:
        return UNITS_BY_NAME[base]
    for suffix, unit in UNITS_BY_SUFFIX:
        if base.endswith(suffix):
            return unit
    return ""


def default_direction(name: str) -> str:
    """Direction used for a metric that is not one of the study's objectives."""
    base = name.rsplit(".", 1)[-1]
    return "maximize" if base.endswith(MAXIMIZED_SUFFIXES) else "minimize"
