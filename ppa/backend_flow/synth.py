"""Yosys synthesis of a generated core to a liberty library (hierarchical: the PE is mapped once)."""
from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.liberty import TIE_CELLS, Liberty
from ppa.backend_flow.rtl import CoreConfig, generate_verilog

TOP = "accel_core"


#: ABC script: Yosys 0.23's liberty mapping (&nf), then gate sizing towards the delay target {D}.
#: Without the sizing steps -D changed nothing (identical netlists for D = 250 ps … 5 µs); ABC's
#: ``buffer -p`` is left out: its netlists crash Debian's OpenSTA 2.0.17 in report_power.
ABC_SCRIPT = ("+strash;ifraig;scorr;dc2;dretime;strash;&get,-n;&dch,-f;&nf,{D};&put;"
              "upsize,{D};dnsize,{D};stime,-p")


@dataclass(frozen=True)
class SynthKnobs:
    """Synthesis knobs kept because they move the results (see README: flattening and ABC
    retiming were measured and dropped)."""

    abc_delay_ps: float = 1000.0  #: ``abc -D``: delay target for ABC's mapping and sizing, ps

    def __post_init__(self) -> None:
        if not self.abc_delay_ps > 0:
            raise BackendFlowError(f"abc_delay_ps must be > 0, got {self.abc_delay_ps!r}")


@dataclass(frozen=True)
class SynthResult:
    """A mapped netlist and its Yosys area report."""

    netlist: Path
    log: Path
    area_um2: float     #: total cell area of the hierarchy (``stat -liberty``), µm²
    cell_count: int     #: standard cells in the whole hierarchy
    pe_area_um2: float  #: area of one PE, µm²
    synth_s: float      #: wall seconds of the Yosys run


def yosys_script(lib: Liberty, knobs: SynthKnobs, pdk: str, design: Path, netlist: Path) -> str:
    """The Yosys script: generic synthesis, flip-flop and logic mapping, bit-level nets, tie cells, area report."""
    (hi, hi_pin), (lo, lo_pin) = TIE_CELLS[pdk] if pdk in TIE_CELLS else (("", ""), ("", ""))
    L = str(lib.path)
    delay = knobs.abc_delay_ps
    lines = [
        f"read_verilog {design}",
        f"hierarchy -check -top {TOP}",
        f"synth -top {TOP}",
        f"dfflibmap -liberty {L}",
        f"abc -D {delay:g} -liberty {L} -script {ABC_SCRIPT}",
        "opt_clean",
        "setundef -zero",
        # one net per bit: otherwise write_verilog can emit `assign {a[7:4], a[2:0]} = ...`, which
        # OpenSTA's reader rejects (a syntax error seen on some Booth netlists); cells are unchanged
        "splitnets",
    ]
    if hi:
        lines.append(f"hilomap -singleton -hicell {hi} {hi_pin} -locell {lo} {lo_pin}")
    lines += ["opt_clean -purge",
              f"stat -liberty {L} -top {TOP}",
              f"write_verilog -noattr -noexpr -nohex -nodec {netlist}"]
    return "\n".join(lines) + "\n"


_AREA = re.compile(r"Chip area for (?:top module|module) '\\accel_core': ([0-9.eE+-]+)")
_PE_AREA = re.compile(r"Chip area for module '\\pe': ([0-9.eE+-]+)")


def _cells_in_hierarchy(log_text: str) -> int:
    tail = log_text[log_text.rfind("=== design hierarchy ==="):]
    m = re.search(r"Number of cells:\s+(\d+)", tail)
    return int(m.group(1)) if m else -1


def synthesize(cfg: CoreConfig, knobs: SynthKnobs, lib: Liberty, pdk: str, work_dir: Path,
               timeout_s: float = 3600.0) -> SynthResult:
    """Generate the RTL of ``cfg`` and synthesise it with Yosys into ``work_dir``."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    design, netlist = work_dir / "core.v", work_dir / "netlist.v"
    script, log = work_dir / "synth.ys", work_dir / "yosys.log"
    design.write_text(generate_verilog(cfg))
    script.write_text(yosys_script(lib, knobs, pdk, design, netlist))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(["yosys", "-q", "-l", str(log), "-s", str(script)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout_s, cwd=work_dir)
    except FileNotFoundError as exc:
        raise BackendFlowError("yosys is not installed (apt-get install yosys)") from exc
    except subprocess.TimeoutExpired as exc:
        raise BackendFlowError(f"yosys timed out after {timeout_s:g} s; log: {log}") from exc
    synth_s = time.perf_counter() - t0
    text = log.read_text(errors="replace") if log.exists() else proc.stdout
    if proc.returncode != 0 or not netlist.exists():
        last = [ln for ln in (proc.stdout + "\n" + text).splitlines() if "ERROR" in ln][-1:] or ["(no ERROR line)"]
        raise BackendFlowError(f"yosys failed (exit {proc.returncode}): {last[0].strip()}; log: {log}")
    areas = _AREA.findall(text)
    pe = _PE_AREA.findall(text)
    if not areas:
        raise BackendFlowError(f"yosys log has no 'Chip area for top module' line; log: {log}")
    return SynthResult(netlist=netlist, log=log, area_um2=float(areas[-1]), cell_count=_cells_in_hierarchy(text),
                       pe_area_um2=float(pe[-1]) if pe else float("nan"), synth_s=synth_s)
