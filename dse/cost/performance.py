"""The default performance model: frontend_sim's vectorized systolic-array simulator."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from dse.cost.protocols import BUFFERS, Performance
from dse.cost.registry import register
from frontend_sim.hardware import FIELD_NAMES
from frontend_sim.simulator import simulate_batch

if TYPE_CHECKING:
    from dse.space import SearchSpace
    from frontend_sim.workloads import Workload


@register("performance", "frontend_sim")
class FrontendSimPerformance:
    """``frontend_sim.simulator.simulate_batch`` over the distinct hardware configurations of a batch,
    mapped back to every design (designs that differ only in backend parameters share one simulation)."""

    options = ()

    @classmethod
    def from_space(cls, space: SearchSpace, bundle: Any, options: Mapping[str, Any]) -> FrontendSimPerformance:
        return cls()

    def simulate(self, workload: Workload, designs: pd.DataFrame) -> Performance:
        """Cycles, MACs, utilisation and DRAM/per-buffer SRAM bytes of one inference on every design."""
        hardware = designs[list(FIELD_NAMES)]
        distinct = hardware.drop_duplicates().reset_index(drop=True)
        results = simulate_batch(workload, distinct).reset_index(drop=True)
        results = pd.concat([distinct, results.drop(columns=[c for c in distinct if c in results])], axis=1)
        sim = hardware.merge(results, on=list(FIELD_NAMES), how="left")

        def column(name: str):
            return sim[name].to_numpy(dtype=float)

        return Performance(
            total_cycles=column("total_cycles"), utilization=column("utilization"), macs=column("macs"),
            dram_read_bytes=column("dram_read_bytes"), dram_write_bytes=column("dram_write_bytes"),
            sram_read_bytes={b: column(f"sram_{b}_read_bytes") for b in BUFFERS},
            sram_write_bytes={b: column(f"sram_{b}_write_bytes") for b in BUFFERS})
