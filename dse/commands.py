"""CLI commands of this layer (registered by dse.cli): ``search`` and ``sweep``."""
from __future__ import annotations

import shlex
from pathlib import Path

import click

from dse.errors import DSEInputError

_SPACE = click.option("--space", "space_path", required=True, type=click.Path(dir_okay=False),
                      help="Search-space TOML file (see README 'Design space exploration').")
_MODELS = click.option("--models", required=True, type=click.Path(),
                       help="Surrogate bundle trained by 'accel-dse train' (directory or file).")
_PDK = click.option("--pdk", type=click.Choice(["asap7", "gf180"]), default="asap7", show_default=True,
                    help="Node of the defaults: the bundled space dse/spaces/<pdk>.toml and the bundled "
                         "surrogates (trained once on datasets/<pdk>/ppa_samples.csv, cached).")
_WORKLOAD = click.option("--workload", "workloads", multiple=True, metavar="NAME[:WEIGHT]",
                         help="Zoo name, SCALE-Sim CSV or ONNX file, optionally weighted; repeat for several "
                              "(default: the space file's [search].workloads).")


def parse_workloads(values: tuple[str, ...]) -> dict[str, float] | None:
    """``("resnet50", "bert_base:0.5")`` → ``{"resnet50": 1.0, "bert_base": 0.5}``; None when empty."""
    if not values:
        return None
    workloads = {}
    for value in values:
        name, _, weight = value.rpartition(":") if ":" in value else (value, "", "1")
        try:
            workloads[name] = float(weight)
        except ValueError:
            raise DSEInputError(f"--workload {value!r}: weight {weight!r} is not a number "
                                f"(expected NAME or NAME:WEIGHT)") from None
        if not workloads[name] > 0:
            raise DSEInputError(f"--workload {value!r}: weight must be > 0")
    return workloads


def _setup(space_path: str, models: str | None, workloads: tuple[str, ...], pdk: str | None = None):
    """(space, evaluator, models): ``models`` None stands for the ``pdk``'s cached bundled surrogates, trained
    (once) only after the space and the workloads have been read, so bad input fails first. A [hetero] space
    gets the heterogeneous evaluator (:mod:`dse.hetero`)."""
    from dse.evaluator import load_workloads
    from dse.hetero import load_space_bundle, make_evaluator
    from dse.space import load_space

    space = load_space(space_path, parse_workloads(workloads))
    networks = load_workloads(space.workloads, space.path)  # bad workloads fail before any training
    if models is None:
        from dse.surrogate_cache import cached_surrogates

        models = str(cached_surrogates(pdk, say=lambda line: click.echo(line, err=True)))
    return space, make_evaluator(space, load_space_bundle(models, space), networks), models


@click.command("search")
@click.option("--space", "space_path", default=None,
              help="Search-space TOML file or bundled space name (default: the --pdk's bundled space; see "
                   "README 'Design space exploration').")
@click.option("--models", default=None, type=click.Path(),
              help="Surrogate bundle trained by 'accel-dse train' (default: the --pdk's bundled surrogates, "
                   "trained on first use and cached; $ACCEL_DSE_CACHE sets the cache directory).")
@_PDK
@_WORKLOAD
@click.option("--trials", "n_trials", type=click.IntRange(min=1), default=500, show_default=True,
              help="Finished trials the study should hold (shared by all workers of the study).")
@click.option("--storage", default=None,
              help="sqlite:///FILE.db (default: sqlite:///accel_dse_study.db, one worker), "
                   "journal:///FILE.log (local processes) or postgresql://USER:PW@HOST/DB (many workers).")
@click.option("--study", "study_name", default=None,
              help="Study name (default: the space file's stem; for the bundled space <pdk>-<workloads>).")
@click.option("--sampler", type=click.Choice(["tpe", "nsga2", "random", "gp"]), default="tpe", show_default=True)
@click.option("--resume", is_flag=True, help="Continue the study if it exists (needed by extra workers too).")
@click.option("--seed", type=int, default=None, help="Sampler seed.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1, show_default=True,
              help="Trials asked, evaluated (vectorized) and told together.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def search(space_path, models, pdk, workloads, n_trials, storage, study_name, sampler, resume, seed, batch_size,
           quiet):
    """Search the space with Optuna; every metric is stored on each trial.

    With no options but --workload it searches the bundled space of --pdk (asap7) with the bundled
    surrogates, e.g. `accel-dse search --workload resnet18 --trials 20`."""
    from dse.study import DEFAULT_STORAGE, finished_and_active, open_storage, open_study, run_trials

    try:
        space, evaluator, models = _setup(space_path or pdk, models, workloads, pdk)
        url = storage or DEFAULT_STORAGE
        opened = open_storage(url)
        try:
            name = study_name or (Path(space_path).stem if space_path else
                                  "-".join([pdk, *(n.replace("/", "_") for n in space.workloads)]))
            study = open_study(space, evaluator, models, opened, name, sampler=sampler, seed=seed, resume=resume)
            ran = run_trials(study, space, evaluator, n_trials, batch_size=batch_size, progress=not quiet,
                             storage=opened)
            finished, _ = finished_and_active(study)
            front = study.best_trials  # feasible trials only
            best = (f"{len(front)} feasible Pareto-optimal" if len(space.objectives) > 1 else
                    f"best feasible {space.objectives[0].name} = {front[0].value:.6g}" if front else
                    "no feasible trial yet")
            click.echo(f"study {name!r}: {ran} trials run here, {finished} finished in total ({best})")
            if ran == 0 and finished >= n_trials:
                click.echo(f"the study already holds --trials {n_trials} finished trials; to continue it, "
                           f"raise --trials (e.g. --trials {2 * n_trials} --resume)")
            if front:
                from dse.report_data import read_study
                from dse.report_picks import pick_lines

                click.echo("recommended designs:\n" + "\n".join(pick_lines(read_study(study))))
        finally:
            opened.close()
    except DSEInputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"next: accel-dse report --storage {shlex.quote(absolute_storage_url(url))} "
               f"--study {shlex.quote(name)} --out {shlex.quote(str(Path('reports') / name))}")


def absolute_storage_url(url: str) -> str:
    """``url`` with a relative SQLite or journal file made absolute (the printed commands work from anywhere)."""
    for scheme in ("sqlite:///", "journal://"):  # the file path follows the scheme (open_storage)
        if url.startswith(scheme):
            return scheme + str(Path(url[len(scheme):]).absolute())
    return url


@click.command("sweep")
@_SPACE
@_MODELS
@_WORKLOAD
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for sweep.csv, pareto.csv and sweep.json.")
@click.option("--max-points", type=click.IntRange(min=1), default=None, help="Refuse spaces larger than this (default 200,000).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sweep(space_path, models, workloads, out_dir, max_points, quiet):
    """Evaluate every point of a discrete space (batched) and write the table and its Pareto front."""
    from dse.sweep import MAX_POINTS, sweep_design_space, write_sweep
    from frontend_sim.atomic import check_writable

    try:
        check_writable(Path(out_dir) / "sweep.csv")  # before the sweep, not after it
        space, evaluator, _ = _setup(space_path, models, workloads)
        table = sweep_design_space(space, evaluator, max_points=max_points or MAX_POINTS, progress=not quiet)
        summary = write_sweep(table, space, evaluator, out_dir)
    except DSEInputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{summary['points']} points, {summary['feasible']} feasible, {summary['pareto']} on the Pareto "
               f"front → {out_dir}/sweep.csv, pareto.csv")


COMMANDS: list = [search, sweep]
