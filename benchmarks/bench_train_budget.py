"""Benchmark: does ``accel-dse train --budget-s`` bound the whole train, also when the machine gets busier?

Runs the real CLI (a subprocess, as a user would) on a table of bench_default_train.py with its documented
``--targets``/``--features`` and every other option at its default (so the model is ``auto``), once per
``--budget-s`` value, while ``--burn`` extra processes spin on the CPU (``python -c "while 1: pass"``, started
``--burn-after`` seconds into the train, so the load changes mid-way). Reports budget asked vs wall time taken
(the whole subprocess: start-up, checks, fits, writing the bundle) and the held-out MAPE per target.

    python benchmarks/bench_train_budget.py --burn 1                       # hlsyn_v18_gemm_p, 180 s
    python benchmarks/bench_train_budget.py --tables hlsyn_v18_gemm_p,hgbo_impl_gemm_ncubed --budget-s 60,180 --burn 1

Writes reports/benchmarks/train_budget.{csv,md}.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_default_train import tables  # noqa: E402
from bench_tables import markdown_table, save_results  # noqa: E402

from frontend_sim.atomic import write_text  # noqa: E402
from ppa.bundle import MANIFEST  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports" / "benchmarks"


def run(name: str, budget_s: float, burn: int, burn_after: float) -> dict:
    path, _, args = tables()[name]
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-c", "from dse.cli import main; main()", "-v", "train", "--data", str(path), *args, "--budget-s", f"{budget_s:g}",
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
        manifest = Path(tmp, "model", MANIFEST)
        targets = json.loads(manifest.read_text())["targets"] if manifest.is_file() else {}
    if train.returncode != 0:
        raise SystemExit(f"{name}: train failed:\n{output}")
    print("\n".join(line for line in output.splitlines() if "auto:" in line or "held-out MAPE" in line))
    return {"table": name, "budget_s": budget_s, "taken_s": round(taken, 1), "taken_over_budget": round(taken / budget_s, 3),
            "burners": burn, "burn_after_s": burn_after if burn else float("nan"),
            "load_1min_after": round(os.getloadavg()[0], 2),
            "models": "; ".join(f"{t}: " + " + ".join(f"{m['weight']:.2g}·{m['name']}" for m in
                                                      info["tuning"]["auto"]["params"]["members"])
                                for t, info in targets.items() if "auto" in info.get("tuning", {})),
            "heldout": output.split("held-out error", 1)[-1].strip()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", default="hlsyn_v18_gemm_p",
                    help="comma-separated external tables (bench_default_train's names)")
    ap.add_argument("--budget-s", default="180", help="comma-separated --budget-s values")
    ap.add_argument("--burn", type=int, default=0, help="busy-loop processes started during each train")
    ap.add_argument("--burn-after", type=float, default=20.0, help="seconds into the train the busy loops start")
    ap.add_argument("--out", type=Path, default=REPORTS / "train_budget")
    args = ap.parse_args()
    command = "python benchmarks/bench_train_budget.py " + " ".join(sys.argv[1:])
    known = tables()
    unknown = [t for t in args.tables.split(",") if t not in known]
    if unknown:
        ap.error(f"--tables: unknown table(s) {unknown}; choose from {', '.join(known)}")
    try:
        budgets = [float(b) for b in args.budget_s.split(",")]
    except ValueError:
        ap.error(f"--budget-s: expected comma-separated seconds, got {args.budget_s!r}")
    rows = []
    for table in args.tables.split(","):
        for budget in budgets:
            rows.append(run(table, budget, args.burn, args.burn_after))
            print(f"{table}: --budget-s {budget:g}: {rows[-1]['taken_s']} s taken, {args.burn} busy loop(s) "
                  f"from {args.burn_after:g} s", flush=True)
    frame = save_results(rows, args.out, command)
    shown = frame.drop(columns=["command", "heldout", "models"])
    text = ("# `accel-dse train --budget-s`: budget asked vs wall time taken\n\n"
            f"Command: `{command}` (shared 2-core machine, other jobs running). taken_s = wall time of the whole "
            "`accel-dse train` subprocess; burners = `python -c \"while 1: pass\"` processes started burn_after_s "
            "into the train (a load change the fit did not see at its start).\n\n" + markdown_table(shown, "{:g}")
            + "\n\nHeld-out error and blends of each run:\n\n"
            + "\n\n".join(f"```\n{r['heldout']}\n```\n\n{r['models']}" for r in rows) + "\n")
    write_text(args.out.with_suffix(".md"), text)
    print(markdown_table(shown, "{:g}"))


if __name__ == "__main__":
    main()
