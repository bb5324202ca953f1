"""Simulator speed: (configuration, layer) evaluations per second of ``simulate_batch`` and the
latency of one whole-network ``simulate`` call.

    python benchmarks/bench_simulator.py [--configs 20000] [--repeats 5] [--seed 0]

Configurations are drawn at random from a DSE-like space (array 4–256 × 4–256, all dataflows,
4/8/16-bit operands, 1 KiB–8 MiB buffers, 1–256 DRAM bytes/cycle); every zoo workload is run on
the same batch in each mapping mode: ``fixed`` (SCALE-Sim's im2col mapping and loop order, one shared
link), ``im2col-search`` (the same with the searched DRAM tiling and loop order, the DSE's default), ``genesys`` (GeneSys's behaviour as a SimDIT file gives it: GeneSys mapping, SimDIT's tiling,
one AXI port per buffer of 32–512 bits/cycle, GeneSys SIMD unit, weight-stationary) and ``search``
(the same with the tiling search); for the GeneSys modes buffers smaller than the smallest legal tile
are raised to it; a workload the GeneSys SIMD unit cannot hold (a global pool larger than the VMEM) is
skipped in those modes and named under the table. Throughput = configs × layers / best wall time
of ``repeats`` runs (``simulate_batch`` runs its blocks of configs on threads, one per available core), and per
CPU second (``evaluations_per_cpu_s``: best process time summed over the threads, what the cores would give on a
quiet machine). Latency = median
of 200 ``simulate`` calls on the ``genesys-16x16`` preset per mode (totals and per-layer arrays), and
with the per-layer DataFrame read (``.layers``). Writes reports/benchmarks/simulator.{csv,md}.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table  # noqa: E402
from frontend_sim.errors import SimulatorInputError  # noqa: E402
from frontend_sim.hardware import get_preset  # noqa: E402
from frontend_sim.simulator import simulate, simulate_batch  # noqa: E402
from frontend_sim.zoo import WORKLOADS  # noqa: E402

OUT = ROOT / "reports" / "benchmarks"
THROUGHPUT_GOAL = 1e6  # (config, layer) evaluations per second
LATENCY_GOAL_MS = 5.0  # one ResNet-50 evaluation


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


def genesys_configs(configs: pd.DataFrame, tiling: str, seed: int) -> pd.DataFrame:
    """The same configurations with GeneSys's behaviour (as a SimDIT file gives): GeneSys mapping
    (weight-stationary), per-buffer AXI ports, GeneSys SIMD unit, buffers raised to the smallest legal tile
    (double-buffered R×C weights, R inputs, C partial sums, C biases) and the VMEM to a 7×7 pool's
    smallest SIMD tile."""
    rng = np.random.default_rng(seed + 1)
    rows, cols, kib = configs["array_rows"], configs["array_cols"], 8 * 1024
    ports = {f"{b}_axi_bits": 2 ** rng.integers(5, 10, len(configs)) for b in ("ibuf", "parambuf", "obuf", "simd")}
    return configs.assign(
        dataflow="ws", array_mapping="genesys", tiling=tiling, dram_ports="per_buffer", ofmap_write="acc",
        fetch_padding=True, simd_model="genesys", vmem_buffers=1, simd_write="act_if_next_gemm", **ports,
        wbuf_kib=np.maximum(configs["wbuf_kib"], 2 * rows * cols * configs["wgt_bits"] / kib),
        ibuf_kib=np.maximum(configs["ibuf_kib"], 2 * rows * configs["act_bits"] / kib),
        obuf_kib=np.maximum(configs["obuf_kib"], 2 * cols * configs["acc_bits"] / kib),
        bbuf_kib=np.maximum(configs["bbuf_kib"], 2 * cols * 32 / kib),
        # single-buffered VMEM holding the smallest SIMD tile of a 7×7 pool (49 pixels × lanes × acc_bits)
        vmem_kib=np.maximum(configs["vmem_kib"], 2 * 49 * cols * configs["acc_bits"] / kib))


def best_time(fn, repeats: int) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) of ``repeats`` calls, seconds. On a shared
    machine the CPU time leaves out the time the process waited for a core."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    base = random_configs(args.configs, args.seed)
    modes = {"fixed": base, "im2col-search": base.assign(tiling="search"),
             "genesys": genesys_configs(base, "genesys", args.seed), "search": genesys_configs(base, "search", args.seed)}
    rows, skipped = [], []
    for mode, configs in modes.items():
        for name, workload in WORKLOADS.items():
            try:
                simulate_batch(workload, configs.head(100))  # warm-up (layer table cache)
            except SimulatorInputError as exc:  # GeneSys's SIMD unit holds a global pool's whole window in VMEM
                skipped.append(f"{mode} × {name}: {exc}")
                continue
            seconds, cpu_seconds = best_time(lambda: simulate_batch(workload, configs), args.repeats)
            evals = len(configs) * len(workload.layers)
            rows.append({"benchmark": "simulate_batch", "mapping": mode, "workload": name, "configs": len(configs),
                         "layers": len(workload.layers), "evaluations": evals, "seconds": seconds,
                         "evaluations_per_s": evals / seconds, "evaluations_per_cpu_s": evals / cpu_seconds,
                         "latency_ms": np.nan,
                         "goal": f">= {THROUGHPUT_GOAL:.0e}/s", "met": evals / seconds >= THROUGHPUT_GOAL})
            print(rows[-1], flush=True)

    preset = get_preset("genesys-16x16")
    hardware = {"fixed": replace(preset, array_mapping="im2col", tiling="fixed"),
                "im2col-search": replace(preset, array_mapping="im2col", tiling="search"), "genesys": preset,
                "search": replace(preset, tiling="search")}
    for mode, hw in hardware.items():
        for name in ("resnet50", "bert_base", "mobilenetv2"):
            workload = WORKLOADS[name]
            for label, call in (("simulate (one config)", lambda: simulate(workload, hw)),
                                ("simulate + .layers DataFrame", lambda: simulate(workload, hw).layers)):
                call()
                latencies = []
                for _ in range(200):
                    start = time.perf_counter()
                    call()
                    latencies.append(time.perf_counter() - start)
                ms = 1e3 * float(np.median(latencies))
                goal = name == "resnet50" and label.startswith("simulate (")
                rows.append({"benchmark": label, "mapping": mode, "workload": name, "configs": 1,
                             "layers": len(workload.layers), "evaluations": len(workload.layers),
                             "seconds": ms / 1e3, "evaluations_per_s": len(workload.layers) / (ms / 1e3),
                             "latency_ms": ms, "goal": f"<= {LATENCY_GOAL_MS:g} ms" if goal else "",
                             "met": ms <= LATENCY_GOAL_MS if goal else ""})

    table = pd.DataFrame(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "simulator.csv", index=False)
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
               f"numpy {np.__version__}")
    shown = table.assign(evaluations_per_s=table["evaluations_per_s"].map("{:,.0f}".format),
                         evaluations_per_cpu_s=table["evaluations_per_cpu_s"].map(
                             lambda v: "" if np.isnan(v) else f"{v:,.0f}"),
                         seconds=table["seconds"].map("{:.4f}".format),
                         latency_ms=table["latency_ms"].map(lambda v: "" if np.isnan(v) else f"{v:.2f}"))
    markdown = (f"# Simulator speed\n\n`python benchmarks/bench_simulator.py --configs {args.configs} "
                f"--repeats {args.repeats} --seed {args.seed}` on {machine}.\n\n"
                + markdown_table(shown) + "\n"
                + "".join(f"\nSkipped (the configurations cannot run it): {line}\n" for line in skipped))
    (OUT / "simulator.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
