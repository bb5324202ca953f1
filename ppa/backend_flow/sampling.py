"""Space-filling design of backend samples: scrambled Sobol points plus the grid corners.

Each design point is one netlist (architecture + synthesis knobs) timed at several clocks: the
sampled clock ``f`` and ``f × CLOCK_FACTORS`` so every netlist gives met and failing samples
around its own speed. The ABC delay target is the sampled period quantized to a geometric ladder
(:func:`ppa.backend_flow.synth.abc_delay_for_clock`), so one netlist serves all its clocks.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import qmc

from frontend_sim.hardware import DATAFLOWS
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.rtl import MULT_STYLES, CoreConfig
from ppa.backend_flow.synth import FLOW_VERSION, SynthKnobs, abc_delay_for_clock

ARRAY_DIMS = (1, 2, 3, 4, 6, 8, 12, 16)
OPERAND_BITS = (4, 8, 16)
ACC_BITS = (16, 24, 32)
SIMD_CHOICES = (0, 0, 1, 4, 8, 16)  # 0 = one lane per array column (HardwareConfig default)
MAC_PIPELINE = (0, 1)
#: Sampled synthesis clock range per PDK, GHz (log-uniform); wide enough for met and failing.
CLOCK_RANGE_GHZ = {"asap7": (0.3, 2.5), "gf180": (0.012, 0.15)}
#: STA clocks of every netlist, as multiples of its sampled clock.
CLOCK_FACTORS = (0.7, 0.85, 1.0, 1.2, 1.4)


@dataclass(frozen=True)
class DesignPoint:
    """One netlist to synthesise and the clocks (GHz) to time it at."""

    pdk: str
    core: CoreConfig
    knobs: SynthKnobs
    clocks_ghz: tuple

    @property
    def netlist_key(self) -> str:
        blob = json.dumps({"pdk": self.pdk, "core": asdict(self.core), "knobs": asdict(self.knobs),
                           "flow": FLOW_VERSION}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def sample_key(self, clock_ghz: float) -> str:
        return f"{self.netlist_key}@{clock_ghz:.6g}"

    @property
    def sample_keys(self) -> list[str]:
        return [self.sample_key(c) for c in self.clocks_ghz]


def _pick(choices, u: float):
    return choices[min(int(u * len(choices)), len(choices) - 1)]


def _acc_bits(act: int, wgt: int, acc: int) -> int:
    """The sampled accumulator width, raised to the smallest ACC_BITS choice holding a product."""
    return max(acc, min(a for a in ACC_BITS + (64,) if a >= act + wgt))


def _point(pdk: str, rows: int, cols: int, act: int, wgt: int, acc: int, dataflow: str, pipe: int,
           mult: str, simd: int, clock: float) -> DesignPoint:
    core = CoreConfig(array_rows=rows, array_cols=cols, dataflow=dataflow, act_bits=act, wgt_bits=wgt,
                      acc_bits=_acc_bits(act, wgt, acc), simd_lanes=simd or cols, mac_pipeline=pipe,
                      mult_style=mult)
    clocks = tuple(round(clock * f, 6) for f in CLOCK_FACTORS)
    return DesignPoint(pdk=pdk, core=core, knobs=SynthKnobs(abc_delay_ps=abc_delay_for_clock(clock)),
                       clocks_ghz=clocks)


def corner_points(pdk: str) -> list[DesignPoint]:
    """Grid corners: smallest/largest rows, columns and operand width (os, unpipelined, mid clock)."""
    lo, hi = CLOCK_RANGE_GHZ[pdk]
    mid = round(math.sqrt(lo * hi), 6)
    return [_point(pdk, r, c, b, b, 0, "os", 0, "star", 0, mid)
            for r in (ARRAY_DIMS[0], ARRAY_DIMS[-1]) for c in (ARRAY_DIMS[0], ARRAY_DIMS[-1])
            for b in (OPERAND_BITS[0], OPERAND_BITS[-1])]


def design(pdk: str, n_samples: int, seed: int = 0) -> list[DesignPoint]:
    """Design points covering ``n_samples`` samples: Sobol points (a prefix-stable sequence, so a
    larger ``n`` extends a smaller run), then the grid corners."""
    if pdk not in CLOCK_RANGE_GHZ:
        raise BackendFlowError(f"unknown pdk {pdk!r}: expected one of {sorted(CLOCK_RANGE_GHZ)}")
    if n_samples < 1:
        raise BackendFlowError(f"--n must be >= 1, got {n_samples}")
    corners = corner_points(pdk)
    n_points = max(math.ceil(n_samples / len(CLOCK_FACTORS)) - len(corners), 1)
    sobol = qmc.Sobol(d=10, scramble=True, seed=seed)
    u = sobol.random_base2(max(math.ceil(math.log2(n_points)), 0))[:n_points]
    lo, hi = CLOCK_RANGE_GHZ[pdk]
    points = []
    for x in u:
        clock = round(float(np.exp(np.log(lo) + x[9] * (np.log(hi) - np.log(lo)))), 6)
        points.append(_point(pdk, _pick(ARRAY_DIMS, x[0]), _pick(ARRAY_DIMS, x[1]), _pick(OPERAND_BITS, x[2]),
                             _pick(OPERAND_BITS, x[3]), _pick(ACC_BITS, x[4]), _pick(DATAFLOWS, x[5]),
                             _pick(MAC_PIPELINE, x[6]), _pick(MULT_STYLES, x[7]), _pick(SIMD_CHOICES, x[8]),
                             clock))
    points += corners if n_samples > len(CLOCK_FACTORS) * 4 else []
    return points
