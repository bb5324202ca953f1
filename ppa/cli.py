"""CLI commands of this layer (registered by dse.cli): train, evaluate, predict (+ the backend flow's sample)."""
from __future__ import annotations

import time
from pathlib import Path

import click

from frontend_sim.atomic import check_writable, write_file
from ppa.backend_flow.cli import characterise, characterise_memory, sample
from ppa.choices import FAMILIES, SPLITS
from ppa.errors import PPAInputError


def _names(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(n.strip() for n in text.split(",") if n.strip())


def _model_option(ctx, param, value):
    """``--model``: one family, or comma-separated target=family pairs."""
    if value is None or "=" not in value:
        if value is not None and value not in FAMILIES:
            raise click.BadParameter(f"{value!r} is not a model family; choose from {', '.join(FAMILIES)}")
        return value
    pairs = dict(p.split("=", 1) for p in value.split(",") if "=" in p)
    bad = {t: f for t, f in pairs.items() if f not in FAMILIES}
    if bad or len(pairs) != len(value.split(",")):
        raise click.BadParameter(f"{value!r}: expected target=family pairs with families from {', '.join(FAMILIES)}")
    return pairs


def _fail(exc: Exception):
    raise click.ClickException(str(exc).splitlines()[0]) from None


def _table(frame) -> str:
    cols = [c for c in ("model", "split", "transform", "configs", "n", "mape_pct", "ape_std_pct", "ape_max_pct",
                        "r2", "mae", "timing_accuracy", "in_domain_pct") if c in frame.columns]
    return frame[cols].to_string(float_format=lambda v: f"{v:.4g}")


@click.command()
@click.option("--data", required=True, type=click.Path(dir_okay=False), help="CSV of samples, one row per run.")
@click.option("--targets", help="Comma-separated target columns, e.g. area_um2,power_mw,fmax_ghz.")
@click.option("--features", help="Comma-separated feature columns (default: every other column except "
              "known PPA outputs and --exclude, each checked for identifiers, other measured outputs and wide text).")
@click.option("--exclude", help="Comma-separated columns that are neither features nor targets.")
@click.option("--categorical", help="Comma-separated feature columns to encode as categories.")
@click.option("--group-by", help="Configuration key of the unseen split: any columns, features or not (default: the "
              "architectural columns, else all features).")
@click.option("--keep", help="Comma-separated columns to use as features although the column checks flag them "
              "(identifier-like, another measured output, high-cardinality text).")
@click.option("--spec", type=click.Path(dir_okay=False), help="TOML spec with targets/features/exclude/"
              "categorical/group_by/clock_column/timing_column, [derived] features, [terms] of the additive "
              "cost models and the model family; flags override it. The bundled datasets' spec: "
              "`accel-dse train --data datasets/asap7/ppa_samples.csv --spec datasets/ppa_spec.toml`.")
@click.option("--model", callback=_model_option, help=f"Model family ({', '.join(FAMILIES)}) for every target, "
              "or target=family pairs, e.g. area_um2=additive,power_mw=additive,fmax_ghz=xgboost "
              "[default: the spec's model, else auto: per target, a blend of gradient-boosted trees and forests, "
              "on the target or its log, chosen by cross-validated error].")
@click.option("--split", type=click.Choice(SPLITS), default="unseen", show_default=True)
@click.option("--budget-s", type=float, default=180.0, show_default=True, help="Time ceiling of the whole train (checks, tuning, cross-validation, final fits), seconds.")
@click.option("--trials", type=int, default=30, show_default=True, help="Optuna trials per target and family.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Threads per model fit.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Bundle directory to write.")
def train(data, targets, features, exclude, categorical, group_by, keep, spec, model, split, budget_s, trials, seed,
          jobs, out):
    """Train PPA surrogates from a CSV and write a model bundle; prints the column roles, the split and the
    held-out error. Without --features every other column is checked (ppa.roles) before any model is fitted."""
    start = time.perf_counter()
    from ppa.bundle import MANIFEST, save_bundle
    from ppa.roles import roles_text
    from ppa.schema import DataSpec, load_spec, read_table
    from ppa.surrogate import PPASurrogate

    try:
        flags = {"targets": _names(targets), "features": _names(features), "exclude": _names(exclude),
                 "categorical": _names(categorical), "group_by": _names(group_by), "keep": _names(keep)}
        if spec:
            data_spec = load_spec(spec, **flags)
        else:
            if not targets:
                raise PPAInputError("give --targets (or a --spec file with `targets = [...]`)")
            data_spec = DataSpec(**{k: v for k, v in flags.items() if v is not None})
        table = read_table(data, data_spec)
        for message in table.warnings:
            click.echo(f"warning: {message}", err=True)
        click.echo(f"{data}: {len(table.frame)} rows; column roles:\n{roles_text(table.roles)}", err=True)
        check_writable(Path(out) / MANIFEST)  # before the fit: a read-only --out fails in seconds, not after it
        model = model or data_spec.model or "auto"
        left = budget_s - (time.perf_counter() - start) - min(2.0, 0.05 * budget_s)  # the rest: writing the bundle
        if left <= 0:
            raise PPAInputError(f"--budget-s {budget_s:g} was used up reading and checking {data}; give more")
        surrogate = PPASurrogate(model=model, split=split, group_by=data_spec.group_by, categorical=table.categorical,
                                 budget_s=left, n_trials=trials, clock_column=data_spec.clock_column,
                                 n_jobs=jobs, seed=seed, derived=data_spec.derived, terms=data_spec.terms,
                                 inputs=data_spec.inputs, min_of=data_spec.min_of,
                                 lookup=data_spec.lookup)
        surrogate.fit(table.X, table.y, timing_met=table.column(data_spec.timing_column), groups=table.keys)
        click.echo(surrogate.split_description_, err=True)
        save_bundle(surrogate, out, data_sha256=table.sha256, data_path=str(data), roles=table.roles)
    except PPAInputError as exc:
        _fail(exc)
    families = model if isinstance(model, str) else ", ".join(f"{t}: {f}" for t, f in model.items())
    click.echo(f"held-out error ({split} split, {surrogate.cv_folds}-fold, {families}; "
               f"trained in {time.perf_counter() - start:.1f} s of --budget-s {budget_s:g}):")
    click.echo(_table(surrogate.cv_metrics_))
    click.echo(f"bundle: {out}")
    if not spec:
        _suggest_bundled_spec(data, table.sha256, surrogate.cv_metrics_, out)


#: Held-out MAPE of area and power with the bundled spec on the bundled ASAP7 dataset, % (``accel-dse search``'s
#: cached surrogates: `accel-dse train --data datasets/asap7/ppa_samples.csv --spec datasets/ppa_spec.toml`).
BUNDLED_SPEC_MAPE_PCT = {"area_um2": 0.3, "power_mw": 0.3}


def _suggest_bundled_spec(data: str, sha256: str, metrics, out: str) -> None:
    """When ``data`` is a bundled dataset trained without ``--spec``: say how much better the bundled spec does."""
    import accel_dse_datasets
    from ppa.hashing import file_sha256

    for pdk in ("asap7", "gf180"):
        if file_sha256(accel_dse_datasets.path(f"{pdk}/ppa_samples.csv")) == sha256:
            here = ", ".join(f"{t} {metrics.loc[t, 'mape_pct']:.1f} %" for t in BUNDLED_SPEC_MAPE_PCT
                             if t in metrics.index)
            spec = ", ".join(f"{t} {v} %" for t, v in BUNDLED_SPEC_MAPE_PCT.items())
            click.echo(f"note: {data} is the bundled {pdk} dataset; its spec (derived features and additive cost "
                       f"models) gives far lower held-out error (asap7: {spec}; this run: {here or 'n/a'}): "
                       f"accel-dse train --data {data} --spec {accel_dse_datasets.path('ppa_spec.toml')} "
                       f"--out {out}", err=True)
            return


@click.command()
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False), help="Bundle directory.")
@click.option("--data", required=True, type=click.Path(dir_okay=False), help="CSV with the features and targets.")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the error table as CSV.")
def evaluate(model_dir, data, out):
    """Error of a trained bundle on a labelled CSV (and its stored held-out error)."""
    from ppa.bundle import load_bundle
    from ppa.schema import DataSpec, read_table

    try:
        surrogate = load_bundle(model_dir)
        manifest = surrogate.manifest
        spec = DataSpec(targets=tuple(surrogate.targets), features=tuple(surrogate.features),
                        categorical=tuple(manifest["encoder"]["categorical"]),
                        clock_column=manifest["settings"]["clock_column"])
        table = read_table(data, spec, for_training=False)
        for message in table.warnings:
            click.echo(f"warning: {message}", err=True)
        result = surrogate.evaluate(table.X, table.y, timing_met=table.column(spec.timing_column))
    except PPAInputError as exc:
        _fail(exc)
    if table.sha256 == manifest["training_data"]["sha256"]:
        click.echo("note: this is the training CSV, so this is training error; the held-out error is below",
                   err=True)
    click.echo(f"error on {data}:")
    click.echo(_table(result))
    click.echo(f"held-out error stored at training ({manifest['settings']['split']} split):")
    click.echo(_table(surrogate.cv_metrics_))
    if out:
        write_file(out, lambda tmp: result.to_csv(tmp))


@click.command()
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False), help="Bundle directory.")
@click.option("--data", required=True, type=click.Path(dir_okay=False), help="CSV of query rows (feature columns).")
@click.option("--out", type=click.Path(dir_okay=False), help="Output CSV (default: print to stdout).")
def predict(model_dir, data, out):
    """Predict every target (+ <target>_std spread and in_domain) for the rows of a CSV."""
    import pandas as pd

    from ppa.bundle import load_bundle
    from ppa.schema import read_queries

    try:
        surrogate = load_bundle(model_dir)
        queries = read_queries(data, surrogate.features, surrogate.manifest["encoder"]["categorical"])
        result = pd.concat([queries, surrogate.predict(queries)], axis=1)
    except PPAInputError as exc:
        _fail(exc)
    outside = int((~result["in_domain"]).sum())
    if outside:
        click.echo(f"warning: {outside} of {len(result)} rows are outside the training domain (in_domain=False)",
                   err=True)
    if out:
        write_file(out, lambda tmp: result.to_csv(tmp, index=False))
        click.echo(f"wrote {len(result)} predictions to {out}", err=True)
    else:
        click.echo(result.to_csv(index=False), nl=False)


COMMANDS: list = [sample, characterise, characterise_memory, train, evaluate, predict]
