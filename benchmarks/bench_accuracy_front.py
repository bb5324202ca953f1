"""Accuracy–EDP fronts of ResNet-50 (precision) and MobileNetV2 (width × resolution) on the bundled accuracy data.

    python benchmarks/bench_accuracy_front.py [--models DIR]

Each network choice of the two bundled accuracy spaces (``dse/spaces/asap7_resnet50_accuracy.toml``: HAWQ-V3's
uniform W8A8 and W4A4 (first/last layer at 8 bits) and its nine mixed 4/8-bit per-layer policies;
``asap7_mobilenetv2_accuracy.toml``: the 22 released MobileNetV2 width × resolution checkpoints, at 8 bits) is
evaluated on a fixed grid of hardware designs (arrays 8×8 and 16×16, os/ws, array widths 8/16 bits and
fixed/packed precision modes for ResNet-50 -- packed designs charged the packed PE's measured area, power and
clock, ``ppa/packing.py`` --, one buffer/DRAM/clock setting) with the evaluator and the demo's ASAP7
surrogates (trained here unless ``--models`` is given). A choice's EDP is its best over the hardware grid among designs that pass the space's
rules, the area bound and the surrogate-trust check. The tables give, per accuracy bound, the lowest-EDP
design meeting it and its EDP against the baseline: 8-bit everywhere, fixed mode, width 1.0, 224 pixels.
Writes reports/benchmarks/accuracy_front.{csv,md}.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table, save_results  # noqa: E402
from dse.demo import train_surrogates  # noqa: E402
from dse.evaluator import Evaluator, load_model_bundle, load_workloads  # noqa: E402
from dse.space import load_space  # noqa: E402

OUT = ROOT / "reports" / "benchmarks" / "accuracy_front"
COMMAND = "python benchmarks/bench_accuracy_front.py"
#: The hardware grid every network choice is evaluated on (the rest of each space's parameters fixed here).
HARDWARE = {"array_rows": [8, 16], "array_cols": [8, 16], "dataflow": ["os", "ws"]}
FIXED = {"ibuf_kib": 128, "wbuf_kib": 128, "obuf_kib": 64, "dram_bytes_per_cycle": 16, "target_clock_ghz": 1.0,
         "mac_pipeline": 1, "mult_style": "star"}
#: Network (and precision) choices per space; the first entry of each list is the baseline's.
CHOICES = {
    "asap7_resnet50_accuracy": {"net_policy": ["uniform", "hawq-v3:size0.75", "hawq-v3:size0.5", "hawq-v3:size0.25",
                                               "hawq-v3:bops0.75", "hawq-v3:bops0.5", "hawq-v3:bops0.25",
                                               "hawq-v3:latency0.75", "hawq-v3:latency0.5", "hawq-v3:latency0.25"],
                                "net_act_bits": [8, 4], "act_bits": [8, 16], "precision_mode": ["fixed", "packed"]},
    "asap7_mobilenetv2_accuracy": {"net_width": [1.0, 0.35, 0.5, 0.75, 1.4], "net_resolution": [224, 192, 160, 128, 96]},
}
BASELINE = {"asap7_resnet50_accuracy": {"net_policy": "uniform", "net_act_bits": 8, "act_bits": 8,
                                        "precision_mode": "fixed"},
            "asap7_mobilenetv2_accuracy": {"net_width": 1.0, "net_resolution": 224}}
#: Accuracy bounds, relative to the baseline's top-1 (percentage points).
MARGINS = (0.0, -0.5, -1.0, -2.0, -5.0, -10.0)


def grid(space_name: str) -> list[dict]:
    """The hardware grid × the space's choices (a policy fixes the bits: one net_act_bits per policy)."""
    axes = {**HARDWARE, **CHOICES[space_name]}
    points = [{**FIXED, **dict(zip(axes, values))} for values in itertools.product(*axes.values())]
    return [p for p in points if p.get("net_policy", "uniform") == "uniform" or p["net_act_bits"] == 8]


def evaluate(space_name: str, models: Path) -> pd.DataFrame:
    """Every (hardware, network choice) design with its metrics and whether it passes everything but top1."""
    space = load_space(space_name)
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    designs = space.designs(grid(space_name))
    assessment = evaluator.assess(designs)
    keep = [i for i, name in enumerate(assessment.constraint_names) if not name.startswith("top1")]
    ok = (assessment.rejected == "").to_numpy() & np.all(assessment.constraints[:, keep] <= 0, axis=1)
    table = pd.concat([designs, assessment.metrics[["edp_js", "energy_j", "runtime_s", "area_um2", "top1",
                                                    "accuracy_uncertain"]]], axis=1)
    table["passes"] = ok & np.isfinite(table["top1"].to_numpy(dtype=float))
    return table


def front(table: pd.DataFrame) -> pd.DataFrame:
    """Designs no other passing design beats in both EDP (lower) and top1 (higher)."""
    ok = table[table["passes"]].sort_values(["edp_js", "top1"], ascending=[True, False])
    best, rows = -np.inf, []
    for index, row in ok.iterrows():
        if row["top1"] > best:
            rows.append(index)
            best = row["top1"]
    return ok.loc[rows]


def choice_text(row: pd.Series, space_name: str) -> str:
    if space_name == "asap7_resnet50_accuracy":
        bits = (f"body {int(row['net_act_bits'])} b / edges 8 b" if row["net_policy"] == "uniform"
                else f"{row['net_policy']} (4/8 b per layer)")
        return f"{bits} on a {int(row['act_bits'])}-bit array, {row['precision_mode']}"
    return f"width {row['net_width']:g}, {int(row['net_resolution'])} px, 8 b"


def summarise(space_name: str, table: pd.DataFrame, designs: str = "all") -> list[dict]:
    """Per accuracy bound, the lowest-EDP passing design of ``table`` against the baseline."""
    base = table[table["passes"]]
    for name, value in BASELINE[space_name].items():
        base = base[base[name] == value]
    baseline = base.loc[base["edp_js"].idxmin()]
    rows = []
    for margin in MARGINS:
        bound = baseline["top1"] + margin
        ok = table[table["passes"] & (table["top1"] >= bound - 1e-9)]
        best = ok.loc[ok["edp_js"].idxmin()]
        rows.append({"network": space_name.split("_")[1], "designs": designs, "top1_bound_pct": round(bound, 2),
                     "choice": choice_text(best, space_name),
                     "array": f"{int(best['array_rows'])}x{int(best['array_cols'])} {best['dataflow']}",
                     "top1_pct": best["top1"], "accuracy_uncertain": bool(best["accuracy_uncertain"]),
                     "edp_js": best["edp_js"], "edp_vs_baseline": best["edp_js"] / baseline["edp_js"],
                     "baseline_top1_pct": baseline["top1"], "baseline_edp_js": baseline["edp_js"]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="a trained surrogate bundle (default: train the demo's)")
    args = parser.parse_args()
    models = args.models or train_surrogates(ROOT / "datasets" / "asap7" / "ppa_samples.csv",
                                             ROOT / "build" / "accuracy_front_models", budget_s=45.0, n_trials=15,
                                             seed=0, say=print)
    summary, fronts = [], []
    for space_name in CHOICES:
        table = evaluate(space_name, models)
        summary += summarise(space_name, table)
        if "precision_mode" in CHOICES[space_name]:  # what precision buys without sub-word packing (traffic and SRAM only)
            summary += summarise(space_name, table[table["precision_mode"] == "fixed"], "fixed mode only")
        f = front(table).assign(network=space_name.split("_")[1])
        f["choice"] = [choice_text(row, space_name) for _, row in f.iterrows()]
        fronts.append(f[["network", "choice", "array_rows", "array_cols", "dataflow", "top1", "accuracy_uncertain",
                         "edp_js", "area_um2"]])
    frame = save_results(summary, OUT, COMMAND)
    front_table = pd.concat(fronts, ignore_index=True)
    shown = frame.drop(columns=["command"]).copy()
    for column in ("edp_js", "baseline_edp_js"):
        shown[column] = shown[column].map(lambda v: f"{v:.3e}")
    shown["edp_vs_baseline"] = shown["edp_vs_baseline"].map(lambda v: f"{v:.3f}")
    front_shown = front_table.copy()
    front_shown["edp_js"] = front_shown["edp_js"].map(lambda v: f"{v:.3e}")
    front_shown["area_um2"] = front_shown["area_um2"].map(lambda v: f"{v:.3g}")
    text = "\n".join([
        "# Accuracy–EDP fronts: what the precision / width choice buys at equal accuracy",
        "",
        f"Command: `{COMMAND}`. Hardware grid per network choice: arrays {HARDWARE['array_rows']} x "
        f"{HARDWARE['array_cols']}, dataflows {HARDWARE['dataflow']}, buffers 128/128/64 KiB, 16 B/cycle DRAM, "
        "1.0 GHz target, ASAP7 surrogates (the demo's). A choice counts where a design passes the space's rules, "
        "area <= 2e6 µm² and the surrogate-trust check.",
        "",
        "Baselines: ResNet-50 with every layer at 8 bits on an 8-bit array in fixed mode (HAWQ-V3's W8A8 row, "
        "77.58 %); MobileNetV2 width 1.0 at 224 pixels on an 8-bit array (TFLite's 8-bit row, 70.8 %). "
        "`edp_vs_baseline` = best EDP meeting the bound / the baseline's best EDP over the same hardware grid.",
        "",
        "Approximate: top-1 is looked up in published tables (datasets/accuracy/PROVENANCE.md), not measured here; "
        "MobileNetV2 is measured at 8 bits only at width 1.0 / 224 px, so its other width × resolution points "
        "carry the floating-point checkpoint's number as an upper bound (`accuracy_uncertain`); EDP comes from "
        "the simulator and the PPA surrogates (their error in reports/benchmarks/surrogates.md); the hardware grid "
        "is small and fixed, not a search. Packed designs are charged the packed PE's measured extra area, "
        "energy per cycle, leakage and slower clock (datasets/packed_pe_overhead.md: each PE synthesised alone, "
        "vectorless power at one activity); the `fixed mode only` rows show what precision buys through traffic "
        "and SRAM accesses alone.",
        "",
        "## Lowest EDP per accuracy bound",
        "",
        markdown_table(shown, "{:.2f}"),
        "",
        "## Accuracy–EDP front (designs no other design beats in both)",
        "",
        markdown_table(front_shown, "{:.2f}"),
        "",
    ])
    OUT.with_suffix(".md").write_text(text)
    front_table.to_csv(OUT.with_name("accuracy_front_points.csv"), index=False)
    print(text)


if __name__ == "__main__":
    main()
