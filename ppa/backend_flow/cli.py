"""``accel-dse sample`` (the backend PPA sweep, Yosys + OpenSTA, into a resumable store) and
``accel-dse characterise`` (every PE variant synthesised and powered alone)."""
from __future__ import annotations

from pathlib import Path

import click

#: Options both backend commands take.
_PDK = click.option("--pdk", type=click.Choice(["asap7", "gf180"]), required=True, help="Standard-cell library.")
_JOBS = click.option("--jobs", type=int, default=1, show_default=True, help="Parallel synthesis jobs (joblib).")
_LIBERTY = click.option("--liberty", type=click.Path(exists=True, dir_okay=False), default=None,
                        help="Liberty file (.lib or .lib.gz) instead of the bundled one.")


@click.command("sample")
@_PDK
@click.option("--n", "n_samples", type=int, default=300, show_default=True,
              help="Number of (architecture, synthesis knobs, clock) samples.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Output directory: sample store, per-sample logs, exported CSV.")
@_JOBS
@_LIBERTY
@click.option("--publish", "publish_dir", type=click.Path(file_okay=False), default=None,
              help="Continue the dataset ppa_samples.csv there (its samples are not redone) and write it back with "
                   "PROVENANCE.md (e.g. datasets/asap7), even if the sweep stops early.")
@click.option("--retime", is_flag=True,
              help="Instead of sweeping, time the stored netlists that lack the per-module clocks "
                   "(pe_fmax_ghz, lane_fmax_ghz) again and add them; the stored fmax and power must be reproduced.")
def sample(pdk: str, n_samples: int, out_dir: str, jobs: int, liberty: str | None, publish_dir: str | None,
           retime: bool) -> None:
    """Synthesize and time sampled MAC-array designs; resumable (finished samples are kept)."""
    from ppa.backend_flow.errors import BackendFlowError
    from ppa.backend_flow.provenance import publish
    from ppa.backend_flow.sweep import retime as retime_store
    from ppa.backend_flow.sweep import sweep_backend_samples

    try:
        try:
            seed_csv = Path(publish_dir) / "ppa_samples.csv" if publish_dir else None
            if retime:
                df = retime_store(pdk=pdk, out_dir=out_dir, jobs=jobs, liberty=liberty)
            else:
                df = sweep_backend_samples(pdk=pdk, n_samples=n_samples, out_dir=out_dir, jobs=jobs, liberty=liberty,
                               seed_csv=seed_csv)
            click.echo(f"{len(df)} samples in {out_dir}/ppa_samples.csv")
        finally:
            if publish_dir:
                command = (f"accel-dse sample --pdk {pdk} --n {n_samples} --out {out_dir} --jobs {jobs}"
                           + (f" --liberty {liberty}" if liberty else "") + f" --publish {publish_dir}")
                publish(out_dir, publish_dir, pdk, command, n_samples)
    except BackendFlowError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("characterise")
@_PDK
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Output directory (a sweep's directory reuses its module cache): pe_characterisation.csv.")
@click.option("--delays", type=int, default=3, show_default=True,
              help="ABC delay targets per PE variant, spread over the delay ladder of the node's clock range.")
@_JOBS
@_LIBERTY
@click.option("--publish", "publish_file", type=click.Path(dir_okay=False), default=None,
              help="Merge the table into this CSV (e.g. datasets/pe_characterisation.csv), replacing its rows of --pdk, "
                   "and write its provenance beside it (.md, .json).")
def characterise(pdk: str, out_dir: str, delays: int, jobs: int, liberty: str | None, publish_file: str | None) -> None:
    """Synthesise every PE variant alone at a few ABC delay targets and power it: the measured PE table
    (area, energy per cycle, leakage) the surrogates look up (spec [lookup]); resumable."""
    from ppa.backend_flow.characterise import publish_characterisation, run_characterisation
    from ppa.backend_flow.errors import BackendFlowError

    try:
        table = run_characterisation(pdk, out_dir, delays=delays, jobs=jobs, liberty=liberty)
        click.echo(f"{len(table)} PE variants × delays in {out_dir}/pe_characterisation.csv")
        if publish_file:
            command = (f"accel-dse characterise --pdk {pdk} --out {out_dir} --delays {delays} --jobs {jobs}"
                       + (f" --liberty {liberty}" if liberty else "") + f" --publish {publish_file}")
            publish_characterisation(out_dir, publish_file, pdk, command)
            click.echo(f"published to {publish_file} (provenance: {Path(publish_file).with_suffix('.md')})")
    except BackendFlowError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("characterise-memory")
@click.option("--cacti", type=click.Path(exists=True, dir_okay=False), required=True,
              help="CACTI 7 binary (built from github.com/HewlettPackard/cacti with 'make opt', 180 nm check relaxed).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Output directory: sram_macros.csv, sram_model_validation.csv and the cached CACTI runs.")
@click.option("--publish", "publish_file", type=click.Path(dir_okay=False), default=None,
              help="Write the table there too (e.g. datasets/sram_macros.csv) with its provenance (.md) and "
                   "sram_model_validation.csv beside it.")
def characterise_memory(cacti: str, out_dir: str, publish_file: str | None) -> None:
    """The SRAM macros of every node: GF180's four real macros (liberty + LEF) and ASAP7 modelled by CACTI,
    with CACTI's error against the GF180 macros; resumable (CACTI runs are cached)."""
    from ppa.backend_flow.errors import BackendFlowError
    from ppa.backend_flow.memory_characterise import characterise_memory as run

    command = f"accel-dse characterise-memory --cacti {cacti} --out {out_dir}" + (
        f" --publish {publish_file}" if publish_file else "")
    try:
        table = run(out_dir, cacti, publish_file, command)
    except BackendFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(table)} macros in {out_dir}/sram_macros.csv" + (f", published to {publish_file}" if publish_file else ""))
