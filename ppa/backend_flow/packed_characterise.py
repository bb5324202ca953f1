"""What packing costs: the packed PE (:mod:`ppa.backend_flow.packed`) against the fixed PE of the same widths.

Both PEs of every packable variant of the characterisation grid (operands 8 or 16 bits, accumulators that
hold the product, every dataflow, MAC pipeline and multiplier style) are synthesised alone with the sweep's
module script at the characterisation's ABC delay targets and powered by OpenSTA with the sweep's vectorless
activity at the node's middle clock, exactly as :mod:`ppa.backend_flow.characterise` measures a PE. The table
(``packed_pe_overhead.csv``) keeps both measurements and their ratios (packed / fixed) of area, energy per
cycle, leakage and the PE's own clock (OpenSTA's worst register-to-register slack of the PE alone, ideal clock);
:mod:`ppa.packing` charges the difference to a ``precision_mode = "packed"`` design's PE array.
"""
from __future__ import annotations

import argparse
import itertools
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from frontend_sim.atomic import write_file, write_text
from frontend_sim.hardware import DATAFLOWS
from ppa.backend_flow.characterise import PE_KEY, delay_ladder, mid_clock_ghz
from ppa.backend_flow.liberty import cell_areas, netlist_area, prepare_liberty
from ppa.backend_flow.packed import packed_pe_source
from ppa.backend_flow.rtl import MULT_STYLES, CoreConfig, module_sources
from ppa.backend_flow.sampling import ACC_BITS, MAC_PIPELINE, _acc_bits
from ppa.backend_flow.provenance import _version
from ppa.backend_flow.sta import NET_ACTIVITY, module_fmax, module_power
from ppa.backend_flow.synth import SynthKnobs, _module_netlist

logger = logging.getLogger(__name__)

#: Operand widths a packed PE is measured at (quarter-width operands of >= 2 signed bits).
PACKED_OPERAND_BITS = (8, 16)
MEASURED = ("area_um2", "energy_pj", "leakage_mw", "fmax_ghz")
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
    Units: µm², pJ per cycle, mW, GHz. Command line: ``python -m ppa.backend_flow.packed_characterise --help``."""
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
            clocks = module_fmax(lib, netlists, "pe", clock, work)
            made[kind] = [(netlist_area(n, areas)[0], (p[0] + p[1]) / clock, p[2], f)
                          for n, p, f in zip(netlists, powers, clocks)]
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


def publish(out_dir: str | Path, path: str | Path, command: str, seconds: float) -> pd.DataFrame:
    """Copy ``out_dir``'s table to ``path`` and write its provenance beside it (``<stem>.md``)."""
    out, path = Path(out_dir), Path(path)
    table = pd.read_csv(out / CSV_NAME)[COLUMNS]
    _write(table, path)
    lib = prepare_liberty(table["pdk"].iloc[0], out / "liberty")
    libs = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in lib.sources)
    summary = table.groupby(["act_bits", "wgt_bits"])[["area_ratio", "energy_ratio", "leakage_ratio", "fmax_ratio"]]
    lines = ["| act_bits | wgt_bits | area ratio | energy ratio | leakage ratio | fmax ratio |", "|---|---|---|---|---|---|"]
    for (act, wgt), group in summary:
        cells = [f"{group[c].median():.3f} ({group[c].min():.3f} – {group[c].max():.3f})" for c in group.columns]
        lines.append(f"| {act} | {wgt} | " + " | ".join(cells) + " |")
    pdks = ", ".join(sorted(table["pdk"].unique()))
    smaller = table[table["area_ratio"] < 1]
    listed = "; ".join(f"{r.dataflow} {r.act_bits}/{r.wgt_bits}/{r.acc_bits} pipe {r.mac_pipeline} {r.mult_style} "
                       f"@ {r.abc_delay_ps:g} ps ({r.area_ratio:.3f})" for r in smaller.itertuples())
    smaller_text = (f"{len(smaller)} of {len(table)} rows have the packed PE *smaller* than the fixed one ({listed}): "
                    "all are stationary (ws/is) PEs, most without the MAC pipeline register, where Yosys can merge the "
                    "fixed PE's multiply and partial-sum add into one accumulator-wide multiply-add that the packed "
                    "PE's product multiplexer prevents (the likely cause, not verified). They are kept as measured, "
                    "and `ppa/packing.py` applies them as measured (a negative overhead)." if len(smaller)
                    else "In every row the packed PE is larger than the fixed one.")
    text = f"""# PROVENANCE — packed-PE overhead (`{path.name}`)

Generated by `ppa.backend_flow.packed_characterise.publish`; no value was edited by hand.
Published {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.

What `precision_mode = "packed"` costs, measured: every PE variant with operands of 8 or 16 bits (quarter-width
operands need >= 2 bits), accumulators of the sampling grid that hold the product, 3 dataflows, MAC pipeline
0/1 and both multiplier styles ({len(table[PE_KEY].drop_duplicates())} variants, {pdks}) synthesised **alone**
twice with the sweep's module script at the PE characterisation's ABC delay targets
{sorted(table['abc_delay_ps'].unique().tolist())} ps: the fixed PE (`ppa/backend_flow/rtl.py`, the one in
the surrogates' datasets) and the packed PE (`ppa/backend_flow/packed.py`: 1, 2 or 4 sub-word products per
cycle into lanes of a carry-cut accumulator; its multipliers are not shared between modes, so this is the
overhead of that straightforward design, an upper bound for a fused BitFusion-style one).

Area: the liberty cell areas of the netlist summed (µm²). Energy per cycle and leakage: OpenSTA on the PE
alone with the sweep's vectorless activity (`set_power_activity -global -activity {NET_ACTIVITY}`) at
{mid_clock_ghz(table['pdk'].iloc[0]):.4g} GHz, the same activity for both PEs (not the activity of a packed
layer). fmax: 1 / (period − OpenSTA's worst register-to-register setup slack) of the PE alone, ideal clock, no
I/O constraints. Post-synthesis, no placement or routing. Ratios are packed / fixed at the same variant and
delay target. The fixed PE's area equals `pe_characterisation.csv`'s for the same key (same netlist;
`tests/test_packing.py`).

`ppa/packing.py` adds, per PE of a packed design's array, the measured differences (area, energy × clock,
leakage) to the surrogate's prediction (which is for the fixed PE) and scales its fmax by the PE's clock
ratio, interpolating linearly in log(abc_delay_ps) between the delay targets.

## Summary (median, min – max over dataflows, accumulators, pipeline, multiplier style and delay)
{chr(10).join(lines)}

{smaller_text}

## Tools
| tool | version |
|---|---|
| Yosys | {_version(["yosys", "-V"])} |
| OpenSTA (`sta`) | {_version(["sta", "-version"])} |

| liberty file | sha256 |
|---|---|
{libs}

Wall time of the run that made it: {seconds / 60:.1f} min (one job; netlists already in `--out`'s module cache
are reused). Regenerate (from the repository root):
```
{command}
```
"""
    write_text(path.with_suffix(".md"), text)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure the packed PE against the fixed PE (area, power, clock).")
    parser.add_argument("--pdk", default="asap7")
    parser.add_argument("--out", type=Path, required=True, help="work directory (module cache, OpenSTA logs)")
    parser.add_argument("--delays", type=int, default=3, help="ABC delay targets, as the PE characterisation")
    parser.add_argument("--publish", type=Path, help="copy the table here and write its provenance beside it")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    start = time.time()
    measure(args.pdk, args.out, args.delays)
    if args.publish:
        command = (f"python -m ppa.backend_flow.packed_characterise --pdk {args.pdk} --out {args.out} "
                   f"--delays {args.delays} --publish {args.publish}")
        publish(args.out, args.publish, command, time.time() - start)


def _write(table: pd.DataFrame, path: Path) -> None:
    """Sorted, atomically (a killed run leaves the previous complete file)."""
    write_file(path, lambda tmp: table.sort_values(["pdk", *PE_KEY, "abc_delay_ps"]).to_csv(tmp, index=False))


if __name__ == "__main__":
    main()
