"""Benchmark of the PPA surrogates: held-out MAPE per dataset, target and model family, and training time.

Datasets:
* the bundled backend datasets ``datasets/<pdk>/ppa_samples.csv`` (skipped with a message when absent)
  with their spec ``datasets/ppa_spec.toml``: unseen-configuration error of area_um2, power_mw,
  fmax_ghz (+ timing-met accuracy) per family; every family and baseline sees the spec's derived
  features, the ``additive`` family also its cost-model terms (area and power). A spec's ``min_of``
  target is reported twice: fitted directly, and as the minimum of its components' out-of-fold
  predictions (row ``fmax_ghz = min(pe_fmax_ghz, lane_fmax_ghz)``, as the surrogate predicts it);
* the external HLS + Vivado tables in ``../shared/datasets-external/`` (a developer/CI resource: this
  script reads it, the installed package never does), next to a plain baseline: untuned
  GradientBoostingRegressor, RandomForestRegressor and XGBRegressor on the raw target, same folds.

Every error is cross-validated on the same 5 unseen-configuration folds (GroupKFold on the
configuration key, seed+1); hyperparameters are tuned on a different 3-fold assignment of all rows,
so tuned numbers are slightly optimistic (see README). Results: reports/benchmarks/surrogates.{csv,md}.
Training time at 1,000 rows: benchmarks/bench_training_time.py.

    python benchmarks/bench_surrogates.py                 # ~15 min on one core
    python benchmarks/bench_surrogates.py --budget-s 5 --only hlsyn_v18_stencil   # quick look
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from threadpoolctl import threadpool_limits

from ppa.metrics import regression_metrics, timing_accuracy
from ppa.models import build
from ppa.schema import DataSpec, load_spec, read_table
from ppa.splits import config_groups, make_folds
from ppa.surrogate import PPASurrogate
from ppa.tuning import fit_predict_folds

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT.parent / "shared" / "datasets-external"
REPORTS = ROOT / "reports" / "benchmarks"
FAMILIES = ("xgboost", "random_forest", "mlp", "loglinear", "additive")
STACKED = ("xgboost", "random_forest", "mlp")  # "stacked" is built from their tuned parameters
BASELINES = {
    "baseline_gbr": lambda seed: GradientBoostingRegressor(random_state=seed),
    "baseline_rf": lambda seed: RandomForestRegressor(random_state=seed, n_jobs=1),
    "baseline_xgb": lambda seed: xgb.XGBRegressor(random_state=seed, n_jobs=1),
}


def external_specs(root: Path) -> dict[str, tuple[Path, DataSpec]]:
    """Targets per external table, chosen from each PROVENANCE.md (measured or tool-reported values;
    hgbo's impl_bram is all zero for gemm and md_knn, so it is used for viterbi only)."""
    specs = {}
    for path in sorted((root / "hgbo_dse").glob("hgbo_impl_*.csv")):
        head = pd.read_csv(path, dtype=str, nrows=0).columns
        df = pd.read_csv(path, dtype=str)
        targets = ["latency_cycles", "impl_lut", "impl_ff", "impl_dsp", "impl_power_w", "impl_cp_ns"]
        if pd.to_numeric(df["impl_bram"]).nunique() > 1:
            targets.append("impl_bram")
        features = [c for c in head if c != "sample_id" and c != "latency_cycles" and not c.startswith(("impl_", "hls_"))]
        # 'none' (option not exposed) mixed with numbers: encode those columns as categories
        categorical = [c for c in features if pd.to_numeric(df[c], errors="coerce").isna().any()]
        specs[path.stem] = (path, DataSpec(targets=tuple(targets), features=tuple(features), categorical=tuple(categorical)))
    for path in sorted((root / "hlsyn").glob("hlsyn_*.csv")):
        head = pd.read_csv(path, nrows=0).columns
        features = [c for c in head if c.startswith(("para_", "pipe_", "tile_"))]
        specs[path.stem] = (path, DataSpec(targets=("perf_cycles", "total_lut", "total_ff", "total_dsp", "total_bram"),
                                           features=tuple(features)))
    return specs


def bundled_specs() -> dict[str, tuple[Path, DataSpec]]:
    """The bundled datasets with their spec (datasets/ppa_spec.toml: derived features, cost-model terms)."""
    specs = {}
    spec = load_spec(ROOT / "datasets" / "ppa_spec.toml")
    for pdk in ("asap7", "gf180"):
        path = ROOT / "datasets" / pdk / "ppa_samples.csv"
        if not path.is_file():
            print(f"skip: {path.relative_to(ROOT)} is not there yet")
            continue
        specs[f"{pdk}_ppa_samples"] = (path, spec)
    return specs


def run_dataset(name, path, spec, args) -> list[dict]:
    table = read_table(path, spec)
    large = len(table.frame) > args.large_rows
    families = args.large_families if large else args.families
    if large:
        print(f"  {len(table.frame)} rows > --large-rows {args.large_rows}: families {', '.join(families)}")
    for message in table.warnings:
        print("  warning:", message)
    X, Y = table.X, table.y
    timing = table.column(spec.timing_column)
    rows = []
    surrogates = {}
    for family in families:
        # the additive family models the targets that have cost-model terms in the spec
        targets = [t for t in table.targets if family != "additive" or t in (spec.terms or {})]
        if not targets:
            continue
        start = time.perf_counter()
        s = PPASurrogate(model=family, split="unseen", group_by=table.group_by, categorical=table.categorical,
                         budget_s=args.budget_s * len(targets), n_trials=args.trials, seed=args.seed,
                         n_jobs=args.jobs, clock_column=spec.clock_column, progress=False,
                         derived=spec.derived, terms=spec.terms, inputs=spec.inputs, lookup=spec.lookup)
        s.fit(X, Y[targets], timing_met=timing)
        seconds = time.perf_counter() - start
        surrogates[family] = s
        for target, m in s.cv_metrics_.iterrows():
            rows.append({"dataset": name, "rows": len(X), "target": target, "model": family, "tuned": True,
                         "transform": m["transform"], "fit_s": seconds / len(targets),
                         "trials": s.tuning_[target][family]["trials"], **_metrics(m)})
        for target, parts in (spec.min_of or {}).items():  # the composite, from the same fold models
            if set(parts) <= set(targets):
                pred = s.oof_[list(parts)].min(axis=1).to_numpy()
                keep = Y[target].notna().to_numpy() & np.isfinite(pred)
                m = regression_metrics(Y[target].to_numpy()[keep], pred[keep])
                m["timing_accuracy"] = timing_accuracy(pred[keep], X[spec.clock_column].to_numpy(float)[keep],
                                                       np.asarray(timing, bool)[keep])
                rows.append({"dataset": name, "rows": len(X), "target": f"{target} = min({', '.join(parts)})",
                             "model": family, "tuned": True, "transform": "none", "fit_s": 0.0,
                             "trials": float("nan"), **_metrics(m)})
        print(f"  {family:>13}: {seconds:6.1f} s  MAPE " + ", ".join(f"{t} {v:.2f}%" for t, v in s.cv_metrics_["mape_pct"].items()))
    for target in table.targets:
        keep = Y[target].notna().to_numpy()
        # the xgboost surrogate's input: encoded features + derived features (baselines see them too)
        Zt, yt = surrogates["xgboost"].design(X, target)[keep], Y[target].to_numpy()[keep]
        groups = config_groups(X[keep], table.group_by)
        folds = make_folds("unseen", groups, 5, args.seed + 1)  # the folds of PPASurrogate.cv_metrics_
        transform = surrogates["xgboost"].transforms_[target]["transform"]
        if set(STACKED) <= set(families):
            params = {f: surrogates[f].tuning_[target][f]["params"] for f in STACKED}
            start = time.perf_counter()
            oof, _ = fit_predict_folds(build("stacked", params, seed=args.seed, n_jobs=args.jobs), Zt, yt, transform, folds)
            rows.append({"dataset": name, "rows": len(X), "target": target, "model": "stacked", "tuned": True,
                         "transform": transform, "fit_s": (time.perf_counter() - start) / 5 + sum(
                             r["fit_s"] for r in rows if r["target"] == target and r["model"] in STACKED),
                         **_metrics(regression_metrics(yt, oof))})
        for base, make in BASELINES.items():
            start = time.perf_counter()
            oof, _ = fit_predict_folds(make(args.seed), Zt, yt, "none", folds)
            rows.append({"dataset": name, "rows": len(X), "target": target, "model": base, "tuned": False,
                         "transform": "none", "fit_s": (time.perf_counter() - start) / 5,
                         **_metrics(regression_metrics(yt, oof))})
    return rows


def _metrics(m) -> dict:
    keys = ("n", "mape_pct", "ape_std_pct", "ape_max_pct", "r2", "timing_accuracy")
    return {k: (m[k] if k in m else float("nan")) for k in keys}


def markdown(df: pd.DataFrame) -> str:
    wide = df.pivot_table(index=["dataset", "target"], columns="model", values="mape_pct", sort=False)
    order = [c for c in ("xgboost", "random_forest", "mlp", "stacked", "loglinear", "additive", "baseline_gbr", "baseline_rf", "baseline_xgb")
             if c in wide.columns]
    wide = wide[order]
    best = wide[[c for c in order if not c.startswith("baseline")]].min(axis=1)
    base = wide[[c for c in order if c.startswith("baseline")]].min(axis=1)
    wide["best tuned"], wide["best baseline"] = best, base
    lines = ["| dataset | target | " + " | ".join(wide.columns) + " |", "|---|---|" + "---|" * len(wide.columns)]
    for (ds, tg), r in wide.iterrows():
        lines.append(f"| {ds} | {tg} | " + " | ".join(f"{v:.2f}" for v in r.values) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget-s", type=float, default=4.0, help="tuning seconds per target and family")
    ap.add_argument("--trials", type=int, default=25, help="Optuna trials per target and family (ceiling)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--families", type=lambda s: s.split(","), default=list(FAMILIES),
                    help="tuned families (stacked is added when xgboost, random_forest and mlp are all run)")
    ap.add_argument("--large-rows", type=int, default=300, help="tables with more rows use --large-families")
    ap.add_argument("--large-families", type=lambda s: s.split(","), default=["xgboost", "random_forest", "loglinear", "additive"])
    ap.add_argument("--append", action="store_true",
                    help="keep the rows of other datasets already in the output CSV (each row records its command)")
    ap.add_argument("--only", help="comma-separated dataset names to run")
    ap.add_argument("--external", type=Path, default=EXTERNAL)
    ap.add_argument("--out", type=Path, default=REPORTS / "surrogates")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    specs = {**bundled_specs()}
    if args.external.is_dir():  # the small hgbo tables (all families) before the larger hlsyn ones
        specs.update(sorted(external_specs(args.external).items(), key=lambda kv: not kv[0].startswith("hgbo")))
    else:
        print(f"skip: {args.external} not found (external tables are a dev/CI resource)")
    if args.only:
        specs = {k: v for k, v in specs.items() if k in args.only.split(",")}
    start = time.perf_counter()
    cmd = "python benchmarks/bench_surrogates.py " + (
        f"--budget-s {args.budget_s:g} --trials {args.trials} --jobs {args.jobs} --families {','.join(args.families)} "
        f"--large-rows {args.large_rows} --large-families {','.join(args.large_families)}"
        + (f" --only {args.only} --append" if args.append else ""))
    rows = []
    if args.append and args.out.with_suffix(".csv").is_file():
        old = pd.read_csv(args.out.with_suffix(".csv"))
        rows = old[~old["dataset"].isin(specs)].to_dict("records")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with threadpool_limits(args.jobs):
        for name, (path, spec) in specs.items():
            print(f"{name}: {path}")
            rows += [{**r, "command": cmd} for r in run_dataset(name, path, spec, args)]
            write_reports(pd.DataFrame(rows), args.out, cmd, time.perf_counter() - start)
    print(markdown(pd.DataFrame(rows)))
    print(f"total {time.perf_counter() - start:.0f} s; wrote {args.out.with_suffix('.csv')} and .md")


def write_reports(df: pd.DataFrame, out: Path, cmd: str, seconds: float) -> None:
    """CSV of every row and a Markdown MAPE table (rewritten after each dataset)."""
    df.to_csv(out.with_suffix(".csv"), index=False)
    trials = df[df.tuned & (df.model != "stacked")].groupby("model")["trials"].median().to_dict()
    fit = df.groupby(["dataset", "model"])["fit_s"].sum().unstack().round(1)
    out.with_suffix(".md").write_text(
        "# PPA surrogates: held-out MAPE (%) on unseen configurations, 5-fold GroupKFold\n\n"
        "Commands (column `command` of the CSV says which produced each row): "
        + ", ".join(f"`{c}`" for c in df["command"].unique()) + f" (last run {seconds:.0f} s wall, shared machine). Tuned families: Optuna TPE on 3 other "
        f"folds (median trials per target: {trials}); stacked = StackingRegressor of the tuned members; "
        "baselines: untuned, raw target, same folds.\n\n" + markdown(df) +
        "\n\nFit wall time per dataset (s, all targets; tuned families include tuning and the 5 fold models):\n\n"
        + "| dataset | " + " | ".join(fit.columns) + " |\n|---|" + "---|" * len(fit.columns) + "\n"
        + "\n".join(f"| {ds} | " + " | ".join(f"{v:g}" for v in r.values) + " |" for ds, r in fit.iterrows()) + "\n")

if __name__ == "__main__":
    main()
