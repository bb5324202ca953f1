"""Model bundles: identical predictions after a round trip; tampered or foreign bundles are refused."""
import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from ppa.auto import CANDIDATES
from ppa.bundle import MANIFEST, _load_model, _save_model, load_bundle, read_heldout, save_bundle
from ppa.metrics import regression_metrics
from ppa.errors import PPAInputError
from ppa.hashing import file_sha256
from ppa.models import build
from ppa.surrogate import PPASurrogate

FAST = dict(budget_s=20, n_trials=1, cv_folds=3, tune_folds=2, progress=False)


def data(n=60):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"array_rows": rng.choice([4, 8, 16, 32], n).astype(float),
                      "act_bits": rng.choice([4, 8, 16], n).astype(float),
                      "dataflow": rng.choice(["os", "ws"], n)})
    y = pd.DataFrame({"area_um2": 90.0 * X.array_rows ** 2 * X.act_bits / 8,
                      "fmax_ghz": 1.5 - 0.02 * X.act_bits + (X.dataflow == "ws") * 0.1})
    return X, y


@pytest.fixture(scope="module", params=["xgboost", "random_forest"])
def saved(request, tmp_path_factory):
    X, y = data()
    s = PPASurrogate(model=request.param, **FAST).fit(X, y)
    path = save_bundle(s, tmp_path_factory.mktemp("b") / "m", data_sha256="ab" * 32, data_path="x.csv")
    return s, path, X


def test_round_trip_identical_predictions(saved):
    s, path, X = saved
    loaded = load_bundle(path)
    assert loaded.features == ["array_rows", "act_bits", "dataflow"] and loaded.targets == ["area_um2", "fmax_ghz"]
    pd.testing.assert_frame_equal(loaded.predict(X), s.predict(X), check_exact=True)
    pd.testing.assert_frame_equal(loaded.cv_metrics_[["mape_pct", "r2"]], s.cv_metrics_[["mape_pct", "r2"]])
    m = loaded.manifest
    assert m["training_data"]["sha256"] == "ab" * 32
    assert m["targets"]["area_um2"]["transform"] == "log"
    assert m["encoder"]["ranges"]["array_rows"] == [4.0, 32.0]
    assert {"xgboost", "scikit-learn", "skops"} <= set(m["library_versions"])
    suffix = ".json" if s.model == "xgboost" else ".skops"
    models = [f for f in m["files"] if f != "heldout.csv"]
    assert all(f.endswith(suffix) for f in models) and len(models) == 2 * (1 + 3)


def test_heldout_predictions_round_trip_and_give_the_stored_errors(saved):
    """heldout.csv holds the cross-validation's out-of-fold predictions exactly; the manifest's
    held-out metrics are computed from them; each row carries its true value, fold and key."""
    s, path, X = saved
    manifest, heldout = read_heldout(path)
    pd.testing.assert_frame_equal(heldout, s.heldout_, check_exact=True)
    pd.testing.assert_frame_equal(load_bundle(path).heldout_, s.heldout_, check_exact=True)
    _, y = data()
    for target in ("area_um2", "fmax_ghz"):
        part = heldout[heldout["target"] == target]
        assert list(part["row"]) == list(range(len(X)))  # every row held out once
        np.testing.assert_array_equal(part["actual"], y[target].to_numpy())
        np.testing.assert_array_equal(part["predicted"], s.oof_[target].to_numpy())
        assert sorted(part["fold"].unique()) == [0, 1, 2]
        stored = manifest["targets"][target]["cv_metrics"]["mape_pct"]
        assert regression_metrics(part["actual"].to_numpy(), part["predicted"].to_numpy())["mape_pct"] == \
            pytest.approx(stored, rel=1e-12)
    # unseen split: a configuration's rows share one fold; the key names the configuration
    first = heldout[heldout["target"] == "area_um2"]
    assert (first.groupby("key")["fold"].nunique() == 1).all()
    row = X.iloc[0]
    assert first["key"].iloc[0] == f"array_rows={row.array_rows}|act_bits={row.act_bits}|dataflow={row.dataflow}"


def copy(path, tmp_path):
    import shutil
    dst = tmp_path / "copy"
    shutil.copytree(path, dst)
    return dst


def test_tampered_model_file_refused(saved, tmp_path):
    _, path, _ = saved
    dst = copy(path, tmp_path)
    f = dst / sorted(json.loads((dst / MANIFEST).read_text())["files"])[0]
    data_ = bytearray(f.read_bytes())
    data_[len(data_) // 2] ^= 1
    f.write_bytes(bytes(data_))
    with pytest.raises(PPAInputError, match="does not match its sha256"):
        load_bundle(dst)


def test_tampered_heldout_predictions_refused(saved, tmp_path):
    _, path, _ = saved
    dst = copy(path, tmp_path)
    text = (dst / "heldout.csv").read_text().splitlines()
    (dst / "heldout.csv").write_text("\n".join(text[:-1]) + "\n")  # one prediction dropped
    with pytest.raises(PPAInputError, match="heldout.csv does not match its sha256"):
        read_heldout(dst)


def test_manifest_schema_and_version_refused(saved, tmp_path):
    _, path, _ = saved
    dst = copy(path, tmp_path)
    manifest = json.loads((dst / MANIFEST).read_text())
    (dst / MANIFEST).write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(PPAInputError, match="v99 is not"):
        load_bundle(dst)
    v1 = {k: v for k, v in manifest.items() if k != "heldout"}
    (dst / MANIFEST).write_text(json.dumps({**v1, "format_version": 1}))
    with pytest.raises(PPAInputError, match=r"refused, format v1 predates v3, which stores the held-out predictions "
                                            r"and the column roles; retrain the bundle"):
        read_heldout(dst)
    v2 = {k: v for k, v in manifest.items() if k not in ("roles", "split")}
    (dst / MANIFEST).write_text(json.dumps({**v2, "format_version": 2}))
    with pytest.raises(PPAInputError, match=r"refused, format v2 predates v3"):
        load_bundle(dst)
    (dst / MANIFEST).write_text(json.dumps({k: v for k, v in manifest.items() if k != "encoder"}))
    with pytest.raises(PPAInputError, match=r"manifest lacks \['encoder'\]"):
        load_bundle(dst)
    broken = json.loads(json.dumps(manifest))
    del broken["targets"]["area_um2"]["transform"]
    (dst / MANIFEST).write_text(json.dumps(broken))
    with pytest.raises(PPAInputError, match="does not match the schema"):
        load_bundle(dst)
    with pytest.raises(PPAInputError, match="not a model bundle"):
        load_bundle(tmp_path)


def test_untrusted_type_refused_even_with_matching_checksum(tmp_path):
    X, y = data()
    s = PPASurrogate(model="random_forest", **FAST).fit(X, y[["area_um2"]])
    path = save_bundle(s, tmp_path / "m")
    manifest = json.loads((path / MANIFEST).read_text())
    rel = manifest["targets"]["area_um2"]["member_files"][0]
    sio.dump(FunctionTransformer(func=print), path / rel)  # a function is not a trusted type
    manifest["files"][rel] = file_sha256(path / rel)
    (path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(PPAInputError, match="outside the trusted list"):
        load_bundle(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_stacked_model_file_round_trip(tmp_path):
    """A fitted StackingRegressor (xgboost member inside) loads with the trusted-type list alone."""
    X, y = data(40)
    Z = X[["array_rows", "act_bits"]].to_numpy()
    small = {"xgboost": {"n_estimators": 5}, "random_forest": {"n_estimators": 5}, "mlp": {"width": 4, "depth": 1}}
    model = build("stacked", small).fit(Z, np.log(y["area_um2"]))
    loaded = _load_model(_save_model(model, "stacked", tmp_path / "model"), "stacked")
    np.testing.assert_array_equal(loaded.predict(Z), model.predict(Z))


@pytest.mark.parametrize("candidate", sorted(CANDIDATES))
def test_every_auto_candidate_loads_with_the_trusted_list(candidate, tmp_path):
    """Each model auto may put in a blend round-trips through skops with TRUSTED_TYPES alone (scikit-learn 1.6
    stores a GradientBoostingRegressor's loss object, e.g. AbsoluteError for gbr_l1); xgboost uses its JSON."""
    X, y = data(40)
    Z = X[["array_rows", "act_bits"]].to_numpy()
    family, params = CANDIDATES[candidate]
    model = build(family, {**params, "n_estimators": 5}).fit(Z, np.log(y["area_um2"]))
    loaded = _load_model(_save_model(model, family, tmp_path / "model"), family)
    np.testing.assert_array_equal(loaded.predict(Z), model.predict(Z))


@pytest.mark.slow
def test_stacked_round_trip(tmp_path):
    X, y = data(40)
    s = PPASurrogate(model="stacked", **{**FAST, "n_trials": 1}).fit(X, y[["area_um2"]])
    loaded = load_bundle(save_bundle(s, tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(X), s.predict(X), check_exact=True)


def test_other_library_versions_are_warned_about(saved, tmp_path, caplog):
    """A bundle written with another scikit-learn/xgboost loads (the files are checked) with one warning line."""
    import shutil

    import xgboost
    _, path, _ = saved
    copy = tmp_path / "old"
    shutil.copytree(path, copy)
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["library_versions"]["xgboost"] = "0.1.0"
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with caplog.at_level("WARNING", logger="ppa.bundle"):
        load_bundle(path)
        assert caplog.records == []
        load_bundle(copy)
    assert [r.getMessage() for r in caplog.records] == [
        f"{copy}: written with other library versions: xgboost 0.1.0 (installed {xgboost.__version__}); its "
        "predictions may differ, retrain it to be sure"]
