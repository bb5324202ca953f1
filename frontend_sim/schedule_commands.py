"""``accel-dse simulate`` on a multi-core design or a multi-DNN frame: prints the schedule summary."""
from __future__ import annotations

import re
from pathlib import Path

import click

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import HardwareConfig, load_hardware
from frontend_sim.multicore import load_multicore
from frontend_sim.multidnn import load_multi_workload
from frontend_sim.schedule import format_summary, schedule

_COUNT_SUFFIX = re.compile(r":[^/\\]*$")  # NAME:COUNT (a colon after the last path separator)


def single_core_hardware(workloads: tuple[str, ...], hw_spec: str) -> HardwareConfig | None:
    """The one-accelerator hardware of a plain run, or None for a multi-DNN / multi-core run: several
    workloads, a ``NAME:COUNT`` workload, or hardware only the multi-core reader takes (a multi-core preset
    or a file with ``[[core]]`` tables). The hardware is read once (its warnings are printed once)."""
    if len(workloads) > 1 or _COUNT_SUFFIX.search(workloads[0]):
        return None
    try:
        return load_hardware(hw_spec)
    except SimulatorInputError as single_error:
        try:
            load_multicore(hw_spec)
        except SimulatorInputError:
            raise single_error from None  # neither reader takes it: the single-core reader's message
        return None


def run(workloads: tuple[str, ...], hw_spec: str, scheduler: str, csv_path: Path | None, overrides: bool) -> None:
    """Schedule the frame on the design and print :func:`~frontend_sim.schedule.format_summary`; ``--csv``
    writes one row per layer (job, network, layer, core, start/finish cycle)."""
    if overrides:
        raise click.ClickException("--dataflow/--mapping apply to a single-core run; set each core's fields in "
                                   "the multi-core hardware file instead")
    try:
        design = load_multicore(hw_spec)
        frame = load_multi_workload(workloads)
        result = schedule(design, frame, scheduler)
    except SimulatorInputError as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    except RuntimeError as exc:  # the exact MILP did not finish
        raise click.ClickException(str(exc)) from None
    click.echo(format_summary(result))
    if csv_path:
        try:
            result.frame().to_csv(csv_path, index=False)
        except OSError as exc:
            raise click.ClickException(f"{csv_path}: cannot write CSV ({exc.strerror})") from None
        click.echo(f"per-layer schedule written to {csv_path}")
