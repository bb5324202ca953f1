"""Studies through the CLI and dse.study: the study contract (metrics on every trial, study attributes),
resume rules, SQLite's one-worker lock, samplers, rule-rejected trials and constraints."""

import math
import re

import optuna
import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.metrics import METRIC_UNITS, WORKLOAD_METRICS
from dse.errors import DSEInputError
from dse.record import RECORD_KEY, read_study_record, trial_metrics
from dse.study import open_storage
from tests.dse_helpers import bundle_dir, space_text

PARAMS = """array_rows = { values = [2, 4, 8] }
array_cols = { values = [2, 4, 8] }
target_clock_ghz = { low = 0.5, high = 2.0, step = 0.25 }
dataflow = { values = ["os", "ws"] }"""
SEARCH = '[search]\nworkloads = { resnet18 = 1.0 }\nconstraints = ["area_um2 <= 3e5"]\nout_of_domain = "allow"\n'


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return bundle_dir(tmp_path_factory)


def write_space(tmp_path, models, extra=SEARCH, objectives="", name="space.toml"):
    from ppa.bundle import read_manifest

    path = tmp_path / name
    path.write_text(space_text(read_manifest(models)["features"], PARAMS, extra=extra, objectives=objectives))
    return path


def search(*args):
    return CliRunner().invoke(main, ["search", "--quiet", *map(str, args)])


def load(db, name):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{db}")


def test_search_stores_every_metric_and_the_study_contract(tmp_path, models):
    space, db = write_space(tmp_path, models), tmp_path / "s.db"
    result = search("--space", space, "--models", models, "--trials", 8, "--batch-size", 4, "--seed", 1,
                    "--storage", f"sqlite:///{db}", "--study", "s1")
    assert result.exit_code == 0, result.output
    assert "8 trials run here, 8 finished" in result.output
    study = load(db, "s1")
    assert set(study.user_attrs) == {RECORD_KEY}  # one record, nothing else
    record = read_study_record(study)
    assert record.workloads == {"resnet18": 1.0}
    assert record.constraints == ("area_um2 <= 300000",)
    assert [o.name for o in record.objectives] == ["runtime_s", "area_um2"]
    assert record.models.path == str(models.resolve()) and len(record.models.sha256) == 64
    assert record.space.sha256 and record.space.text == space.read_text()
    assert record.metric_units["edp_js"].startswith("J·s")
    trials = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(trials) == 8 and sorted(t.number for t in trials) == list(range(8))
    wanted = (set(METRIC_UNITS) | {f"resnet18.{m}" for m in WORKLOAD_METRICS}
              | {"in_domain", "uncertain", "feasible", "rejected"})
    for trial in trials:
        assert set(trial.user_attrs) == {"metrics"}  # one attribute per trial
        attrs = trial_metrics(trial)
        assert wanted <= set(attrs) and attrs["rejected"] == ""
        # Reports read these directly: they must be consistent without re-evaluation.
        assert trial.values == [attrs["runtime_s"], attrs["area_um2"]]
        assert attrs["runtime_s"] == pytest.approx(attrs["total_cycles"] / (attrs["clock_ghz"] * 1e9))
        assert attrs["clock_ghz"] == pytest.approx(min(trial.params["target_clock_ghz"], attrs["fmax_ghz"]))
        assert trial.constraints == {"area_um2 <= 300000": pytest.approx((attrs["area_um2"] - 3e5) / 3e5)}
        assert attrs["feasible"] == (attrs["area_um2"] <= 3e5)
    best = study.best_trials
    assert best and all(trial_metrics(t)["feasible"] for t in best)
    # the recommended designs are printed with the clock each achieves, not only its target
    printed = re.findall(r"^  (best runtime_s|best area_um2)[^(]*\(trial (\d+)\): .*runs at (its )?([\d.]+) GHz",
                         result.output, re.M)
    assert {role for role, *_ in printed} == {"best runtime_s", "best area_um2"}, result.output
    for _, number, _, clock in printed:
        assert float(clock) == pytest.approx(trial_metrics(study.trials[int(number)])["clock_ghz"], abs=5e-4)


def test_existing_study_needs_resume_and_resume_continues(tmp_path, models):
    space, db = write_space(tmp_path, models), tmp_path / "s.db"
    args = ["--space", space, "--models", models, "--storage", f"sqlite:///{db}", "--study", "r", "--sampler", "random"]
    assert search(*args, "--trials", 4).exit_code == 0
    first = {t.number: t.values for t in load(db, "r").trials}
    again = search(*args, "--trials", 6)
    assert again.exit_code != 0 and "already exists" in again.output and "--resume" in again.output
    resumed = search(*args, "--trials", 6, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "2 trials run here, 6 finished" in resumed.output
    trials = load(db, "r").trials
    assert len(trials) == 6 and all(trials[n].values == values for n, values in first.items())

    other = write_space(tmp_path, models, extra=SEARCH.replace("3e5", "4e5"), name="other.toml")
    refused = search("--space", other, *args[2:], "--trials", 8, "--resume")
    assert refused.exit_code != 0 and "created from another space file" in refused.output


def test_sqlite_takes_one_worker_at_a_time(tmp_path, models):
    space, db = write_space(tmp_path, models), tmp_path / "s.db"
    held = open_storage(f"sqlite:///{db}")
    try:
        result = search("--space", space, "--models", models, "--storage", f"sqlite:///{db}", "--trials", 2)
        assert result.exit_code != 0
        assert "in use by another accel-dse process" in result.output and "postgresql://" in result.output
    finally:
        held.close()
    assert search("--space", space, "--models", models, "--storage", f"sqlite:///{db}", "--trials", 2).exit_code == 0


@pytest.mark.parametrize("sampler, objectives", [
    ("nsga2", ""),
    ("random", ""),
    ("gp", '[[objectives]]\nname = "energy_x_area"\nproduct = { energy_j = 1, area_um2 = 1 }\n'),
])
def test_samplers(tmp_path, models, sampler, objectives):
    space, db = write_space(tmp_path, models, objectives=objectives), tmp_path / "s.db"
    result = search("--space", space, "--models", models, "--storage", f"sqlite:///{db}", "--study", "x",
                    "--sampler", sampler, "--trials", 5, "--seed", 0)
    assert result.exit_code == 0, result.output
    trials = load(db, "x").trials
    assert len(trials) == 5 and all(t.state.name == "COMPLETE" for t in trials)
    if objectives:
        for t in trials:
            metrics = trial_metrics(t)
            assert t.value == pytest.approx(metrics["energy_j"] * metrics["area_um2"])


def test_rule_violations_are_pruned_with_the_reason(tmp_path, models):
    extra = '[rules]\nsquare_or_wide = "array_cols >= array_rows"\n\n' + SEARCH
    space, db = write_space(tmp_path, models, extra=extra), tmp_path / "s.db"
    result = search("--space", space, "--models", models, "--storage", f"sqlite:///{db}", "--study", "p",
                    "--sampler", "random", "--trials", 12, "--seed", 3, "--batch-size", 3)
    assert result.exit_code == 0, result.output
    trials = load(db, "p").trials
    assert len(trials) == 12
    pruned = [t for t in trials if t.state.name == "PRUNED"]
    assert pruned, "seed 3 should draw some array_rows > array_cols"
    for t in trials:
        violates = t.params["array_cols"] < t.params["array_rows"]
        assert (t.state.name == "PRUNED") == violates
        metrics = trial_metrics(t)
        assert (metrics["rejected"] == "rule:square_or_wide") == violates
        assert math.isnan(metrics["runtime_s"]) == violates  # rejected before evaluation: stored as null
        if violates:
            assert not metrics["feasible"] and all(v == 1.0 for v in t.constraints.values())


def test_storage_errors(tmp_path):
    with pytest.raises(DSEInputError, match="expected sqlite:///FILE.db, journal:///FILE.log or postgresql"):
        open_storage("redis://localhost")
    with pytest.raises(DSEInputError, match="directory .* does not exist"):
        open_storage(f"sqlite:///{tmp_path}/missing/s.db")
    with pytest.raises(DSEInputError, match=r"cannot open the database") as info:
        open_storage("postgresql://nobody:secret@localhost:1/none")
    assert "secret" not in str(info.value)


@pytest.mark.parametrize("change, args, message", [
    (("", ""), ["--workload", "resnet5O"], r"workload 'resnet5O'"),
    (("", ""), ["--workload", "resnet18:x"], r"--workload 'resnet18:x': weight 'x' is not a number"),
    (('"area_um2 <= 3e5"', '"latency_s <= 1"'), [], r"unknown metric 'latency_s'; metrics are: area_um2"),
    (("array_rows = { values = [2, 4, 8] }", "array_rowz = { values = [2, 4, 8] }"), [],
     r"unknown parameter \[parameters\].array_rowz"),
    (("target_clock_ghz = { low = 0.5, high = 2.0", "target_clock_ghz = { low = 2.5, high = 2.0"), [],
     r"impossible range low = 2.5 > high = 2.0"),
])
def test_cli_errors_come_before_any_trial(tmp_path, models, change, args, message):
    space = write_space(tmp_path, models)
    space.write_text(space.read_text().replace(*change))
    db = tmp_path / "s.db"
    result = search("--space", space, "--models", models, "--storage", f"sqlite:///{db}", "--trials", 3, *args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(message, result.output), result.output
    assert not db.exists() or not optuna.get_all_study_summaries(f"sqlite:///{db}")


def test_trial_of_a_dead_worker_is_failed_by_heartbeat_and_replaced(tmp_path, models):
    """Shared RDB storage with a heartbeat: a RUNNING trial whose worker stopped beating is failed
    after the grace period and the live worker still brings the study to its trial count."""
    from dse.evaluator import Evaluator, load_model_bundle, load_workloads
    from dse.space import load_space
    from dse.study import StudyStorage, open_study, run_trials

    space = load_space(write_space(tmp_path, models))
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    url = f"sqlite:///{tmp_path / 'hb.db'}"
    with pytest.warns(optuna.exceptions.ExperimentalWarning):
        storage = optuna.storages.RDBStorage(url, heartbeat_interval=1, grace_period=2)
    opened = StudyStorage(url, storage)
    study = open_study(space, evaluator, str(models), opened, "hb", sampler="random", seed=0)
    with pytest.warns(UserWarning, match="Heartbeat of storage"):
        dead = study.ask(space.distributions())  # a worker that asked, beat once, and was killed
    study_id = storage.get_study_id_from_name("hb")
    storage.record_heartbeat(storage.get_trial_id_from_study_id_trial_number(study_id, dead.number))
    assert run_trials(study, space, evaluator, n_trials=3, progress=False, storage=opened) == 3
    states = {t.number: t.state.name for t in study.get_trials(deepcopy=False)}
    assert states[dead.number] == "FAIL"
    assert sorted(states.values()) == ["COMPLETE", "COMPLETE", "COMPLETE", "FAIL"]


@pytest.mark.parametrize("failure, reason", [
    ("derived", r"DSEInputError: .*\[derived\].simd_lanes = 'array_cols - 100' is -9\d at the design"),
    ("crash", r"RuntimeError: the evaluator crashed$"),
])
def test_a_trial_whose_evaluation_raises_is_failed_with_the_reason(tmp_path, models, monkeypatch, failure, reason):
    """Nothing left RUNNING: an invalid derived value at trial time, or any exception of the evaluator,
    fails the asked trials with the reason as a user attribute, and the error reaches the caller."""
    from dse.evaluator import Evaluator, load_model_bundle, load_workloads
    from dse.space import load_space
    from dse.study import FAIL_REASON_KEY, run_trials

    path = write_space(tmp_path, models)
    if failure == "derived":
        text = path.read_text().replace("simd_lanes = ", "# simd_lanes = ")
        path.write_text(text.replace("[search]", '[derived]\nsimd_lanes = "array_cols - 100"\n\n[search]'))
    space = load_space(path)
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    if failure == "crash":
        def crash(designs):
            raise RuntimeError("the evaluator crashed\nsecond line")
        monkeypatch.setattr(evaluator, "assess", crash)
    study = optuna.create_study(directions=space.directions, sampler=optuna.samplers.RandomSampler(seed=0))
    with pytest.raises((DSEInputError, RuntimeError)):
        run_trials(study, space, evaluator, n_trials=4, batch_size=2, progress=False)
    trials = study.get_trials(deepcopy=False)
    assert [t.state.name for t in trials] == ["FAIL", "FAIL"]
    assert all(re.match(reason, t.user_attrs[FAIL_REASON_KEY]) for t in trials), trials[0].user_attrs


def test_search_refuses_bad_counts_before_creating_the_database(tmp_path, models):
    db = tmp_path / "study.db"
    result = search("--space", write_space(tmp_path, models), "--models", models, "--storage", f"sqlite:///{db}",
                    "--trials", -5)
    assert result.exit_code == 2 and "Invalid value for '--trials': -5 is not in the range x>=1" in result.output
    assert not db.exists()


def test_a_postgresql_host_that_never_answers_is_named_not_waited_for(monkeypatch):
    """A server that accepts the TCP connection and never answers: one line naming the host, after the
    connect timeout (here 1 s), instead of a search or report that hangs."""
    import socket
    import dse.study as study_module

    pytest.importorskip("psycopg2")
    monkeypatch.setattr(study_module, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        with pytest.raises(DSEInputError, match=rf"^--storage postgresql\+psycopg2://u:\*+@127.0.0.1:{port}/db: the "
                                                rf"database server 127.0.0.1:{port} did not answer within 1 s$"):
            open_storage(f"postgresql://u:secret@127.0.0.1:{port}/db")
