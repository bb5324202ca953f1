"""CLI commands of this layer (registered by dse.cli): ``accel-dse simulate``."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import DATAFLOWS, TILINGS, load_hardware, preset_names

#: Columns of the printed per-layer table (all columns go to --csv).
TABLE_COLUMNS = ["layer", "op", "macs", "compute_cycles", "stall_cycles", "simd_cycles", "total_cycles",
                 "utilization", "mapping_efficiency", "dram_read_bytes", "dram_write_bytes"]
#: Added to the printed table under the GeneSys mapping: the chosen DRAM tile and where partial sums live.
MAPPING_TABLE_COLUMNS = ["tile_ow", "tile_oh", "tile_kw", "tile_kh", "tile_ic", "tile_oc", "psum_in"]
PERCENT_COLUMNS = ("utilization", "mapping_efficiency")
#: Byte counts, printed as whole bytes.
BYTE_COLUMNS = ("dram_read_bytes", "dram_write_bytes")


@click.command("simulate")
@click.option("--workload", "-w", required=True,
              help="Built-in workload (resnet18, resnet50, mobilenetv2, vgg16, bert_base, "
                   "bert_base_seq<N>), a SCALE-Sim topology .csv or an .onnx model.")
@click.option("--hw", "hw_spec", default="scalesim-32x32", show_default=True,
              help="Hardware preset name or file: SCALE-Sim .cfg, SimDIT hardware .json, or a "
                   ".json/.toml of HardwareConfig fields.")
@click.option("--dataflow", type=click.Choice(DATAFLOWS), help="Override the hardware's dataflow.")
@click.option("--mapping", type=click.Choice(TILINGS),
              help="Override the mapping: 'fixed' = SCALE-Sim's im2col mapping and loop order; 'genesys' = "
                   "GeneSys's mapping tiled by SimDIT's generator; 'search' = GeneSys's mapping with the "
                   "DRAM-traffic-first tiling search (both genesys modes are weight-stationary). Default: the "
                   "hardware file's (a SCALE-Sim .cfg: fixed; a SimDIT JSON: genesys).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full per-layer table (every column) to this CSV file.")
def simulate_command(workload: str, hw_spec: str, dataflow: str | None, mapping: str | None,
                     csv_path: Path | None) -> None:
    """Simulate a network on one accelerator: per-layer cycles, stalls, traffic, mapping and totals."""
    from frontend_sim.loader import load_workload
    from frontend_sim.simulator import simulate

    try:
        network = load_workload(workload)
        hw = load_hardware(hw_spec)
        changes = {"dataflow": dataflow} if dataflow else {}
        if mapping:
            changes.update(tiling=mapping, array_mapping="im2col" if mapping == "fixed" else "genesys")
            if mapping != "fixed":
                changes.setdefault("dataflow", "ws")
        hw = replace(hw, **changes)
        result = simulate(network, hw)
    except SimulatorInputError as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    columns = TABLE_COLUMNS + (MAPPING_TABLE_COLUMNS if hw.array_mapping == "genesys" else [])
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
    if csv_path:
        try:
            result.layers.to_csv(csv_path, index=False)
        except OSError as exc:
            raise click.ClickException(f"{csv_path}: cannot write CSV ({exc.strerror})") from None
        click.echo(f"per-layer table written to {csv_path}")


simulate_command.help += f"\n\nPresets: {', '.join(preset_names())}."

COMMANDS = [simulate_command]
