"""Benchmark: held-out error vs. number of synthesised netlists (how much data the surrogates need).

For each bundled dataset, random subsets of whole netlists (all clocks of a netlist together) of
growing size are drawn (``--repeats`` draws per size, seeded), and the bundled spec's surrogates
(``datasets/ppa_spec.toml``: additive cost models for area and power, fmax as the minimum of the
module clocks' random forests; plus plain xgboost as the reference) are trained on each subset; the number reported is
the unseen-configuration MAPE of that fit (5-fold GroupKFold inside the subset). The curve says
whether the issue's goals (≤ 3% area and power, ≤ 5% fmax) are a matter of more synthesis runs.
It also reports the cost model's own floor: the *training* MAPE of the spec's terms alone (no
correction) fitted on every row — error that no choice of unit costs removes, i.e. what the
synthesis tool does that the counts do not say — and the flow's own noise: how far the module clocks
(``pe_fmax_ghz``, ``lane_fmax_ghz``) and the PE area of netlists with an *identical* module (same
module configuration, same ABC delay target, different surrounding core) lie from their group mean
(0 since flow version 2, which synthesises each module alone). Results: reports/benchmarks/learning_curve.{csv,md}.

    python benchmarks/bench_learning_curve.py      # ~10 min on one core
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bench_tables import markdown_table, save_results
from ppa.additive import AdditiveCostRegressor
from ppa.schema import load_spec, read_table
from ppa.structure import add_derived, term_matrix
from ppa.surrogate import PPASurrogate

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports" / "benchmarks"
TARGETS = ("area_um2", "power_mw", "fmax_ghz")


def fit_subset(table, spec, keep: np.ndarray, model, args) -> pd.Series:
    X, y = table.X[keep].reset_index(drop=True), table.y.loc[keep].reset_index(drop=True)  # + min_of components
    s = PPASurrogate(model=model, group_by=table.group_by, categorical=table.categorical, n_trials=args.trials,
                     budget_s=600, derived=spec.derived, terms=spec.terms, inputs=spec.inputs, min_of=spec.min_of,
                     lookup=spec.lookup, seed=0, progress=False)
    return s.fit(X, y).cv_metrics_["mape_pct"]


def cost_model_floor(table, spec) -> dict:
    """Training MAPE (%) of the terms alone, fitted on all rows, per target that has terms."""
    full = add_derived(table.X, spec.derived, spec.lookup)
    floor = {}
    for target in TARGETS:
        if target in (spec.terms or {}):
            T, y = term_matrix(full, target, spec.terms[target]), table.y[target].to_numpy()
            fitted = AdditiveCostRegressor(n_terms=T.shape[1], n_estimators=0).fit(T, y).predict(T)
            floor[target] = round(float(np.mean(np.abs(fitted - y) / y) * 100), 2)
    return floor


#: Module configurations that determine a module's netlist (with ``abc_delay_ps``).
PE_KEY = ["dataflow", "act_bits", "wgt_bits", "acc_bits", "mac_pipeline", "mult_style", "abc_delay_ps"]
LANE_KEY = ["acc_bits", "abc_delay_ps"]


def synthesis_noise(csv: Path) -> list[dict]:
    """Mean |deviation from the group mean| (%) of each module's clock and of the PE area over netlists
    with the same module configuration, in groups of ≥ 2 netlists."""
    netlists = pd.read_csv(csv).drop_duplicates("netlist_key")
    rows = []
    for what, subset, key, column in (
            ("lane_fmax_ghz", netlists, LANE_KEY, "lane_fmax_ghz"),
            ("pe_fmax_ghz", netlists, PE_KEY, "pe_fmax_ghz"),
            ("pe_area_um2", netlists, PE_KEY, "pe_area_um2")):
        group = subset.groupby(key)[column]
        grouped = group.transform("count") > 1
        deviation = (subset[column] / group.transform("mean") - 1).abs()[grouped]
        rows.append({"quantity": what, "netlists in groups": int(grouped.sum()),
                     "groups": int((group.count() > 1).sum()),
                     "mean deviation %": round(float(deviation.mean() * 100), 2) if len(deviation) else float("nan")})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")], default=[20, 40, 80],
                    help="netlists per subset (the full dataset is always added)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--trials", type=int, default=10, help="Optuna trials per target")
    ap.add_argument("--out", type=Path, default=REPORTS / "learning_curve")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    spec = load_spec(ROOT / "datasets" / "ppa_spec.toml", targets=TARGETS)
    rows, noise, start = [], [], time.perf_counter()
    for pdk in ("asap7", "gf180"):
        table = read_table(ROOT / "datasets" / pdk / "ppa_samples.csv", spec)
        netlists = pd.read_csv(ROOT / "datasets" / pdk / "ppa_samples.csv", usecols=["netlist_key"])["netlist_key"]
        keys = netlists.unique()
        for size in [*(n for n in args.sizes if n < len(keys)), len(keys)]:
            for repeat in range(args.repeats if size < len(keys) else 1):
                chosen = np.random.default_rng(repeat).choice(keys, size, replace=False)
                keep = netlists.isin(chosen).to_numpy()
                for label, model in (("spec", spec.model), ("xgboost", "xgboost")):
                    mape = fit_subset(table, spec, keep, model, args)
                    rows.append({"dataset": pdk, "netlists": size, "rows": int(keep.sum()), "repeat": repeat,
                                 "model": label, **{t: round(float(mape[t]), 2) for t in TARGETS}})
                print(f"{pdk} {size:4d} netlists, draw {repeat}: spec "
                      + ", ".join(f"{t} {rows[-2][t]:.1f}%" for t in TARGETS)
                      + f" | xgboost area {rows[-1]['area_um2']:.1f}%", flush=True)
        noise += [{"dataset": pdk, **r} for r in synthesis_noise(ROOT / "datasets" / pdk / "ppa_samples.csv")]
        floor = cost_model_floor(table, spec)
        rows.append({"dataset": pdk, "netlists": len(keys), "rows": len(table.X), "repeat": 0,
                     "model": "cost model alone, training error", **floor})
        print(f"{pdk}: cost-model floor (training MAPE of the terms alone): {floor}", flush=True)
    cmd = (f"python benchmarks/bench_learning_curve.py --sizes {','.join(map(str, args.sizes))} "
           f"--repeats {args.repeats} --trials {args.trials}")
    df = save_results(rows, args.out, cmd)
    mean = df.groupby(["dataset", "model", "netlists"], sort=False)[list(TARGETS)].mean().round(2).reset_index()
    mean = mean.fillna("—")
    table = markdown_table(mean.rename(columns={t: f"{t} MAPE %" for t in TARGETS}), "{:.2f}")
    args.out.with_suffix(".md").write_text(
        "# Held-out error vs. synthesised netlists\n\n"
        f"Command: `{cmd}` ({time.perf_counter() - start:.0f} s). Unseen-configuration MAPE (5-fold GroupKFold "
        "within each subset) of the bundled spec's surrogates (area and power: additive cost model; fmax: "
        f"{spec.model['fmax_ghz']}{' models of ' + ' and '.join(spec.min_of['fmax_ghz']) + ', their minimum' if spec.min_of else ''}) "
        f"and of plain xgboost on all three{' (fmax as the same minimum)' if spec.min_of else ''}, mean over the random draws of whole netlists "
        f"({args.repeats} per size; the full dataset once). Tuning: {args.trials} Optuna trials per target.\n\n"
        + table + "\n\n## The flow's own noise\n\nNetlists with the same module configuration (same ABC delay "
        "target, different surrounding core) scatter around their group mean by the amounts below. Since flow version 2 (`ppa.backend_flow.synth`) every module is synthesised in its "
        "own Yosys run from its own text, so the same module configuration gives the same netlist in every core. "
        "(With version 1, one Yosys run per core, netlists with the same SIMD-lane configuration on their "
        "critical path were 3.3 % (ASAP7) and 2.9 % (GF180) apart on average: Yosys's global name counters "
        "made the lane map differently depending on the PE synthesised before it.)\n\n"
        + markdown_table(pd.DataFrame(noise)) + "\n")
    print(table)
    print(markdown_table(pd.DataFrame(noise)))


if __name__ == "__main__":
    main()
