"""The typed study record (dse.record) and the SQLite lock: round trips, the one-line refusals of
studies accel-dse did not write (or wrote in an older layout), null for NaN/inf, and one lock per
file whichever symlinked path names it."""
import json
import math

import numpy as np
import optuna
import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.errors import DSEInputError
from dse.record import (METRICS_KEY, RECORD_KEY, RECORD_VERSION, ModelsRecord, ObjectiveRecord, SpaceRecord,
                        StudyRecord, read_study_record, trial_metrics, write_study_record, write_trial_metrics)
from dse.study import open_storage
from tests.dse_helpers import bundle_dir, space_text

PARAMS = """array_rows = { values = [2, 4] }
array_cols = { values = [2, 4] }
target_clock_ghz = { low = 0.5, high = 1.0, step = 0.25 }"""
SEARCH = '[search]\nworkloads = { resnet18 = 1.0 }\nout_of_domain = "allow"\n'

RECORD = StudyRecord(
    space=SpaceRecord(path="s.toml", sha256="ab" * 32, text="[parameters]\n", parameters={"x": "IntDistribution"},
                      fixed={"pdk": "asap7", "acc_bits": 32}, derived={"simd_lanes": "array_cols"},
                      rules={"square": "array_rows <= array_cols"}),
    objectives=(ObjectiveRecord(name="edp", direction="minimize", definition="energy_j^1 × runtime_s^1",
                                combine="product", terms={"energy_j": 1.0, "runtime_s": 1.0}),),
    constraints=("area_um2 <= 300000",), out_of_domain="penalize", uncertainty_threshold=0.25,
    workloads={"resnet18": 1.0, "bert_base": 0.5},
    models=ModelsRecord(path="/abs/models", sha256="cd" * 32, features=("array_rows",), targets=("area_um2",)),
    metric_units={"runtime_s": "s"}, memory_constants={"asap7": {"dram_pj_per_byte": 20.0}},
    accel_dse_version="0.1.0")


def memory_study(name="s"):
    return optuna.create_study(study_name=name, storage=optuna.storages.InMemoryStorage())


def test_record_round_trips_through_the_study_as_one_attribute():
    study = memory_study()
    write_study_record(study, RECORD)
    assert set(study.user_attrs) == {RECORD_KEY} and study.user_attrs[RECORD_KEY]["version"] == RECORD_VERSION
    assert read_study_record(study) == RECORD
    # What a storage keeps is the JSON text: the record survives it with its tuple fields intact.
    assert StudyRecord.from_json(json.loads(json.dumps(RECORD.to_json())), "here") == RECORD


@pytest.mark.parametrize("attrs, message", [
    ({}, r"^study 's' was not written by accel-dse \(no 'accel_dse' user attribute\)$"),
    ({"space": {"sha256": "x"}, "workloads": {"resnet18": 1.0}},
     r"^study 's' was written by an older accel-dse .*; rerun the search$"),
    ({RECORD_KEY: {**RECORD.to_json(), "version": RECORD_VERSION + 1}},
     rf"^study 's' holds an accel-dse record of version {RECORD_VERSION + 1}, this accel-dse reads version "
     rf"{RECORD_VERSION}; rerun the search with this accel-dse$"),
    ({RECORD_KEY: {k: v for k, v in RECORD.to_json().items() if k != "models"}},
     r"^study 's': malformed accel-dse record \(version 1\): KeyError: 'models'$"),
])
def test_studies_accel_dse_did_not_write_are_refused_in_one_line(attrs, message):
    study = memory_study()
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    with pytest.raises(DSEInputError, match=message):
        read_study_record(study)


def test_trial_metrics_store_nan_and_inf_as_null():
    study = memory_study()
    trial = study.ask()
    write_trial_metrics(trial, {"runtime_s": 2.5e-3, "energy_j": float("nan"), "ips_per_w": np.float64(np.inf),
                                "total_cycles": np.int64(7), "in_domain": np.bool_(True), "feasible": False,
                                "rejected": "", "area_um2": None},
                        {"area_um2 <= 300000": -0.5})
    study.tell(trial, 1.0)
    frozen = study.trials[0]
    stored = frozen.user_attrs[METRICS_KEY]
    json.dumps(stored, allow_nan=False)  # standard JSON: no NaN/Infinity literals
    assert stored == {"runtime_s": 2.5e-3, "energy_j": None, "ips_per_w": None, "total_cycles": 7.0,
                      "in_domain": True, "feasible": False, "rejected": "", "area_um2": None}
    metrics = trial_metrics(frozen)
    assert math.isnan(metrics["energy_j"]) and math.isnan(metrics["ips_per_w"]) and metrics["in_domain"] is True
    assert frozen.constraints == {"area_um2 <= 300000": -0.5}
    assert trial_metrics(optuna.trial.create_trial(value=1.0)) == {}  # never evaluated


def test_sqlite_lock_is_per_file_through_symlinks(tmp_path):
    """Issue 17: a second search through a symlinked path got past the lock (paths were compared)."""
    (tmp_path / "real").mkdir()
    db = tmp_path / "real" / "study.db"
    (tmp_path / "link.db").symlink_to(db)
    (tmp_path / "dirlink").symlink_to(tmp_path / "real", target_is_directory=True)
    held = open_storage(f"sqlite:///{db}")
    try:
        for alias in (tmp_path / "link.db", tmp_path / "dirlink" / "study.db", tmp_path / "real" / ".." / "real" / "study.db"):
            with pytest.raises(DSEInputError, match="in use by another accel-dse process"):
                open_storage(f"sqlite:///{alias}")
    finally:
        held.close()
    again = open_storage(f"sqlite:///{tmp_path / 'link.db'}")  # released on close
    optuna.create_study(study_name="via-link", storage=again.storage)
    again.close()
    assert optuna.get_all_study_names(f"sqlite:///{db}") == ["via-link"]  # the link reached the real file


def test_a_file_that_is_not_a_database_is_refused_and_not_left_locked(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("these are notes, not a SQLite database\n" * 50)
    for _ in range(2):  # the second attempt must see the same error, not "in use"
        with pytest.raises(DSEInputError, match=r"notes.db: cannot open it as an Optuna study database"):
            open_storage(f"sqlite:///{bad}")


def test_resuming_a_study_of_the_older_layout_says_rerun(tmp_path_factory, tmp_path):
    from ppa.bundle import read_manifest

    models = bundle_dir(tmp_path_factory)
    space = tmp_path / "space.toml"
    space.write_text(space_text(read_manifest(models)["features"], PARAMS, extra=SEARCH))
    db = tmp_path / "old.db"
    old = optuna.create_study(study_name="old", storage=f"sqlite:///{db}", directions=["minimize", "minimize"])
    for key, value in {"space": {"sha256": "0" * 64}, "objectives": ["runtime_s", "area_um2"],
                       "workloads": {"resnet18": 1.0}}.items():
        old.set_user_attr(key, value)
    result = CliRunner().invoke(main, ["search", "--quiet", "--space", str(space), "--models", str(models),
                                       "--storage", f"sqlite:///{db}", "--study", "old", "--trials", "2", "--resume"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: study 'old' was written by an older accel-dse (one user attribute per field, no 'accel_dse' "
        "record); rerun the search"]
    assert not optuna.load_study(study_name="old", storage=f"sqlite:///{db}").trials


def test_reading_takes_no_lock_and_creates_no_file(tmp_path):
    db = tmp_path / "study.db"
    with pytest.raises(DSEInputError, match=r"sqlite file '.*study.db' does not exist"):
        open_storage(f"sqlite:///{db}", read_only=True)
    assert not db.exists()
    held = open_storage(f"sqlite:///{db}")  # a search is running
    try:
        optuna.create_study(study_name="running", storage=held.storage)
        assert optuna.get_all_study_names(open_storage(f"sqlite:///{db}", read_only=True).storage) == ["running"]
    finally:
        held.close()
