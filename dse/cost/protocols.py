"""The contract between the evaluator and its cost models: what each component computes, with units.

Every array has one value per design point (the rows of ``SearchSpace.designs``, in order). A component
is built by its class's ``from_space(space, bundle, options)`` (see :mod:`dse.cost.registry`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from frontend_sim.simulator import BUFFERS

if TYPE_CHECKING:
    from dse.space import SearchSpace
    from frontend_sim.workloads import Workload

__all__ = ["BUFFERS", "LogicCost", "LogicModel", "MemoryDesign", "MemoryEnergy", "MemoryModel", "ModelFactory",
           "Performance", "PerformanceModel", "check_rows"]


@dataclass(frozen=True)
class Performance:
    """One workload (one inference) on each design."""

    total_cycles: np.ndarray                    #: cycles
    utilization: np.ndarray                     #: 1 (fraction of PE-cycles doing MACs)
    macs: np.ndarray                            #: multiply-accumulates
    dram_read_bytes: np.ndarray                 #: bytes read from DRAM
    dram_write_bytes: np.ndarray                #: bytes written to DRAM
    sram_read_bytes: Mapping[str, np.ndarray]   #: bytes read from each on-chip buffer (keys: BUFFERS)
    sram_write_bytes: Mapping[str, np.ndarray]  #: bytes written to each on-chip buffer (keys: BUFFERS)

    def __post_init__(self):
        for name in ("sram_read_bytes", "sram_write_bytes"):
            buffers = tuple(getattr(self, name))
            if sorted(buffers) != sorted(BUFFERS):
                raise ValueError(f"Performance.{name} has the buffers {buffers}; expected {BUFFERS}")

    @property
    def dram_bytes(self) -> np.ndarray:
        """DRAM bytes moved (read + write)."""
        return self.dram_read_bytes + self.dram_write_bytes

    @property
    def sram_bytes(self) -> np.ndarray:
        """SRAM bytes accessed (read + write, all buffers)."""
        return sum(self.sram_read_bytes.values()) + sum(self.sram_write_bytes.values())


@dataclass(frozen=True)
class LogicCost:
    """Logic (PE array + SIMD, no SRAM macros) of each design, at its target clock."""

    area_um2: np.ndarray      #: µm²
    power_mw: np.ndarray      #: mW at the design's target clock (dynamic + leakage)
    leakage_mw: np.ndarray    #: mW, within 0..power_mw
    fmax_ghz: np.ndarray      #: GHz, the clock the logic achieves
    area_um2_std: np.ndarray  #: µm², spread of area_um2 (NaN when the model gives none)
    power_mw_std: np.ndarray  #: mW, spread of power_mw (NaN when the model gives none)
    fmax_ghz_std: np.ndarray  #: GHz, spread of fmax_ghz (NaN when the model gives none)
    in_domain: np.ndarray     #: bool, the design lies inside the model's validity domain

    @property
    def rel_spread(self) -> np.ndarray:
        """1: the largest of std / |value| over area, power and fmax (NaN when no spread is known)."""
        spreads = [self.area_um2_std / np.abs(self.area_um2), self.power_mw_std / np.abs(self.power_mw),
                   self.fmax_ghz_std / np.abs(self.fmax_ghz)]
        return np.nanmax(np.column_stack(spreads), axis=1) if len(self.area_um2) else np.empty(0)


@dataclass(frozen=True)
class MemoryDesign:
    """The on-chip memories of each design, independent of the workload."""

    area_um2: np.ndarray    #: µm², all buffers
    leakage_mw: np.ndarray  #: mW, SRAM leakage (the evaluator charges it over the runtime)
    fmax_ghz: np.ndarray    #: GHz, the fastest clock the memories allow (inf: no limit)


@dataclass(frozen=True)
class MemoryEnergy:
    """Access energy of one workload (one inference) on each design."""

    sram_j: np.ndarray  #: J, SRAM reads and writes (leakage excluded: see MemoryDesign.leakage_mw)
    dram_j: np.ndarray  #: J, DRAM reads and writes


class PerformanceModel(Protocol):
    """Cycles and traffic of a workload on design points."""

    def simulate(self, workload: Workload, designs: pd.DataFrame) -> Performance:
        """``workload`` on every row of ``designs`` (complete design points)."""


class LogicModel(Protocol):
    """Logic area, power and achieved clock of design points."""

    def predict(self, designs: pd.DataFrame) -> LogicCost:
        """Every row of ``designs`` (complete design points)."""


class MemoryModel(Protocol):
    """Area, clock limit, leakage and access energy of the on-chip buffers (and the DRAM interface)."""

    #: Per-PDK parameters (dataclasses), recorded in a study's attributes.
    constants: Mapping[str, Any]

    def design(self, designs: pd.DataFrame) -> MemoryDesign:
        """Workload-independent memory cost of every row of ``designs``."""

    def energy(self, designs: pd.DataFrame, performance: Performance) -> MemoryEnergy:
        """Access energy of the traffic in ``performance`` (same rows as ``designs``)."""


class ModelFactory(Protocol):
    """A registered component class: how a space file's ``[cost_models]`` entry builds it."""

    #: Keys a ``[cost_models.<kind>]`` table may give besides ``name``.
    options: ClassVar[tuple[str, ...]]

    def from_space(self, space: SearchSpace, bundle: Any, options: Mapping[str, Any]) -> Any:
        """The component for ``space`` (``bundle``: the loaded surrogate bundle; ``options``: checked keys)."""


def check_rows(result: Any, rows: int, who: str) -> Any:
    """``result`` (a dataclass above) if each of its arrays has one value per design, else ValueError."""
    for field in fields(result):
        value = getattr(result, field.name)
        for key, array in (value.items() if isinstance(value, Mapping) else [("", value)]):
            shape = np.shape(array)
            if shape != (rows,):
                label = f"{field.name}[{key!r}]" if key else field.name
                raise ValueError(f"{who} returned {type(result).__name__}.{label} with shape {shape}; expected "
                                 f"({rows},), one value per design")
    return result
