"""Sampler benchmark: hypervolume reached vs trials for TPE, NSGA-II and random search, against the
exhaustive front of a discrete space (``accel-dse sweep``), plus trials/s of the search loop.

    python benchmarks/bench_samplers.py [--space dse/spaces/bench_asap7.toml] [--models DIR]
                                        [--seeds 3] [--trials 500] [--random-trials 3000]

Without ``--models`` it trains a surrogate on the bundled dataset of the space's pdk first.
Hypervolume is computed on log10 objectives normalised to [0, 1] between the exhaustive front's ideal
and nadir points, reference point 1.1 on every axis (points worse than that count for nothing); "HV %" is the search's hypervolume over the exhaustive front's.
Searches replay the sweep's own evaluations (a lookup by design point: identical numbers, so the
sampler comparison is not timed on the evaluator); one extra TPE run uses the real evaluator and a
SQLite study to measure the end-to-end loop rate. Writes reports/benchmarks/samplers.{csv,md}.
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table  # noqa: E402
from dse.evaluator import Assessment, Evaluator, load_model_bundle, load_workloads  # noqa: E402
from dse.pareto import hypervolume  # noqa: E402
from dse.record import trial_metrics  # noqa: E402
from dse.space import load_space  # noqa: E402
from dse.study import make_sampler, open_storage, open_study, run_trials  # noqa: E402
from dse.sweep import sweep_design_space  # noqa: E402

OUT = ROOT / "reports" / "benchmarks"
GOALS = (0.95, 0.99)


class SweepLookup:
    """Assesses design points by looking them up in the exhaustive sweep (same numbers as the evaluator)."""

    def __init__(self, table: pd.DataFrame, space):
        self.space = space
        self.names = list(space.parameters)
        self.table = table
        self.index = {key: i for i, key in enumerate(table[self.names].itertuples(index=False, name=None))}
        self.objective_columns = [f"objective:{o.name}" for o in space.objectives]
        self.constraint_columns = [c for c in table.columns if c.startswith("constraint:")]
        self.metric_columns = [c for c in table.columns
                               if c not in self.names and not c.startswith(("objective:", "constraint:"))
                               and c not in ("feasible", "rejected", "pareto")]

    def assess(self, designs: pd.DataFrame) -> Assessment:
        rows = self.table.iloc[[self.index[key] for key in designs[self.names].itertuples(index=False, name=None)]]
        return Assessment(metrics=rows[self.metric_columns].reset_index(drop=True),
                          objectives=rows[self.objective_columns].to_numpy(dtype=float),
                          constraints=rows[self.constraint_columns].to_numpy(dtype=float),
                          rejected=rows["rejected"].fillna("").reset_index(drop=True),
                          constraint_names=[c[len("constraint:"):] for c in self.constraint_columns])


def normaliser(values: np.ndarray, directions: list[str]):
    """log10 objectives scaled to [0, 1] between the ideal and nadir points of ``values`` (the true front;
    maximised ones flipped), as losses."""
    logs = np.log10(values)
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    low, high = (logs * signs).min(axis=0), (logs * signs).max(axis=0)
    return lambda v: (np.log10(v) * signs - low) / np.where(high > low, high - low, 1.0)


def hv_curve(losses: np.ndarray, ok: np.ndarray, true_hv: float) -> np.ndarray:
    """HV ratio after each trial (only feasible, kept trials count)."""
    ref = np.full(losses.shape[1], 1.1)
    directions = ["minimize"] * losses.shape[1]
    front = np.empty((0, losses.shape[1]))
    current, curve = 0.0, np.zeros(len(losses))
    for k in range(len(losses)):
        point = losses[k]
        if ok[k] and not np.any(np.all(front <= point, axis=1)):
            front = np.vstack([front[~np.all(point <= front, axis=1)], point])
            current = hypervolume(front, directions, ref)
        curve[k] = current / true_hv
    return curve


def aggregate(summary: pd.DataFrame) -> pd.DataFrame:
    """Per sampler: medians over seeds (a seed that never reached a goal counts as never: its median is
    then '>N'), seeds that reached each goal, mean HV ratios and loop rate, speed-up over random."""
    rows = []
    for sampler, group in summary.groupby("sampler", sort=False):
        row = {"sampler": sampler, "seeds": len(group), "trials": int(group["trials"].max())}
        for goal in ("95", "99"):
            reached = group[f"trials_to_{goal}"]
            median = reached.fillna(np.inf).median()
            row[f"median_trials_to_{goal}"] = median
            row[f"seeds_reaching_{goal}"] = f"{int(reached.notna().sum())}/{len(group)}"
        row.update({f"hv_at_{k}": group[f"hv_at_{k}"].mean() for k in (100, 250, 500)})
        row["loop_trials_per_s"] = group["loop_trials_per_s"].mean()
        rows.append(row)
    table = pd.DataFrame(rows).set_index("sampler")
    table["fewer_trials_than_random_to_95"] = table.loc["random", "median_trials_to_95"] / table["median_trials_to_95"]
    for goal in ("95", "99"):
        column = f"median_trials_to_{goal}"
        table[column] = [f">{n}" if np.isinf(v) else f"{v:.0f}" for v, n in zip(table[column], table["trials"])]
    return table


def trials_to(curve: np.ndarray, goal: float) -> float:
    hit = np.flatnonzero(curve >= goal - 1e-12)
    return float(hit[0] + 1) if len(hit) else float("nan")


#: Design features the benchmark's surrogate learns from (the dataset's architecture + backend columns).
FEATURES = ("array_rows", "array_cols", "dataflow", "act_bits", "wgt_bits", "acc_bits", "simd_lanes",
            "mac_pipeline", "mult_style", "target_clock_ghz", "abc_delay_ps", "pdk")
TARGETS = ("area_um2", "power_mw", "leakage_mw", "fmax_ghz")


def train_bundle(csv: Path, out_dir: Path) -> str:
    """Fit the surrogates the demo fits (the bundled spec: additive cost models for area, power and
    leakage, the ``auto`` tree blend for fmax; 20 tuning trials per target) on a bundled dataset; save a bundle."""
    from ppa.bundle import save_bundle
    from ppa.schema import load_spec, read_csv, read_table
    from ppa.surrogate import PPASurrogate

    columns = set(read_csv(csv).columns)
    spec = load_spec(ROOT / "datasets" / "ppa_spec.toml", targets=TARGETS,
                     features=tuple(f for f in FEATURES if f in columns))
    table = read_table(csv, spec)
    surrogate = PPASurrogate(model=spec.model, derived=spec.derived, terms=spec.terms, inputs=spec.inputs,
                             min_of=spec.min_of, lookup=spec.lookup, n_trials=20, budget_s=300,
                             group_by=table.group_by, categorical=table.categorical, progress=False)
    surrogate.fit(table.X, table.y)
    path = out_dir / f"models-{csv.parent.name}"
    save_bundle(surrogate, path, data_sha256=table.sha256, data_path=str(csv))
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", default=str(ROOT / "dse" / "spaces" / "bench_asap7.toml"))
    parser.add_argument("--models", default=None, help="surrogate bundle (default: train one here)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--random-trials", type=int, default=3000)
    parser.add_argument("--loop-trials", type=int, default=200)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench_samplers_"))

    space = load_space(args.space)
    models = args.models or train_bundle(ROOT / "datasets" / space.fixed["pdk"] / "ppa_samples.csv", work)
    bundle = load_model_bundle(models, space)
    evaluator = Evaluator(space, bundle, load_workloads(space.workloads, space.path))

    start = time.perf_counter()
    table = sweep_design_space(space, evaluator, progress=False)
    sweep_s = time.perf_counter() - start
    feasible = table["feasible"].to_numpy()
    columns = [f"objective:{o.name}" for o in space.objectives]
    to_loss = normaliser(table.loc[table["pareto"], columns].to_numpy(), space.directions)
    front = to_loss(table.loc[table["pareto"], columns].to_numpy())
    true_hv = hypervolume(front, ["minimize"] * len(columns), np.full(len(columns), 1.1))
    print(f"sweep: {len(table):,} points in {sweep_s:.1f} s ({len(table) / sweep_s:,.0f} points/s), "
          f"{int(feasible.sum()):,} feasible, {int(table['pareto'].sum())} on the front, HV {true_hv:.4f}")

    lookup = SweepLookup(table, space)
    curves, summary = [], []
    for sampler in ("tpe", "nsga2", "random"):
        n = args.random_trials if sampler == "random" else args.trials
        for seed in range(args.seeds):
            study = optuna.create_study(directions=space.directions,
                                        sampler=make_sampler(sampler, seed))
            start = time.perf_counter()
            run_trials(study, space, lookup, n, progress=False)
            elapsed = time.perf_counter() - start
            trials = study.get_trials(deepcopy=False)
            ok = np.array([t.state.name == "COMPLETE" and trial_metrics(t)["feasible"] for t in trials])
            values = np.array([t.values if t.values else [np.nan] * len(columns) for t in trials], dtype=float)
            losses = np.where(ok[:, None], to_loss(np.where(ok[:, None], values, 1.0)), np.inf)
            curve = hv_curve(losses, ok, true_hv)
            summary.append({"sampler": sampler, "seed": seed, "trials": len(trials),
                            "trials_to_95": trials_to(curve, 0.95), "trials_to_99": trials_to(curve, 0.99),
                            **{f"hv_at_{k}": curve[min(k, len(curve)) - 1] for k in (100, 250, 500)},
                            "loop_trials_per_s": len(trials) / elapsed})
            checkpoints = sorted(set(range(9, len(curve), 10)) | {len(curve) - 1})
            curves += [{"sampler": sampler, "seed": seed, "trial": k + 1, "hv_ratio": curve[k]} for k in checkpoints]
            print(f"{sampler:6s} seed {seed}: 95% at {summary[-1]['trials_to_95']:.0f}, 99% at "
                  f"{summary[-1]['trials_to_99']:.0f}, HV@500 {summary[-1]['hv_at_500']:.4f}, "
                  f"{summary[-1]['loop_trials_per_s']:.0f} trials/s")

    # End-to-end loop rate: real evaluator, SQLite study, TPE.
    storage = open_storage(f"sqlite:///{work / 'loop.db'}")
    loop = {}
    for batch in (1, 8):
        study = open_study(space, evaluator, models, storage, f"loop-b{batch}", sampler="tpe", seed=0)
        start = time.perf_counter()
        run_trials(study, space, evaluator, args.loop_trials, batch_size=batch, progress=False, storage=storage)
        loop[batch] = args.loop_trials / (time.perf_counter() - start)
    storage.close()

    curves = pd.DataFrame(curves)
    summary = pd.DataFrame(summary)
    curves.to_csv(OUT / "samplers.csv", index=False)
    summary.to_csv(OUT / "samplers_summary.csv", index=False)
    agg = aggregate(summary)
    command = "python benchmarks/bench_samplers.py " + " ".join(sys.argv[1:])
    lines = [
        "# Sampler benchmark (hypervolume vs trials against the exhaustive front)", "",
        f"Command: `{command.strip()}`  ",
        f"Space: `{Path(args.space).relative_to(ROOT) if Path(args.space).is_relative_to(ROOT) else args.space}` — "
        f"{len(table):,} points, objectives {', '.join(f'{o.name} ({o.direction})' for o in space.objectives)}, "
        f"workloads {space.workloads}  ",
        f"Exhaustive sweep: {sweep_s:.1f} s ({len(table) / sweep_s:,.0f} points/s), "
        f"{int(feasible.sum()):,} feasible, {int(table['pareto'].sum())} Pareto points  ",
        f"End-to-end search loop (real evaluator, SQLite, TPE, {args.loop_trials} trials): "
        f"{loop[1]:.1f} trials/s with batch 1, {loop[8]:.1f} trials/s with batch 8  ",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"Optuna {optuna.__version__}", "",
        "HV % = hypervolume of the search's feasible trials / hypervolume of the exhaustive front "
        "(log10 objectives normalised to [0, 1] between the true front's ideal and nadir, reference point 1.1). Medians/means over seeds; "
        "'loop trials/s' replays the sweep's evaluations (sampler cost only).", "",
        markdown_table(agg.reset_index(), "{:.3f}"), "",
        "Goals: ≥ 99 % HV within 500 trials; ≥ 3× fewer trials than random to reach 95 %.", "",
    ]
    (OUT / "samplers.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
