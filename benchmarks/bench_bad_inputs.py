"""The bad-input count: every case of the corpus and every fault case, run, and tallied by outcome.

    python benchmarks/bench_bad_inputs.py [--slow]

Runs ``pytest tests/test_bad_inputs.py tests/test_bad_inputs_faults.py`` (``--slow`` adds the tests marked
slow: the real read-only mount) with a JUnit XML report and counts each case as its test ended: a passing
corpus case is a clear error, a warning (the input taken as its original tool takes it, and said) or an
accepted legal input, as ``tests/bad_inputs/cases.toml`` expects it; a passing fault case is a clear error
with the previous output intact; a failing case is counted by the harm its failure names (HANG,
TRACEBACK, SILENT, VAGUE, REFUSED, RUNNING, WROTE; see ``tests/test_bad_inputs.py``), or as ``wrong`` when another check
failed (e.g. a previous output changed). Writes
reports/benchmarks/bad_inputs.{csv,md}.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_tables import markdown_table, save_results  # noqa: E402

OUT = ROOT / "reports" / "benchmarks" / "bad_inputs"
COMMAND = "python benchmarks/bench_bad_inputs.py"
TESTS = ("tests/test_bad_inputs.py", "tests/test_bad_inputs_faults.py")
EXPECTED = {"error": "clear error", "warning": "warning", "ok": "accepted"}
HARMS = ("HANG", "TRACEBACK", "SILENT", "VAGUE", "REFUSED", "RUNNING", "WROTE")
OUTCOMES = ("clear error", "warning", "accepted", "silent", "vague", "traceback", "hang", "refused", "running",
            "wrote", "wrong", "not run")


def outcome(case: ET.Element, expect: str) -> str:
    """What one JUnit test case says about its input."""
    failure = case.find("failure")
    if failure is None:
        failure = case.find("error")
    if failure is not None:
        match = re.search(rf"\b({'|'.join(HARMS)}): ", failure.get("message", "") + (failure.text or ""))
        return match.group(1).lower() if match else "wrong"  # another check failed, e.g. the previous output changed
    if case.find("skipped") is not None:
        return "not run"
    return EXPECTED[expect]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", action="store_true", help="also the tests marked slow")
    slow = parser.parse_args().slow
    cases = {case["name"]: case for case in
             tomllib.loads((ROOT / "tests" / "bad_inputs" / "cases.toml").read_text(encoding="utf-8"))["case"]}
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", *TESTS, "-q", "-p", "no:cacheprovider", f"--junitxml={xml}",
                        *(["-m", ""] if slow else [])], cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
        seconds = time.perf_counter() - started
        tests = ET.parse(xml).getroot().iter("testcase")
        rows = []
        for test in tests:
            name = test.get("name")
            if test.get("classname", "").endswith("test_bad_inputs") and name.startswith("test_case["):
                case = cases[name[len("test_case["):-1]]
                rows.append({"case": case["name"], "source": "corpus", "cli": case["args"][0],
                             "expect": case["expect"], "outcome": outcome(test, case["expect"])})
            elif test.get("classname", "").endswith("test_bad_inputs_faults"):
                cli = re.search(r"(predict|evaluate|simulate|sweep|report|train|search)", name)
                rows.append({"case": name.removeprefix("test_fault_"), "source": "fault", "cli": cli.group(1),
                             "expect": "error", "outcome": outcome(test, "error")})
    frame = save_results(rows, OUT, COMMAND + (" --slow" if slow else ""))
    counts = {kind: int((frame["outcome"] == kind).sum()) for kind in OUTCOMES}
    run = len(frame) - counts["not run"]
    right = counts["clear error"] + counts["warning"] + counts["accepted"]
    summary = [{"cases": len(frame), "run": run, **{k: v for k, v in counts.items()},
                "as_expected_pct": round(100 * right / run, 1) if run else 0.0}]
    import pandas as pd

    text = (f"# Bad inputs\n\n`{COMMAND}{' --slow' if slow else ''}` ({seconds:.0f} s): every case of the bad-input "
            "corpus (`tests/bad_inputs/cases.toml`, one file or command line per case, run through the CLI "
            "in-process) and every fault case (`tests/test_bad_inputs_faults.py`: full disk, read-only output or "
            "study directory, a PostgreSQL host that never answers, a second process on a symlinked SQLite "
            "study), counted by how it ended. *clear error*: one `Error:` line naming the file, row/column or "
            "parameter and what was expected (for outputs: the previous output unchanged); *warning*: the input "
            "taken as SCALE-Sim/the original tool takes it, with one `warning:` line; *accepted*: a legal input "
            "that looks odd, taken; *wrong*: another check failed (e.g. a previous output changed). Tests marked "
            "slow (the real read-only mount) count only with `--slow`. Goal: 100 % as expected, 0 silent, 0 hangs.\n\n"
            + markdown_table(pd.DataFrame(summary)) + "\n\n## Every case\n\n"
            + markdown_table(frame[["case", "source", "cli", "expect", "outcome"]]) + "\n")
    OUT.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
