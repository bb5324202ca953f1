"""min_of targets: a core's clock predicted as its slowest module's, from per-module models."""
import numpy as np
import pandas as pd
import pytest

from ppa.bundle import load_bundle, save_bundle
from ppa.errors import PPAInputError
from ppa.metrics import regression_metrics
from ppa.schema import load_spec, read_table
from ppa.surrogate import PPASurrogate

FAST = dict(budget_s=20, n_trials=2, cv_folds=3, tune_folds=2, progress=False, model="random_forest")
MIN_OF = {"fmax_ghz": ["pe_fmax_ghz", "lane_fmax_ghz"]}


def modules():
    """PE clock falls with the accumulator width, lane clock with the lane width; the core takes the min."""
    acc, lane, clock = np.meshgrid([16, 20, 24, 28, 32], [8, 12, 16, 24, 32, 48], [0.8, 1.2], indexing="ij")
    X = pd.DataFrame({"acc_bits": acc.ravel(), "lane_bits": lane.ravel(), "target_clock_ghz": clock.ravel()}).astype(float)
    pe = 40.0 / X.acc_bits
    ln = 30.0 / X.lane_bits
    y = pd.DataFrame({"fmax_ghz": np.minimum(pe, ln), "pe_fmax_ghz": pe, "lane_fmax_ghz": ln})
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = modules()
    return PPASurrogate(**FAST, group_by=["acc_bits", "lane_bits"], min_of=MIN_OF).fit(X, y), X, y


def test_prediction_is_the_minimum_of_the_module_models(fitted):
    s, X, y = fitted
    assert "fmax_ghz" not in s.models_ and {"pe_fmax_ghz", "lane_fmax_ghz"} <= set(s.models_)
    p = s.predict(X)
    np.testing.assert_array_equal(p.fmax_ghz, np.minimum(p.pe_fmax_ghz, p.lane_fmax_ghz))
    assert (p.fmax_ghz_std >= 0).all() and p.fmax_ghz_std.max() > 0
    # the held-out error of the composite is that of the min of the components' out-of-fold predictions
    oof = np.minimum(s.oof_.pe_fmax_ghz, s.oof_.lane_fmax_ghz)
    assert s.cv_metrics_.loc["fmax_ghz", "mape_pct"] == pytest.approx(regression_metrics(y.fmax_ghz, oof)["mape_pct"])
    assert s.cv_metrics_.loc["fmax_ghz", "model"] == "min(pe_fmax_ghz, lane_fmax_ghz)"
    assert list(s.cv_metrics_.index) == ["fmax_ghz", "pe_fmax_ghz", "lane_fmax_ghz"]


def test_min_of_beats_one_model_of_the_kinked_target(fitted):
    s, X, y = fitted
    direct = PPASurrogate(**FAST, group_by=["acc_bits", "lane_bits"]).fit(X, y[["fmax_ghz"]])
    assert s.cv_metrics_.loc["fmax_ghz", "mape_pct"] < direct.cv_metrics_.loc["fmax_ghz", "mape_pct"]


def test_bundle_round_trip(fitted, tmp_path):
    s, X, _ = fitted
    save_bundle(s, tmp_path / "b")
    loaded = load_bundle(tmp_path / "b")
    pd.testing.assert_frame_equal(loaded.predict(X), s.predict(X))
    assert loaded.cv_metrics_.loc["fmax_ghz", "mape_pct"] == pytest.approx(s.cv_metrics_.loc["fmax_ghz", "mape_pct"])


def test_bad_min_of_is_named():
    X, y = modules()
    with pytest.raises(PPAInputError, match=r"min_of 'fmax_ghz' .* needs target column\(s\) \['lane_fmax_ghz'\]"):
        PPASurrogate(**FAST, min_of=MIN_OF).fit(X, y[["fmax_ghz", "pe_fmax_ghz"]])
    with pytest.raises(PPAInputError, match="two or more"):
        PPASurrogate(**FAST, min_of={"fmax_ghz": ["pe_fmax_ghz"]}).fit(X, y)
    with pytest.raises(PPAInputError, match="min_of targets themselves"):
        PPASurrogate(**FAST, min_of={"fmax_ghz": ["pe_fmax_ghz", "lane_fmax_ghz"],
                                     "pe_fmax_ghz": ["lane_fmax_ghz", "fmax_ghz"]}).fit(X, y)


def test_spec_min_of_adds_the_components_as_targets(tmp_path):
    X, y = modules()
    csv = tmp_path / "d.csv"
    pd.concat([X, y], axis=1).to_csv(csv, index=False)
    spec_path = tmp_path / "s.toml"
    spec_path.write_text('targets = ["fmax_ghz"]\n[min_of]\nfmax_ghz = ["pe_fmax_ghz", "lane_fmax_ghz"]\n')
    spec = load_spec(spec_path)
    assert spec.targets == ("fmax_ghz", "pe_fmax_ghz", "lane_fmax_ghz")
    assert read_table(csv, spec).features == ["acc_bits", "lane_bits", "target_clock_ghz"]


@pytest.mark.parametrize("text, match", [
    ('targets = ["area_um2"]\n[min_of]\nfmax_ghz = ["pe_fmax_ghz", "lane_fmax_ghz"]\n',
     r"\[min_of\] 'fmax_ghz' is not a target"),
    ('targets = ["fmax_ghz"]\n[min_of]\nfmax_ghz = "pe_fmax_ghz"\n', r"s.toml: \[min_of\] must be a table"),
    ('targets = ["fmax_ghz"]\n[inputs]\npe_fmax = ["acc_bits"]\n', r"\[inputs\] \['pe_fmax'\] are not targets"),
    ('targets = ["fmax_ghz"]\n[inputs]\nfmax_ghz = "acc_bits"\n', r"s.toml: \[inputs\] must be a table"),
])
def test_bad_min_of_and_inputs_tables_are_named(tmp_path, text, match):
    spec_path = tmp_path / "s.toml"
    spec_path.write_text(text)
    with pytest.raises(PPAInputError, match=match):
        load_spec(spec_path)


def test_inputs_restrict_a_targets_model_to_its_features(fitted):
    _, X, y = fitted
    own = {"pe_fmax_ghz": ["acc_bits"], "lane_fmax_ghz": ["lane_bits"]}
    s = PPASurrogate(**FAST, group_by=["acc_bits", "lane_bits"], min_of=MIN_OF, inputs=own).fit(X, y)
    assert s.design(X, "pe_fmax_ghz").shape[1] == 1 and s.design(X, "lane_fmax_ghz").shape[1] == 1
    np.testing.assert_array_equal(s.design(X, "pe_fmax_ghz")[:, 0], X.acc_bits)
    # the PE clock no longer moves with the lane width or the target clock
    p = s.predict(X)
    assert p.groupby(X.acc_bits).pe_fmax_ghz.nunique().max() == 1
    with pytest.raises(PPAInputError, match=r"inputs of 'pe_fmax_ghz': \['acc_width'\] are not features"):
        PPASurrogate(**FAST, inputs={"pe_fmax_ghz": ["acc_width"]}).fit(X, y)


def test_bundled_spec_min_of_module_clocks_beats_one_forest():
    """GF180: the core clock as the min of per-module forests (own parameters) beats one forest of it."""
    from accel_dse_datasets import path as dataset_path
    spec = load_spec(dataset_path("ppa_spec.toml"), targets=("fmax_ghz",))
    assert spec.min_of == MIN_OF and spec.targets == ("fmax_ghz", "pe_fmax_ghz", "lane_fmax_ghz")
    table = read_table(dataset_path("gf180/ppa_samples.csv"), spec)
    common = dict(model="random_forest", group_by=table.group_by, categorical=table.categorical,
                  derived=spec.derived, lookup=spec.lookup, budget_s=60, n_trials=1, cv_folds=5, progress=False)
    modules = PPASurrogate(**common, inputs=spec.inputs, min_of=spec.min_of).fit(table.X, table.y)
    one = PPASurrogate(**common).fit(table.X, table.y[["fmax_ghz"]])
    composite, direct = modules.cv_metrics_.loc["fmax_ghz", "mape_pct"], one.cv_metrics_.loc["fmax_ghz", "mape_pct"]
    assert composite < 0.85 * direct, (composite, direct)


def test_targets_chosen_on_the_command_line_drop_the_others_structure(tmp_path):
    spec_path = tmp_path / "s.toml"
    spec_path.write_text('targets = ["area_um2", "fmax_ghz"]\n[min_of]\nfmax_ghz = ["pe_fmax_ghz", "lane_fmax_ghz"]\n'
                         '[inputs]\nlane_fmax_ghz = ["acc_bits"]\n')
    spec = load_spec(spec_path, targets=("area_um2",))
    assert spec.targets == ("area_um2",) and spec.min_of == {} and spec.inputs == {}
    assert load_spec(spec_path, targets=("fmax_ghz",)).targets == ("fmax_ghz", "pe_fmax_ghz", "lane_fmax_ghz")
    spec_path.write_text('targets = ["area_um2"]\n[min_of]\nfmax = ["pe_fmax_ghz", "lane_fmax_ghz"]\n')
    with pytest.raises(PPAInputError, match=r"\[min_of\] 'fmax' is not a target"):
        load_spec(spec_path, targets=("area_um2",))


def test_bundle_whose_settings_contradict_its_min_of_is_refused(fitted, tmp_path):
    import json
    s, _, _ = fitted
    save_bundle(s, tmp_path / "b")
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["settings"]["min_of"] = {"fmax_ghz": ["lane_fmax_ghz", "pe_fmax_ghz"]}
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(PPAInputError, match=r"refused, target 'fmax_ghz' is min_of \['pe_fmax_ghz', 'lane_fmax_ghz'\]"):
        load_bundle(tmp_path / "b")
    manifest["settings"]["min_of"] = None
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(PPAInputError, match="but the settings say None"):
        load_bundle(tmp_path / "b")
