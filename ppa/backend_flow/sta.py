"""OpenSTA timing and power of a mapped netlist at one or more clock targets (one ``sta`` session).

Clock: ideal (no clock tree, no wire load: post-synthesis). Only register-to-register paths are
timed (no input/output delays are set; every PE and SIMD port is registered). Besides the core's
worst slack, the worst slack of the registers inside the PEs and inside the SIMD lanes is reported
apart, giving each module's own achieved clock (the core's is the smaller of the two).

Power: vectorless, every net toggles :data:`NET_ACTIVITY` times per clock cycle (duty 0.5; OpenSTA
``set_power_activity -global``; the clock net toggles twice per cycle); internal + switching +
leakage at the target clock. Propagating an input activity instead (``-input``) was measured and
rejected: OpenSTA 2.0.17's density propagation amplifies toggles along adder/multiplier chains (an
8×4 16-bit array: 140 mW vs 10 mW at 1 GHz), far beyond what the registered datapath can do.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.liberty import Liberty
from ppa.backend_flow.synth import TOP

#: Toggle rate of every net, transitions per clock cycle (OpenSTA ``set_power_activity -global``).
NET_ACTIVITY = 0.1


@dataclass(frozen=True)
class TimingPower:
    """OpenSTA results at one clock target."""

    target_clock_ghz: float
    wns_ps: float        #: worst setup slack, ps, signed (negative = violated, positive = margin)
    tns_ps: float        #: total negative slack, ps (<= 0)
    fmax_ghz: float      #: 1 / (period − wns): achieved clock if failing, max clock if met
    timing_met: bool
    internal_mw: float
    switching_mw: float
    leakage_mw: float
    power_mw: float      #: total = internal + switching + leakage, mW at the target clock
    critical_path: str   #: module of the worst path's endpoint: "pe", "simd_lane" or "top"
    pe_fmax_ghz: float   #: 1 / (period − worst slack of the endpoints inside PEs), GHz
    lane_fmax_ghz: float  #: the same over the endpoints inside SIMD lanes, GHz

#: Module → instance-name fragment of its registers' data pins in the core netlist (rtl.py).
MODULE_INSTANCES = {"pe": "u_pe/", "simd_lane": "u_lane/"}


def sta_script(lib: Liberty, netlist: Path, periods_ps: list[float]) -> str:
    """Tcl for ``sta``: one link, then per period a clock, slack and power report between markers."""
    unit = lib.time_unit_ps
    lines = [f"read_liberty {lib.path}", f"read_verilog {netlist}", f"link_design {TOP}",
             f"set_power_activity -global -activity {NET_ACTIVITY}"]
    for module, fragment in MODULE_INSTANCES.items():  # register data pins of each module's instances
        lines += [f"set endpoints_{module} {{}}",
                  "foreach pin [all_registers -data_pins] {",
                  f"  if {{[string match *{fragment}* [get_full_name $pin]]}} {{lappend endpoints_{module} $pin}}",
                  "}",
                  f'if {{![llength $endpoints_{module}]}} {{puts "Error: no registers inside {module} instances"}}']
    for p in periods_ps:
        lines += [f"create_clock -name clk -period {p / unit:.6g} [get_ports clk]",
                  f'puts "@@PERIOD_PS {p:.6g}"',
                  'puts "@@WORST_SLACK [sta::format_time [sta::worst_slack_cmd max] 6]"',
                  "report_tns -digits 6",
                  "report_power -digits 6",
                  "report_checks -path_delay max -format end -digits 4"]
        for module in MODULE_INSTANCES:
            lines += [f'puts "@@MODULE {module}"',
                      f"report_checks -path_delay max -format end -digits 6 -to $endpoints_{module}"]
    lines.append('puts "@@DONE"')
    return "\n".join(lines) + "\n"


_FLOAT = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|INF)"
_END = re.compile(r"^(\S+)/\S+ \(\S+\)\s+\S+\s+\S+\s+" + _FLOAT + r"\s*\((?:VIOLATED|MET)\)", re.M)
#: ``report_power``'s total line: internal, switching, leakage, total (W).
_POWER_TOTAL = re.compile(r"^Total\s+" + r"\s+".join([_FLOAT] * 4), re.M)


def _parse_block(block: str, period_ps: float, unit_ps: float, log: Path) -> TimingPower:
    slack = re.search(r"@@WORST_SLACK\s+" + _FLOAT, block)
    tns = re.search(r"^tns\s+" + _FLOAT, block, re.M)
    power = _POWER_TOTAL.search(block)
    if not (slack and tns and power):
        missing = [n for n, m in (("worst slack", slack), ("tns", tns), ("power", power)) if not m]
        raise BackendFlowError(f"OpenSTA output lacks {', '.join(missing)} at period {period_ps:g} ps; log: {log}")
    wns = float(slack.group(1)) * unit_ps
    if wns != wns or abs(wns) == float("inf"):
        raise BackendFlowError(f"OpenSTA found no timed register-to-register path (slack {slack.group(1)}); log: {log}")
    internal, switching, leakage, total = (float(power.group(i)) * 1e3 for i in range(1, 5))
    core, *modules = block.split("@@MODULE ")
    end = _END.search(core)
    where = end.group(1) if end else ""
    critical = "pe" if "u_pe" in where else "simd_lane" if "u_lane" in where else "top"
    module_fmax = {}
    for text in modules:
        name, _, report = text.partition("\n")
        found = _END.search(report)
        if not found:
            raise BackendFlowError(f"OpenSTA reported no path ending inside {name} at period {period_ps:g} ps; log: {log}")
        module_fmax[name] = 1e3 / (period_ps - float(found.group(2)) * unit_ps)
    if set(module_fmax) != set(MODULE_INSTANCES):
        raise BackendFlowError(f"OpenSTA output lacks the per-module reports at period {period_ps:g} ps; log: {log}")
    return TimingPower(target_clock_ghz=1e3 / period_ps, wns_ps=wns, tns_ps=float(tns.group(1)) * unit_ps,
                       fmax_ghz=1e3 / (period_ps - wns), timing_met=wns >= 0.0,
                       internal_mw=internal, switching_mw=switching, leakage_mw=leakage, power_mw=total,
                       critical_path=critical, pe_fmax_ghz=module_fmax["pe"],
                       lane_fmax_ghz=module_fmax["simd_lane"])


def _run(tcl: str, script: Path, log: Path, timeout_s: float) -> subprocess.CompletedProcess:
    """Run ``tcl`` (written to ``script``) in one ``sta`` session in the script's directory; output kept in ``log``."""
    script.write_text(tcl)
    try:
        proc = subprocess.run(["sta", "-no_splash", "-exit", str(script)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout_s, cwd=script.parent)
    except FileNotFoundError as exc:
        raise BackendFlowError("OpenSTA (sta) is not installed (apt-get install opensta)") from exc
    except subprocess.TimeoutExpired as exc:
        raise BackendFlowError(f"OpenSTA timed out after {timeout_s:g} s; log: {log}") from exc
    log.write_text(proc.stdout)
    return proc


def run_sta(lib: Liberty, netlist: Path, clocks_ghz: list[float], work_dir: Path,
            timeout_s: float = 3600.0) -> list[TimingPower]:
    """Time and power ``netlist`` at each clock (GHz) in one OpenSTA session; log kept in ``work_dir``."""
    work_dir = Path(work_dir)
    periods = [1e3 / f for f in clocks_ghz]
    script, log = work_dir / "sta.tcl", work_dir / "sta.log"
    proc = _run(sta_script(lib, netlist, periods), script, log, timeout_s)
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith("Error")]
    if proc.returncode != 0 or errors or "@@DONE" not in proc.stdout:
        first = errors[0] if errors else f"exit {proc.returncode}, report incomplete"
        raise BackendFlowError(f"OpenSTA failed: {first.strip()}; log: {log}")
    blocks = proc.stdout.split("@@PERIOD_PS")[1:]
    return [_parse_block(b, p, lib.time_unit_ps, log) for b, p in zip(blocks, periods)]


def module_power(lib: Liberty, netlists: list[Path], module: str, clock_ghz: float, work_dir: Path,
                 timeout_s: float = 3600.0) -> list[tuple[float, float, float]]:
    """Internal, switching and leakage power (mW) of ``module`` alone, from each of ``netlists`` (one
    OpenSTA session, the liberty read once), at ``clock_ghz`` with the core's vectorless activity;
    internal + switching scale with the clock (energy per cycle × clock)."""
    work_dir = Path(work_dir)
    script, log = work_dir / f"power_{module}.tcl", work_dir / f"power_{module}.log"
    lines = [f"read_liberty {lib.path}"]
    for netlist in netlists:
        lines += [f"read_verilog {netlist}", f"link_design {module}",
                  f"set_power_activity -global -activity {NET_ACTIVITY}",
                  f"create_clock -name clk -period {1e3 / clock_ghz / lib.time_unit_ps:.6g} [get_ports clk]",
                  'puts "@@NETLIST"', "report_power -digits 6"]
    proc = _run("\n".join(lines) + "\n", script, log, timeout_s)
    out = []
    for netlist, block in zip(netlists, proc.stdout.split("@@NETLIST")[1:]):
        power = _POWER_TOTAL.search(block)
        if power is None:
            raise BackendFlowError(f"OpenSTA gave no power report for {module} of {netlist}; log: {log}")
        out.append(tuple(float(power.group(i)) * 1e3 for i in range(1, 4)))
    if proc.returncode != 0 or len(out) != len(netlists):
        raise BackendFlowError(f"OpenSTA powered {len(out)} of {len(netlists)} {module} netlists (exit "
                               f"{proc.returncode}); log: {log}")
    return out


def module_fmax(lib: Liberty, netlists: list[Path], module: str, clock_ghz: float, work_dir: Path,
                timeout_s: float = 3600.0) -> list[float]:
    """Clock (GHz) of ``module`` alone, from each of ``netlists`` (one OpenSTA session): 1 / (period − worst
    setup slack) of its register-to-register paths at ``clock_ghz`` (ideal clock, no I/O constraints)."""
    work_dir = Path(work_dir)
    script, log = work_dir / f"fmax_{module}.tcl", work_dir / f"fmax_{module}.log"
    period_ps = 1e3 / clock_ghz
    lines = [f"read_liberty {lib.path}"]
    for netlist in netlists:
        lines += [f"read_verilog {netlist}", f"link_design {module}",
                  f"create_clock -name clk -period {period_ps / lib.time_unit_ps:.6g} [get_ports clk]",
                  'puts "@@WORST_SLACK [sta::format_time [sta::worst_slack_cmd max] 6]"']
    proc = _run("\n".join(lines) + "\n", script, log, timeout_s)
    slacks = re.findall(r"@@WORST_SLACK\s+" + _FLOAT, proc.stdout)
    if proc.returncode != 0 or len(slacks) != len(netlists):
        raise BackendFlowError(f"OpenSTA timed {len(slacks)} of {len(netlists)} {module} netlists (exit "
                               f"{proc.returncode}); log: {log}")
    out = []
    for netlist, slack in zip(netlists, slacks):
        wns = float(slack) * lib.time_unit_ps
        if wns != wns or abs(wns) == float("inf"):
            raise BackendFlowError(f"OpenSTA found no timed register-to-register path in {module} of {netlist}; "
                                   f"log: {log}")
        out.append(1e3 / (period_ps - wns))
    return out
