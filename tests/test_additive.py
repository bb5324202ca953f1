"""The architect's cost model: derived features, terms, AdditiveCostRegressor, per-target families."""
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from accel_dse_datasets import path as dataset_path
from dse.cli import main as cli
from ppa.additive import AdditiveCostRegressor
from ppa.bundle import load_bundle, save_bundle
from ppa.errors import PPAInputError
from ppa.schema import load_spec, read_table
from ppa.structure import add_derived, term_matrix
from ppa.surrogate import PPASurrogate

FAST = dict(budget_s=20, n_trials=3, cv_folds=3, tune_folds=2, progress=False)
DERIVED = {"n_pe": "array_rows * array_cols", "booth": "mult_style == 'booth'"}
TERMS = {"area_um2": ["n_pe * act_bits * act_bits * (1 - booth)", "n_pe * act_bits * act_bits * booth", "simd_lanes"]}


def arrays(rows=(1, 2, 4, 8), cols=(1, 2, 4, 8), bits=(4, 8, 16), seed=0):
    """Synthetic cores whose area is exactly 2·n_pe·bits² (star) or 1.5·n_pe·bits² (booth) + 40·lanes µm²."""
    r, c, b, m = np.meshgrid(rows, cols, bits, [0, 1], indexing="ij")
    X = pd.DataFrame({"array_rows": r.ravel(), "array_cols": c.ravel(), "act_bits": b.ravel(),
                      "mult_style": np.array(["star", "booth"])[m.ravel()]}).astype({"array_rows": float})
    X["simd_lanes"] = np.random.default_rng(seed).choice([1, 4, 16], len(X)).astype(float)
    area = np.where(X.mult_style == "booth", 1.5, 2.0) * X.array_rows * X.array_cols * X.act_bits ** 2 + 40 * X.simd_lanes
    return X, pd.DataFrame({"area_um2": area})


def test_unit_costs_recovered_and_extrapolated():
    rng = np.random.default_rng(0)
    T = rng.uniform(1, 100, size=(40, 3))
    y = T @ np.array([3.0, 0.5, 7.0])
    model = AdditiveCostRegressor(n_terms=3, n_estimators=0).fit(T, y)
    np.testing.assert_allclose(model.unit_costs_, [3.0, 0.5, 7.0], rtol=1e-9)
    far = T * 10  # ten times larger designs than any seen: a sum of counts scales exactly
    np.testing.assert_allclose(model.predict(far), far @ [3.0, 0.5, 7.0], rtol=1e-9)


def test_unit_costs_never_negative_and_correction_uses_features():
    rng = np.random.default_rng(1)
    T = rng.uniform(1, 10, size=(60, 2))
    z = rng.integers(0, 2, size=(60, 1)).astype(float)
    y = (4.0 * T[:, 0] + 1.0) * np.where(z[:, 0] == 1, 1.2, 1.0)  # term 1 is irrelevant, z scales y by 20%
    alone = AdditiveCostRegressor(n_terms=2, n_estimators=0).fit(np.hstack([T, z]), y)
    assert (alone.unit_costs_ >= 0).all()
    corrected = AdditiveCostRegressor(n_terms=2, n_estimators=300, max_depth=1, learning_rate=0.1).fit(np.hstack([T, z]), y)
    err = lambda m: np.mean(np.abs(m.predict(np.hstack([T, z])) - y) / y)  # noqa: E731
    assert err(corrected) < 0.5 * err(alone)


def test_additive_needs_positive_targets_and_terms():
    with pytest.raises(PPAInputError, match="must be > 0"):
        AdditiveCostRegressor(n_terms=1).fit(np.ones((5, 1)), np.array([1, 2, 0, 3, 4.0]))
    X, y = arrays()
    with pytest.raises(PPAInputError, match=r"needs cost-model terms for target 'area_um2'.*\[terms\]"):
        PPASurrogate(model="additive", **FAST).fit(X, y)
    with pytest.raises(PPAInputError, match=r"no model family given for target 'lanes'"):
        PPASurrogate(model={"area_um2": "xgboost"}, **FAST).fit(X, y.assign(lanes=X.simd_lanes))
    with pytest.raises(PPAInputError, match=r"unknown model 'forest'"):
        PPASurrogate(model={"area_um2": "forest"}, **FAST).fit(X, y)


def test_derived_features_and_terms_errors():
    X, _ = arrays()
    full = add_derived(X, DERIVED)
    assert full["n_pe"].tolist() == (X.array_rows * X.array_cols).tolist()
    assert set(full["booth"]) == {0.0, 1.0}
    np.testing.assert_allclose(term_matrix(full, "area_um2", TERMS["area_um2"])[:, 2], X.simd_lanes)
    with pytest.raises(PPAInputError, match=r"derived feature 'x' = 'rows \* 2' reads \['rows'\], which are not feature"):
        add_derived(X, {"x": "rows * 2"})
    with pytest.raises(PPAInputError, match=r"'inv' = '1 / \(act_bits - 4\)' is NaN/inf at data row\(s\) 2, "):
        add_derived(X, {"inv": "1 / (act_bits - 4)"})
    with pytest.raises(PPAInputError, match="does not allow"):
        add_derived(X, {"x": "__import__('os').getcwd()"})
    with pytest.raises(PPAInputError, match=r"term 0 of target 'area_um2' \('act_bits - 8'\) is negative at data row"):
        term_matrix(full, "area_um2", ["act_bits - 8"])
    with pytest.raises(PPAInputError, match="has the name of a feature column"):
        add_derived(X, {"act_bits": "act_bits * 2"})


@pytest.fixture(scope="module")
def mixed():
    """area: additive cost model; lanes_x2 (2·lanes): xgboost — one surrogate, two families."""
    X, y = arrays()
    y["lanes_x2"] = 2 * X.simd_lanes
    train = X.array_rows <= 4  # every 8-row array held out
    s = PPASurrogate(model={"area_um2": "additive", "lanes_x2": "xgboost"}, derived=DERIVED, terms=TERMS,
                     group_by=["array_rows", "array_cols", "act_bits", "mult_style"], **FAST)
    return s.fit(X[train], y[train]), X, y, train


def test_cost_model_extrapolates_to_larger_arrays(mixed):
    s, X, y, train = mixed
    assert s.cv_metrics_.loc["area_um2", "mape_pct"] < 1.0
    assert s.cv_metrics_.loc["area_um2", "model"] == "additive"
    assert s.transforms_["area_um2"]["transform"] == "none"
    assert s.features_ == list(X.columns)  # queries need only the raw columns
    out = s.predict(X[~train])
    err = np.abs(out["area_um2"] - y.area_um2[~train]) / y.area_um2[~train]
    assert err.max() < 0.01, err.max()  # 8×N arrays: twice the largest trained array
    assert not out["in_domain"].any()  # array_rows (and the derived n_pe) beyond the training range


def test_round_trip_with_derived_terms_and_two_families(mixed, tmp_path):
    s, X, _, _ = mixed
    save_bundle(s, tmp_path / "b")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert {t: v["family"] for t, v in manifest["targets"].items()} == {"area_um2": "additive", "lanes_x2": "xgboost"}
    assert manifest["settings"]["derived"] == DERIVED
    loaded = load_bundle(tmp_path / "b")
    pd.testing.assert_frame_equal(loaded.predict(X), s.predict(X))


def test_bundled_spec_cost_models_beat_trees_on_unseen_cores():
    spec = load_spec(dataset_path("ppa_spec.toml"))
    assert spec.model == {"area_um2": "additive", "power_mw": "additive", "leakage_mw": "additive", "fmax_ghz": "auto"}
    table = read_table(dataset_path("asap7/ppa_samples.csv"), spec)
    common = dict(group_by=table.group_by, categorical=table.categorical, derived=spec.derived, terms=spec.terms,
                  lookup=spec.lookup, budget_s=30, n_trials=3, progress=False)
    y = table.y[["area_um2", "power_mw"]]
    cost = PPASurrogate(model="additive", **common).fit(table.X, y).cv_metrics_["mape_pct"]
    trees = PPASurrogate(model="xgboost", **common).fit(table.X, y).cv_metrics_["mape_pct"]
    # the measured PE (spec [lookup]) times the PE count, plus lanes and edges: within 1.5 % on unseen cores
    assert (cost < 1.5).all() and (cost < 0.5 * trees).all(), (cost, trees)


def test_cli_model_pairs_and_spec_errors(tmp_path):
    X, y = arrays()
    csv = tmp_path / "d.csv"
    pd.concat([X, y], axis=1).to_csv(csv, index=False)
    runner = CliRunner()
    bad = runner.invoke(cli, ["train", "--data", str(csv), "--targets", "area_um2", "--model", "area_um2=forest",
                              "--out", str(tmp_path / "m")])
    assert bad.exit_code != 0 and "target=family pairs" in bad.output
    spec = tmp_path / "s.toml"
    spec.write_text('targets = ["area_um2"]\n[terms]\narea_um2 = "n_pe"\n')
    bad = runner.invoke(cli, ["train", "--data", str(csv), "--spec", str(spec), "--out", str(tmp_path / "m")])
    assert bad.exit_code != 0 and "[terms] must be a table of target" in bad.output
    spec.write_text('targets = ["area_um2"]\nmodel = "additive"\n[derived]\nn_pe = "array_rows * array_cols"\n'
                    '[terms]\narea_um2 = ["n_pe * act_bits * act_bits", "simd_lanes"]\n')
    ok = runner.invoke(cli, ["train", "--data", str(csv), "--spec", str(spec), "--trials", "2", "--budget-s", "10",
                             "--out", str(tmp_path / "m")])
    assert ok.exit_code == 0, ok.output
    assert "area_um2: additive" not in ok.output and "additive" in ok.output
