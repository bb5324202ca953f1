"""Benchmark: does ``accel-dse train --budget-s`` bound the whole train, also when the machine gets busier?

Runs the real CLI (a subprocess, as a user would) on an external HLS table with its documented
``--targets``/``--features`` and every other option at its default (so the model is ``auto``), once per
``--budget-s`` value, while ``--burn`` extra processes spin on the CPU (``python -c "while 1: pass"``, started
``--burn-after`` seconds into the train, so the load changes mid-way). Reports budget asked vs wall time taken
(the whole subprocess: start-up, checks, fits, writing the bundle) and the held-out MAPE per target.

    python benchmarks/bench_train_budget.py --burn 1                       # hlsyn_v18_gemm_p, 180 s
    python benchmarks/bench_train_budget.py --table hgbo_impl_gemm_ncubed --budget-s 60,180 --burn 1

Writes reports/benchmarks/train_budget.{csv,md}.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_default_train import tables  # noqa: E402
from bench_tables import markdown_table, save_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports" / "benchmarks"


def run(name: str, budget_s: float, burn: int, burn_after: float) -> dict:
    path, _, args = tables()[name]
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-c", "from dse.cli import main; main()", "train", "--data", str(path), *args, "--budget-s", f"{budget_s:g}",
                   "--out", f"{tmp}/model"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        train = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        burners = []
        try:
            if burn:
                try:
                    train.wait(timeout=burn_after)
                except subprocess.TimeoutExpired:
                    burners = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(burn)]
            output, _ = train.communicate()
        finally:
            for p in burners:
                p.kill()
                p.wait()
        taken = time.perf_counter() - start
    if train.returncode != 0:
        raise SystemExit(f"{name}: train failed:\n{output}")
    return {"table": name, "budget_s": budget_s, "taken_s": round(taken, 1), "taken_over_budget": round(taken / budget_s, 3),
            "burners": burn, "burn_after_s": burn_after if burn else float("nan"),
            "load_1min_after": round(os.getloadavg()[0], 2), "heldout": output.split("held-out error", 1)[-1].strip()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="hlsyn_v18_gemm_p", help="an external table (bench_default_train's names)")
    ap.add_argument("--budget-s", default="180", help="comma-separated --budget-s values")
    ap.add_argument("--burn", type=int, default=0, help="busy-loop processes started during each train")
    ap.add_argument("--burn-after", type=float, default=20.0, help="seconds into the train the busy loops start")
    ap.add_argument("--out", type=Path, default=REPORTS / "train_budget")
    args = ap.parse_args()
    command = "python benchmarks/bench_train_budget.py " + " ".join(sys.argv[1:])
    rows = []
    for budget in (float(b) for b in args.budget_s.split(",")):
        rows.append(run(args.table, budget, args.burn, args.burn_after))
        print(f"{args.table}: --budget-s {budget:g}: {rows[-1]['taken_s']} s taken, {args.burn} busy loop(s) "
              f"from {args.burn_after:g} s", flush=True)
    frame = save_results(rows, args.out, command)
    shown = frame.drop(columns=["command", "heldout"])
    text = ("# `accel-dse train --budget-s`: budget asked vs wall time taken\n\n"
            f"Command: `{command}` (shared 2-core machine, other jobs running). taken_s = wall time of the whole "
            "`accel-dse train` subprocess; burners = `python -c \"while 1: pass\"` processes started burn_after_s "
            "into the train (a load change the fit did not see at its start).\n\n" + markdown_table(shown, "{:g}")
            + "\n\nHeld-out error of each run:\n\n" + "\n\n".join(f"```\n{r['heldout']}\n```" for r in rows) + "\n")
    tmp = args.out.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(args.out.with_suffix(".md"))
    print(markdown_table(shown, "{:g}"))


if __name__ == "__main__":
    main()
