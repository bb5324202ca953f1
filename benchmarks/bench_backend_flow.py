"""Which synthesis knobs move the results? Real Yosys + OpenSTA runs on a 2×2 int8 array.

Each variant changes one knob of the flow on the same design (2×2 os, 8-bit operands, 32-bit
accumulator, 2 SIMD lanes) and reports area, one PE's area, fmax and power at the reference clock.
Knobs that move the outputs are kept in the sweep; the others are dropped (see README).

    python benchmarks/bench_backend_flow.py [--pdk asap7|gf180]

Writes reports/backend_flow_knobs_<pdk>.csv and .md.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ppa.backend_flow import synth as synth_module
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.liberty import prepare_liberty
from ppa.backend_flow.rtl import CoreConfig
from ppa.backend_flow.sta import run_sta
from ppa.backend_flow.synth import ABC_SCRIPT, SynthKnobs, synthesize

ROOT = Path(__file__).resolve().parents[1]
REF = {"asap7": (1.0, (300.0, 700.0, 1500.0)), "gf180": (0.04, (10000.0, 25000.0, 60000.0))}


def _variants(pdk: str):
    clock, delays = REF[pdk]
    base = CoreConfig(array_rows=2, array_cols=2, dataflow="os", act_bits=8, wgt_bits=8, acc_bits=32)
    mid = delays[1]
    sized = f"-script {ABC_SCRIPT}"
    yield "abc_delay_ps", f"{delays[0]:g}", base, delays[0], None
    yield "abc_delay_ps", f"{mid:g}", base, mid, None
    yield "abc_delay_ps", f"{delays[2]:g}", base, delays[2], None
    yield "abc script without sizing", f"D={delays[0]:g}", base, delays[0], (sized, "")
    yield "abc script without sizing", f"D={delays[2]:g}", base, delays[2], (sized, "")
    yield "abc retiming", "abc -dff", base, mid, ("abc -D", "abc -dff -D")
    yield "mac_pipeline", "1", replace(base, mac_pipeline=1), mid, None
    yield "mult_style", "booth", replace(base, mult_style="booth"), mid, None
    yield "mult_style + mac_pipeline", "booth, 1", replace(base, mult_style="booth", mac_pipeline=1), mid, None


def _markdown(df: pd.DataFrame) -> str:
    cells = df.astype(object).where(df.notna(), "").astype(str)
    lines = ["| " + " | ".join(cells.columns) + " |", "|" + "---|" * len(cells.columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells.to_numpy()])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdk", choices=sorted(REF), default="asap7")
    args = ap.parse_args()
    clock = REF[args.pdk][0]
    rows = []
    original = synth_module.module_script
    with tempfile.TemporaryDirectory() as tmp:
        lib = prepare_liberty(args.pdk, Path(tmp) / "lib")
        for i, (knob, value, core, delay, edit) in enumerate(_variants(args.pdk)):
            if edit:
                synth_module.module_script = lambda *a, _e=edit: original(*a).replace(*_e)
            t0 = time.perf_counter()
            try:
                s = synthesize(core, SynthKnobs(abc_delay_ps=delay), lib, args.pdk, Path(tmp) / f"v{i}")
                t = run_sta(lib, s.netlist, [clock], Path(tmp) / f"v{i}")[0]
                row = {"knob": knob, "value": value, "abc_delay_ps": delay, "area_um2": round(s.area_um2, 2),
                       "pe_area_um2": round(s.pe_area_um2, 3), "fmax_ghz": round(t.fmax_ghz, 4),
                       "power_mw": round(t.power_mw, 4), "critical_path": t.critical_path, "error": ""}
            except BackendFlowError as exc:
                row = {"knob": knob, "value": value, "abc_delay_ps": delay, "error": str(exc).split(";")[0]}
            finally:
                synth_module.module_script = original
            row["wall_s"] = round(time.perf_counter() - t0, 1)
            rows.append(row)
            print(row, flush=True)
    df = pd.DataFrame(rows)
    out = ROOT / "reports"
    out.mkdir(exist_ok=True)
    df.to_csv(out / f"backend_flow_knobs_{args.pdk}.csv", index=False)
    md = (f"# Synthesis knob measurement ({args.pdk}, 2×2 os int8 array, acc 32, STA at {clock:g} GHz)\n\n"
          f"Command: `python benchmarks/bench_backend_flow.py --pdk {args.pdk}`\n\n" + _markdown(df) + "\n")
    (out / f"backend_flow_knobs_{args.pdk}.md").write_text(md)
    print(df.to_string(index=False))


if __name__ == "__main__":
    main()
