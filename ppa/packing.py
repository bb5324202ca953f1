"""What ``precision_mode = "packed"`` costs: the packed PE's measured area, energy, leakage and clock.

A packed PE (:mod:`ppa.backend_flow.packed`: narrow layers run 2 or 4 products per cycle) is larger and
slower than the fixed PE of the same built widths that the surrogates' datasets were synthesised with. The
difference is measured, not modelled: both PEs of every packable variant are synthesised alone with the
backend flow and powered/timed with OpenSTA (:mod:`ppa.backend_flow.packed_characterise`,
``datasets/packed_pe_overhead.csv``, provenance in ``datasets/packed_pe_overhead.md``). For a packed design
the logic model's prediction gets, per PE of its ``array_rows × array_cols`` array,

* area: ``packed_area_um2 − fixed_area_um2`` (µm²);
* dynamic power at the target clock: ``(packed_energy_pj − fixed_energy_pj) × target_clock_ghz`` (mW), leakage
  ``packed_leakage_mw − fixed_leakage_mw`` (mW);
* clock: the core's fmax times ``packed_fmax_ghz / fixed_fmax_ghz`` of the PE alone (exact when the PE holds
  the critical path, pessimistic when a SIMD lane does);

each read by the PE's parameters and interpolated linearly in log(``abc_delay_ps``) between the measured
delay targets, as the PE characterisation is (:mod:`ppa.lookup`). Approximate: the power of both PEs is
OpenSTA's vectorless estimate at one activity (0.1 per net), not the activity of a packed layer.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ppa.errors import PPAInputError
from ppa.lookup import LookupTable

logger = logging.getLogger(__name__)

#: The bundled measurement (a file of ``accel_dse_datasets``).
TABLE = "packed_pe_overhead.csv"
#: The PE's parameters that key the table (design columns of the same names).
KEYS = ("pdk", "dataflow", "act_bits", "wgt_bits", "acc_bits", "mac_pipeline", "mult_style")
DELAY = "abc_delay_ps"


@dataclass(frozen=True)
class PackedOverhead:
    """Per design: what its packed PE array adds (zeros and a clock factor of 1 for fixed-mode designs)."""

    area_um2: np.ndarray         #: µm², whole array
    energy_pj: np.ndarray        #: pJ per cycle, whole array (dynamic)
    leakage_mw: np.ndarray       #: mW, whole array
    fmax_factor: np.ndarray      #: packed PE clock / fixed PE clock (<= 1 when packing slows the PE)


def table_path() -> Path:
    """The source tree's ``datasets/`` copy when this module runs from one, else the installed one."""
    source = Path(__file__).resolve().parents[1] / "datasets" / TABLE
    if source.is_file():
        return source
    import accel_dse_datasets

    return accel_dse_datasets.path(TABLE)


@lru_cache(maxsize=4)
def _lookups(path: Path) -> dict[str, LookupTable]:
    rows = pd.read_csv(path)
    missing = [c for c in (*KEYS, DELAY, "packed_area_um2") if c not in rows.columns]
    if missing:
        raise PPAInputError(f"{path}: not a packed-PE measurement, missing column(s) {missing}")
    derived = {"area_um2": rows["packed_area_um2"] - rows["fixed_area_um2"],
               "energy_pj": rows["packed_energy_pj"] - rows["fixed_energy_pj"],
               "leakage_mw": rows["packed_leakage_mw"] - rows["fixed_leakage_mw"],
               "fmax_factor": rows["packed_fmax_ghz"] / rows["fixed_fmax_ghz"]}
    return {name: LookupTable(name, KEYS, DELAY, rows[[*KEYS, DELAY]].assign(**{name: values}), str(path))
            for name, values in derived.items()}


def packed_overhead(designs: pd.DataFrame, path: str | Path | None = None) -> PackedOverhead:
    """The measured overhead of every design's PE array (module docstring); designs without
    ``precision_mode`` or with ``fixed`` get none. PPAInputError naming the PE when a packed design's PE
    variant was not measured (e.g. 4-bit operands, which cannot split into four lanes)."""
    n = len(designs)
    out = {"area_um2": np.zeros(n), "energy_pj": np.zeros(n), "leakage_mw": np.zeros(n), "fmax_factor": np.ones(n)}
    if "precision_mode" not in designs or n == 0:
        return PackedOverhead(**out)
    packed = (designs["precision_mode"] == "packed").to_numpy()
    if packed.any():
        missing = [c for c in (*KEYS, DELAY, "array_rows", "array_cols", "target_clock_ghz") if c not in designs]
        if missing:
            raise PPAInputError(f"packed designs need column(s) {missing} to look up the packed PE's cost")
        rows = designs[packed].reset_index(drop=True)
        n_pe = (rows["array_rows"] * rows["array_cols"]).to_numpy(dtype=float)
        for name, table in _lookups(Path(path) if path else table_path()).items():
            values = table.values(rows, f"packed PE {name}", "packed design")
            out[name][packed] = values if name == "fmax_factor" else values * n_pe
    return PackedOverhead(**out)
