"""Crash safety and parallel workers with real processes: SIGKILL a running study and resume it;
two processes sharing one journal-file study."""
import os
import re
import signal
import sqlite3
import subprocess
import time

import optuna
import pytest

from dse.record import trial_metrics
from tests.dse_helpers import bundle_dir, cli, space_text

PARAMS = """array_rows = { values = [2, 4, 8] }
array_cols = { values = [2, 4, 8] }
target_clock_ghz = { low = 0.5, high = 2.0, step = 0.25 }
dataflow = { values = ["os", "ws"] }"""
SEARCH = '[search]\nworkloads = { resnet18 = 1.0 }\nout_of_domain = "allow"\n'


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    from ppa.bundle import read_manifest

    models = bundle_dir(tmp_path_factory)
    path = tmp_path_factory.mktemp("space") / "space.toml"
    path.write_text(space_text(read_manifest(models)["features"], PARAMS, extra=SEARCH))
    return path, models


def snapshot(url, name):
    study = optuna.load_study(study_name=name, storage=url)
    return {t.number: (t.state.name, t.params, t.values, trial_metrics(t).get("runtime_s")) for t in study.trials}


def completed_trials(db) -> int:
    """COMPLETE trials in a SQLite study file, read with sqlite3 (an Optuna storage would create the
    schema and race the worker doing the same); 0 before the worker created its tables."""
    if not db.exists():
        return 0
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.OperationalError:  # no tables yet
        return 0
    finally:
        connection.close()


def test_sigkill_then_resume_keeps_every_finished_trial(tmp_path, space):
    path, models = space
    db = tmp_path / "study.db"
    url = f"sqlite:///{db}"
    args = cli("search", "--space", str(path), "--models", str(models), "--storage", url, "--study", "k",
               "--sampler", "random", "--seed", "0", "--quiet")
    worker = subprocess.Popen([*args, "--trials", "300"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    finished = 0
    while time.time() < deadline and worker.poll() is None:
        time.sleep(0.5)
        finished = completed_trials(db)
        if finished >= 10:
            break
    assert worker.poll() is None, f"the worker ended before it was killed: {worker.communicate()}"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert worker.returncode == -signal.SIGKILL

    before = snapshot(url, "k")
    done_before = {n: v for n, v in before.items() if v[0] == "COMPLETE"}
    assert len(done_before) >= 10

    target = len(done_before) + 5
    resumed = subprocess.run([*args, "--trials", str(target), "--resume"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    after = snapshot(url, "k")
    for number, record in done_before.items():
        assert after[number] == record  # every finished trial survived the kill, unchanged
    complete = [n for n, v in after.items() if v[0] == "COMPLETE"]
    assert len(complete) == target  # the study completes
    assert len(after) == len(set(after))  # trial numbers are unique: nothing duplicated
    interrupted = [n for n, v in before.items() if v[0] == "RUNNING"]
    assert all(after[n][0] == "FAIL" for n in interrupted)  # the killed trial is marked failed, not re-counted
    assert len(after) == target + len(interrupted)


@pytest.mark.slow  # distributed mode is covered by tests/test_postgres.py in the default run
def test_two_processes_share_a_journal_study(tmp_path, space):
    path, models = space
    url = f"journal://{tmp_path / 'study.log'}"
    args = cli("search", "--space", str(path), "--models", str(models), "--storage", url, "--study", "j",
               "--sampler", "tpe", "--trials", "16", "--resume", "--quiet")
    workers = [subprocess.Popen([*args, "--seed", str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for i in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    ran = [int(re.search(r"(\d+) trials run here", out).group(1)) for out, _ in outputs]
    trials = optuna.load_study(study_name="j", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(tmp_path / "study.log")))).trials
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert len(complete) == 16 == sum(ran)  # all recorded once, none lost
    assert len({t.number for t in trials}) == len(trials)
    assert all("runtime_s" in trial_metrics(t) for t in complete)
