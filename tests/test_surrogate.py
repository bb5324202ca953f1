"""PPASurrogate: closed-form targets learned on unseen configurations, splits, spread, domain check."""
import numpy as np
import pandas as pd
import pytest

from ppa.errors import PPAInputError
from ppa.metrics import regression_metrics, timing_accuracy
from ppa.splits import config_groups, make_folds
from ppa.surrogate import PPASurrogate
from ppa.transforms import choose_transform

FAST = dict(budget_s=20, n_trials=2, cv_folds=3, tune_folds=2, progress=False)


def grid():
    """Every (array_rows, array_cols, dataflow) of a grid, at two target clocks."""
    rows, cols, flows, clocks = np.meshgrid([2, 4, 6, 8, 12, 16, 24, 32], [2, 4, 8, 16, 32],
                                            [0, 1, 2], [0.5, 1.0], indexing="ij")
    X = pd.DataFrame({"array_rows": rows.ravel(), "array_cols": cols.ravel(),
                      "dataflow": np.array(["os", "ws", "is"])[flows.ravel()],
                      "target_clock_ghz": clocks.ravel()}).astype({"array_rows": float, "array_cols": float})
    area = 150.0 * X.array_rows * X.array_cols * X.dataflow.map({"os": 1.0, "ws": 1.3, "is": 1.15})
    return X, pd.DataFrame({"area_um2": area})


@pytest.fixture(scope="module")
def fitted():
    X, y = grid()
    cfg = config_groups(X, ["array_rows", "array_cols", "dataflow"])
    test = np.isin(cfg, np.random.default_rng(1).choice(cfg.max() + 1, 25, replace=False))
    s = PPASurrogate(**{**FAST, "n_trials": 8}).fit(X[~test], y[~test])  # tuning finds shallow (additive) trees
    return s, X, y, test


def test_exact_function_learned_on_held_out_configurations(fitted):
    s, X, y, test = fitted
    assert s.transforms_["area_um2"]["transform"] == "log"  # spans 600 .. 199,680 µm²
    assert s.group_by_ == ["array_rows", "array_cols", "dataflow"]
    err = s.evaluate(X[test], y[test])
    assert err.loc["area_um2", "mape_pct"] < 2.0, err
    assert s.cv_metrics_.loc["area_um2", "mape_pct"] < 5.0
    assert s.score(X[test], y[test]) > 0.99


def test_predict_columns_spread_and_domain(fitted):
    s, X, _, _ = fitted
    q = X.head(3).copy()
    q.loc[q.index[1], "array_rows"] = 64.0  # outside the training range 2..32
    q.loc[q.index[2], "dataflow"] = "rs"  # unseen category
    out = s.predict(q)
    assert list(out.columns) == ["area_um2", "area_um2_std", "in_domain"]
    assert out["in_domain"].tolist() == [True, False, False]
    assert (out["area_um2_std"] >= 0).all() and out["area_um2_std"].iloc[0] > 0
    assert out.index.equals(q.index)
    with pytest.raises(PPAInputError, match=r"missing feature column\(s\) \['dataflow'\]"):
        s.predict(q.drop(columns="dataflow"))


def test_deterministic_with_seed():
    X, y = grid()
    a = PPASurrogate(**FAST, seed=3).fit(X, y).predict(X)
    b = PPASurrogate(**FAST, seed=3).fit(X, y).predict(X)
    pd.testing.assert_frame_equal(a, b)


def test_unseen_split_never_shares_a_configuration():
    X, _ = grid()
    groups = config_groups(X, ["array_rows", "array_cols", "dataflow"])
    folds = make_folds("unseen", groups, 5, seed=0)
    assert sorted(np.concatenate([t for _, t in folds]).tolist()) == list(range(len(X)))
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    # the mixed split does put the two clocks of one configuration on both sides somewhere
    mixed = make_folds("mixed", groups, 5, seed=0)
    assert any(set(groups[tr]) & set(groups[te]) for tr, te in mixed)
    with pytest.raises(PPAInputError, match="only 3 distinct configurations"):
        make_folds("unseen", np.array([0, 1, 2, 0, 1, 2]), 5, seed=0)


def test_missing_target_values_left_out_of_that_target_only():
    X, y = grid()
    y = y.assign(power_mw=0.01 * y.area_um2 * X.target_clock_ghz)
    y.loc[[0, 5, 9], "power_mw"] = np.nan
    s = PPASurrogate(**FAST).fit(X, y)
    assert s.cv_metrics_.loc["power_mw", "n"] == len(X) - 3
    assert s.cv_metrics_.loc["area_um2", "n"] == len(X)


def test_timing_classification_and_metrics():
    assert timing_accuracy([1.2, 0.8, 1.0], [1.0, 1.0, 1.0], [True, True, True]) == pytest.approx(2 / 3)
    m = regression_metrics([100.0, 200.0, 0.0], [110.0, 180.0, 1.0])
    assert m["mape_pct"] == pytest.approx(10.0) and m["ape_max_pct"] == pytest.approx(10.0)
    assert m["n_pct"] == 2 and m["mae"] == pytest.approx(31 / 3)
    X, y = grid()
    fmax = 2.0 / np.log2(X.array_rows * X.array_cols)
    met = fmax >= X.target_clock_ghz
    s = PPASurrogate(**FAST).fit(X, pd.DataFrame({"fmax_ghz": fmax}), timing_met=met)
    assert s.transforms_["fmax_ghz"]["transform"] == "none"
    assert s.cv_metrics_.loc["fmax_ghz", "timing_accuracy"] > 0.9


def test_loglinear_extrapolates_a_power_law():
    """area = 150·rows·cols·f(dataflow): the power-law family predicts 64×64 arrays from ≤ 32×32 ones."""
    X, y = grid()
    s = PPASurrogate(model="loglinear", **FAST).fit(X, y)
    q = pd.DataFrame({"array_rows": [64.0], "array_cols": [64.0], "dataflow": ["ws"], "target_clock_ghz": [1.0]})
    out = s.predict(q)
    assert not out["in_domain"].iloc[0]
    assert out["area_um2"].iloc[0] == pytest.approx(150 * 64 * 64 * 1.3, rel=0.1)


def test_transform_choice():
    assert choose_transform([1, 5, 9])[0] == "none"
    assert choose_transform([1, 50, 900])[0] == "log"
    assert choose_transform([0, 50, 900])[0] == "log1p"
    assert choose_transform([-3, 50, 900])[0] == "none"


def test_bad_parameters_and_unfitted():
    X, y = grid()
    with pytest.raises(PPAInputError, match="unknown model 'gbm'"):
        PPASurrogate(model="gbm").fit(X, y)
    with pytest.raises(PPAInputError, match="unknown split"):
        PPASurrogate(split="random").fit(X, y)
    with pytest.raises(PPAInputError, match="not fitted"):
        PPASurrogate().predict(X)
    bad = X.copy()
    bad.loc[4, "array_rows"] = np.nan
    with pytest.raises(PPAInputError, match=r"feature 'array_rows' is NaN/inf at rows \[4\]"):
        PPASurrogate(**FAST).fit(bad, y)


@pytest.mark.parametrize("family", ["random_forest", "mlp", "loglinear", pytest.param("stacked", marks=pytest.mark.slow)])
def test_other_families_fit_and_predict(family):
    X, y = grid()
    X, y = X.iloc[::2], y.iloc[::2]  # one clock per configuration: half the rows, same configurations
    s = PPASurrogate(model=family, **{**FAST, "n_trials": 1}).fit(X, y)
    out = s.predict(X.head(4))
    assert np.isfinite(out["area_um2"]).all()
    assert s.cv_metrics_.loc["area_um2", "mape_pct"] < 60
    assert set(s.tuning_["area_um2"]) == ({"xgboost", "random_forest", "mlp"} if family == "stacked" else {family})


def test_forest_prediction_without_per_tree_dispatch_is_scikit_learns():
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge

    from ppa.models import model_predict

    rng = np.random.default_rng(1)
    X, y = rng.uniform(size=(300, 4)), rng.uniform(size=300)
    for n_jobs in (1, 2):
        forest = RandomForestRegressor(n_estimators=40, n_jobs=n_jobs, random_state=0).fit(X, y)
        np.testing.assert_allclose(model_predict(forest, X[:7]), forest.predict(X[:7]), rtol=1e-12, atol=0)
    ridge = Ridge().fit(X, y)
    np.testing.assert_array_equal(model_predict(ridge, X), ridge.predict(X))
