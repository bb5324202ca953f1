"""``accel-dse search`` with only ``--workload``: the bundled space and the bundled surrogates, trained once
into the user's cache directory (keyed by what they are trained from, safe under concurrent processes)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.record import read_study_record
from dse.surrogate_cache import CACHE_ENV, bundle_key, cache_dir, cached_surrogates


@pytest.fixture
def in_cache(surrogate_cache, monkeypatch, tmp_path):
    """The session's surrogate cache as $ACCEL_DSE_CACHE, run from an empty directory."""
    monkeypatch.setenv(CACHE_ENV, str(surrogate_cache))
    monkeypatch.chdir(tmp_path)
    return surrogate_cache


def test_search_needs_only_a_workload_and_prints_the_report_command(in_cache, tmp_path):
    result = CliRunner().invoke(main, ["search", "--workload", "resnet18", "--trials", "6", "--quiet"])
    assert result.exit_code == 0, result.output
    db = tmp_path / "accel_dse_study.db"
    assert f"next: accel-dse report --storage sqlite:///{db} --study asap7-resnet18 --out reports/asap7-resnet18" \
        in result.output
    study = optuna.load_study(study_name="asap7-resnet18", storage=f"sqlite:///{db}")
    assert len([t for t in study.trials if t.state.is_finished()]) == 6
    record = read_study_record(study)
    assert record.workloads == {"resnet18": 1.0}
    assert Path(record.space.path).name == "asap7.toml"
    (bundle,) = in_cache.glob("surrogates-asap7-*")
    assert record.models.path == str(bundle)  # the cached bundle, stored absolute

    again = CliRunner().invoke(main, ["search", "--workload", "resnet18", "--trials", "6", "--quiet"])
    assert again.exit_code == 1 and "pass --resume to continue it" in again.output
    resumed = CliRunner().invoke(main, ["search", "--workload", "resnet18", "--trials", "9", "--resume", "--quiet"])
    assert resumed.exit_code == 0, resumed.output
    assert "3 trials run here, 9 finished in total" in resumed.output
    full = CliRunner().invoke(main, ["search", "--workload", "resnet18", "--trials", "9", "--resume", "--quiet"])
    assert "0 trials run here" in full.output and "raise --trials (e.g. --trials 18 --resume)" in full.output


def test_cached_surrogates_are_reused_without_training(in_cache):
    lines = []
    bundle = cached_surrogates("asap7", say=lines.append)
    assert lines == []  # no training line: the session fixture trained it
    assert bundle == cache_dir() / f"surrogates-asap7-{bundle_key('asap7')[:16]}"
    assert json.loads((bundle / "manifest.json").read_text())["settings"]["seed"] == 0


def test_bundle_key_follows_the_version_and_the_pdk(monkeypatch):
    key = bundle_key("asap7")
    assert key == bundle_key("asap7") and key != bundle_key("gf180")
    monkeypatch.setattr("dse.surrogate_cache.version", lambda name: "0.0.0-other")
    assert bundle_key("asap7") != key


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "accel-dse"


def test_unknown_pdk_is_refused_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    result = CliRunner().invoke(main, ["search", "--workload", "resnet18", "--pdk", "sky130"])
    assert result.exit_code == 2 and "'sky130' is not one of 'asap7', 'gf180'" in result.output


def test_concurrent_processes_train_once_and_leave_a_complete_bundle(tmp_path):
    """Two processes ask for the same (cheap: one tuning trial) bundle of a fresh cache at once: both get the
    same directory, one of them trained it, no temporary directory is left and a stale bundle is removed."""
    stale = tmp_path / "surrogates-asap7-0123456789abcdef"
    stale.mkdir()
    code = ("import sys, dse.surrogate_cache as cache\ncache.TUNING_TRIALS = 1\n"
            "print(cache.cached_surrogates('asap7', say=lambda line: print('TRAINING', line)))")
    env = {**os.environ, CACHE_ENV: str(tmp_path), "PYTHONPATH": os.getcwd()}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=900) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    paths = {out.strip().splitlines()[-1] for out, _ in outputs}
    assert len(paths) == 1
    assert sum("TRAINING training the bundled asap7" in out for out, _ in outputs) == 1
    (bundle,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert str(bundle) == paths.pop() and (bundle / "manifest.json").is_file()
    assert not stale.exists()


def test_a_bad_workload_fails_before_any_training(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["search", "--workload", "nosuch", "--trials", "2"])
    assert result.exit_code == 1 and "unknown workload 'nosuch'" in result.output
    assert "training" not in result.output and not (tmp_path / "cache").exists()
