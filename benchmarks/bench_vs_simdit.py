"""accel-dse vs SimDIT (the GeneSys simulator) on its 13 inference designs and 26 held-out GeneSys designs.

    python benchmarks/bench_vs_simdit.py

Reads the stored SimDIT runs (tests/fixtures/simdit: SimDIT commit 977a36e, published settings; made by
tests/fixtures/simdit/generate.py) and runs ``simulate(simdit_workload(net), load_hardware(<design>.json))``
on the same layers and hardware JSONs. Prints and writes reports/benchmarks/vs_simdit.{md,csv}: per
(design, network) SimDIT's and our total cycles, systolic-array compute and stall cycles, SIMD compute and
stall cycles, total DRAM bytes and per tensor (filter, ifmap, psum, ofmap, bias), ours/SimDIT ratios; per
quantity the ratio range and mean/max abs(ratio − 1) (published and held-out designs separately); Spearman
rank correlation of the designs' total cycles; the acceptance bar of issue 14 (cycles within 10 % on every
point, mean <= 5 %; DRAM bytes within 15 %; Spearman >= 0.98).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from simdit_compare import NETWORKS, QUANTITIES, comparison, error_summary, spearman  # noqa: E402

OUT = ROOT / "reports" / "benchmarks"
#: Columns of the per-point table (ratios ours/SimDIT).
POINT_COLUMNS = ["total_cycles", "sa_compute_cycles", "sa_stall_cycles", "simd_cycles", "simd_stall_cycles",
                 "dram_bytes", "dram_filter_bytes", "dram_ifmap_bytes", "dram_psum_bytes", "dram_ofmap_bytes",
                 "dram_bias_bytes"]
SHORT = {"total_cycles": "cycles", "sa_compute_cycles": "SA comp", "sa_stall_cycles": "SA stall",
         "simd_cycles": "SIMD", "simd_stall_cycles": "SIMD stall", "dram_bytes": "DRAM",
         "dram_filter_bytes": "filter", "dram_ifmap_bytes": "ifmap", "dram_psum_bytes": "psum",
         "dram_ofmap_bytes": "ofmap", "dram_bias_bytes": "bias"}


def ratio_text(value: float) -> str:
    return "–" if value != value else ("inf" if value == float("inf") else f"{value:.3f}")


def percent(fraction: float) -> str:
    """A relative error as a percentage, 3 significant digits (tiny errors stay visible)."""
    return f"{100 * fraction:.3g} %"


def markdown_table(frame, columns, header) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for _, row in frame.iterrows()]
    return lines


def main() -> int:
    start = time.perf_counter()
    frame = comparison()
    seconds = time.perf_counter() - start
    lines = ["# accel-dse vs SimDIT", "",
             "`python benchmarks/bench_vs_simdit.py` — SimDIT runs stored in tests/fixtures/simdit (SimDIT commit "
             "977a36e, `simulate(spec, hw, True, TilingFlags(True, 1), False)`, the published settings); ours: "
             "`simulate(simdit_workload(net), load_hardware(<design>.json))` on the same layers. Ratios are "
             "ours / SimDIT; `–` = both zero, `inf` = SimDIT zero, ours not.", ""]
    summaries = {}
    for label, part in (("published designs (13 × 2 networks)", frame[frame.published]),
                        ("held-out designs (26 × 2 networks)", frame[~frame.published])):
        summary = error_summary(part)
        summaries[label] = summary
        lines += [f"## Agreement, {label}", ""]
        shown = summary.assign(**{c: summary[c].map(ratio_text) for c in ("min_ratio", "max_ratio")},
                               mean_abs_error=summary["mean_abs_error"].map(percent),
                               max_abs_error=summary["max_abs_error"].map(percent))
        lines += markdown_table(shown, ["quantity", "min_ratio", "max_ratio", "mean_abs_error", "max_abs_error",
                                        "points"], ["quantity", "min ratio", "max ratio", "mean abs error", "max abs error",
                                                    "points"])
        lines.append("")
    cycles_error = (frame["ratio_total_cycles"] - 1).abs()
    dram_error = (frame["ratio_dram_bytes"] - 1).abs()
    ranks = {f"{net} {kind}": spearman(frame, net, published=kind == "published")
             for net in NETWORKS for kind in ("published", "held-out")}
    bar = [("total cycles within 10 % on every point", f"{(cycles_error <= 0.10).sum()} / {len(frame)}",
            (cycles_error <= 0.10).all()),
           ("mean abs total-cycles error <= 5 %", percent(cycles_error.mean()), cycles_error.mean() <= 0.05),
           ("total DRAM bytes within 15 % on every point", f"{(dram_error <= 0.15).sum()} / {len(frame)}",
            (dram_error <= 0.15).all())]
    bar += [(f"Spearman of total cycles, {name} designs >= 0.98", f"{value:.3f}", value >= 0.98)
            for name, value in ranks.items() if "published" in name]
    lines += ["## Acceptance bar (issue 14)", "", "| criterion | value | met |", "|---|---|---|"]
    lines += [f"| {text} | {value} | {'yes' if ok else 'no'} |" for text, value, ok in bar]
    lines += ["", "Spearman rank correlation of the designs' total cycles: "
              + ", ".join(f"{name} {value:.3f}" for name, value in ranks.items()), ""]
    lines += ["## Per point (ours / SimDIT)", ""]
    shown = frame.assign(**{f"ratio_{c}": frame[f"ratio_{c}"].map(ratio_text) for c in POINT_COLUMNS},
                         simdit_total_cycles=frame["simdit_total_cycles"].map(lambda v: f"{v:,.0f}"),
                         ours_total_cycles=frame["ours_total_cycles"].map(lambda v: f"{v:,.0f}"))
    lines += markdown_table(shown, ["design", "network", "simdit_total_cycles", "ours_total_cycles",
                                    *[f"ratio_{c}" for c in POINT_COLUMNS]],
                            ["design", "net", "SimDIT cycles", "our cycles", *[SHORT[c] for c in POINT_COLUMNS]])
    lines += ["", f"accel-dse side: {len(frame)} simulate() calls in {seconds:.2f} s (incl. loading hardware "
                  f"JSONs and the specs).", ""]
    text = "\n".join(lines)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "vs_simdit.md.tmp").write_text(text)
    (OUT / "vs_simdit.md.tmp").replace(OUT / "vs_simdit.md")
    columns = ["design", "network", "published"] + [f"{p}_{q}" for q in QUANTITIES for p in ("simdit", "ours", "ratio")]
    frame[columns].to_csv(OUT / "vs_simdit.csv.tmp", index=False)
    (OUT / "vs_simdit.csv.tmp").replace(OUT / "vs_simdit.csv")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
