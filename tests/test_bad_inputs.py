"""The bad-input corpus (tests/bad_inputs/cases.toml): every case through the accel-dse CLI in-process.

Each case must end as its index says — a one-line ``Error:`` (exit 1, or 2 for a usage error), a
one-line ``warning:`` with the input taken as its original tool takes it, or plain success — never
with a traceback, and within :data:`TIMEOUT_S`. ``test_corpus_count`` prints the tally (cases, clear
errors, warnings, accepted); a case that fails is a silent, vague, crashing or hanging input.
"""
from __future__ import annotations

import re
import shutil
import signal
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from dse.cli import main
from tests.dse_helpers import DATASET, bundle_dir

HERE = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
#: Seconds a case may take (a hang fails the case instead of the run).
TIMEOUT_S = 120


class Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise Hang(f"no answer within {TIMEOUT_S} s")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return bundle_dir(tmp_path_factory)


def run_case(case: dict, bundle: Path, tmp: Path):
    here = shutil.copytree(HERE, tmp / "bad_inputs")  # the case reads a copy: no case can change the corpus
    out = tmp / "tmp"
    out.mkdir()
    args = [a.format(here=here, tmp=out, bundle=bundle, data=DATASET) for a in case["args"]]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        return CliRunner().invoke(main, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check(case: dict, result) -> None:
    output = result.output
    assert "Traceback" not in output, output
    if isinstance(result.exception, Hang):
        pytest.fail(f"{case['name']}: hangs ({result.exception})")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail(f"{case['name']}: {type(result.exception).__name__}: {result.exception}")
    lines = [line for line in output.splitlines() if line.strip()]
    if case["expect"] == "error":
        assert result.exit_code in (1, 2), output
        errors = [line for line in lines if line.startswith("Error: ")]
        assert len(errors) == 1, output
        assert re.search(case["message"], errors[0]), f"{errors[0]!r} !~ {case['message']!r}"
    else:
        assert result.exit_code == 0, output
        if case["expect"] == "warning":
            warnings = [line for line in result.stderr.splitlines() if re.search(case["message"], line)]
            assert len(warnings) == 1 and warnings[0].startswith("warning: "), result.stderr


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case(case, bundle, tmp_path):
    check(case, run_case(case, bundle, tmp_path))


def test_corpus_count():
    """The index is well formed: every case names an expectation, errors and warnings a pattern, and
    every corpus file is used by a case."""
    kinds = [case["expect"] for case in CASES]
    assert set(kinds) <= {"error", "warning", "ok"}
    assert all("message" in case for case in CASES if case["expect"] != "ok")
    used = {Path(a.split("{here}/", 1)[1]).parts[0] for case in CASES for a in case["args"] if "{here}/" in a}
    files = {p.name for p in HERE.iterdir() if p.name != "cases.toml"}
    assert files <= used, f"corpus files no case reads: {sorted(files - used)}"
    print(f"bad-input corpus: {len(CASES)} cases: {kinds.count('error')} errors, {kinds.count('warning')} "
          f"warnings (original tool's reading kept), {kinds.count('ok')} accepted")
