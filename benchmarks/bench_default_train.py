"""Benchmark of the default ``accel-dse train`` against plain baselines on held-out 20 % of every real table.

Tables: the bundled backend datasets ``datasets/<pdk>/ppa_samples.csv`` (trained as documented, with
``--spec datasets/ppa_spec.toml``) and the external HLS tables in ``../shared/datasets-external/`` (trained as a
new user would: ``--targets`` and ``--features`` from each PROVENANCE.md, every other option at its default,
so the model is ``auto``). Each table is split once at random (seed 0) by configuration: 80 % of the configurations train, the rows of
the other 20 % test (the bundled tables time one netlist at several clocks, so a random row split would put
the same netlist on both sides). ``train``
runs on the 80 % exactly as the CLI does (in-process, default budget, trials and folds); its bundle predicts
the 20 %. The baselines — untuned scikit-learn GradientBoostingRegressor, RandomForestRegressor and
XGBRegressor on the raw target — are fitted on the same 80 % with the same model input (encoded features and
the spec's derived features) and predict the same 20 %. MAPE is over the y>0 test rows.

    python benchmarks/bench_default_train.py                       # every table, ~30 min on a busy 2-core machine
    python benchmarks/bench_default_train.py --only hlsyn_v18_mvt  # one table
    python benchmarks/bench_default_train.py --splits 3 --out reports/benchmarks/default_train_splits3

``--splits N`` repeats the whole measurement on N different random 80/20 configuration splits (seeds
seed..seed+N-1) and reports, per target, the MAPE of the POOLED test predictions of the N splits (all N test sets
together, default and baselines alike: the mean APE over every y>0 test row of every split), which is less noisy
than one 20 % split of a small table; ratios and the summary use the pooled errors. N=1 is the single split above.

Writes reports/benchmarks/default_train.{csv,md}.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from click.testing import CliRunner
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_surrogates import external_specs  # noqa: E402  (the targets and features of each external table)
from bench_tables import markdown_table  # noqa: E402

from dse.cli import main as cli  # noqa: E402
from ppa.bundle import load_bundle  # noqa: E402
from ppa.metrics import regression_metrics  # noqa: E402
from ppa.schema import DataSpec, load_spec, read_csv, read_table  # noqa: E402
from ppa.splits import config_groups  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT.parent / "shared" / "datasets-external"
REPORTS = ROOT / "reports" / "benchmarks"
SPEC = ROOT / "datasets" / "ppa_spec.toml"
BASELINES = {
    "gbr": lambda seed: GradientBoostingRegressor(random_state=seed),
    "rf": lambda seed: RandomForestRegressor(random_state=seed, n_jobs=1),
    "xgb": lambda seed: xgb.XGBRegressor(random_state=seed, n_jobs=1),
}


def tables() -> dict[str, tuple[Path, DataSpec, list[str]]]:
    """name → (CSV, its spec, train arguments besides --data/--out)."""
    out = {}
    for pdk in ("asap7", "gf180"):
        path = ROOT / "datasets" / pdk / "ppa_samples.csv"
        if path.is_file():
            out[f"{pdk}_ppa_samples"] = (path, load_spec(SPEC), ["--spec", str(SPEC)])
    if EXTERNAL.is_dir():
        for name, (path, spec) in external_specs(EXTERNAL).items():
            out[name] = (path, spec, ["--targets", ",".join(spec.targets), "--features", ",".join(spec.features)]
                         + (["--categorical", ",".join(spec.categorical)] if spec.categorical else []))
    return out


def test_rows(path: Path, spec: DataSpec, seed: int) -> np.ndarray:
    """A random 20 % of the table's configurations (``train``'s default key), all their rows: True = test."""
    table = read_table(path, spec)
    groups = config_groups(table.X, table.group_by)
    order = np.random.default_rng(seed).permutation(groups.max() + 1)
    held = set(order[: max(1, round(0.2 * len(order)))].tolist())
    return np.isin(groups, list(held))


def run_table(name: str, path: Path, spec: DataSpec, args: list[str], seed: int, extra: list[str]) -> list[dict]:
    """Train on one random 80 % split (``seed``) and predict its 20 %: per target, the y>0-scorable test truth
    ``y`` and the predictions of the default (``default``) and of each baseline (``gbr``, ``rf``, ``xgb``)."""
    frame = read_csv(path)
    test = test_rows(path, spec, seed)
    with tempfile.TemporaryDirectory() as tmp:
        train_csv = Path(tmp) / path.name
        frame[~test].to_csv(train_csv, index=False)
        start = time.perf_counter()
        result = CliRunner().invoke(cli, ["train", "--data", str(train_csv), *args, *extra, "--out", f"{tmp}/model"])
        seconds = time.perf_counter() - start
        if result.exit_code != 0:
            print(f"  train failed: {result.output.strip().splitlines()[-1]}")
            return [{"table": name, "rows": len(frame), "target": t, "component": False, "train_s": seconds,
                     "model": "train failed"} for t in spec.targets]
        model = load_bundle(f"{tmp}/model")
    train_frame, test_frame = frame[~test].reset_index(drop=True), frame[test].reset_index(drop=True)
    X_train = _typed(train_frame, model)
    X_test = _typed(test_frame, model)
    pred = model.predict(X_test)
    rows = []
    for target in model.targets:
        y_train = pd.to_numeric(train_frame[target], errors="coerce").to_numpy(float)
        y_test = pd.to_numeric(test_frame[target], errors="coerce").to_numpy(float)
        ok_train, ok_test = np.isfinite(y_train), np.isfinite(y_test)
        row = {"table": name, "rows": len(frame), "target": target, "train_s": seconds,
               "component": target not in spec.targets or target in _components(spec),
               "model": _model_name(model, target), "y": y_test[ok_test],
               "default": pred[target].to_numpy()[ok_test]}
        Z_train, Z_test = model.design(X_train, target), model.design(X_test, target)
        for base, make in BASELINES.items():
            row[base] = make(seed).fit(Z_train[ok_train], y_train[ok_train]).predict(Z_test[ok_test])
        rows.append(row)
        mape = {k: regression_metrics(row["y"], row[k])["mape_pct"] for k in ("default", *BASELINES)}
        best = min(mape[b] for b in BASELINES)
        print(f"  {target:>16}: default {mape['default']:7.2f} %  best baseline {best:7.2f} %  "
              f"ratio {mape['default'] / best:.3f}  ({row['model']})")
    return rows


def pooled(splits: list[list[dict]]) -> list[dict]:
    """One row per (table, target): MAPE (%) of the default and of each baseline over the pooled test rows of
    every split, the best baseline, their ratio, the mean train time (s) and the models chosen (``;``-joined)."""
    out = []
    for runs in zip(*splits):
        first = runs[0]
        row = {k: first[k] for k in ("table", "rows", "target", "component")}
        row["model"] = "; ".join(dict.fromkeys(r["model"] for r in runs))
        row["train_s"] = float(np.mean([r["train_s"] for r in runs]))
        if any("y" not in r for r in runs):
            row.update({k: float("nan") for k in ("default", *BASELINES, "best_baseline", "ratio")})
        else:
            y = np.concatenate([r["y"] for r in runs])
            for k in ("default", *BASELINES):
                row[k] = regression_metrics(y, np.concatenate([r[k] for r in runs]))["mape_pct"]
            row["best_baseline"] = min(row[b] for b in BASELINES)
            row["ratio"] = row["default"] / row["best_baseline"]
        out.append(row)
    return out


def _typed(frame: pd.DataFrame, model) -> pd.DataFrame:
    """The model's feature columns of a string frame, typed as ``train`` typed them."""
    categorical = set(model.manifest["encoder"]["categorical"])
    return pd.DataFrame({c: frame[c].astype(str) if c in categorical else pd.to_numeric(frame[c]).astype(float)
                         for c in model.features})


def _model_name(model, target: str) -> str:
    info = model.manifest["targets"][target]
    if "min_of" in info:
        return f"min({', '.join(info['min_of'])})"
    if info["family"] != "auto":
        return info["family"]
    members = info["tuning"]["auto"]["params"]["members"]
    scale = info["tuning"]["auto"]["params"].get("scale", 1.0)
    return f"auto: {scale:.3g} × (" + " + ".join(f"{m['weight']:.2g}·{m['name']}" for m in members) + ")"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated table names")
    ap.add_argument("--seed", type=int, default=0, help="seed of the first split")
    ap.add_argument("--splits", type=int, default=1,
                    help="random 80/20 configuration splits (seeds seed..seed+N-1), test errors pooled (default 1)")
    ap.add_argument("--train-args", default="", help="extra `accel-dse train` arguments (default: none)")
    ap.add_argument("--out", type=Path, default=REPORTS / "default_train")
    args = ap.parse_args()
    if args.splits < 1:
        ap.error(f"--splits: expected a positive integer, got {args.splits}")
    warnings.filterwarnings("ignore", category=UserWarning)
    chosen = tables()
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    extra = args.train_args.split()
    command = "python benchmarks/bench_default_train.py" + (f" --only {args.only}" if args.only else "") + (
        f" --train-args '{args.train_args}'" if args.train_args else "") + (
        f" --splits {args.splits}" if args.splits != 1 else "") + (f" --seed {args.seed}" if args.seed else "") + (
        f" --out {args.out}" if args.out != REPORTS / "default_train" else "")
    rows = []
    for name, (path, spec, train_args) in chosen.items():
        splits = []
        for seed in range(args.seed, args.seed + args.splits):
            print(f"{name} (split seed {seed}): {path}")
            splits.append(run_table(name, path, spec, train_args, seed, extra))
        rows += pooled(splits)
        write_reports(pd.DataFrame(rows), args.out, command, args.splits)
    df = pd.DataFrame(rows)
    print(_summary(df))


def _components(spec: DataSpec) -> set[str]:
    """Targets that only exist as parts of a min_of target (the spec adds them to the targets)."""
    return {c for parts in (spec.min_of or {}).values() for c in parts}


def _summary(df: pd.DataFrame) -> str:
    df = df[~df["component"]]
    return (f"{len(df)} targets on {df['table'].nunique()} tables: default/best-baseline MAPE ratio median "
            f"{df['ratio'].median():.3f}, worst {df['ratio'].max():.3f} ({df.loc[df['ratio'].idxmax(), 'table']} "
            f"{df.loc[df['ratio'].idxmax(), 'target']}); targets worse than the best baseline: "
            f"{int((df['ratio'] > 1).sum())}; median MAPE default {df['default'].median():.2f} % vs best baseline "
            f"{df['best_baseline'].median():.2f} %")


def write_reports(df: pd.DataFrame, out: Path, command: str, splits: int) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    df.assign(command=command).to_csv(out.with_suffix(".csv"), index=False)
    shown = df.reindex(columns=["table", "target", "component", "model", "default", "gbr", "rf", "xgb", "best_baseline",
                                "ratio", "train_s"])
    out.with_suffix(".md").write_text(
        "# Default `accel-dse train` vs plain baselines: MAPE (%) on a held-out random 20 % of each table\n\n"
        + (f"MAPE over the pooled test rows of {splits} random 80/20 configuration splits (the N test sets together); "
           "`model` lists the models chosen on the splits, train_s is their mean.\n\n" if splits > 1 else "")
        +
        f"Command: `{command}` (shared 2-core machine). `default` = `accel-dse train` with the table's documented "
        "arguments only (bundled: `--spec datasets/ppa_spec.toml`; external: `--targets`, `--features`, "
        "`--categorical`); gbr/rf/xgb = untuned scikit-learn/xgboost regressors on the raw target, same rows and "
        "model input. ratio = default / best baseline; train_s = wall time of the whole `train` (all targets). The test rows are a random 20 % of the configurations (``train``'s "
        "default configuration key: the architecture columns of the bundled tables, all features of the external "
        "ones), so a configuration is never on both sides. component = a part of a min_of target (not counted in "
        "the summary).\n\n"
        + markdown_table(shown, "{:.3g}") + "\n\n" + _summary(df) + "\n")


if __name__ == "__main__":
    main()
