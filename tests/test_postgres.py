"""Four worker processes share one study in a real PostgreSQL server (Optuna's distributed mode).

Needs ``ACCEL_DSE_TEST_POSTGRES=postgresql://USER:PASSWORD@HOST/DB`` (.ci/run starts a server on
localhost and sets it); skipped with that reason otherwise.
"""
import os
import re
import subprocess
import uuid

import optuna
import pytest

from dse.record import read_study_record, trial_metrics
from dse.study import open_storage
from tests.dse_helpers import bundle_dir, cli, space_text

URL = os.environ.get("ACCEL_DSE_TEST_POSTGRES")
pytestmark = pytest.mark.skipif(not URL, reason="ACCEL_DSE_TEST_POSTGRES is not set (no PostgreSQL server to "
                                                "test against; .ci/run starts one)")
PARAMS = """array_rows = { values = [2, 4, 8] }
array_cols = { values = [2, 4, 8] }
target_clock_ghz = { low = 0.5, high = 2.0, step = 0.25 }
dataflow = { values = ["os", "ws"] }"""
SEARCH = '[search]\nworkloads = { resnet18 = 1.0 }\nconstraints = ["area_um2 <= 3e5"]\n'
TRIALS = 24


def test_four_workers_record_every_trial_once(tmp_path_factory):
    from ppa.bundle import read_manifest

    models = bundle_dir(tmp_path_factory)
    space = tmp_path_factory.mktemp("pg") / "space.toml"
    space.write_text(space_text(read_manifest(models)["features"], PARAMS, extra=SEARCH))
    name = f"pg-{uuid.uuid4().hex[:8]}"
    args = cli("search", "--space", str(space), "--models", str(models), "--storage", URL, "--study", name,
               "--trials", str(TRIALS), "--batch-size", "2", "--resume", "--quiet")
    workers = [subprocess.Popen([*args, "--seed", str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for i in range(4)]
    outputs = [w.communicate(timeout=600) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    ran = [int(re.search(r"(\d+) trials run here", out).group(1)) for out, _ in outputs]

    storage = open_storage(URL).storage
    try:
        trials = optuna.load_study(study_name=name, storage=storage).trials
        complete = [t for t in trials if t.state.name == "COMPLETE"]
        assert len(complete) == TRIALS == sum(ran)  # every trial a worker ran is recorded, once
        assert sorted(t.number for t in trials) == list(range(len(trials)))  # no number lost or repeated
        assert sum(r > 0 for r in ran) >= 2, f"the work was not shared: {ran}"
        surplus = [t for t in trials if t.state.name == "FAIL"]
        assert all(t.number >= TRIALS for t in surplus)  # only over-asked trials past the target may fail
        assert all({"runtime_s", "area_um2", "feasible"} <= set(trial_metrics(t)) for t in complete)
        assert all(set(t.constraints) == {"area_um2 <= 300000", "surrogate_trust"} for t in complete)
        assert read_study_record(optuna.load_study(study_name=name, storage=storage)).workloads == {"resnet18": 1.0}
    finally:
        optuna.delete_study(study_name=name, storage=storage)
