"""Study write cost: milliseconds per trial to store a trial's metrics and constraints and tell it,
on a SQLite study opened as ``accel-dse search`` opens it (WAL, one worker).

    python benchmarks/bench_study_writes.py [--space asap7] [--models DIR] [--trials 200] [--baseline COMMIT]

Trials are asked from a seeded random sampler and evaluated with the real evaluator one at a time
(not timed); only the write is timed, for two writers with Optuna's public API:

* ``dse.study``: what ``run_trials`` does (``dse.study._tell``), timed on the study it opened;
* ``per attribute``: every metric its own ``Trial.set_user_attr`` (one transaction each), the
  constraints by ``Trial.set_constraint``, then ``Study.tell`` (the reference the old code avoided).

Without ``--models`` a small surrogate bundle is trained first with the demo's spec (2 tuning trials).
``--baseline COMMIT`` first runs this same script on that commit's code (``git archive`` into a
temporary directory; it trains its own bundle) and adds its ``dse.study`` row as ``dse.study @ COMMIT``.
Writes reports/benchmarks/study_writes.{csv,md}.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table, save_results  # noqa: E402
from dse.evaluator import Evaluator, load_model_bundle, load_workloads  # noqa: E402
from dse.space import load_space  # noqa: E402
from dse.study import _tell, open_storage, open_study  # noqa: E402

OUT = ROOT / "reports" / "benchmarks" / "study_writes"


def tell_per_attribute(study: optuna.Study, trials: list[optuna.Trial], assessment) -> None:
    """One ``set_user_attr`` per metric, one ``set_constraint`` per constraint, then ``tell``."""
    trial, = trials
    for name, value in assessment.metrics.iloc[0].items():
        if isinstance(value, (bool, np.bool_)):
            trial.set_user_attr(name, bool(value))
        elif value is not None and math.isfinite(float(value)):
            trial.set_user_attr(name, float(value))
    trial.set_user_attr("feasible", bool(assessment.feasible[0]))
    for name, value in zip(assessment.constraint_names, assessment.constraints[0].tolist()):
        trial.set_constraint(name, value)
    if assessment.rejected.iloc[0]:
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    else:
        values = [float(v) for v in assessment.objectives[0]]
        study.tell(trial, values if len(values) > 1 else values[0])


def time_writes(writer, space, evaluator, models: str, db: Path, n_trials: int) -> dict:
    """Milliseconds per trial of ``writer`` (and of ``ask``, for scale) over ``n_trials`` trials."""
    opened = open_storage(f"sqlite:///{db}")
    try:
        study = open_study(space, evaluator, models, opened, "writes", sampler="random", seed=0)
        distributions = space.distributions()
        ask_s, write_s = [], []
        for _ in range(n_trials):
            start = time.perf_counter()
            trial = study.ask(distributions)
            ask_s.append(time.perf_counter() - start)
            assessment = evaluator.assess(space.designs([trial.params]))
            start = time.perf_counter()
            writer(study, [trial], assessment)
            write_s.append(time.perf_counter() - start)
        constraints = len(assessment.constraint_names)
        finished = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,
                                                               optuna.trial.TrialState.PRUNED)))
    finally:
        opened.close()
    if finished != n_trials:
        raise RuntimeError(f"{db}: {finished} of {n_trials} trials finished")
    write_ms = 1e3 * np.array(write_s)
    return {"constraints_per_trial": constraints, "write_ms_per_trial": float(write_ms.mean()),
            "write_ms_median": float(np.median(write_ms)), "write_ms_p95": float(np.percentile(write_ms, 95)),
            "ask_ms_per_trial": 1e3 * float(np.mean(ask_s)),
            "db_kib_per_trial": (db.stat().st_size + _size(db.with_name(db.name + "-wal"))) / 1024 / n_trials}


def baseline_rows(commit: str, space: str, n_trials: int, work: Path) -> list[dict]:
    """The ``dse.study`` row of this benchmark run on ``commit``'s code (a ``git archive`` of it)."""
    tree = work / "baseline"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    shutil.copy(__file__, tree / "benchmarks" / Path(__file__).name)
    subprocess.run([sys.executable, str(tree / "benchmarks" / Path(__file__).name), "--space", space,
                    "--trials", str(n_trials), "--writers", "dse.study"],
                   cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, check=True)
    rows = pd.read_csv(tree / OUT.relative_to(ROOT).with_suffix(".csv")).drop(columns=["command"])
    rows["writer"] = f"dse.study @ {commit}"
    return rows.to_dict(orient="records")


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", default="asap7")
    parser.add_argument("--models", default=None, help="surrogate bundle (default: train a small one here)")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--baseline", default=None, help="git commit whose dse.study writer is timed too")
    parser.add_argument("--writers", default="dse.study,per attribute", help=argparse.SUPPRESS)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="bench_study_writes_"))

    space = load_space(args.space)
    models = args.models
    if models is None:
        from dse.demo import bundled_file, train_surrogates

        models = str(train_surrogates(bundled_file(f"{space.fixed['pdk']}/ppa_samples.csv"), work / "models",
                                      budget_s=20, n_trials=2, seed=0, say=lambda line: None))
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))

    rows = baseline_rows(args.baseline, args.space, args.trials, work) if args.baseline else []
    writers = {"dse.study": _tell, "per attribute": tell_per_attribute}
    for name in args.writers.split(","):
        writer = writers[name]
        row = {"writer": name, "trials": args.trials,
               **time_writes(writer, space, evaluator, models, work / f"{name.replace(' ', '_')}.db", args.trials)}
        rows.append(row)
        print(f"{name:14s} {row['write_ms_per_trial']:7.2f} ms/trial (median {row['write_ms_median']:.2f}, "
              f"p95 {row['write_ms_p95']:.2f}); ask {row['ask_ms_per_trial']:.2f} ms; "
              f"{row['db_kib_per_trial']:.1f} KiB/trial")

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    command = "python benchmarks/bench_study_writes.py " + " ".join(sys.argv[1:])
    frame = save_results(rows, OUT, command.strip())
    lines = [
        "# Study write cost per trial (SQLite, WAL, one worker)", "",
        f"Command: `{command.strip()}` at commit {commit}  ",
        f"Space: `{args.space}`, workloads {space.workloads}  ",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"Optuna {optuna.__version__}  ", "",
        "`write_ms` = storing one trial's metrics and constraints and telling it (`dse.study` is what "
        "`accel-dse search` does); `ask_ms` = `Study.ask` for scale; `db_kib_per_trial` = file size / trials. "
        "Times are wall-clock on a shared machine: compare rows of one run.", "",
        markdown_table(frame.drop(columns=["command"]), "{:.2f}"), "",
    ]
    OUT.with_suffix(".md").write_text("\n".join(lines))
    print(f"wrote {OUT.with_suffix('.md')}")


if __name__ == "__main__":
    main()
