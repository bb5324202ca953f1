"""Atomic outputs: a failed write (full disk, read-only location, a crashing writer) leaves the previous
output intact and no half-written or temporary file; the CLI says so in one line."""
import errno
import os

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import frontend_sim.atomic as atomic
from dse.cli import main
from frontend_sim.atomic import OutputError, check_writable, replace_directory, write_file, write_text
from ppa.bundle import load_bundle, save_bundle
from ppa.surrogate import PPASurrogate


def disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def read_only(*_args, **_kwargs):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


def test_write_file_replaces_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "sub" / "t.csv"
    write_text(path, "a\n1\n")
    write_text(path, "a\n2\n")
    assert path.read_text() == "a\n2\n"
    assert os.listdir(path.parent) == ["t.csv"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~atomic._umask()


def test_disk_full_mid_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("old\n")

    def half_then_full(tmp):
        tmp.write_text("partial")
        disk_full()

    with pytest.raises(OutputError, match=r"t\.csv: cannot write \(No space left on device\); any previous file is unchanged"):
        write_file(path, half_then_full)
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["t.csv"]


def test_failed_rename_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("old\n")
    monkeypatch.setattr(atomic.os, "replace", read_only)
    with pytest.raises(OutputError, match="Read-only file system"):
        write_text(path, "new\n")
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["t.csv"]


def test_writer_exception_removes_the_temporary(tmp_path):
    with pytest.raises(ZeroDivisionError):
        write_file(tmp_path / "t.csv", lambda tmp: (tmp.write_text("x"), 1 / 0))
    assert os.listdir(tmp_path) == []


def test_check_writable(tmp_path, monkeypatch):
    assert check_writable(tmp_path / "new" / "deeper" / "x") == tmp_path / "new" / "deeper" / "x"
    assert os.listdir(tmp_path) == []  # the directories it made to probe are gone again
    (tmp_path / "kept").mkdir()
    check_writable(tmp_path / "kept" / "x")
    assert os.listdir(tmp_path) == ["kept"] and os.listdir(tmp_path / "kept") == []
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="cannot create its directory"):
        check_writable(tmp_path / "file" / "x")
    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    with pytest.raises(OutputError, match=r"cannot write in .* \(Read-only file system\)"):
        check_writable(tmp_path / "x")


def test_replace_directory_swaps_whole_or_not_at_all(tmp_path):
    out = tmp_path / "bundle"
    with replace_directory(out) as staging:
        (staging / "a").write_text("1")
        (staging / "old_only").write_text("x")
    with pytest.raises(OutputError, match="No space left"):
        with replace_directory(out) as staging:
            (staging / "a").write_text("2")
            disk_full()
    assert sorted(os.listdir(out)) == ["a", "old_only"] and (out / "a").read_text() == "1"
    with replace_directory(out) as staging:
        (staging / "a").write_text("3")
    assert os.listdir(out) == ["a"] and (out / "a").read_text() == "3"
    assert os.listdir(tmp_path) == ["bundle"]


def test_replace_directory_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("keep")
    with pytest.raises(OutputError, match="exists and is not a directory"):
        with replace_directory(tmp_path / "f"):
            pass
    assert (tmp_path / "f").read_text() == "keep"


@pytest.fixture(scope="module")
def surrogate():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"array_rows": rng.choice([4, 8, 16, 32], 40).astype(float),
                      "act_bits": rng.choice([4, 8, 16], 40).astype(float)})
    y = pd.DataFrame({"area_um2": 90.0 * X.array_rows ** 2 * X.act_bits / 8})
    return PPASurrogate(model="xgboost", budget_s=10, n_trials=1, cv_folds=3, tune_folds=2, progress=False).fit(X, y)


def test_retraining_on_a_full_disk_keeps_the_good_bundle(surrogate, tmp_path, monkeypatch):
    """The issue's data loss: retraining into a bundle directory on a nearly full disk deleted the good
    bundle's files first. Now the bundle is swapped in whole, and a failure leaves the old one loadable."""
    path = save_bundle(surrogate, tmp_path / "m")
    before = sorted(p.relative_to(path) for p in path.rglob("*"))
    import ppa.bundle as bundle
    real = bundle._save_model
    calls = []

    def fills_the_disk(model, family, stem):
        calls.append(stem)
        if len(calls) == 2:
            disk_full()
        return real(model, family, stem)

    monkeypatch.setattr(bundle, "_save_model", fills_the_disk)
    with pytest.raises(OutputError, match=r"m: cannot write \(No space left on device\)"):
        save_bundle(surrogate, path)
    assert sorted(p.relative_to(path) for p in path.rglob("*")) == before
    assert load_bundle(path).targets == ["area_um2"]
    assert os.listdir(tmp_path) == ["m"]


def test_cli_outputs_on_a_read_only_location_are_one_line(surrogate, tmp_path, monkeypatch):
    bundle = save_bundle(surrogate, tmp_path / "m")
    queries = tmp_path / "q.csv"
    pd.DataFrame({"array_rows": [8.0], "act_bits": [8.0]}).to_csv(queries, index=False)
    out = tmp_path / "p.csv"
    out.write_text("previous\n")
    monkeypatch.setattr(atomic.os, "replace", read_only)
    result = CliRunner().invoke(main, ["predict", "--model", str(bundle), "--data", str(queries), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [f"Error: {out}: cannot write (Read-only file system); "
                                                  "any previous file is unchanged"]
    assert out.read_text() == "previous\n"
    result = CliRunner().invoke(main, ["simulate", "-w", "resnet18", "--csv", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (f"Error: {out}: cannot write (Read-only file system); "
                                                      "any previous file is unchanged")


def test_train_checks_its_output_before_fitting(tmp_path, monkeypatch):
    data = tmp_path / "d.csv"
    pd.DataFrame({"array_rows": [4, 8, 16, 32] * 5, "area_um2": [1.0, 2.0, 4.0, 8.0] * 5}).to_csv(data, index=False)

    def no_fit(*_a, **_k):
        raise AssertionError("fitted before checking --out")

    monkeypatch.setattr(PPASurrogate, "fit", no_fit)
    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    result = CliRunner().invoke(main, ["train", "--data", str(data), "--targets", "area_um2",
                                       "--out", str(tmp_path / "m")])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {tmp_path / 'm' / 'manifest.json'}: "
                                                             "cannot write in")
    assert "Read-only file system" in result.output
