"""Benchmark: how should a surrogate use the structure fmax = min(f_PE, f_lane)?

A core's clock is set by its slowest module. The bundled datasets record which module held the
worst path (``critical_path``) and each module's own clock (``pe_fmax_ghz``, ``lane_fmax_ghz``).
This compares, on unseen configurations (5-fold GroupKFold on the netlist's configuration, as
``bench_surrogates.py``), untuned random forests on log clocks:

* ``one model``: one forest of fmax on every feature (the ``random_forest`` family, no structure);
* ``critical-module gated``: a classifier predicts the critical module; a forest per module, trained
  on the rows where that module is critical and on that module's own parameters only (PE: dataflow,
  widths, pipeline, multiplier style, ABC target; SIMD lane: accumulator width and ABC target),
  gives the prediction (uses ``critical_path`` only);
* ``min of module models``: a forest per module clock on every row (the faster module's clock is
  measured too), fmax = the smaller prediction — what the spec's ``[min_of]`` does, on every feature;
* ``min of module models, own parameters``: the same with each forest on its module's parameters only;
* ``… + measured PE``: the same, the PE's forest also seeing the PE's measured area and energy (the
  spec's ``[lookup]`` of ``datasets/pe_characterisation.csv``) — what the bundled spec does.

It reports the MAPE over all rows and over the rows where each module is critical, and how often
the critical module is named right. Results: reports/benchmarks/fmax_structure.{csv,md}.

    python benchmarks/bench_fmax_structure.py      # ~2 min on one core
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from bench_tables import markdown_table, save_results
from ppa.schema import load_spec, read_table
from ppa.splits import config_groups, make_folds
from ppa.structure import add_derived

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks" / "fmax_structure"
PE_PARAMS = ["dataflow", "act_bits", "wgt_bits", "acc_bits", "mac_pipeline", "mult_style", "mult_bits", "booth",
             "abc_delay_ps", "speed"]
LANE_PARAMS = ["acc_bits", "abc_delay_ps", "speed"]
MEASURED_PE = ["pe_area_ref", "pe_energy_ref"]
MODELS = ("one model", "critical-module gated", "min of module models", "min of module models, own parameters",
          "min of module models, own parameters + measured PE")


def _forest(classifier: bool = False):
    cls = RandomForestClassifier if classifier else RandomForestRegressor
    return cls(n_estimators=300, max_features=0.5, n_jobs=1, random_state=0)


def out_of_fold(pdk: str) -> pd.DataFrame:
    """Per row: log-fmax predictions of both models and the predicted critical module, out of fold."""
    path = ROOT / "datasets" / pdk / "ppa_samples.csv"
    spec = load_spec(ROOT / "datasets" / "ppa_spec.toml", targets=("fmax_ghz",))
    table = read_table(path, spec)
    full = add_derived(table.X, spec.derived, spec.lookup)
    X = pd.get_dummies(full, columns=list(table.categorical), dtype=float)
    columns = {name: [c for c in X.columns if any(c == p or c.startswith(p + "_") for p in params)]
               for name, params in (("pe", PE_PARAMS), ("simd_lane", LANE_PARAMS), ("pe_measured", PE_PARAMS + MEASURED_PE))}
    y = np.log(table.y["fmax_ghz"].to_numpy())
    labels = pd.read_csv(path, usecols=["critical_path", "pe_fmax_ghz", "lane_fmax_ghz"])
    critical = labels["critical_path"].to_numpy()
    module_y = {"pe": np.log(labels["pe_fmax_ghz"].to_numpy()), "simd_lane": np.log(labels["lane_fmax_ghz"].to_numpy())}
    lane = critical == "simd_lane"
    one, gated, named = np.zeros(len(y)), np.zeros(len(y)), np.empty(len(y), dtype=object)
    both = {k: {m: np.zeros(len(y)) for m in module_y} for k in ("all", "own", "measured")}
    for train, test in make_folds("unseen", config_groups(table.X, table.group_by), 5, 1):
        for module, target in module_y.items():
            both["all"][module][test] = _forest().fit(X.iloc[train], target[train]).predict(X.iloc[test])
            cols = columns[module]
            both["own"][module][test] = _forest().fit(X.iloc[train][cols], target[train]).predict(X.iloc[test][cols])
            cols = columns["pe_measured" if module == "pe" else module]
            both["measured"][module][test] = (both["own"][module][test] if module == "simd_lane" else
                                              _forest().fit(X.iloc[train][cols], target[train]).predict(X.iloc[test][cols]))
        one[test] = _forest().fit(X.iloc[train], y[train]).predict(X.iloc[test])
        is_lane = _forest(classifier=True).fit(X.iloc[train], lane[train]).predict(X.iloc[test])
        named[test] = np.where(is_lane, "simd_lane", "pe")
        for module, rows in (("pe", ~lane[train]), ("simd_lane", lane[train])):
            cols = columns[module]
            model = _forest().fit(X.iloc[train[rows]][cols], y[train[rows]])
            pick = test[named[test] == module]
            if len(pick):
                gated[pick] = model.predict(X.iloc[pick][cols])
    out = pd.DataFrame({"critical": critical, "named": named, "one model": one, "critical-module gated": gated,
                        "y": y})
    for kind, name in (("all", "min of module models"), ("own", "min of module models, own parameters"),
                       ("measured", "min of module models, own parameters + measured PE")):
        out[name] = np.minimum(both[kind]["pe"], both[kind]["simd_lane"])
        out[f"{name}: named"] = np.where(both[kind]["simd_lane"] < both[kind]["pe"], "simd_lane", "pe")
    return out


def main() -> None:
    start, rows = time.perf_counter(), []
    for pdk in ("asap7", "gf180"):
        oof = out_of_fold(pdk)
        for model in MODELS:
            ape = np.abs(np.exp(oof[model] - oof.y) - 1) * 100
            row = {"dataset": pdk, "model": model, "MAPE %": round(float(ape.mean()), 2)}
            for module in ("pe", "simd_lane"):
                row[f"MAPE % ({module} critical)"] = round(float(ape[oof.critical == module].mean()), 2)
            named = oof.named if model == "critical-module gated" else oof.get(f"{model}: named")
            row["critical module named right %"] = (round(float((named == oof.critical).mean() * 100), 1)
                                                    if named is not None else "—")
            rows.append(row)
            print(row, flush=True)
    cmd = "python benchmarks/bench_fmax_structure.py"
    df = save_results(rows, OUT, cmd)
    OUT.with_suffix(".md").write_text(
        "# fmax: one model vs. models of each module's clock\n\n"
        f"Command: `{cmd}` ({time.perf_counter() - start:.0f} s). Unseen-configuration MAPE of fmax (5-fold "
        "GroupKFold on the netlist configuration), untuned random forests (300 trees) on log clocks; see the "
        "script's docstring for the five models.\n\n" + markdown_table(df.drop(columns="command"), "{:.2f}") + "\n")
    print(markdown_table(df.drop(columns="command"), "{:.2f}"))


if __name__ == "__main__":
    main()
