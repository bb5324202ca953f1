"""CLI commands of this layer (registered by dse.cli): ``accel-dse simulate``."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from frontend_sim.atomic import OutputError, write_file
from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import DATAFLOWS, preset_names

#: Columns of the printed per-layer table (all columns go to --csv).
TABLE_COLUMNS = ["layer", "op", "macs", "compute_cycles", "stall_cycles", "simd_cycles", "total_cycles",
                 "utilization", "mapping_efficiency", "dram_read_bytes", "dram_write_bytes"]
#: Added to the printed table under the GeneSys mapping: the chosen DRAM tile and where partial sums live.
MAPPING_TABLE_COLUMNS = ["tile_ow", "tile_oh", "tile_kw", "tile_kh", "tile_ic", "tile_oc", "psum_in"]
#: Added under the im2col mapping with the search: the DRAM tile of the GEMM, the loop order, refetches.
IM2COL_SEARCH_COLUMNS = ["tile_m", "tile_k", "tile_oc", "loop_order", "ifmap_refetch", "filter_refetch", "psum_in"]
#: --mapping values: (array_mapping, tiling).
MAPPINGS = {"fixed": ("im2col", "fixed"), "im2col-search": ("im2col", "search"), "genesys": ("genesys", "genesys"),
            "search": ("genesys", "search")}
PERCENT_COLUMNS = ("utilization", "mapping_efficiency")
#: Byte counts, printed as whole bytes.
BYTE_COLUMNS = ("dram_read_bytes", "dram_write_bytes")


@click.command("simulate")
@click.option("--workload", "-w", "workloads", required=True, multiple=True, metavar="NAME[:COUNT]",
              help="Built-in workload (resnet18, resnet50, mobilenetv2, mobilenetv3_large, efficientnet_b0, "
                   "vgg16, vit_b_16, bert_base, bert_base_seq<N>, <llm>_prefill[_p<P>], <llm>_decode[_ctx<L>] "
                   "with llm gpt2, llama3_2_1b, llama2_7b), a SCALE-Sim topology .csv, an .onnx model or a "
                   "SimDIT .json; '<workload>@<B>' runs it at batch B. Repeat it (or add :COUNT instances per "
                   "frame) for a multi-DNN frame, scheduled on the cores of --hw.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
              help="Batch of a single workload: inputs run through the same weights (multiplies a '@<B>' batch; "
                   "an ONNX model's symbolic batch dimension takes it). Multi-DNN frames take NAME@B per workload.")
@click.option("--hw", "hw_spec", default="scalesim-32x32", show_default=True,
              help="Hardware preset name or file: SCALE-Sim .cfg, SimDIT hardware .json, or a "
                   ".json/.toml of HardwareConfig fields.")
@click.option("--dataflow", type=click.Choice(DATAFLOWS), help="Override the hardware's dataflow.")
@click.option("--mapping", type=click.Choice(list(MAPPINGS)),
              help="Override the mapping: 'fixed' = SCALE-Sim's im2col mapping and loop order; 'im2col-search' = "
                   "SCALE-Sim's im2col mapping (any dataflow) with the searched DRAM tiling and loop order; "
                   "'genesys' = GeneSys's mapping tiled by SimDIT's generator; 'search' = GeneSys's mapping with the "
                   "DRAM-traffic-first tiling search (both genesys modes are weight-stationary). Default: the "
                   "hardware file's (a SCALE-Sim .cfg: fixed; a SimDIT JSON: genesys).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full per-layer table (every column) to this CSV file.")
@click.option("--scheduler", type=click.Choice(["herald", "greedy", "exact"]), default="herald", show_default=True,
              help="Multi-DNN / multi-core runs: HERALD-style heuristic, greedy earliest-finish baseline, or the "
                   "exact MILP (small instances).")
def simulate_command(workloads: tuple[str, ...], batch: int, hw_spec: str, dataflow: str | None, mapping: str | None,
                     csv_path: Path | None, scheduler: str) -> None:
    """Simulate a network on one accelerator: per-layer cycles, stalls, traffic, mapping and totals. With a
    multi-core hardware file or several workloads: the multi-DNN schedule (makespan, per-core busy time)."""
    from frontend_sim import schedule_commands
    from frontend_sim.loader import load_workload
    from frontend_sim.simulator import simulate

    try:
        single = schedule_commands.single_core_hardware(workloads, hw_spec)
    except SimulatorInputError as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    if single is None:
        if batch != 1:
            raise click.UsageError("--batch applies to one workload; give each workload of a multi-DNN frame as "
                                   "NAME@B[:COUNT]")
        schedule_commands.run(workloads, hw_spec, scheduler, csv_path, bool(dataflow or mapping))
        return
    workload = workloads[0]
    try:
        network = load_workload(workload, batch=batch)
        hw = single
        changes = {"dataflow": dataflow} if dataflow else {}
        if mapping:
            array_mapping, tiling = MAPPINGS[mapping]
            changes.update(tiling=tiling, array_mapping=array_mapping)
            if array_mapping == "genesys":
                changes.setdefault("dataflow", "ws")
        hw = replace(hw, **changes)
        result = simulate(network, hw)
    except SimulatorInputError as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    columns = TABLE_COLUMNS + (MAPPING_TABLE_COLUMNS if hw.array_mapping == "genesys" else
                               IM2COL_SEARCH_COLUMNS if hw.tiling == "search" else [])
    table = result.layers[columns].copy()
    for column in PERCENT_COLUMNS:
        table[column] = (100 * table[column]).round(2)
    for column in BYTE_COLUMNS:
        table[column] = table[column].round().astype("int64")
    table = table.rename(columns={c: f"{c}_%" for c in PERCENT_COLUMNS})
    link = (f"AXI ports IBUF {hw.ibuf_axi_bits}, PARAMBUF {hw.parambuf_axi_bits}, OBUF {hw.obuf_axi_bits}, "
            f"SIMD {hw.simd_axi_bits} bits/cycle" if hw.dram_ports == "per_buffer"
            else f"{hw.dram_bytes_per_cycle:g} DRAM bytes/cycle")
    click.echo(f"{network.name} on {hw.array_rows}x{hw.array_cols} {hw.dataflow}, {hw.array_mapping} mapping, "
               f"{hw.tiling} tiling ({hw_spec}; {link})")
    click.echo(table.to_string(index=False))
    totals = result.totals
    click.echo(f"\ntotal: {totals['total_cycles']:,} cycles = compute {totals['compute_cycles']:,} "
               f"+ stall {totals['stall_cycles']:,} + simd {totals['simd_cycles']:,} cycles; "
               f"{totals['macs']:,} MACs; utilization {100 * totals['utilization']:.2f} %; "
               f"mapping efficiency {100 * totals['mapping_efficiency']:.2f} %; "
               f"DRAM read {totals['dram_read_bytes']:,.0f} bytes, write {totals['dram_write_bytes']:,.0f} bytes; "
               f"SRAM read {totals['sram_read_bytes']:,.0f} bytes, write {totals['sram_write_bytes']:,.0f} bytes")
    if network.tokens:
        dram = totals["dram_read_bytes"] + totals["dram_write_bytes"]
        click.echo(f"LLM {network.phase}: {network.tokens} output token(s) per run, "
                   f"{totals['total_cycles'] / network.tokens:,.0f} cycles per token; arithmetic intensity "
                   f"{totals['macs'] / dram:.2f} MACs per DRAM byte")
    if csv_path:
        try:
            write_file(csv_path, lambda tmp: result.layers.to_csv(tmp, index=False))
        except OutputError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"per-layer table written to {csv_path}")


simulate_command.help += f"\n\nPresets: {', '.join(preset_names())}."

COMMANDS = [simulate_command]
