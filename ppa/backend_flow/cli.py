"""``accel-dse sample``: run the backend PPA sweep (Yosys + OpenSTA) into a resumable store."""
from __future__ import annotations

import click


@click.command("sample")
@click.option("--pdk", type=click.Choice(["asap7", "gf180"]), required=True, help="Standard-cell library.")
@click.option("--n", "n_samples", type=int, default=300, show_default=True,
              help="Number of (architecture, synthesis knobs, clock) samples.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Output directory: sample store, per-sample logs, exported CSV.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Parallel synthesis jobs (joblib).")
@click.option("--liberty", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Liberty file (.lib or .lib.gz) instead of the bundled one.")
def sample(pdk: str, n_samples: int, out_dir: str, jobs: int, liberty: str | None) -> None:
    """Synthesize and time sampled MAC-array designs; resumable (finished samples are kept)."""
    from ppa.backend_flow.sweep import run_sweep
    from ppa.backend_flow.errors import BackendFlowError

    try:
        run_sweep(pdk=pdk, n_samples=n_samples, out_dir=out_dir, jobs=jobs, liberty=liberty)
    except BackendFlowError as exc:
        raise click.ClickException(str(exc)) from exc
