"""What packing costs: the packed PE (:mod:`ppa.backend_flow.packed`) against the fixed PE of the same widths.

Both PEs of every packable variant of the characterisation grid (operands 8 or 16 bits, accumulators that
hold the product, every dataflow, MAC pipeline and multiplier style) are synthesised alone with the sweep's
module script at the characterisation's ABC delay targets and powered by OpenSTA with the sweep's vectorless
activity at the node's middle clock, exactly as :mod:`ppa.backend_flow.characterise` measures a PE. The table
(``packed_pe_overhead.csv``) keeps both measurements and their ratios (packed / fixed) of area, energy per
cycle and leakage; :mod:`ppa.packing` applies the ratios to a ``precision_mode = "packed"`` design's PE array.
"""
from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pandas as pd

from frontend_sim.atomic import write_file
from frontend_sim.hardware import DATAFLOWS
from ppa.backend_flow.characterise import PE_KEY, delay_ladder, mid_clock_ghz
from ppa.backend_flow.liberty import cell_areas, netlist_area, prepare_liberty
from ppa.backend_flow.packed import packed_pe_source
from ppa.backend_flow.rtl import MULT_STYLES, CoreConfig, module_sources
from ppa.backend_flow.sampling import ACC_BITS, MAC_PIPELINE, _acc_bits
from ppa.backend_flow.sta import module_power
from ppa.backend_flow.synth import SynthKnobs, _module_netlist

logger = logging.getLogger(__name__)

#: Operand widths a packed PE is measured at (quarter-width operands of >= 2 signed bits).
PACKED_OPERAND_BITS = (8, 16)
MEASURED = ("area_um2", "energy_pj", "leakage_mw")
COLUMNS = ["pdk", *PE_KEY, "abc_delay_ps", *(f"{kind}_{m}" for kind in ("fixed", "packed") for m in MEASURED),
           *(f"{m.split('_')[0]}_ratio" for m in MEASURED)]
CSV_NAME = "packed_pe_overhead.csv"


def packed_variants() -> list[dict]:
    """PE variants measured: operands in :data:`PACKED_OPERAND_BITS`, accumulators of the grid that hold the
    product, every dataflow, pipeline and multiplier style."""
    out = []
    for dataflow, act, wgt, acc, pipe, mult in itertools.product(DATAFLOWS, PACKED_OPERAND_BITS, PACKED_OPERAND_BITS,
                                                                 ACC_BITS, MAC_PIPELINE, MULT_STYLES):
        if _acc_bits(act, wgt, acc) == acc:
            out.append(dict(zip(PE_KEY, (dataflow, act, wgt, acc, pipe, mult))))
    return out


def measure(pdk: str, out_dir: str | Path, delays: int = 3, chunk: int = 16) -> pd.DataFrame:
    """Synthesise and power the fixed and the packed PE of every :func:`packed_variants` at ``delays`` ABC
    targets into ``out_dir/packed_pe_overhead.csv`` (rows already there are kept); returns the table.
    Units: µm², pJ per cycle, mW."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lib = prepare_liberty(pdk, out / "liberty")
    cache, work = out / "modules", out / "power"
    cache.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    path = out / CSV_NAME
    table = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=COLUMNS)
    done = {tuple(str(x) for x in r) for r in table[["pdk", *PE_KEY, "abc_delay_ps"]].to_numpy()}
    todo = [(v, d) for d in delay_ladder(pdk, delays) for v in packed_variants()
            if tuple(str(x) for x in [pdk, *v.values(), d]) not in done]
    logger.info("%s packed PE: %d variant x delay rows to make, %d stored", pdk, len(todo), len(table))
    areas, clock = cell_areas(lib.path), mid_clock_ghz(pdk)
    rows = table.to_dict("records")
    for i in range(0, len(todo), chunk):
        part = todo[i:i + chunk]
        made = {}
        for kind in ("fixed", "packed"):
            netlists = []
            for variant, delay in part:
                cfg = CoreConfig(**variant)
                text = module_sources(cfg)["pe"] if kind == "fixed" else packed_pe_source(cfg)
                netlists.append(_module_netlist("pe", text, SynthKnobs(abc_delay_ps=delay), lib, pdk, cache, 3600.0)[0])
            powers = module_power(lib, netlists, "pe", clock, work)
            made[kind] = [(netlist_area(n, areas)[0], (p[0] + p[1]) / clock, p[2]) for n, p in zip(netlists, powers)]
        for j, (variant, delay) in enumerate(part):
            row = {"pdk": pdk, **variant, "abc_delay_ps": delay}
            for kind in ("fixed", "packed"):
                row.update({f"{kind}_{m}": value for m, value in zip(MEASURED, made[kind][j])})
            for m in MEASURED:
                row[f"{m.split('_')[0]}_ratio"] = row[f"packed_{m}"] / row[f"fixed_{m}"]
            rows.append(row)
        _write(pd.DataFrame(rows, columns=COLUMNS), path)
        logger.info("%s packed PE: %d of %d rows", pdk, min(i + chunk, len(todo)), len(todo))
    return pd.read_csv(path)


def _write(table: pd.DataFrame, path: Path) -> None:
    """Sorted, atomically (a killed run leaves the previous complete file)."""
    write_file(path, lambda tmp: table.sort_values(["pdk", *PE_KEY, "abc_delay_ps"]).to_csv(tmp, index=False))
