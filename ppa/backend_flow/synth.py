"""Yosys synthesis of a generated core to a liberty library, one module per Yosys run.

The PE and the SIMD lane are each synthesised alone, from their own text: a module's netlist then
depends only on that text, the script and the liberty. (Synthesised together, Yosys's global
name counters made the same lane map differently in different cores: fmax differed by ~3 %.)
The top only wires R·C PE and L lane instances; the netlist stays hierarchical."""
from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.liberty import TIE_CELLS, Liberty
from ppa.backend_flow.rtl import TOP, CoreConfig, generate_verilog, module_sources

MODULES = ("pe", "simd_lane")  #: synthesised one by one, in this order, before the top
#: Version of the flow, part of every netlist key: raised when a change to the flow changes its netlists
#: (2: one Yosys run per module), so samples of an earlier flow are never mixed with new ones.
FLOW_VERSION = 2


#: ABC script: Yosys 0.23's liberty mapping (&nf), then gate sizing towards the delay target {D}.
#: Without the sizing steps -D changed nothing (identical netlists for D = 250 ps … 5 µs); ABC's
#: ``buffer -p`` is left out: its netlists crash Debian's OpenSTA 2.0.17 in report_power.
ABC_SCRIPT = ("+strash;ifraig;scorr;dc2;dretime;strash;&get,-n;&dch,-f;&nf,{D};&put;"
              "upsize,{D};dnsize,{D};stime,-p")


#: ABC delay targets are rounded to this geometric ladder (steps of 2^(1/4) ≈ 19 %).
ABC_LADDER_STEPS_PER_OCTAVE = 4


def abc_ladder_step(clock_ghz: float) -> int:
    """Rung ``k`` of the ABC delay ladder nearest a clock's period: ``1000 / clock_ghz`` ps ≈ 2^(k/4) ps."""
    return round(math.log2(1e3 / clock_ghz) * ABC_LADDER_STEPS_PER_OCTAVE)


def abc_ladder_delay(step: int) -> float:
    """ABC delay target of ladder rung ``step``, ps (rounded to 0.1 ps)."""
    return float(round(2 ** (step / ABC_LADDER_STEPS_PER_OCTAVE), 1))


def abc_delay_for_clock(clock_ghz: float) -> float:
    """ABC delay target (ps) the flow synthesises a clock's netlist with: the period rounded to the ladder.

    The one definition: the sampling design, the PE characterisation and the expression language's
    ``abc_delay_ps(target_clock_ghz)`` (used by the DSE spaces' ``[derived]``) all call it."""
    return abc_ladder_delay(abc_ladder_step(clock_ghz))


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
    synth_s: float      #: Yosys wall seconds to make this netlist (module runs counted as when first made)


def module_script(lib: Liberty, knobs: SynthKnobs, pdk: str, module: str, source: Path, netlist: Path) -> str:
    """Yosys script of one module: generic synthesis, flip-flop and logic mapping, bit-level nets,
    tie cells, its netlist."""
    (hi, hi_pin), (lo, lo_pin) = TIE_CELLS[pdk] if pdk in TIE_CELLS else (("", ""), ("", ""))
    L = str(lib.path)
    lines = [
        f"read_verilog {source}",
        f"hierarchy -check -top {module}",
        f"synth -top {module}",
        f"dfflibmap -liberty {L}",
        f"abc -D {knobs.abc_delay_ps:g} -liberty {L} -script {ABC_SCRIPT}",
        "opt_clean",
        "setundef -zero",
        # one net per bit: otherwise write_verilog can emit `assign {a[7:4], a[2:0]} = ...`, which
        # OpenSTA's reader rejects (a syntax error seen on some Booth netlists); cells are unchanged
        "splitnets",
    ]
    if hi:
        lines.append(f"hilomap -singleton -hicell {hi} {hi_pin} -locell {lo} {lo_pin}")
    lines += ["opt_clean -purge", f"write_verilog -noattr -noexpr -nohex -nodec {netlist}"]
    return "\n".join(lines) + "\n"


def top_script(source: Path, module_netlists: list[Path], netlist: Path) -> str:
    """Yosys script of the top: the mapped modules as black boxes, the top's wiring only."""
    return "\n".join([f"read_verilog -lib {' '.join(map(str, module_netlists))}", f"read_verilog {source}",
                      f"hierarchy -check -top {TOP}", f"synth -top {TOP}", "splitnets", "opt_clean -purge",
                      f"write_verilog -noattr -noexpr -nohex -nodec {netlist}"]) + "\n"


def stat_script(lib: Liberty, netlist: Path) -> str:
    """Yosys script of the area report of the linked netlist (``stat -liberty`` over the hierarchy)."""
    return "\n".join([f"read_liberty -lib {lib.path}", f"read_verilog {netlist}", f"hierarchy -check -top {TOP}",
                      f"stat -liberty {lib.path} -top {TOP}"]) + "\n"


_AREA = re.compile(rf"Chip area for (?:top module|module) '\\{TOP}': ([0-9.eE+-]+)")
_PE_AREA = re.compile(r"Chip area for module '\\pe': ([0-9.eE+-]+)")


def _cells_in_hierarchy(log_text: str) -> int:
    tail = log_text[log_text.rfind("=== design hierarchy ==="):]
    m = re.search(r"Number of cells:\s+(\d+)", tail)
    return int(m.group(1)) if m else -1


def _yosys(script_text: str, script: Path, log: Path, timeout_s: float) -> tuple[str, float]:
    """Run one Yosys script; returns its log text and wall seconds."""
    script.write_text(script_text)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(["yosys", "-q", "-l", str(log), "-s", str(script)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout_s, cwd=script.parent)
    except FileNotFoundError as exc:
        raise BackendFlowError("yosys is not installed (apt-get install yosys)") from exc
    except subprocess.TimeoutExpired as exc:
        raise BackendFlowError(f"yosys timed out after {timeout_s:g} s; log: {log}") from exc
    text = log.read_text(errors="replace") if log.exists() else proc.stdout
    if proc.returncode != 0:
        last = [ln for ln in (proc.stdout + "\n" + text).splitlines() if "ERROR" in ln][-1:] or ["(no ERROR line)"]
        raise BackendFlowError(f"yosys failed (exit {proc.returncode}): {last[0].strip()}; log: {log}")
    return text, time.perf_counter() - t0


def _module_netlist(module: str, text: str, knobs: SynthKnobs, lib: Liberty, pdk: str, cache: Path,
                    timeout_s: float) -> tuple[Path, float]:
    """The mapped netlist of one module, from ``cache`` when this text was synthesised before with the
    same script and liberty; returns its path and the Yosys seconds it took (when it was made)."""
    script = module_script(lib, knobs, pdk, module, Path("module.v"), Path("netlist.v"))
    key = hashlib.sha256("\0".join([text, script, repr(lib.sources)]).encode()).hexdigest()[:16]
    done = cache / f"{module}-{key}"
    if not (done / "synth.json").exists():
        work = Path(tempfile.mkdtemp(prefix=f".{module}-", dir=cache))
        (work / "module.v").write_text(text)
        _, seconds = _yosys(script, work / "synth.ys", work / "yosys.log", timeout_s)
        if not (work / "netlist.v").exists():
            raise BackendFlowError(f"yosys wrote no netlist for module {module}; log: {work / 'yosys.log'}")
        (work / "synth.json").write_text(json.dumps({"module": module, "synth_s": round(seconds, 3)}))
        try:
            work.rename(done)
        except OSError:  # another job made the same module meanwhile: keep theirs
            shutil.rmtree(work, ignore_errors=True)
    return done / "netlist.v", json.loads((done / "synth.json").read_text())["synth_s"]


def synthesize(cfg: CoreConfig, knobs: SynthKnobs, lib: Liberty, pdk: str, work_dir: Path,
               timeout_s: float = 3600.0, module_cache: Path | None = None) -> SynthResult:
    """Synthesise ``cfg`` into ``work_dir``: each module in its own Yosys run (so a module's netlist
    depends on its own text only, not on what else the core holds), then the top's wiring, linked
    into ``netlist.v``. Module netlists are kept in ``module_cache`` (default: ``work_dir/modules``)
    and reused by any core with the same module text."""
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    cache = Path(module_cache).resolve() if module_cache is not None else work_dir / "modules"
    cache.mkdir(parents=True, exist_ok=True)
    sources = module_sources(cfg)
    (work_dir / "core.v").write_text(generate_verilog(cfg))
    parts, synth_s = [], 0.0
    for module in MODULES:
        path, seconds = _module_netlist(module, sources[module], knobs, lib, pdk, cache, timeout_s)
        parts.append(path)
        synth_s += seconds
    top_v, top_net = work_dir / "top.v", work_dir / "top_netlist.v"
    top_v.write_text(sources[TOP] + "\n")
    _, seconds = _yosys(top_script(top_v, parts, top_net), work_dir / "top.ys", work_dir / "yosys_top.log",
                        timeout_s)
    synth_s += seconds
    netlist, log = work_dir / "netlist.v", work_dir / "yosys.log"
    netlist.write_text("".join(p.read_text() for p in [*parts, top_net]))
    text, _ = _yosys(stat_script(lib, netlist), work_dir / "stat.ys", log, timeout_s)
    areas = _AREA.findall(text)
    pe = _PE_AREA.findall(text)
    if not areas:
        raise BackendFlowError(f"yosys log has no 'Chip area for top module' line; log: {log}")
    return SynthResult(netlist=netlist, log=log, area_um2=float(areas[-1]), cell_count=_cells_in_hierarchy(text),
                       pe_area_um2=float(pe[-1]) if pe else float("nan"), synth_s=synth_s)
