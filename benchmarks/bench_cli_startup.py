"""Start-up time of the command line against importing pandas alone.

    python benchmarks/bench_cli_startup.py [--repeats N]

Each case runs in a fresh interpreter (``python -c ...``) N times (default 7); the table gives the median
and the minimum wall time, ms. ``accel-dse --help`` and ``accel-dse search --help`` are run as
``python -c "from dse.cli import main; main()" ...`` so the checkout's code is timed whatever is installed.
Writes reports/benchmarks/cli_startup.{csv,md}.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table, save_results  # noqa: E402

OUT = ROOT / "reports" / "benchmarks" / "cli_startup"
COMMAND = "python benchmarks/bench_cli_startup.py"
MAIN = "from dse.cli import main; main()"
CASES = {
    "python -c pass": ["-c", "pass"],
    "import pandas": ["-c", "import pandas"],
    "accel-dse --help": ["-c", MAIN, "--help"],
    "accel-dse search --help": ["-c", MAIN, "search", "--help"],
    "accel-dse simulate --help": ["-c", MAIN, "simulate", "--help"],
}


def wall_ms(args: list[str]) -> float:
    """Wall time of one fresh ``python args`` run, ms (it must succeed)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return 1000 * (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    rows = []
    for name, args in CASES.items():
        wall_ms(args)  # warm the file cache
        times = [wall_ms(args) for _ in range(repeats)]
        rows.append({"case": name, "median_ms": round(statistics.median(times)), "min_ms": round(min(times)),
                     "repeats": repeats})
        print(f"{name:28s} median {rows[-1]['median_ms']:6d} ms  min {rows[-1]['min_ms']:6d} ms", flush=True)
    frame = save_results(rows, OUT, COMMAND)
    pandas_ms = frame.set_index("case").loc["import pandas", "median_ms"]
    frame["vs_pandas"] = (frame["median_ms"] / pandas_ms).round(2)
    text = (f"# CLI start-up\n\n`{COMMAND} --repeats {repeats}` on {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}; wall time of a fresh interpreter, ms (median and minimum of "
            f"{repeats} runs). `vs_pandas`: median over the median of `python -c \"import pandas\"`.\n\n"
            + markdown_table(frame[["case", "median_ms", "min_ms", "vs_pandas"]]) + "\n")
    OUT.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
