"""Benchmark of the default ``accel-dse train`` against plain baselines on held-out 20 % of every real table.

Tables: the bundled backend datasets ``datasets/<pdk>/ppa_samples.csv`` (trained as documented, with
``--spec datasets/ppa_spec.toml``) and the external HLS tables in ``../shared/datasets-external/`` (trained as a
new user would: ``--targets`` and ``--features`` from each PROVENANCE.md, every other option at its default,
so the model is ``auto``). Each table's rows are split once at random (seed 0): 80 % train, 20 % test. ``train``
runs on the 80 % exactly as the CLI does (in-process, default budget, trials and folds); its bundle predicts
the 20 %. The baselines — untuned scikit-learn GradientBoostingRegressor, RandomForestRegressor and
XGBRegressor on the raw target — are fitted on the same 80 % with the same model input (encoded features and
the spec's derived features) and predict the same 20 %. MAPE is over the y>0 test rows.

    python benchmarks/bench_default_train.py                       # every table, ~15 min on a shared core
    python benchmarks/bench_default_train.py --only hlsyn_v18_mvt  # one table

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
from ppa.schema import read_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT.parent / "shared" / "datasets-external"
REPORTS = ROOT / "reports" / "benchmarks"
SPEC = ROOT / "datasets" / "ppa_spec.toml"
BASELINES = {
    "gbr": lambda seed: GradientBoostingRegressor(random_state=seed),
    "rf": lambda seed: RandomForestRegressor(random_state=seed, n_jobs=1),
    "xgb": lambda seed: xgb.XGBRegressor(random_state=seed, n_jobs=1),
}


def tables() -> dict[str, tuple[Path, list[str]]]:
    """name → (CSV, train arguments besides --data/--out)."""
    out = {}
    for pdk in ("asap7", "gf180"):
        path = ROOT / "datasets" / pdk / "ppa_samples.csv"
        if path.is_file():
            out[f"{pdk}_ppa_samples"] = (path, ["--spec", str(SPEC)])
    if EXTERNAL.is_dir():
        for name, (path, spec) in external_specs(EXTERNAL).items():
            out[name] = (path, ["--targets", ",".join(spec.targets), "--features", ",".join(spec.features)]
                         + (["--categorical", ",".join(spec.categorical)] if spec.categorical else []))
    return out


def run_table(name: str, path: Path, args: list[str], seed: int, extra: list[str]) -> list[dict]:
    frame = read_csv(path)
    test = np.zeros(len(frame), bool)
    test[np.random.default_rng(seed).permutation(len(frame))[: round(0.2 * len(frame))]] = True
    with tempfile.TemporaryDirectory() as tmp:
        train_csv = Path(tmp) / path.name
        frame[~test].to_csv(train_csv, index=False)
        start = time.perf_counter()
        result = CliRunner().invoke(cli, ["train", "--data", str(train_csv), *args, *extra, "--out", f"{tmp}/model"])
        seconds = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(f"{name}: train failed: {result.output.strip().splitlines()[-1]}")
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
               "model": _model_name(model, target),
               "default": regression_metrics(y_test[ok_test], pred[target].to_numpy()[ok_test])["mape_pct"]}
        Z_train, Z_test = model.design(X_train, target), model.design(X_test, target)
        for base, make in BASELINES.items():
            fitted = make(seed).fit(Z_train[ok_train], y_train[ok_train])
            row[base] = regression_metrics(y_test[ok_test], fitted.predict(Z_test[ok_test]))["mape_pct"]
        row["best_baseline"] = min(row[b] for b in BASELINES)
        row["ratio"] = row["default"] / row["best_baseline"]
        rows.append(row)
        print(f"  {target:>16}: default {row['default']:7.2f} %  best baseline {row['best_baseline']:7.2f} %  "
              f"ratio {row['ratio']:.3f}  ({row['model']})")
    return rows


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
    return "auto: " + " + ".join(f"{m['weight']:.2g}·{m['name']}" for m in members)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated table names")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-args", default="", help="extra `accel-dse train` arguments (default: none)")
    ap.add_argument("--out", type=Path, default=REPORTS / "default_train")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    chosen = tables()
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    extra = args.train_args.split()
    command = "python benchmarks/bench_default_train.py" + (f" --only {args.only}" if args.only else "") + (
        f" --train-args '{args.train_args}'" if args.train_args else "")
    rows = []
    for name, (path, train_args) in chosen.items():
        print(f"{name}: {path}")
        rows += run_table(name, path, train_args, args.seed, extra)
        write_reports(pd.DataFrame(rows), args.out, command)
    df = pd.DataFrame(rows)
    print(_summary(df))


def _summary(df: pd.DataFrame) -> str:
    return (f"{len(df)} targets on {df['table'].nunique()} tables: default/best-baseline MAPE ratio median "
            f"{df['ratio'].median():.3f}, worst {df['ratio'].max():.3f} ({df.loc[df['ratio'].idxmax(), 'table']} "
            f"{df.loc[df['ratio'].idxmax(), 'target']}); targets worse than the best baseline: "
            f"{int((df['ratio'] > 1).sum())}; median MAPE default {df['default'].median():.2f} % vs best baseline "
            f"{df['best_baseline'].median():.2f} %")


def write_reports(df: pd.DataFrame, out: Path, command: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    df.assign(command=command).to_csv(out.with_suffix(".csv"), index=False)
    shown = df[["table", "target", "model", "default", "gbr", "rf", "xgb", "best_baseline", "ratio", "train_s"]]
    out.with_suffix(".md").write_text(
        "# Default `accel-dse train` vs plain baselines: MAPE (%) on a held-out random 20 % of each table\n\n"
        f"Command: `{command}` (shared 2-core machine). `default` = `accel-dse train` with the table's documented "
        "arguments only (bundled: `--spec datasets/ppa_spec.toml`; external: `--targets`, `--features`, "
        "`--categorical`); gbr/rf/xgb = untuned scikit-learn/xgboost regressors on the raw target, same rows and "
        "model input. ratio = default / best baseline; train_s = wall time of the whole `train` (all targets).\n\n"
        + markdown_table(shown, "{:.3g}") + "\n\n" + _summary(df) + "\n")


if __name__ == "__main__":
    main()
