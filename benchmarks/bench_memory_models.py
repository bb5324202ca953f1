"""Memory-model consequences: the same demo-like search with the per-KiB ``constants`` memory model and
with buffers built from SRAM macros (``sram_macros``), per bundled space; the chosen designs' area and
energy breakdown (logic / SRAM / DRAM), clock and buffer sizes, and what the constants model's choices
really cost once their buffers are built from macros.

    python benchmarks/bench_memory_models.py [--trials 300] [--spaces asap7 gf180] [--work DIR]

Per space: surrogates trained on the node's bundled dataset (``dse.demo.train_surrogates``; reused from
``--work``), then two multi-objective TPE studies (seed 0, batch 8, ResNet-50 + BERT-base as in the demo):
the bundled space file as shipped (memory = "sram_macros") and the same file with memory = "constants"
(same parameter ranges, so only the memory model differs). Writes reports/benchmarks/memory_models.{csv,md}.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table  # noqa: E402
from dse.demo import WORKLOADS, bundled_file, run_search, train_surrogates  # noqa: E402
from dse.evaluator import Evaluator, load_model_bundle, load_workloads  # noqa: E402
from dse.report_data import read_study  # noqa: E402
from dse.report_pareto import chosen_designs, pareto_table  # noqa: E402
from dse.report_storage import load_study  # noqa: E402
from dse.space import load_space  # noqa: E402

OUT = ROOT / "reports" / "benchmarks"
BUFFERS = ("ibuf_kib", "wbuf_kib", "obuf_kib")
SHOWN = ["space", "memory_model", "role", "array_rows", "array_cols", "dataflow", "act_bits", "wgt_bits", *BUFFERS,
         "clock_ghz", "runtime_s", "area_mm2", "area_logic_mm2", "area_sram_mm2", "energy_mj", "energy_logic_mj",
         "energy_sram_mj", "energy_dram_mj"]


def breakdown(frame: pd.DataFrame) -> pd.DataFrame:
    """mm² and mJ columns from the evaluator's µm² and J metrics."""
    out = frame.copy()
    out["area_logic_mm2"] = out["area_logic_um2"] / 1e6
    out["area_sram_mm2"] = out["area_sram_um2"] / 1e6
    for part in ("", "_logic", "_sram", "_dram"):
        out[f"energy{part}_mj"] = out[f"energy{part}_j"] * 1e3
    return out


def space_file(name: str, memory: str, work: Path) -> Path:
    """The bundled space ``name`` with ``[cost_models] memory = memory``."""
    source = ROOT / "dse" / "spaces" / f"{name}.toml"
    text = source.read_text()
    if 'memory = "sram_macros"' not in text:
        raise SystemExit(f"{source}: expected [cost_models] memory = \"sram_macros\"")
    path = work / f"{name}_{memory}.toml"
    path.write_text(text.replace('memory = "sram_macros"', f'memory = "{memory}"'))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--spaces", nargs="+", default=["asap7", "gf180"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "accel-dse-memory-models",
                        help="surrogates, space files and study databases (reused between runs)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows, notes = [], []
    for name in args.spaces:
        space_ref = load_space(space_file(name, "sram_macros", args.work), WORKLOADS)
        pdk = space_ref.fixed["pdk"]
        models = train_surrogates(bundled_file(f"{pdk}/ppa_samples.csv"), args.work / f"models_{pdk}", 45.0, 15, 0, print)
        chosen = {}
        for memory in ("constants", "sram_macros"):
            space = load_space(space_file(name, memory, args.work), WORKLOADS)
            storage = f"sqlite:///{args.work / f'{name}_{memory}.db'}"
            started = time.perf_counter()
            run_search(space, models, storage, args.trials, 0, 8, print)
            seconds = time.perf_counter() - started
            data = read_study(load_study(storage, "demo"))
            front = pareto_table(data)
            picked = breakdown(chosen_designs(front, data.objectives))
            picked.insert(0, "memory_model", memory)
            picked.insert(0, "space", name)
            chosen[memory] = picked
            rows.append(picked)
            median = {b: float(front[b].median()) for b in BUFFERS}
            notes.append(f"- `{name}`, memory = `{memory}`: {args.trials} trials in {seconds:.0f} s, "
                         f"{len(front)} Pareto designs; their median buffers (KiB): "
                         + ", ".join(f"{b.removesuffix('_kib')} {v:.3g}" for b, v in median.items()))
        # the constants model's chosen designs, costed with buffers built from macros
        evaluator = Evaluator(space_ref, load_model_bundle(models, space_ref),
                              load_workloads(space_ref.workloads, space_ref.path))
        before = chosen["constants"]
        designs = space_ref.designs(before[list(space_ref.parameters)].to_dict("records"))
        again = breakdown(pd.concat([designs, evaluator.evaluate(designs)], axis=1))
        again.insert(0, "role", before["role"].to_numpy())
        again.insert(0, "memory_model", "constants-chosen, costed by sram_macros")
        again.insert(0, "space", name)
        rows.append(again)
    table = pd.concat(rows, ignore_index=True)[SHOWN]
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "memory_models.csv", index=False)
    text = (f"# Memory models: chosen designs with per-KiB constants vs SRAM macros\n\n"
            f"Command: `python benchmarks/bench_memory_models.py --trials {args.trials} --spaces {' '.join(args.spaces)}`  \n"
            f"Workloads: {WORKLOADS} (the demo's); TPE seed 0, batch 8; same parameter ranges for both models.\n\n"
            + "\n".join(notes) + "\n\n" + markdown_table(table, float_format="{:.4g}") + "\n")
    (OUT / "memory_models.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
