"""Simulator speed: (configuration, layer) evaluations per second of ``simulate_batch`` and the
latency of one whole-network ``simulate`` call.

    python benchmarks/bench_simulator.py [--configs 20000] [--repeats 5] [--seed 0]

Configurations are drawn at random from a DSE-like space (array 4–256 × 4–256, all dataflows,
4/8/16-bit operands, 1 KiB–8 MiB buffers, 1–256 DRAM bytes/cycle); every zoo workload is run on
the same batch. Throughput = configs × layers / best wall time of ``repeats`` runs (one process,
numpy's element-wise kernels are single-threaded). Latency = median of 200 ``simulate`` calls on
the ``genesys-16x16`` preset (per-layer DataFrame + totals). Writes reports/benchmarks/simulator.{csv,md}.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table  # noqa: E402
from frontend_sim.hardware import get_preset  # noqa: E402
from frontend_sim.simulator import simulate, simulate_batch  # noqa: E402
from frontend_sim.zoo import WORKLOADS  # noqa: E402

OUT = ROOT / "reports" / "benchmarks"
THROUGHPUT_GOAL = 1e6  # (config, layer) evaluations per second
LATENCY_GOAL_MS = 10.0  # one ResNet-50 evaluation


def random_configs(n: int, seed: int) -> pd.DataFrame:
    """``n`` random accelerator configurations (HardwareConfig columns)."""
    rng = np.random.default_rng(seed)
    bits = rng.choice([4, 8, 16], n)
    return pd.DataFrame({
        "array_rows": rng.integers(4, 257, n), "array_cols": rng.integers(4, 257, n),
        "dataflow": rng.choice(["os", "ws", "is"], n),
        "act_bits": bits, "wgt_bits": bits, "acc_bits": np.where(bits == 16, 48, 32),
        "ibuf_kib": 2.0 ** rng.integers(0, 14, n), "wbuf_kib": 2.0 ** rng.integers(0, 14, n),
        "obuf_kib": 2.0 ** rng.integers(0, 14, n), "bbuf_kib": 2.0 ** rng.integers(0, 6, n),
        "dram_bytes_per_cycle": 2.0 ** rng.integers(0, 9, n), "simd_lanes": 0,
        "vmem_kib": 2.0 ** rng.integers(2, 10, n),
    })


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    configs = random_configs(args.configs, args.seed)
    rows = []
    for name, workload in WORKLOADS.items():
        simulate_batch(workload, configs.head(100))  # warm-up (layer table cache)
        seconds = best_time(lambda: simulate_batch(workload, configs), args.repeats)
        evals = len(configs) * len(workload.layers)
        rows.append({"benchmark": "simulate_batch", "workload": name, "configs": len(configs),
                     "layers": len(workload.layers), "evaluations": evals, "seconds": seconds,
                     "evaluations_per_s": evals / seconds, "latency_ms": np.nan,
                     "goal": f">= {THROUGHPUT_GOAL:.0e}/s", "met": evals / seconds >= THROUGHPUT_GOAL})

    hw = get_preset("genesys-16x16")
    for name in ("resnet50", "bert_base", "mobilenetv2"):
        workload = WORKLOADS[name]
        simulate(workload, hw)
        latencies = []
        for _ in range(200):
            start = time.perf_counter()
            simulate(workload, hw)
            latencies.append(time.perf_counter() - start)
        ms = 1e3 * float(np.median(latencies))
        rows.append({"benchmark": "simulate (one config)", "workload": name, "configs": 1,
                     "layers": len(workload.layers), "evaluations": len(workload.layers),
                     "seconds": ms / 1e3, "evaluations_per_s": len(workload.layers) / (ms / 1e3),
                     "latency_ms": ms, "goal": f"< {LATENCY_GOAL_MS:g} ms" if name == "resnet50" else "",
                     "met": ms < LATENCY_GOAL_MS if name == "resnet50" else ""})

    table = pd.DataFrame(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "simulator.csv", index=False)
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
               f"numpy {np.__version__}")
    shown = table.assign(evaluations_per_s=table["evaluations_per_s"].map("{:,.0f}".format),
                         seconds=table["seconds"].map("{:.4f}".format),
                         latency_ms=table["latency_ms"].map(lambda v: "" if np.isnan(v) else f"{v:.2f}"))
    markdown = (f"# Simulator speed\n\n`python benchmarks/bench_simulator.py --configs {args.configs} "
                f"--repeats {args.repeats} --seed {args.seed}` on {machine}.\n\n"
                + markdown_table(shown) + "\n")
    (OUT / "simulator.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
