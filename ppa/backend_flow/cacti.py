"""CACTI 7 as an SRAM model: one scratchpad RAM per run, parsed, and carried to another node by the
Stillmaker–Baas scaling equations.

CACTI (HP Labs, github.com/HewlettPackard/cacti, version 7) is the SRAM model Accelergy and ZigZag use.
It is not on PyPI or Debian; build it from its repository (``make opt``) and pass the binary. CACTI 7 ships
``tech_params/180nm.dat`` but its input check refuses feature sizes above 90 nm; the GF180 validation runs
need that check relaxed to 180 nm (one line of ``io.cc``, recorded in the table's provenance).

Each run models a single-bank, single read/write-port RAM of ``words × bits`` (cache type "ram", block =
output width = one word), optimised for area (objective 0:0:0:0:100), ITRS-HP devices, 300 K.
Results: area (height × width, µm²), dynamic read / write energy per access (pJ), leakage (subthreshold +
gate, mW), access time and cycle time (ns), at CACTI's own supply (``-Vdd`` of its tech file).

Scaling (Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS device performance from
180 nm to 7 nm", Integration 58, 2017): area by their node-to-node area factor, energy and leakage by the
ratio of their per-node energy polynomials a·V² + b·V + c at the source and target supplies, both
interpolated linearly in feature size between tabulated nodes. Delay is not scaled (the source node's
delay is kept: conservative).
"""
from __future__ import annotations

import hashlib
import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ppa.backend_flow.errors import BackendFlowError

logger = logging.getLogger(__name__)

#: Stillmaker & Baas 2017 nodes (nm) with the factor that takes an area at that node to 7 nm (area at 7 nm =
#: area × factor) and the energy polynomial (a, b, c): a node's energy at supply V is proportional to a·V² + b·V + c.
SCALING_NODES_NM = (130, 90, 65, 45, 32, 20, 16, 14, 10, 7)
AREA_TO_7NM = (0.0092, 0.021, 0.039, 0.059, 0.13, 0.28, 0.31, 0.34, 0.58, 1.0)
ENERGY_POLY = ((7.171, -6.709, 2.904), (4.762, -4.781, 2.092), (3.755, -4.398, 1.975), (1.103, -0.362, 0.2767),
               (0.9559, -0.7823, 0.471), (0.373, -0.1582, 0.04104), (0.2958, -0.1241, 0.03024),
               (0.2363, -0.09675, 0.02239), (0.2068, -0.09311, 0.02375), (0.1776, -0.09097, 0.02447))


def _interpolate(node_nm: float, values) -> float:
    """Linear interpolation in feature size between the tabulated nodes (ValueError outside them)."""
    nodes = SCALING_NODES_NM
    if not nodes[-1] <= node_nm <= nodes[0]:
        raise ValueError(f"node {node_nm} nm is outside the scaling table ({nodes[-1]}–{nodes[0]} nm)")
    for i in range(len(nodes) - 1):
        big, small = nodes[i], nodes[i + 1]
        if small <= node_nm <= big:
            t = (big - node_nm) / (big - small)
            return (1 - t) * values[i] + t * values[i + 1]
    raise AssertionError("unreachable")


def area_factor(from_nm: float, to_nm: float) -> float:
    """Area at ``to_nm`` / area at ``from_nm`` (Stillmaker & Baas): ``AREA_TO_7NM`` is the factor taking a node's
    area to 7 nm, so from → to is from's factor over to's."""
    return _interpolate(from_nm, AREA_TO_7NM) / _interpolate(to_nm, AREA_TO_7NM)


def energy_factor(from_nm: float, from_v: float, to_nm: float, to_v: float) -> float:
    """Energy at (``to_nm``, ``to_v``) / energy at (``from_nm``, ``from_v``) (Stillmaker & Baas)."""
    def poly(nm: float, v: float) -> float:
        a, b, c = (_interpolate(nm, [p[k] for p in ENERGY_POLY]) for k in range(3))
        return a * v * v + b * v + c
    return poly(to_nm, to_v) / poly(from_nm, from_v)


@dataclass(frozen=True)
class CactiResult:
    """One CACTI RAM at CACTI's node and supply."""

    node_nm: int
    words: int
    bits: int
    area_um2: float        #: µm²
    read_pj: float         #: pJ per read of one word
    write_pj: float        #: pJ per write of one word
    leakage_mw: float      #: mW (subthreshold + gate)
    access_ns: float       #: ns
    cycle_ns: float        #: ns
    vdd: float             #: V, CACTI's supply for this node


_CONFIG = """-size (bytes) {size}
-block size (bytes) {block}
-associativity 1
-read-write port 1
-exclusive read port 0
-exclusive write port 0
-single ended read ports 0
-UCA bank count 1
-technology (u) {tech:.3f}
-page size (bits) 8192
-burst length 8
-internal prefetch width 8
-Data array cell type - "itrs-hp"
-Data array peripheral type - "itrs-hp"
-Tag array cell type - "itrs-hp"
-Tag array peripheral type - "itrs-hp"
-output/input bus width {bits}
-operating temperature (K) 300
-cache type "ram"
-tag size (b) "default"
-access mode (normal, sequential, fast) - "normal"
-design objective (weight delay, dynamic power, leakage power, cycle time, area) 0:0:0:0:100
-deviate (delay, dynamic power, leakage power, cycle time, area) 100000:100000:100000:100000:100000
-NUCAdesign objective (weight delay, dynamic power, leakage power, cycle time, area) 100:100:0:0:100
-NUCAdeviate (delay, dynamic power, leakage power, cycle time, area) 10:10000:10000:10000:10000
-Optimize ED or ED^2 (ED, ED^2, NONE): "NONE"
-Cache model (NUCA, UCA)  - "UCA"
-NUCA bank count 0
-Wire signaling (fullswing, lowswing, default) - "Global_30"
-Wire inside mat - "semi-global"
-Wire outside mat - "semi-global"
-Interconnect projection - "conservative"
-Core count 1
-Cache level (L2/L3) - "L3"
-Add ECC - "false"
-Print level (DETAILED, CONCISE) - "DETAILED"
-Print input parameters - "false"
-Force cache config - "false"
-Ndwl 1
-Ndbl 1
-Nspd 0
-Ndcm 1
-Ndsam1 0
-Ndsam2 0
-Array Power Gating - "false"
-WL Power Gating - "false"
-CL Power Gating - "false"
-Bitline floating - "false"
-Interconnect Power Gating - "false"
-Power Gating Performance Loss 0.01
-dram_type "DDR3"
-io state "WRITE"
-addr_timing 1.0
-mem_density 4 Gb
-bus_freq 800 MHz
-duty_cycle 1.0
-activity_dq 1.0
-activity_ca 0.5
-num_dq 72
-num_dqs 18
-num_ca 25
-num_clk 2
-num_mem_dq 2
-mem_data_width 8
-rtt_value 10000
-ron_value 34
-tflight_value
-num_bobs 1
-capacity 80
-num_channels_per_bob 1
-first metric "Cost"
-second metric "Bandwidth"
-third metric "Energy"
-DIMM model "ALL"
-mirror_in_bob "F"
"""

_FIELDS = {"access_ns": r"Access time \(ns\):\s*(\S+)", "cycle_ns": r"Cycle time \(ns\):\s*(\S+)",
           "read_nj": r"Total dynamic read energy per access \(nJ\):\s*(\S+)",
           "write_nj": r"Total dynamic write energy per access \(nJ\):\s*(\S+)",
           "leak_mw": r"Total leakage power of a bank \(mW\):\s*(\S+)",
           "gate_mw": r"Total gate leakage power of a bank \(mW\):\s*(\S+)",
           "size_mm": r"Cache height x width \(mm\):\s*(\S+)\s*x\s*(\S+)"}


def cacti_vdd(cacti: Path, node_nm: int) -> float:
    """CACTI's HP supply (V) at a tabulated node (its ``tech_params/<node>nm.dat`` ``-Vdd`` line)."""
    tech = Path(cacti).resolve().parent / "tech_params" / f"{node_nm}nm.dat"
    try:
        match = re.search(r"^-Vdd \(V\)\s+(\S+)", tech.read_text(), re.M)
    except OSError as exc:
        raise BackendFlowError(f"{tech}: cannot read CACTI's technology file ({exc})") from None
    if match is None:
        raise BackendFlowError(f"{tech}: no '-Vdd (V)' line")
    return float(match.group(1))


def run_cacti(cacti: str | Path, node_nm: int, words: int, bits: int, cache_dir: Path) -> CactiResult:
    """One CACTI run (or its cached output in ``cache_dir``: runs are resumable) of a words × bits RAM."""
    cacti = Path(cacti)
    if bits % 8 or words * bits < 512:
        raise BackendFlowError(f"CACTI RAM {words}x{bits}: needs whole bytes per word and >= 64 bytes")
    text = _CONFIG.format(size=words * bits // 8, block=bits // 8, tech=node_nm / 1000, bits=bits)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_dir / f"cacti_{node_nm}nm_{words}x{bits}_{key}.out"
    if not out.exists():
        cfg = out.with_suffix(".cfg")
        cfg.write_text(text)
        try:
            run = subprocess.run([str(cacti.resolve()), "-infile", str(cfg.resolve())], cwd=cacti.resolve().parent,
                                 capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackendFlowError(f"CACTI {cacti}: cannot run ({exc})") from None
        if run.returncode != 0 or "Access time" not in run.stdout:
            tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BackendFlowError(f"CACTI {words}x{bits} at {node_nm} nm failed (exit {run.returncode}): {tail[0]}")
        tmp = out.with_suffix(".tmp")
        tmp.write_text(run.stdout)
        tmp.replace(out)
    found = {}
    text = out.read_text()
    for name, pattern in _FIELDS.items():
        match = re.search(pattern, text)
        if match is None:
            raise BackendFlowError(f"{out}: no '{pattern.split(chr(92))[0]}' in CACTI's output")
        found[name] = [float(g) for g in match.groups()]
    height, width = found["size_mm"]
    return CactiResult(node_nm=node_nm, words=words, bits=bits, area_um2=height * width * 1e6,
                       read_pj=found["read_nj"][0] * 1e3, write_pj=found["write_nj"][0] * 1e3,
                       leakage_mw=found["leak_mw"][0] + found["gate_mw"][0], access_ns=found["access_ns"][0],
                       cycle_ns=found["cycle_ns"][0], vdd=cacti_vdd(cacti, node_nm))
