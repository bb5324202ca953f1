"""The default model family ``auto``, the whole-fit time budget and the split description."""
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

from ppa import auto
from ppa.budget import FitClock
from ppa.bundle import load_bundle, save_bundle
from ppa.errors import PPAInputError
from ppa.metrics import objective_error, regression_metrics
from ppa.models import DEFAULTS, BlendRegressor, build
from ppa.splits import describe_split, make_folds
from ppa.surrogate import PPASurrogate


def wide_range(n=90, seed=0):
    """A target spanning three decades, multiplicative in its two knobs (log space is the right one)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"unroll": rng.choice([1, 2, 4, 8, 16, 32], n).astype(float),
                      "tile": rng.choice([1, 4, 16], n).astype(float)})
    y = 1e5 / X["unroll"] * (1 + 0.3 * np.log2(X["tile"])) * (1 + 0.05 * rng.random(n))
    return X, pd.DataFrame({"latency_cycles": y})


def test_blend_is_the_weighted_average_of_its_members_in_target_units():
    X, y = np.zeros((4, 1)), np.array([1.0, 2.0, 3.0, 4.0])
    blend = BlendRegressor([{"estimator": DummyRegressor(), "transform": "none", "weight": 1.0},
                            {"estimator": DummyRegressor(), "transform": "log", "weight": 3.0}]).fit(X, y)
    geometric = np.exp(np.log(y).mean())
    assert blend.weights_.tolist() == [0.25, 0.75]
    assert blend.predict(X) == pytest.approx(np.full(4, 0.25 * 2.5 + 0.75 * geometric))


def test_greedy_blend_averages_complementary_errors_and_keeps_a_perfect_member_alone():
    y = np.linspace(1, 2, 50)
    weights = auto.greedy(y, {"high": y * 1.1, "low": y * 0.9, "flat": np.full(50, 1.5)})
    assert weights == {"high": 0.5, "low": 0.5}
    weights, error = auto.blend(y, {"high": y * 1.1, "low": y * 0.9, "flat": np.full(50, 1.5)})
    assert weights == {"high": 0.5, "low": 0.5} and error == pytest.approx(0.0, abs=1e-9)  # every bag agrees
    weights, error = auto.blend(y, {"exact": y.copy(), "high": y * 1.1})
    assert weights == {"exact": 1.0} and error == 0.0
    rng = np.random.default_rng(0)  # two equally good, independent candidates: the bags share the weight
    a, b = y * (1 + 0.1 * rng.standard_normal(50)), y * (1 + 0.1 * rng.standard_normal(50))
    weights, error = auto.blend(y, {"a": a, "b": b})
    assert 0.2 < weights["a"] < 0.8 and error < min(objective_error(y, a), objective_error(y, b))


def test_selection_tries_the_log_space_and_beats_every_candidate_on_its_folds():
    X, y = wide_range()
    z, Z = y["latency_cycles"].to_numpy(), X.to_numpy()
    folds = make_folds("mixed", np.arange(len(z)), 3, 0)
    repeats = [make_folds("mixed", np.arange(len(z)), 5, seed) for seed in (1, 2)]
    chosen = auto.select(Z, z, folds, repeats, budget_s=60, reserve_fits=8, n_trials=3)
    assert {f"{c}/{t}" for c, t in auto.candidate_order(["none", "log"])} <= set(chosen.candidates)
    assert "xgboost_tuned/log" in chosen.candidates and chosen.tuning["trials"] == 3
    assert chosen.error <= 1.05 * min(c["error"] for c in chosen.candidates.values())
    assert all(m["transform"] == "log" for m in chosen.params["members"])  # relative error wins on three decades
    assert sum(m["weight"] for m in chosen.params["members"]) == pytest.approx(1.0)
    built = BlendRegressor([{**m, "estimator": DummyRegressor()} for m in chosen.params["members"]])
    assert built.get_params()["members"][0]["family"] in ("gbr", "random_forest", "xgboost")


def test_the_plain_baselines_are_candidates_with_their_libraries_default_parameters():
    X, y = wide_range(60)
    Z, z = X.to_numpy(), y["latency_cycles"].to_numpy()
    plain = {"gbr": GradientBoostingRegressor(random_state=0), "random_forest": RandomForestRegressor(random_state=0),
             "xgboost": xgb.XGBRegressor(random_state=0)}
    for name, baseline in plain.items():
        family, params = auto.CANDIDATES[name]
        assert np.array_equal(build(family, params, seed=0).fit(Z, z).predict(Z), baseline.fit(Z, z).predict(Z)), name


def test_counts_with_zeros_are_tried_on_log1p_and_the_blend_is_no_worse_than_its_best_candidate():
    """DSP-like counts: 0 for the narrowest datapath, then doubling with the width (three decades)."""
    rng = np.random.default_rng(1)
    n = 120
    X = np.column_stack([rng.integers(0, 10, n).astype(float), rng.random(n)])
    y = np.where(X[:, 0] == 0, 0.0, 2.0 ** X[:, 0])
    repeats = [make_folds("mixed", np.arange(n), 5, seed) for seed in (1, 2)]
    chosen = auto.select(X, y, make_folds("mixed", np.arange(n), 3, 0), repeats, budget_s=60, reserve_fits=8,
                         n_trials=0)
    assert {f"{c}/{t}" for c, t in auto.candidate_order(["none", "log1p"])} == set(chosen.candidates)
    assert chosen.tuning == {}  # n_trials=0: no tuning
    assert chosen.error <= min(c["error"] for c in chosen.candidates.values()) + 0.01  # bagging may share a little
    assert chosen.error < 1.0  # every width is in every training fold: the trees reproduce the counts


def test_a_value_most_rows_share_is_fitted_by_the_median_booster():
    """A BRAM-like count: 64 on 95 % of the rows, a few unrelated outliers (8 … 512). The MAPE-optimal
    prediction is 64 everywhere; squared-error models are pulled towards the outliers, the absolute-error
    booster (``gbr_l1``, in log space) is not, so the blend is mostly it and beats every plain baseline."""
    rng = np.random.default_rng(3)
    n = 100
    X = rng.random((n, 4))
    y = np.full(n, 64.0)
    odd = rng.choice(n, 5, replace=False)
    y[odd] = rng.choice([8.0, 16.0, 256.0, 512.0], 5)
    repeats = [make_folds("mixed", np.arange(n), 5, seed) for seed in (1, 2, 3)]
    chosen = auto.select(X, y, make_folds("mixed", np.arange(n), 3, 0), repeats, budget_s=120, reserve_fits=8,
                         n_trials=0)
    weights = {m["name"]: m["weight"] for m in chosen.params["members"]}
    assert max(weights, key=weights.get) == "gbr_l1/log"
    ideal = objective_error(y, np.full(n, 64.0))  # the constant 64: wrong only on the five outliers
    assert chosen.error < 1.2 * ideal < 0.8 * min(chosen.candidates[f"{c}/none"]["error"] for c in auto.PLAIN)


def test_candidates_are_scored_plain_baselines_first_and_extra_trees_is_scikit_learns():
    assert auto.candidate_order(["none", "log"]) == [
        ("gbr", "none"), ("xgboost", "none"), ("random_forest", "none"), ("gbr", "log"), ("xgboost", "log"),
        ("random_forest", "log"), ("extra_trees", "log"), ("gbr_l1", "log"), ("xgboost_fine", "log"),
        ("extra_trees", "none"), ("xgboost_fine", "none")]
    assert [t for _, t in auto.candidate_order(["none"])] == ["none"] * 5  # no transform: no gbr_l1
    X, y = wide_range(60)
    family, params = auto.CANDIDATES["extra_trees"]
    assert np.array_equal(build(family, params, seed=0).fit(X, y["latency_cycles"]).predict(X),
                          ExtraTreesRegressor(random_state=0).fit(X, y["latency_cycles"]).predict(X))


def test_relative_scale_is_the_mape_optimal_factor():
    y = np.linspace(1, 100, 200)
    assert auto.relative_scale(y, 1.1 * y) == pytest.approx(1 / 1.1)  # a systematic 10 % over-prediction undone
    rng = np.random.default_rng(0)
    pred = y * rng.lognormal(0.05, 0.3, y.size)
    scale = auto.relative_scale(y, pred)
    grid = np.linspace(0.5, 1.5, 2001)
    assert objective_error(y, scale * pred) <= min(objective_error(y, g * pred) for g in grid) + 1e-9
    assert scale < 1  # noisy (log-normal) predictions: the relative-error optimum sits below their median
    assert auto.relative_scale(np.array([0.0] * 19 + [4.0]), np.ones(20)) == 1.0  # not a MAPE criterion
    blend = BlendRegressor([{"estimator": DummyRegressor(), "transform": "none", "weight": 1.0}], scale=0.5)
    assert blend.fit(np.zeros((2, 1)), np.array([2.0, 4.0])).predict(np.zeros((1, 1))) == pytest.approx([1.5])
    state = blend.__getstate__()
    del state["scale"]  # a blend pickled before the scale existed
    old = BlendRegressor.__new__(BlendRegressor)
    old.__setstate__(state)
    assert old.predict(np.zeros((1, 1))) == pytest.approx([3.0])


def test_target_spaces_and_selection_plan():
    assert auto.target_spaces(np.array([1.0, 2.0])) == ["none", "log"]
    assert auto.target_spaces(np.array([0.0, 2.0, 3.0])) == ["none", "log1p"]  # counts with zeros
    assert auto.target_spaces(np.array([-1.0, 2.0])) == ["none"]
    assert auto.target_spaces(np.zeros(3)) == ["none"]
    assert auto.selection_plan(80, 80) == (5, 3)  # few rows: repeated 5-fold
    assert auto.selection_plan(200, 200) == (5, 2)
    assert auto.selection_plan(1280, 400) == (5, 1)
    assert auto.selection_plan(90, 3) == (3, 3)  # fewer groups than folds: one group per fold


def test_auto_surrogate_round_trips_through_a_bundle(tmp_path):
    X, y = wide_range()
    s = PPASurrogate(model="auto", split="mixed", budget_s=60, n_trials=2, cv_folds=3, tune_folds=3,
                     progress=False).fit(X, y)
    assert s.transforms_["latency_cycles"]["transform"] == "none"  # each member has its own
    info = s.tuning_["latency_cycles"]["auto"]
    assert info["cv_error"] <= 1.05 * min(c["error"] for c in info["candidates"].values())
    assert s.cv_metrics_.loc["latency_cycles", "mape_pct"] < 10
    loaded = load_bundle(save_bundle(s, tmp_path / "b"))
    assert np.allclose(loaded.predict(X)["latency_cycles"], s.predict(X)["latency_cycles"])
    assert loaded.manifest["targets"]["latency_cycles"]["family"] == "auto"


def test_budget_too_small_for_one_fit_is_one_clear_line():
    X, y = wide_range(300)
    with pytest.raises(PPAInputError, match=r"budget_s=0 \(--budget-s\) is too small: one xgboost fit of "
                                            r"'latency_cycles' takes ~\S+ s on 300 rows, so its 5-fold held-out error "
                                            r"and final fit alone need ~\d+ s; give --budget-s \d+ or more \(1 "
                                            r"target\(s\)\)$"):
        PPASurrogate(model="xgboost", budget_s=0.01, n_trials=3, progress=False).fit(X, y)


def test_groups_may_be_a_column_that_is_not_a_feature_and_the_split_says_what_a_group_is():
    X, y = wide_range()
    design = pd.DataFrame({"design": [f"k{i // 3}" for i in range(len(X))]})  # 30 designs, 3 runs each
    s = PPASurrogate(model="random_forest", budget_s=30, n_trials=1, cv_folds=3, tune_folds=2, progress=False)
    s.fit(X, y, groups=design)
    assert s.group_by_ == ["design"] and s.cv_metrics_.loc["latency_cycles", "configs"] == 30
    assert set(s.heldout_["key"].str.split("=").str[0]) == {"design"}
    folds = s.heldout_.groupby("key")["fold"].nunique()
    assert (folds == 1).all()  # a design's runs are held out together
    assert s.split_description_ == ("unseen split: a group is one distinct combination of design; 30 groups in 90 "
                                    "rows, each held out whole (never on both sides of a fold)")


def test_split_descriptions():
    assert describe_split("unseen", ["a", "b"], "all features", 40, 40) == (
        "unseen split, but every one of the 40 rows is its own group (one distinct combination of a, b (no "
        "configuration key found: no architecture columns, no --group-by)), so this is a row-wise (mixed) error; "
        "give --group-by to hold out whole configurations")
    assert describe_split("mixed", ["a"], "given", 5, 40).startswith("mixed split: rows held out at random (40 rows)")
    with pytest.raises(PPAInputError, match="model family 'auto' is chosen per target by PPASurrogate.fit"):
        build("auto")


def test_the_criterion_is_the_reported_mape_also_for_counts_with_many_zeros():
    y = np.array([0.0, 0.0, 0.0, 10.0, 20.0])  # 60 % zeros: still the MAPE over the two positive rows
    p = np.array([5.0, 5.0, 5.0, 11.0, 18.0])
    assert objective_error(y, p) == pytest.approx(100 * (0.1 + 0.1) / 2)
    assert objective_error(y, p) == pytest.approx(regression_metrics(y, p)["mape_pct"])
    y = np.array([0.0] * 19 + [4.0])  # 5 % positive: a normalised RMSE
    assert objective_error(y, np.zeros(20)) == pytest.approx(np.sqrt(16 / 20) / y.std())


# ---------------------------------------------------------------- the whole-fit budget under a load change
class SlowModel(RegressorMixin, BaseEstimator):
    """A regressor whose fit takes ``SECONDS[family] × n_estimators/100 × load`` seconds of a fake clock
    (``Fake.now``); the machine's load rises to ``Fake.later_load`` after ``Fake.change_after`` fits. Its
    predictions are a shallow tree's, of a depth per family, so the candidates' errors differ."""

    SECONDS = {"gbr": 1.0, "xgboost": 1.0, "random_forest": 2.0, "extra_trees": 2.0}
    DEPTH = {"gbr": 3, "xgboost": 4, "random_forest": 6, "extra_trees": 5}

    def __init__(self, family="gbr", params=None):
        self.family = family
        self.params = params

    def fit(self, X, y):
        Fake.fits += 1
        if Fake.fits > Fake.change_after:
            Fake.load = Fake.later_load
        trees = (self.params or {}).get("n_estimators", 100)
        Fake.now += self.SECONDS[self.family] * trees / 100 * Fake.load
        self.tree_ = DecisionTreeRegressor(max_depth=self.DEPTH[self.family], random_state=0).fit(X, y)
        return self

    def predict(self, X):
        return self.tree_.predict(X)


class Fake:
    now, fits, load, change_after, later_load = 0.0, 0, 1.0, 10**9, 1.0

    @staticmethod
    def build(family, params=None, *, seed=0, n_jobs=1, n_terms=0):
        if family == "auto":
            return BlendRegressor([{**m, "estimator": Fake.build(m["family"], m["params"])} for m in params["members"]])
        return SlowModel(family, params)


@pytest.fixture
def fake_time(monkeypatch):
    """Every model is a SlowModel and the clock advances only when one is fitted: a deterministic load change."""
    from types import SimpleNamespace

    import ppa.budget
    import ppa.surrogate
    import ppa.tuning
    Fake.now, Fake.fits, Fake.load, Fake.change_after, Fake.later_load = 0.0, 0, 1.0, 10**9, 1.0
    monkeypatch.setattr(ppa.budget, "time", SimpleNamespace(perf_counter=lambda: Fake.now))
    for module in (auto, ppa.tuning, ppa.surrogate):
        monkeypatch.setattr(module, "build", Fake.build)
    return Fake


def test_fit_clock_estimates_follow_a_load_change():
    now = [0.0]
    clock = FitClock(100.0, now=lambda: now[0])
    for _ in range(5):
        clock.record("a", 1.0)
    clock.record("b", 0.5)
    assert clock.estimate("a") == 1.0 and clock.estimate("b") == 0.5
    assert clock.estimate("never fitted", default=2.0) == 2.0
    clock.record("a", 3.0)
    assert clock.estimate("b") == 0.5  # one slow fit is not yet a slowdown
    clock.record("a", 3.0)  # the machine got three times slower
    assert clock.slowdown("b") == 3.0 and clock.estimate("b") == 1.5  # b not refitted since: charged for it
    assert clock.slowdown("a") == 1.0 and clock.estimate("a") == 3.0  # a's own latest fits show it
    clock.record("b", 1.5)
    assert clock.estimate("b") == pytest.approx(1.4)  # its own fits' 90 % quantile, not charged twice
    clock.record("b", 0.01)  # fits under NOISE_S give no load ratio
    assert [r for _, r in clock.ratios] == [1.0] * 4 + [3.0] * 3
    now[0] = 40.0
    assert clock.left() == 60.0 and clock.elapsed() == 40.0


def test_fit_clock_estimates_do_not_drift_on_a_steady_noisy_machine():
    rng = np.random.default_rng(0)
    clock = FitClock(100.0, now=lambda: 0.0)
    usual = {f"model {i}": 0.1 * (i + 1) for i in range(8)}
    ratios = []
    for target in range(20):  # 800 fits, each ±30 % (log-normal) around its model's usual time
        for name, seconds in usual.items():
            for _ in range(5):
                clock.record(f"{target}: {name}", seconds * rng.lognormal(0, 0.3))
        ratios += [clock.estimate(f"{target}: {name}") / seconds for name, seconds in usual.items()]
    assert 1.0 < np.median(ratios) < 1.6 and np.median(ratios[-40:]) < 1.6 and max(ratios) < 3.5  # cautious, not growing


def test_selection_leaves_the_reserved_fits_time_when_the_machine_slows_down_halfway(fake_time):
    X, y = wide_range()
    z, Z = y["latency_cycles"].to_numpy(), X.to_numpy()
    folds = make_folds("mixed", np.arange(len(z)), 3, 0)
    repeats = [make_folds("mixed", np.arange(len(z)), 5, seed) for seed in (1, 2)]
    chosen = auto.select(Z, z, folds, repeats, budget_s=400, reserve_fits=8, n_trials=5)
    assert len(chosen.candidates) == 12 and chosen.seconds < 400 - 8 * chosen.fit_s  # steady load: all candidates
    fake_time.now, fake_time.fits, fake_time.change_after, fake_time.later_load = 0.0, 0, 30, 4.0
    clock = FitClock(1000)
    chosen = auto.select(Z, z, folds, repeats, budget_s=400, reserve_fits=8, n_trials=5, clock=clock)
    assert max(r for _, r in clock.ratios) == pytest.approx(4.0)  # seen on the way
    blend_s = sum(SlowModel.SECONDS[m["family"]] * m["params"].get("n_estimators", 100) / 100 * 4.0
                  for m in chosen.params["members"])  # one fit of the blend at the load it now runs at
    assert chosen.fit_s >= blend_s - 1e-9  # planned with the fit time it now has, not the one measured first
    assert chosen.seconds + 8 * blend_s <= 400  # the blend's later fits still fit in the budget
    assert len(chosen.candidates) < 12  # the slowdown cost candidates (skipped or stopped half-way)


def test_the_blend_falls_back_to_cheaper_candidates_when_its_later_fits_would_not_fit():
    y = np.linspace(1, 2, 50)
    oofs = {"exact_but_slow": y.copy(), "fair": y * 1.05, "poor": y * 1.2}
    cost = {"exact_but_slow": 10.0, "fair": 1.0, "poor": 0.5}

    def reserve(names):
        return sum(cost[n] for n in names)

    assert auto._affordable_blend(y, oofs, reserve, lambda: 20.0)[0] == {"exact_but_slow": 1.0}
    assert auto._affordable_blend(y, oofs, reserve, lambda: 5.0)[0] == {"fair": 1.0}
    assert auto._affordable_blend(y, oofs, reserve, lambda: 0.1)[0] == {"poor": 1.0}  # the cheapest, last resort


def test_the_whole_fit_holds_its_budget_when_the_machine_slows_down(fake_time):
    X, y = wide_range(120)
    y = y.assign(area=y["latency_cycles"] ** 0.5, power=np.log(y["latency_cycles"]))
    # steady; 3× slower from the 100th fit; 8× slower from the 150th, while the second target is being chosen
    for change_after, later_load in ((10**9, 1.0), (100, 3.0), (150, 8.0)):
        fake_time.now, fake_time.fits, fake_time.load = 0.0, 0, 1.0
        fake_time.change_after, fake_time.later_load = change_after, later_load
        s = PPASurrogate(model="auto", split="mixed", budget_s=600, n_trials=10, progress=False).fit(X, y)
        assert s.fit_seconds_ == fake_time.now  # only the fake fits took (fake) time
        assert s.fit_seconds_ <= 600, (change_after, later_load, s.fit_seconds_)  # was 639 s with a lagging load
        assert all(np.isfinite(s.cv_metrics_["mape_pct"]))


def test_too_little_time_to_compare_candidates_takes_the_first_one_unscored(fake_time):
    X, y = wide_range()
    z, Z = y["latency_cycles"].to_numpy(), X.to_numpy()
    folds = make_folds("mixed", np.arange(len(z)), 3, 0)
    repeats = [make_folds("mixed", np.arange(len(z)), 5, seed) for seed in (1, 2)]
    clock = FitClock(1000)
    clock.record("power: gbr", 1.0)  # another target's gbr fit took 1 s: scoring it (10 fits) + 8 later fits > 15 s
    chosen = auto.select(Z, z, folds, repeats, budget_s=15, reserve_fits=8, n_trials=5, clock=clock, tag="area: ")
    assert chosen.params["members"] == [{"name": "gbr/none", "family": "gbr", "params": DEFAULTS["gbr"],
                                         "transform": "none", "weight": 1.0}]
    assert chosen.candidates == {} and np.isnan(chosen.error) and chosen.fit_s == 1.0 and fake_time.fits == 0
    chosen = auto.select(Z, z, folds, repeats, budget_s=30, reserve_fits=8, n_trials=5, clock=clock, tag="area: ")
    assert "gbr/none" in chosen.candidates and fake_time.fits >= 10  # 18 s of work fit in 30 s: compared
