"""The default logic-PPA model: the fitted surrogate bundle (``ppa.bundle.load_bundle``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from dse.cost.protocols import LogicCost
from dse.cost.registry import register
from dse.errors import DSEInputError
from ppa.errors import PPAInputError
from ppa.packing import packed_overhead

if TYPE_CHECKING:
    from dse.space import SearchSpace

#: Surrogate targets the logic model needs (``leakage_mw`` is optional).
REQUIRED_TARGETS = ("area_um2", "power_mw", "fmax_ghz")


@register("logic", "surrogate")
class SurrogateLogic:
    """Logic area, power at the target clock, leakage, fmax and their spreads from a surrogate bundle.

    ``bundle``: a fitted bundle predicting :data:`REQUIRED_TARGETS`; ``where``: the space file, for messages.
    Leakage is the bundle's ``leakage_mw`` clipped to 0..power when it predicts it, else 0. A design with
    ``precision_mode = "packed"`` gets its packed PE array's measured extra area, power and slower clock
    (:func:`ppa.packing.packed_overhead`) on top of the bundle's prediction, which is for the fixed PE.
    """

    options = ()

    def __init__(self, bundle: Any, where: str):
        self.bundle = bundle
        self.where = where

    @classmethod
    def from_space(cls, space: SearchSpace, bundle: Any, options: Mapping[str, Any]) -> SurrogateLogic:
        return cls(bundle, space.path)

    def predict(self, designs: pd.DataFrame) -> LogicCost:
        """Predictions for every design; DSEInputError when the bundle cannot evaluate one."""
        # One thread: the batches are small, and xgboost's default (all cores) costs ~10x per call when
        # the cores are busy (measured: 0.5 s vs 0.05 s for one row on this 2-core machine).
        with threadpool_limits(limits=1):
            try:
                predicted = self.bundle.predict(designs[list(self.bundle.features)]).reset_index(drop=True)
            except PPAInputError as exc:  # e.g. a PE its measured table lacks
                raise DSEInputError(f"{self.where}: the model bundle cannot evaluate these designs: {exc}") from None

        def column(name: str) -> np.ndarray:
            return (predicted[name].to_numpy(dtype=float) if name in predicted
                    else np.full(len(predicted), np.nan))

        try:
            packed = packed_overhead(designs.reset_index(drop=True))
        except PPAInputError as exc:
            raise DSEInputError(f"{self.where}: {exc}") from None
        power = column("power_mw")
        leakage = np.clip(column("leakage_mw") if "leakage_mw" in predicted else np.zeros(len(predicted)), 0.0, power)
        clock = designs["target_clock_ghz"].to_numpy(dtype=float) if packed.energy_pj.any() else 0.0
        return LogicCost(area_um2=column("area_um2") + packed.area_um2,
                         power_mw=power + packed.energy_pj * clock + packed.leakage_mw,
                         leakage_mw=leakage + packed.leakage_mw,
                         fmax_ghz=column("fmax_ghz") * packed.fmax_factor, area_um2_std=column("area_um2_std"),
                         power_mw_std=column("power_mw_std"), fmax_ghz_std=column("fmax_ghz_std"),
                         in_domain=predicted["in_domain"].to_numpy(dtype=bool))
