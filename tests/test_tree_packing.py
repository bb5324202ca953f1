"""Tree ensembles stored packed: bit-identical predictions after a skops round trip, a schema that does not grow
with the number of trees, the original model untouched, and packed arrays that do not describe whole trees refused."""
import io
import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression

from ppa.bundle import TRUSTED_TYPES, _load_model, _save_model
from ppa.errors import PPAInputError
from ppa.models import build
from ppa.tree_packing import PackedModel, pack, unpack

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 6))
Y = np.exp(X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.1 * rng.normal(size=120))

ENSEMBLES = {"random_forest": RandomForestRegressor(n_estimators=30, random_state=1),
             "extra_trees": ExtraTreesRegressor(n_estimators=30, random_state=1),
             "gbr": GradientBoostingRegressor(n_estimators=30, random_state=1),
             "gbr_l1": GradientBoostingRegressor(loss="absolute_error", n_estimators=30, subsample=0.8, random_state=1)}


def round_trip(model):
    data = sio.dumps(pack(model))
    return unpack(sio.loads(data, trusted=list(TRUSTED_TYPES))), data


@pytest.mark.parametrize("name", sorted(ENSEMBLES))
def test_ensemble_round_trip_is_bit_identical(name):
    model = ENSEMBLES[name].fit(X, Y)
    loaded, _ = round_trip(model)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert np.shape(loaded.estimators_) == np.shape(model.estimators_)
    assert loaded.get_params() == model.get_params()
    for a, b in zip(np.ravel(loaded.estimators_), np.ravel(model.estimators_)):
        assert a.tree_.node_count == b.tree_.node_count and a.tree_.max_depth == b.tree_.max_depth
        assert a.get_params(deep=False).keys() == b.get_params(deep=False).keys()
        if isinstance(model, (RandomForestRegressor, ExtraTreesRegressor)):
            assert a.random_state == b.random_state  # each tree's own int seed
        np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
        np.testing.assert_array_equal(a.tree_.value, b.tree_.value)
    assert len(model.estimators_) == 30  # pack left the model itself whole


def test_blend_members_are_packed_and_round_trip():
    members = [{"name": "a", "family": "random_forest", "params": {"n_estimators": 20}, "transform": "log", "weight": 0.5},
               {"name": "b", "family": "xgboost", "params": {"n_estimators": 20}, "transform": "none", "weight": 0.3},
               {"name": "c", "family": "gbr", "params": {"n_estimators": 20}, "transform": "log", "weight": 0.2}]
    blend = build("auto", {"members": members, "scale": 0.97}).fit(X, Y)
    stored = pack(blend)
    assert isinstance(stored, PackedModel) and sorted(stored.packed) == ["member 0", "member 2"]
    loaded, _ = round_trip(blend)
    np.testing.assert_array_equal(loaded.predict(X), blend.predict(X))
    assert [type(e) for e in loaded.estimators_] == [type(e) for e in blend.estimators_]


def test_schema_does_not_grow_with_the_trees():
    """skops spells out every unpacked tree in its JSON schema (~25 KB each); packed, the trees are a few arrays."""
    def schema_bytes(n):
        _, data = round_trip(RandomForestRegressor(n_estimators=n, random_state=0).fit(X, Y))
        return len(zipfile.ZipFile(io.BytesIO(data)).read("schema.json"))
    assert abs(schema_bytes(200) - schema_bytes(10)) < 10  # the digits of n_estimators and seeds
    plain = len(zipfile.ZipFile(io.BytesIO(sio.dumps(RandomForestRegressor(n_estimators=10).fit(X, Y)))).read("schema.json"))
    assert schema_bytes(10) < plain / 3


def test_models_without_trees_are_stored_as_they_are():
    for model in (LinearRegression().fit(X, Y), RandomForestRegressor(), build("xgboost", {"n_estimators": 5}).fit(X, Y)):
        assert pack(model) is model and unpack(model) is model


@pytest.mark.parametrize("field, change, message", [
    ("node_counts", lambda p: p.node_counts.__setitem__(0, p.node_counts[0] + 1), "trees of"),
    ("nodes", lambda p: p.nodes["left_child"].__setitem__(0, 10_000), "left_child lies outside its tree"),
    ("nodes", lambda p: p.nodes["feature"].__setitem__(0, 6), "not one of the 6 features"),
])
def test_packed_arrays_that_are_not_whole_trees_are_refused(tmp_path, field, change, message):
    model = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, Y)
    stored = pack(model)
    trees, _ = stored.packed["model"]
    change(trees)
    path = tmp_path / "model.skops"
    sio.dump(stored, path)
    with pytest.raises(PPAInputError, match=f"model.skops: refused, its packed trees do not rebuild .*{message}"):
        _load_model(path, "random_forest")
    path = _save_model(model, "random_forest", tmp_path / "ok")  # the untouched model loads
    np.testing.assert_array_equal(_load_model(path, "random_forest").predict(X), model.predict(X))
