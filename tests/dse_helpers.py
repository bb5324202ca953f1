"""Real components for the DSE tests: a small surrogate bundle trained on the bundled ASAP7 dataset
(once per test session) and space files built from that bundle's own features."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "datasets" / "asap7" / "ppa_samples.csv"
TARGETS = ("area_um2", "power_mw", "leakage_mw", "fmax_ghz")
#: Design features (architecture + backend columns of the dataset); bookkeeping columns are left out.
FEATURES = ("array_rows", "array_cols", "dataflow", "act_bits", "wgt_bits", "acc_bits", "simd_lanes",
            "mac_pipeline", "mult_style", "target_clock_ghz", "abc_delay_ps")


def bundle_dir(tmp_path_factory) -> Path:
    """A bundle fitted quickly (few tuning trials, 2 folds) on the bundled dataset; cached per session."""
    from ppa.bundle import save_bundle
    from ppa.schema import DataSpec, read_csv, read_table
    from ppa.surrogate import PPASurrogate

    path = tmp_path_factory.getbasetemp() / "dse-bundle"
    if not (path / "manifest.json").exists():
        columns = set(read_csv(DATASET).columns)
        table = read_table(DATASET, DataSpec(targets=TARGETS, features=tuple(f for f in FEATURES if f in columns)))
        surrogate = PPASurrogate(n_trials=2, budget_s=30, cv_folds=2, tune_folds=2, progress=False)
        surrogate.fit(table.X, table.y)
        save_bundle(surrogate, path, data_sha256=table.sha256, data_path=str(DATASET))
    return path


def dataset_values(column: str) -> list:
    """Distinct values of a dataset column, sorted."""
    return sorted(pd.read_csv(DATASET)[column].dropna().unique().tolist())


def space_text(features: list[str], parameters: str, extra: str = "", objectives: str = "") -> str:
    """A space file: ``parameters`` (TOML lines), every other model feature fixed to a dataset value."""
    data = pd.read_csv(DATASET)
    searched = {line.split("=")[0].strip() for line in parameters.splitlines() if "=" in line}
    fixed = ['pdk = "asap7"']
    for feature in features:
        if feature in searched or feature == "pdk":
            continue
        value = data[feature].mode().iloc[0]
        value = value.item() if hasattr(value, "item") else value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        fixed.append(f'{feature} = "{value}"' if isinstance(value, str) else f"{feature} = {value}")
    objectives = objectives or '[[objectives]]\nmetric = "runtime_s"\n\n[[objectives]]\nmetric = "area_um2"\n'
    return f"[parameters]\n{parameters}\n\n[fixed]\n" + "\n".join(fixed) + f"\n\n{extra}\n\n{objectives}"


def cli(*args: str) -> list[str]:
    """Command line running ``accel-dse`` with this interpreter."""
    return [sys.executable, "-c", "from dse.cli import main; main()", *args]
