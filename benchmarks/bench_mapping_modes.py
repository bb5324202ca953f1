"""Effect of each memory-model choice on SimDIT's GeneSys designs: what one field changes, from GeneSys's behaviour.

    python benchmarks/bench_mapping_modes.py

Baseline: every stored SimDIT design (tests/fixtures/simdit/hardware: 13 published + 20 held-out) read as
SimDIT reads it (GeneSys mapping, SimDIT's tiling, one AXI port per buffer, outputs at accumulator width,
padding fetched, GeneSys SIMD unit), ResNet-18 and ResNet-50 -- where accel-dse equals SimDIT. Each variant
changes one field and reports ours(variant) / ours(baseline) − 1 of total cycles and total DRAM bytes over
the 66 points (mean, min, max). Writes reports/benchmarks/mapping_modes.{csv,md}.
"""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table, save_results  # noqa: E402
from frontend_sim.hardware import from_simdit  # noqa: E402
from frontend_sim.simulator import simulate  # noqa: E402
from frontend_sim.zoo import get_workload  # noqa: E402

HARDWARE = ROOT / "tests" / "fixtures" / "simdit" / "hardware"
OUT = ROOT / "reports" / "benchmarks" / "mapping_modes"
COMMAND = "python benchmarks/bench_mapping_modes.py"
#: variant -> (fields changed, why it is a choice)
VARIANTS = {
    "tiling search": (dict(tiling="search"), "DRAM-traffic-first tiling instead of SimDIT's greedy generator"),
    "one shared link": (dict(dram_ports="shared"), "one DRAM link as wide as the IBUF+PARAMBUF+OBUF ports"),
    "outputs at act width": (dict(ofmap_write="act"), "conv outputs written at act_bits, not acc_bits"),
    "padding not fetched": (dict(fetch_padding=False), "zero padding (halo, padded channels) not moved"),
    "im2col mapping": (dict(array_mapping="im2col", tiling="fixed"), "SCALE-Sim's mapping and loop order"),
}


def dram(totals: dict) -> float:
    return totals["dram_read_bytes"] + totals["dram_write_bytes"]


def main() -> None:
    rows = []
    for path in sorted(HARDWARE.glob("*.json")):
        hw = from_simdit(json.loads(path.read_text()), str(path))
        for net in ("resnet18", "resnet50"):
            workload = get_workload(net)
            base = simulate(workload, hw).totals
            for name, (change, _) in VARIANTS.items():
                totals = simulate(workload, replace(hw, **change)).totals
                rows.append({"variant": name, "design": path.stem, "network": net,
                             "cycles_change": totals["total_cycles"] / base["total_cycles"] - 1,
                             "dram_change": dram(totals) / dram(base) - 1})
    points = save_results(rows, OUT, COMMAND)
    summary = (points.groupby("variant", sort=False)
               .agg(points=("design", "size"), cycles_mean=("cycles_change", "mean"),
                    cycles_min=("cycles_change", "min"), cycles_max=("cycles_change", "max"),
                    dram_mean=("dram_change", "mean"), dram_min=("dram_change", "min"),
                    dram_max=("dram_change", "max")).reset_index())
    shown = summary.copy()
    for column in shown.columns[2:]:
        shown[column] = (100 * shown[column]).map("{:+.1f} %".format)
    shown.insert(1, "what changes", [VARIANTS[v][1] for v in summary["variant"]])
    markdown = (f"# Memory-model choices on SimDIT's GeneSys designs\n\n`{COMMAND}`: 33 GeneSys designs "
                f"(13 published, 20 held-out) × ResNet-18/50; each variant changes one field of the design as "
                f"SimDIT reads it; change = ours(variant) / ours(SimDIT's behaviour) − 1.\n\n"
                + markdown_table(shown) + "\n")
    OUT.with_suffix(".md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
