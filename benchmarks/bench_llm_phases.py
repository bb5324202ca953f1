"""LLM prefill vs decode on two bundled designs: runtime, energy per token, and the arithmetic intensity
(MACs per DRAM byte) that explains them.

    python benchmarks/bench_llm_phases.py

Designs: the presets ``tpu-v1-like`` (256×256 int8 weight-stationary, SCALE-Sim mapping, 48 DRAM bytes/cycle)
and ``genesys-16x16`` (SimDIT's GeneSys, 16×16, per-buffer AXI ports). Models: GPT-2 (124 M), Llama-3.2-1B,
Llama-2-7B (:data:`frontend_sim.llm.DECODERS`); prompt 512 tokens, 128 output tokens: prefill at batch 1
(its runtime is the time to first token), the mean decode step (KV cache 576) at batch 1 and 8 (its runtime is
the time per output token). Runtime at a 1 GHz clock for both designs (a stated assumption: the presets
carry no clock). Energy per output token = (logic + SRAM + DRAM) / tokens, with
logic = cycles × R·C × E_PE, E_PE the measured per-cycle energy of the preset's PE (ASAP7, from
``datasets/pe_characterisation.csv``: weight-stationary, its operand/accumulator widths, star multiplier, no MAC
pipeline, ABC delay 1217.7 ps, vectorless activity 0.1; every PE clocked every cycle), SRAM bytes × 0.24 pJ
and DRAM bytes × 20 pJ (the ASAP7 constants of ``dse.cost.memory``). Machine balance = peak MACs per cycle /
peak DRAM bytes per cycle: a phase whose intensity is below it is memory bound.
Writes reports/benchmarks/llm_phases.{csv,md}.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_tables import markdown_table, save_results  # noqa: E402
from dse.cost.memory import MEMORY_CONSTANTS  # noqa: E402
from frontend_sim.hardware import load_hardware  # noqa: E402
from frontend_sim.llm import DECODERS, decode_step, mean_decode_context, prefill  # noqa: E402
from frontend_sim.simulator import simulate  # noqa: E402

OUT = ROOT / "reports" / "benchmarks" / "llm_phases"
COMMAND = "python benchmarks/bench_llm_phases.py"
DESIGNS = ("tpu-v1-like", "genesys-16x16")
MODELS = ("gpt2", "llama3_2_1b", "llama2_7b")
PROMPT, OUTPUT, CLOCK_GHZ = 512, 128, 1.0
PE_DELAY_PS = 1217.7


def pe_energy_pj(hw) -> float:
    """Measured per-cycle energy of one PE of ``hw``'s widths (ASAP7, see the module docstring)."""
    table = pd.read_csv(ROOT / "datasets" / "pe_characterisation.csv")
    row = table[(table.pdk == "asap7") & (table.dataflow == "ws") & (table.act_bits == hw.act_bits)
                & (table.wgt_bits == hw.wgt_bits) & (table.acc_bits == hw.acc_bits) & (table.mac_pipeline == 0)
                & (table.mult_style == "star") & (table.abc_delay_ps == PE_DELAY_PS)]
    if len(row) != 1:
        raise SystemExit(f"pe_characterisation.csv: no single ASAP7 ws PE row for {hw.act_bits}/{hw.wgt_bits}/"
                         f"{hw.acc_bits} bits at {PE_DELAY_PS} ps")
    return float(row.pe_energy_pj.iloc[0])


def dram_bytes_per_cycle(hw) -> float:
    if hw.dram_ports == "per_buffer":  # IBUF, PARAMBUF and OBUF ports stream at once
        return (hw.ibuf_axi_bits + hw.parambuf_axi_bits + hw.obuf_axi_bits) / 8
    return hw.dram_bytes_per_cycle


def findings(frame: pd.DataFrame) -> str:
    """What the table shows, with its numbers."""
    lines = []
    for design, rows in frame.groupby("design", sort=False):
        pre, dec1, dec8 = (rows[(rows.phase == p) & (rows.batch == b)] for p, b in
                           (("prefill", 1), ("decode", 1), ("decode", 8)))
        lines.append(
            f"- **{design}** (balance {rows.machine_balance.iloc[0]:.0f} MACs/byte): decode at batch 1 does "
            f"{dec1.intensity_mac_per_byte.min():.2f}–{dec1.intensity_mac_per_byte.max():.2f} MACs per DRAM byte "
            f"(each 8-bit weight used once per token, the KV cache read once per step), prefill "
            f"{pre.intensity_mac_per_byte.min():.1f}–{pre.intensity_mac_per_byte.max():.1f} (weights reused over the "
            f"prompt). Decode utilisation {100 * dec1.utilization.min():.1f}–{100 * dec1.utilization.max():.1f} %, "
            f"stall share {100 * dec1.stall_share.min():.0f}–{100 * dec1.stall_share.max():.0f} %; "
            f"energy per token run "
            f"through the model is {(dec1.mj_per_token_in.to_numpy() / pre.mj_per_token_in.to_numpy()).min():.0f}–"
            f"{(dec1.mj_per_token_in.to_numpy() / pre.mj_per_token_in.to_numpy()).max():.0f}× higher in decode "
            f"than in "
            f"prefill. Batch 8 raises decode intensity to {dec8.intensity_mac_per_byte.min():.1f}–"
            f"{dec8.intensity_mac_per_byte.max():.1f} and output tokens/s by "
            f"{(dec8.out_tokens_per_s.to_numpy() / dec1.out_tokens_per_s.to_numpy()).min():.1f}–"
            f"{(dec8.out_tokens_per_s.to_numpy() / dec1.out_tokens_per_s.to_numpy()).max():.1f}× (weights shared by "
            f"the sequences, KV caches not). DRAM's share of the energy: "
            f"{100 * rows.dram_energy_share.min():.0f}–{100 * rows.dram_energy_share.max():.0f} %.")
    lines.append("- On the 256×256 array a decode GEMV (one row per sequence) fills and drains the array for every "
                 "weight fold, so utilisation stays far below 1 % and its logic energy (all PEs clocked) dominates; "
                 "on the 16×16 GeneSys array the same step waits on DRAM most of the time.")
    return "\n".join(lines)


def main() -> None:
    memory = MEMORY_CONSTANTS["asap7"]
    rows = []
    for design in DESIGNS:
        hw = load_hardware(design)
        e_pe, balance = pe_energy_pj(hw), hw.array_rows * hw.array_cols / dram_bytes_per_cycle(hw)
        for model in MODELS:
            config = DECODERS[model]
            phases = [("prefill", 1, prefill(config, PROMPT)),
                      *[("decode", b, decode_step(config, mean_decode_context(PROMPT, OUTPUT), b)) for b in (1, 8)]]
            for phase, batch, workload in phases:
                t = simulate(workload, hw).totals
                dram = t["dram_read_bytes"] + t["dram_write_bytes"]
                sram = t["sram_read_bytes"] + t["sram_write_bytes"]
                runtime = t["total_cycles"] / (CLOCK_GHZ * 1e9)
                energy = {"logic": t["total_cycles"] * hw.array_rows * hw.array_cols * e_pe * 1e-12,
                          "sram": sram * memory.sram_pj_per_byte * 1e-12,
                          "dram": dram * memory.dram_pj_per_byte * 1e-12}
                total = sum(energy.values())
                processed = batch * (PROMPT if phase == "prefill" else 1)  # tokens run through the model
                rows.append({"design": design, "model": model, "phase": phase, "batch": batch,
                             "tokens_in": processed, "gmacs": t["macs"] / 1e9, "dram_mb": dram / 1e6,
                             "intensity_mac_per_byte": t["macs"] / dram, "machine_balance": balance,
                             "utilization": t["utilization"], "cycles": t["total_cycles"],
                             "stall_share": t["stall_cycles"] / t["total_cycles"],
                             "ms_per_run": runtime * 1e3, "out_tokens_per_s": workload.tokens / runtime,
                             "mj_per_out_token": total / workload.tokens * 1e3,
                             "mj_per_token_in": total / processed * 1e3, "dram_energy_share": energy["dram"] / total})
    frame = save_results(rows, OUT, COMMAND)
    shown = frame.drop(columns=["command", "cycles"]).copy()
    shown["gmacs"] = shown["gmacs"].map("{:,.2f}".format)
    shown["dram_mb"] = shown["dram_mb"].map("{:,.1f}".format)
    shown["intensity_mac_per_byte"] = shown["intensity_mac_per_byte"].map("{:.2f}".format)
    shown["machine_balance"] = shown["machine_balance"].map("{:.0f}".format)
    for column in ("utilization", "stall_share", "dram_energy_share"):
        shown[column] = (100 * shown[column]).map("{:.1f} %".format)
    shown["ms_per_run"] = shown["ms_per_run"].map("{:,.2f}".format)
    shown["out_tokens_per_s"] = shown["out_tokens_per_s"].map("{:,.1f}".format)
    for column in ("mj_per_out_token", "mj_per_token_in"):
        shown[column] = shown[column].map("{:,.3f}".format)
    markdown = (
        f"# LLM prefill vs decode\n\n`{COMMAND}`: prompt {PROMPT} tokens, {OUTPUT} output tokens; prefill at batch 1 "
        f"(ms_per_run = time to first token), the mean decode step (KV cache {mean_decode_context(PROMPT, OUTPUT)}) "
        f"at batch 1 and 8 (ms_per_run = time per output token). Clock {CLOCK_GHZ:g} GHz for both designs (assumed). "
        "Energy = logic (cycles × PEs × measured ASAP7 PE energy per cycle) + SRAM (0.24 pJ/B) + DRAM (20 pJ/B), "
        "per output token and per token run through the model (tokens_in: the prompt for prefill); "
        "intensity = MACs per DRAM byte; machine balance = peak MACs per cycle / DRAM bytes per cycle "
        "(intensity below it: memory bound).\n\n" + markdown_table(shown) + "\n\n" + findings(frame) + "\n")
    OUT.with_suffix(".md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
