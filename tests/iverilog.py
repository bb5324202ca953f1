"""Icarus Verilog for the RTL tests: the skip marker and one simulation run."""
from __future__ import annotations

import shutil
import subprocess

import pytest

#: Skip a module's tests where Icarus Verilog is not installed.
needs_iverilog = pytest.mark.skipif(shutil.which("iverilog") is None or shutil.which("vvp") is None,
                                    reason="iverilog/vvp not installed (apt-get install iverilog)")


def simulate(tmp_path, design: str, bench: str) -> list[str]:
    """Compile ``bench`` with ``design`` in ``tmp_path`` and run it; the output lines starting "R "."""
    (tmp_path / "dut.v").write_text(design)
    (tmp_path / "tb.v").write_text(bench)
    out = tmp_path / "sim.vvp"
    subprocess.run(["iverilog", "-g2005", "-o", str(out), str(tmp_path / "tb.v"), str(tmp_path / "dut.v")],
                   check=True, capture_output=True, text=True)
    run = subprocess.run(["vvp", "-n", str(out)], check=True, capture_output=True, text=True)
    return [ln for ln in run.stdout.splitlines() if ln.startswith("R ")]
