"""What the im2col tiling search changes against SCALE-Sim's fixed loop order, on DSE-like configurations.

    python benchmarks/bench_im2col_search.py [--configs 2000] [--seed 0]

Configurations are drawn like the bundled DSE spaces (dse/spaces/asap7.toml): arrays 2–16 per side,
all dataflows, 4/8/16-bit operands, 32-bit sums, IBUF/WBUF 8–512 KiB, OBUF 4–256 KiB (log-uniform),
4–64 DRAM bytes/cycle. Each workload runs on the same configurations with ``tiling = "fixed"`` and
``"search"`` (``simulate_batch``); the table gives, per dataflow, the summed DRAM bytes, total, compute
and stall cycles of the search as a fraction of the fixed order's, and the share of configurations
where the search is faster / moves fewer bytes. Writes reports/benchmarks/im2col_search.{csv,md}.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table  # noqa: E402
from frontend_sim.simulator import simulate_batch  # noqa: E402
from frontend_sim.zoo import WORKLOADS  # noqa: E402

OUT = ROOT / "reports" / "benchmarks"


def dse_like_configs(n: int, seed: int) -> pd.DataFrame:
    """``n`` configurations drawn like the bundled DSE spaces (HardwareConfig columns)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "array_rows": rng.choice([2, 4, 8, 12, 16], n), "array_cols": rng.choice([2, 4, 8, 12, 16], n),
        "dataflow": rng.choice(["os", "ws", "is"], n), "act_bits": rng.choice([4, 8, 16], n),
        "wgt_bits": rng.choice([4, 8, 16], n), "acc_bits": 32,
        "ibuf_kib": 2 ** rng.uniform(3, 9, n), "wbuf_kib": 2 ** rng.uniform(3, 9, n),
        "obuf_kib": 2 ** rng.uniform(2, 8, n), "dram_bytes_per_cycle": rng.choice([4, 8, 16, 32, 64], n),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    configs = dse_like_configs(args.configs, args.seed)
    rows = []
    for name in ("resnet18", "resnet50", "mobilenetv2", "bert_base"):
        workload = WORKLOADS[name]
        fixed = simulate_batch(workload, configs.assign(tiling="fixed"))
        search = simulate_batch(workload, configs.assign(tiling="search"))
        for dataflow in ("os", "ws", "is"):
            part = (configs["dataflow"] == dataflow).to_numpy()
            f, s = fixed[part], search[part]
            dram_f, dram_s = f.dram_read_bytes + f.dram_write_bytes, s.dram_read_bytes + s.dram_write_bytes
            rows.append({
                "workload": name, "dataflow": dataflow, "configs": int(part.sum()),
                "dram_bytes_ratio": dram_s.sum() / dram_f.sum(),
                "total_cycles_ratio": s.total_cycles.sum() / f.total_cycles.sum(),
                "compute_cycles_ratio": s.compute_cycles.sum() / f.compute_cycles.sum(),
                "stall_cycles_ratio": s.stall_cycles.sum() / max(f.stall_cycles.sum(), 1),
                "fewer_bytes_share": float((dram_s < dram_f * (1 - 1e-9)).mean()),
                "faster_share": float((s.total_cycles < f.total_cycles).mean()),
                "slower_share": float((s.total_cycles > f.total_cycles + 1).mean()),
            })
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "im2col_search.csv", index=False)
    shown = table.assign(**{c: table[c].map("{:.3f}".format) for c in table.columns if c.endswith(("ratio", "share"))})
    markdown = (f"# im2col tiling search vs SCALE-Sim's fixed loop order\n\n`python benchmarks/bench_im2col_search.py "
                f"--configs {args.configs} --seed {args.seed}` (DSE-like configurations; ratios are search / fixed "
                f"of the sums over the configurations; load average {os.getloadavg()[0]:.1f}).\n\n"
                + markdown_table(shown) + "\n")
    (OUT / "im2col_search.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
