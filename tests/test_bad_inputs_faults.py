"""The bad inputs of issue 17 that need a fault rather than a file: a disk that fills during an output, a
read-only output location or study directory, a PostgreSQL server that accepts TCP and never answers, a
second process on the same SQLite study through a symlinked path.

Each test is one case of the bad-input count (``benchmarks/bench_bad_inputs.py``): the command must end
with one ``Error:`` line (checked by ``tests.test_bad_inputs.check``, which fails with the kind of harm:
HANG, TRACEBACK, SILENT, VAGUE) and, for outputs, leave the previous output byte for byte and no stray
file. Tests run as root here, where ``chmod 555`` does not stop writes: the faults are made by making
``os.replace``/``tempfile`` raise the errno the kernel would (ENOSPC, EROFS), or by a read-only bind
mount in a private mount namespace (``unshare -m``) where the system allows it.
"""
from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import dse.study as study_module
import frontend_sim.atomic as atomic
from tests.test_bad_inputs import HERE, STUDY, bundle, check, copy_study, invoke, study  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
QUERIES = HERE / "predict_rows.csv"


def _raise(code: int):
    raise OSError(code, os.strerror(code))


def _fail_nth_replace(monkeypatch, nth: int, code: int) -> None:
    """``os.replace`` in frontend_sim.atomic raises ``code`` on its ``nth`` call only (a disk that fills
    after ``nth - 1`` files were written; later calls, e.g. a rollback, work)."""
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == nth:
            _raise(code)
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)


def _read_only(monkeypatch) -> None:
    """No file or directory can be created by frontend_sim.atomic (a read-only file system)."""
    monkeypatch.setattr(atomic.tempfile, "mkstemp", lambda *a, **k: _raise(errno.EROFS))
    monkeypatch.setattr(atomic.tempfile, "mkdtemp", lambda *a, **k: _raise(errno.EROFS))


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


#: command -> (its arguments, {out} = the output; the files of a previous output (train: a bundle); the
#: os.replace call that fails when the disk fills: 2 = after the first file of a several-file output).
OUTPUTS = {
    "predict": (["predict", "--model", "{bundle}", "--data", str(QUERIES), "--out", "{out}/p.csv"], ["p.csv"], 1),
    "evaluate": (["evaluate", "--model", "{bundle}", "--data", str(QUERIES), "--out", "{out}/e.csv"], ["e.csv"], 1),
    "simulate": (["simulate", "-w", "resnet18", "--csv", "{out}/l.csv"], ["l.csv"], 1),
    "sweep": (["sweep", "--space", str(HERE / "space_ok.toml"), "--models", "{bundle}", "--out", "{out}", "--quiet"],
              ["sweep.csv", "pareto.csv", "sweep.json"], 2),
    "report": (["report", "--storage", "sqlite:///{study}", "--study", STUDY, "--out", "{out}", "--no-png",
                "--designs", "1"], ["pareto.csv", "pareto.json", "units.csv", "report.html"], 2),
    # retraining into the bundle directory: the old bundle is set aside, the new one fails to take its place
    "train": (["train", "--data", "{data}", "--targets", "area_um2", "--model", "xgboost", "--trials", "1",
               "--budget-s", "20", "--out", "{out}"], None, 2),
}


def _run_output_case(command, fault, monkeypatch, tmp_path, bundle, study):  # noqa: F811
    args, previous_files, nth = OUTPUTS[command]
    out = tmp_path / "out"
    data = tmp_path / "train_ok.csv"  # the corpus's 1e308 training CSV with a legal value
    if command == "train":  # the previous output is a good bundle
        shutil.copytree(bundle, out)
        data.write_text((HERE / "train_target_1e308.csv").read_text().replace("1e308", "1e4"))
    else:
        out.mkdir()
        for name in previous_files:
            (out / name).write_text(f"previous {name}\n")
    before = _snapshot(out)
    args = [a.format(bundle=bundle, study=study, out=out, data=data) for a in args]
    if fault == "disk full":
        _fail_nth_replace(monkeypatch, nth, errno.ENOSPC)
        reason = "No space left on device"
    else:
        _read_only(monkeypatch)
        reason = "Read-only file system"
    result = invoke(args)
    monkeypatch.undo()
    check({"name": f"{command} output on a {fault}", "expect": "error", "message": rf"^Error: {out}.*\({reason}\)"},
          result)
    assert _snapshot(out) == before, "the previous output changed"
    assert sorted(os.listdir(tmp_path)) == sorted(["out"] + (["train_ok.csv"] if command == "train" else [])), \
        "a temporary was left beside the output"
    if command == "train":
        from ppa.bundle import load_bundle

        assert load_bundle(out).targets  # the previous bundle still loads


@pytest.mark.parametrize("fault", ["disk full", "read-only"])
@pytest.mark.parametrize("command", list(OUTPUTS))
def test_fault_output_keeps_the_previous_one(command, fault, monkeypatch, tmp_path, bundle, study):  # noqa: F811
    """Issue 17 (data loss, tracebacks): a full disk or read-only location for every command's output is one
    line naming the file and the reason; the previous output stays byte for byte, no temporary is left."""
    _run_output_case(command, fault, monkeypatch, tmp_path, bundle, study)


def test_fault_report_of_a_wal_study_whose_shm_cannot_be_made(tmp_path, monkeypatch, study):  # noqa: F811
    """Issue 17 (vague): a report on a WAL-mode study in a read-only directory was blamed on the database.
    SQLite says "unable to open database file" when it cannot create the -shm file (made here by
    optuna's storage raising what SQLAlchemy raises then; the real read-only mount is the next test)."""
    import optuna
    import sqlalchemy

    db = copy_study(study, tmp_path / "study.db", wal=True)
    real = optuna.storages.RDBStorage

    def storage(url, *args, **kwargs):
        if url.endswith("study.db"):
            raise sqlalchemy.exc.OperationalError("PRAGMA", {}, Exception("unable to open database file"))
        return real(url, *args, **kwargs)

    monkeypatch.setattr(study_module.optuna.storages, "RDBStorage", storage)
    result = invoke(["report", "--storage", f"sqlite:///{db}", "--study", STUDY, "--out", str(tmp_path / "r")])
    check({"name": "report of a WAL study in a read-only directory", "expect": "error",
           "message": r"the study file is in SQLite's WAL mode, which needs to open or create its shared-memory "
                      r"file study.db-shm beside it, and SQLite could not .*; is .* read-only\?"}, result)


def _read_only_mount_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind -o ro / /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow  # two fresh interpreters, ~12 s; the monkeypatched test above runs by default
@pytest.mark.skipif(not _read_only_mount_works(), reason="needs `unshare -m` and mount (root in a private mount "
                                                         "namespace); the previous test covers the message")
def test_fault_read_only_study_directory_real_mount(tmp_path, bundle, study):  # noqa: F811
    """Issue 17: `report` and `search` on a study in a really read-only directory (a read-only bind mount in a
    private mount namespace, so nothing leaks): each one line, report naming the -shm file, search the lock."""
    directory = tmp_path / "ro"
    directory.mkdir()
    copy_study(study, directory / "study.db", wal=True)
    main = [sys.executable, "-c", "from dse.cli import main; main()"]
    report = " ".join(main[:2] + [f"'{main[2]}'", "report", "--storage", f"sqlite:///{directory}/study.db",
                                  "--study", STUDY, "--out", str(tmp_path / "r"), "--no-png"])
    search = " ".join(main[:2] + [f"'{main[2]}'", "search", "--space", str(HERE / "space_ok.toml"), "--models",
                                  str(bundle), "--storage", f"sqlite:///{directory}/study.db", "--study", STUDY,
                                  "--trials", "6", "--resume", "--quiet"])
    script = f"mount --bind -o ro {directory} {directory} && {{ {report}; echo '--'; {search}; }}"
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    report_out, search_out = done.stdout.split("--\n") if "--\n" in done.stdout else (done.stdout, "")
    stderr = done.stderr
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 2, stderr
    assert "study.db-shm beside it" in errors[0] and "read-only" in errors[0], errors
    assert "cannot create the lock file study.db.lock beside the study file (Read-only file system)" in errors[1]


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (a hung database host)."""

    def __enter__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def __exit__(self, *exc):
        self.socket.close()
        for connection in self.accepted:
            connection.close()


@pytest.mark.parametrize("command", ["search", "report"])
def test_fault_postgresql_host_that_never_answers(command, monkeypatch, tmp_path, bundle):  # noqa: F811
    """Issue 17 (hang): a PostgreSQL URL whose host accepts TCP but never answers: one line naming the host
    after the connect timeout (1 s here), for search and for report, instead of waiting for ever."""
    pytest.importorskip("psycopg2")
    monkeypatch.setattr(study_module, "CONNECT_TIMEOUT_S", 1)
    with SilentServer() as server:
        url = f"postgresql://u:secret@127.0.0.1:{server.port}/db"
        args = (["search", "--space", str(HERE / "space_ok.toml"), "--models", str(bundle), "--storage", url,
                 "--trials", "2", "--quiet"] if command == "search" else
                ["report", "--storage", url, "--study", STUDY, "--out", str(tmp_path / "r")])
        result = invoke(args, timeout_s=60)
    check({"name": f"{command} on a silent PostgreSQL host", "expect": "error",
           "message": rf"the database server 127.0.0.1:{server.port} did not answer within 1 s$"}, result)
    assert "secret" not in result.output


def test_fault_second_search_through_a_symlinked_path(tmp_path, bundle):  # noqa: F811
    """Issue 17 (traceback): a second search on the same SQLite file through a symlinked path got past the
    lock and crashed with UpdateFinishedTrialError. The first search is another process holding the study."""
    (tmp_path / "real").mkdir()
    db = tmp_path / "real" / "study.db"
    (tmp_path / "link.db").symlink_to(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from dse.study import open_storage; "
                               f"s = open_storage('sqlite:///{db}'); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    try:
        assert holder.stdout.readline().strip() == "held"
        result = invoke(["search", "--space", str(HERE / "space_ok.toml"), "--models", str(bundle), "--storage",
                         f"sqlite:///{tmp_path / 'link.db'}", "--trials", "2", "--quiet"])
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    check({"name": "second search through a symlink", "expect": "error",
           "message": "the SQLite study file is in use by another accel-dse process"}, result)


def test_fault_search_on_a_study_in_a_read_only_directory(tmp_path, monkeypatch, bundle):  # noqa: F811
    """A search whose SQLite study lies in a read-only directory cannot create the lock file beside it:
    one line saying so (it was filelock's traceback; the real read-only mount is the slow test above)."""
    import filelock

    def read_only(self, *args, **kwargs):
        _raise(errno.EROFS)

    monkeypatch.setattr(filelock.FileLock, "acquire", read_only)
    result = invoke(["search", "--space", str(HERE / "space_ok.toml"), "--models", str(bundle), "--storage",
                     f"sqlite:///{tmp_path / 'study.db'}", "--trials", "2", "--quiet"])
    check({"name": "search on a study in a read-only directory", "expect": "error",
           "message": r"cannot create the lock file study.db.lock beside the study file \(Read-only file system\); "
                      r"a search writes its study, so .* must be writable"}, result)
    assert os.listdir(tmp_path) == []
