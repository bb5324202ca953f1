"""accel-dse vs SimDIT on the stored SimDIT runs (tests/fixtures/simdit): one row per (design, network).

Shared by tests/test_simdit_crosscheck.py and benchmarks/bench_vs_simdit.py. Our side is
``simulate(simdit_workload(net), load_hardware(<design>.json))``: the same layers SimDIT ran (its DNN
spec, read by :mod:`frontend_sim.simdit_spec`) on the hardware JSON SimDIT read. SimDIT reports
traffic in KiB (bits / 8192); it is converted to bytes here.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from frontend_sim.hardware import load_hardware
from frontend_sim.simdit_spec import simdit_workload
from frontend_sim.simulator import simulate

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "simdit"
NETWORKS = {"ResNet18": "resnet18", "ResNet50": "resnet50"}
TENSORS = ("filter", "ifmap", "psum", "ofmap", "bias")
#: Compared quantity -> SimDIT's totals column (KiB columns are converted to bytes).
QUANTITIES = {
    "total_cycles": "total cycles",
    "sa_compute_cycles": "SA compute cycles",
    "sa_stall_cycles": "SA stall cycles",
    "simd_cycles": "SIMD compute cycles",
    "simd_stall_cycles": "SIMD stall cycles",
    "dram_bytes": "total DRAM access",
    **{f"dram_{t}_bytes": f"DRAM access {t}" for t in TENSORS},
}
KIB = 1024


@lru_cache(maxsize=1)
def simdit_totals() -> pd.DataFrame:
    """SimDIT's totals per (design, network), in our units (cycles, bytes)."""
    raw = pd.read_csv(FIXTURES / "totals.csv")
    out = raw[["design", "network", "published"]].copy()
    for name, column in QUANTITIES.items():
        out[name] = raw[column] * (KIB if name.startswith("dram") else 1)
    return out


@lru_cache(maxsize=1)
def simdit_layers() -> pd.DataFrame:
    """SimDIT's layer-wise rows (KiB and cycles as SimDIT wrote them)."""
    return pd.read_csv(FIXTURES / "layers.csv.gz")


def ours(design: str, network: str) -> dict[str, float]:
    """Our totals for one point, in the quantities of :data:`QUANTITIES`."""
    result = simulate(simdit_workload(NETWORKS[network]), load_hardware(FIXTURES / "hardware" / f"{design}.json"))
    layers = result.layers
    gemm = layers["macs"] > 0
    values = {
        "total_cycles": result.totals["total_cycles"],
        "sa_compute_cycles": layers.loc[gemm, "compute_cycles"].sum(),
        "sa_stall_cycles": layers.loc[gemm, "stall_cycles"].sum(),
        "simd_cycles": layers["simd_cycles"].sum(),
        "simd_stall_cycles": layers.loc[~gemm, "stall_cycles"].sum(),
        "dram_bytes": result.totals["dram_read_bytes"] + result.totals["dram_write_bytes"],
    }
    values.update({f"dram_{t}_bytes": layers[f"dram_{t}_bytes"].sum() for t in TENSORS})
    return {name: float(value) for name, value in values.items()}


def comparison() -> pd.DataFrame:
    """One row per (design, network): SimDIT's and our value and ours/SimDIT of every quantity."""
    rows = []
    for point in simdit_totals().itertuples(index=False):
        mine = ours(point.design, point.network)
        row = {"design": point.design, "network": point.network, "published": bool(point.published)}
        for name in QUANTITIES:
            theirs = getattr(point, name)
            row[f"simdit_{name}"] = theirs
            row[f"ours_{name}"] = mine[name]
            row[f"ratio_{name}"] = mine[name] / theirs if theirs else (1.0 if mine[name] == 0 else np.inf)
        rows.append(row)
    return pd.DataFrame(rows)


def error_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per quantity: ours/SimDIT min and max, mean and max |ours/SimDIT − 1| (points where SimDIT > 0)."""
    rows = []
    for name in QUANTITIES:
        ratio = frame[f"ratio_{name}"][frame[f"simdit_{name}"] > 0]
        error = (ratio - 1).abs()
        rows.append({"quantity": name, "min_ratio": ratio.min(), "max_ratio": ratio.max(),
                     "mean_abs_error": error.mean(), "max_abs_error": error.max(), "points": len(ratio)})
    return pd.DataFrame(rows)


def spearman(frame: pd.DataFrame, network: str, published: bool = True) -> float:
    """Spearman rank correlation of the designs' total cycles, ours vs SimDIT, on one network."""
    part = frame[(frame.network == network) & (frame.published == published)]
    return float(spearmanr(part["ours_total_cycles"], part["simdit_total_cycles"]).statistic)
