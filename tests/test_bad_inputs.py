"""The bad-input corpus (tests/bad_inputs/cases.toml): every case through the accel-dse CLI in-process.

Each case must end as its index says — a one-line ``Error:`` (exit 1, or 2 for a usage error), a
one-line ``warning:`` with the input taken as its original tool takes it, or plain success — never
with a traceback, and within :data:`TIMEOUT_S`. A case that does not fails with its kind of harm first
(:data:`HARMS`: ``HANG:``, ``TRACEBACK:``, ``SILENT:``, ``VAGUE:``, ``REFUSED:``, ``RUNNING:``, ``WROTE:``), which
``benchmarks/bench_bad_inputs.py`` counts. ``test_corpus_count`` prints the index's tally. The inputs
that need a fault (full disk, read-only directory, silent server, second process) are in
``tests/test_bad_inputs_faults.py``, checked by the same :func:`check`.
"""
from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import tomllib
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from dse.cli import main
from tests.dse_helpers import DATASET, bundle_dir

HERE = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
#: Seconds a case may take (a hang fails the case instead of the run).
TIMEOUT_S = 120
#: How a case can fail, as the first word of its failure message (the issue's kinds of harm; REFUSED:
#: a legal input refused; RUNNING: a search left a trial RUNNING; WROTE: a refused command left files).
HARMS = ("HANG", "TRACEBACK", "SILENT", "VAGUE", "REFUSED", "RUNNING", "WROTE")
#: The study the {study} placeholder copies: its name and trials.
STUDY, STUDY_TRIALS = "space_ok", 4


class Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hang(f"no answer within {TIMEOUT_S} s")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    return bundle_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def old_bundle(bundle, tmp_path_factory) -> Path:
    """The bundle with a manifest naming another xgboost (as if written by an older install)."""
    from ppa.bundle import MANIFEST

    copy = shutil.copytree(bundle, tmp_path_factory.mktemp("old") / "bundle")
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["library_versions"]["xgboost"] = "0.1.0"
    (copy / MANIFEST).write_text(json.dumps(manifest))
    return copy


@pytest.fixture(scope="session")
def study(bundle, tmp_path_factory) -> Path:
    """A SQLite study of space_ok.toml made by ``accel-dse search``."""
    db = tmp_path_factory.mktemp("study") / "study.db"
    result = invoke(["search", "--space", str(HERE / "space_ok.toml"), "--models", str(bundle), "--storage",
                     f"sqlite:///{db}", "--study", STUDY, "--trials", str(STUDY_TRIALS), "--quiet", "--seed", "0"])
    assert result.exit_code == 0, result.output
    return db


def copy_study(source: Path, copy: Path, wal: bool = False) -> Path:
    """A copy of a SQLite study by SQLite's backup (it holds what is still in the source's WAL file too);
    ``wal``: in WAL mode, as ``accel-dse search`` leaves its studies."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(copy)) as target:
        original.backup(target)
        if wal:
            target.execute("PRAGMA journal_mode=WAL")
    return copy  # closed: no -wal or -shm file is left beside it


def invoke(args: list[str], timeout_s: int = TIMEOUT_S):
    """The CLI in-process; a :class:`Hang` (as ``result.exception``) after ``timeout_s``."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout_s)
    try:
        return CliRunner().invoke(main, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: dict, tmp: Path, **inputs: Path):
    here = shutil.copytree(HERE, tmp / "bad_inputs")  # the case reads a copy: no case can change the corpus
    out = tmp / "tmp"
    out.mkdir()
    if "study" in inputs:
        inputs["study"] = copy_study(inputs["study"], tmp / "study.db")
    args = [a.format(here=here, tmp=out, data=DATASET, **inputs) for a in case["args"]]
    return invoke(args)


def check(case: dict, result) -> None:
    """``result`` ends as ``case["expect"]`` says, else ``pytest.fail`` with one of :data:`HARMS` first."""
    output = result.output
    name = case["name"]
    if isinstance(result.exception, Hang):
        pytest.fail(f"HANG: {name}: {result.exception}")
    if "Traceback" in output or (result.exception is not None and not isinstance(result.exception, SystemExit)):
        pytest.fail(f"TRACEBACK: {name}: {type(result.exception).__name__}: {result.exception}\n{output}")
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    if case["expect"] == "error":
        if result.exit_code == 0:
            pytest.fail(f"SILENT: {name}: accepted (exit 0)\n{output}")
        if result.exit_code not in (1, 2) or len(errors) != 1 or not re.search(case["message"], errors[0]):
            pytest.fail(f"VAGUE: {name}: exit {result.exit_code}, {errors or lines[-1:]} !~ {case['message']!r}")
        return
    if result.exit_code != 0:
        pytest.fail(f"REFUSED: {name}: exit {result.exit_code}: {errors or lines[-1:]}")
    if case["expect"] == "warning":
        warnings = [line for line in result.stderr.splitlines() if re.search(case["message"], line)]
        if len(warnings) != 1 or not warnings[0].startswith("warning: "):
            pytest.fail(f"SILENT: {name}: no one-line warning matching {case['message']!r}\n{result.stderr}")


def check_no_trial_running(db: Path) -> None:
    """Every trial of the SQLite study file ``db`` (if the case created it) is finished: a trial whose
    evaluation raised is told FAIL, never left RUNNING."""
    import optuna

    if not db.exists():
        return
    url = f"sqlite:///{db}"
    for name in optuna.get_all_study_names(url):
        running = optuna.load_study(study_name=name, storage=url).get_trials(
            deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
        if running:
            pytest.fail(f"RUNNING: study {name!r}: trials {[t.number for t in running]} left RUNNING")


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case(case, request, tmp_path):
    inputs = {name: request.getfixturevalue(name) for name in ("bundle", "old_bundle", "study")
              if any(f"{{{name}}}" in a for a in case["args"])}
    check(case, run_case(case, tmp_path, **inputs))
    left = sorted(str(p.relative_to(tmp_path / "tmp")) for p in (tmp_path / "tmp").rglob("*"))
    if case["expect"] == "error" and not case.get("writes", False) and left:
        pytest.fail(f"WROTE: {case['name']}: refused, but left {left}")
    if case["args"][0] == "search":
        check_no_trial_running(tmp_path / "tmp" / "study.db")


def test_corpus_count():
    """The index is well formed: every case names an expectation, errors and warnings a pattern, and
    every corpus file is used by a case."""
    kinds = [case["expect"] for case in CASES]
    assert set(kinds) <= {"error", "warning", "ok"}
    assert all("message" in case for case in CASES if case["expect"] != "ok")
    assert len({case["name"] for case in CASES}) == len(CASES)
    used = {Path(a.split("{here}/", 1)[1]).parts[0] for case in CASES for a in case["args"] if "{here}/" in a}
    files = {p.name for p in HERE.iterdir() if p.name != "cases.toml"}
    assert files <= used, f"corpus files no case reads: {sorted(files - used)}"
    print(f"bad-input corpus: {len(CASES)} cases: {kinds.count('error')} errors, {kinds.count('warning')} "
          f"warnings (original tool's reading kept), {kinds.count('ok')} accepted")
