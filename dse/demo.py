"""The end-to-end demo: bundled PPA data → surrogates → multi-objective study → Pareto report.

``accel-dse demo`` runs, on a fresh install and the bundled data only:

1. trains the PPA surrogates on the bundled ASAP7 dataset with the bundled spec
   (``datasets/ppa_spec.toml``: additive cost models for area, power and leakage, the ``auto`` blend of tree models for fmax;
   short Optuna tuning), or
   reuses ``--models`` / a bundle it trained before in the same output directory (same dataset sha256 and spec);
2. searches the bundled default space (``dse/spaces/asap7.toml``: array shape, dataflow, operand
   widths, buffers, DRAM bandwidth, clock and two synthesis knobs) for ResNet-50 and BERT-base
   (weighted equally) with Optuna's multi-objective TPE, minimising runtime, energy and area,
   stored in ``<out>/study.db``;
3. writes the report of that study into ``<out>`` and prints the chosen designs.

Timings of each step are written to ``<out>/demo_run.json``. Progress lines go to ``say`` (the CLI's
``click.echo``), by default to this module's logger at INFO.
"""
from __future__ import annotations

import json
import logging
import math
import os
import time
from pathlib import Path

import optuna
import pandas as pd

import accel_dse_datasets

from dse.errors import DSEInputError
from frontend_sim.atomic import write_text

logger = logging.getLogger(__name__)

#: The bundled default space (dse/spaces/asap7.toml: joint architecture + backend search in ASAP7,
#: minimising runtime, energy and area under an area constraint), searched for these workloads.
SPACE = "asap7"
WORKLOADS = {"resnet50": 1.0, "bert_base": 1.0}
STUDY = "demo"
TARGETS = ("area_um2", "power_mw", "leakage_mw", "fmax_ghz")


def design_inputs() -> set[str]:
    """Columns of a backend dataset that are design inputs (:data:`ppa.backend_flow.columns.DESIGN_INPUTS`:
    the synthesised core, the synthesis knobs, the target clock and the node). Everything else in the CSV
    (tool outputs such as cell counts, run times, keys) must not become a feature."""
    from ppa.backend_flow.columns import DESIGN_INPUTS

    return set(DESIGN_INPUTS)


#: Columns of the printed top-designs table (those present in the study).
SHOWN = ("role", "trial", "runtime_s", "energy_j", "area_um2", "clock_ghz", "target_clock_ghz", "array_rows",
         "array_cols", "dataflow", "power_mw", "resnet50.runtime_s", "bert_base.runtime_s", "in_domain")


def bundled_file(name: str) -> Path:
    """An installed file of ``accel_dse_datasets``: ``ppa_spec.toml`` (derived features, cost-model
    terms, model families) or ``<pdk>/ppa_samples.csv`` (a node's backend PPA dataset)."""
    try:
        return accel_dse_datasets.path(name)
    except FileNotFoundError as exc:
        raise DSEInputError(f"{exc}: reinstall accel-dse or pass --models") from None


def train_surrogates(data: Path, out: Path, budget_s: float, n_trials: int, seed: int, say) -> Path:
    """Train (or reuse, when ``out`` holds a bundle of the same data and spec) the demo's surrogate bundle.

    Tuning stops after ``n_trials`` Optuna trials per target and family or ``budget_s`` seconds per
    training run; ``budget_s = math.inf`` stops it on the trial count only, so the bundle is reproducible."""
    from ppa.bundle import read_manifest, save_bundle
    from ppa.hashing import file_sha256
    from ppa.schema import load_spec, read_table
    from ppa.surrogate import PPASurrogate

    try:
        inputs = design_inputs()
        features = tuple(c for c in pd.read_csv(data, nrows=0).columns if c in inputs)
        spec = load_spec(bundled_file("ppa_spec.toml"), targets=TARGETS, features=features)
    except ValueError as exc:
        raise DSEInputError(f"training the demo surrogates on {data}: {exc}") from None
    if (out / "manifest.json").is_file():
        try:
            manifest = read_manifest(out)
        except ValueError:
            manifest = {}
        wanted = json.loads(json.dumps({"model": spec.model, "derived": spec.derived, "terms": spec.terms,
                                      "inputs": spec.inputs, "min_of": spec.min_of, "n_trials": n_trials,
                                      "seed": seed}))
        settings = manifest.get("settings") or {}
        trained = {k: settings.get(k) for k in wanted}
        wanted["lookup"] = {n: t.sha256 for n, t in (spec.lookup or {}).items()}  # the measured tables' rows
        trained["lookup"] = {n: (t or {}).get("sha256") for n, t in (settings.get("lookup") or {}).items()}
        if (manifest.get("training_data") or {}).get("sha256") == file_sha256(data) and trained == wanted:
            say(f"[1/3] surrogates: reusing {out} (trained on the same {data.name} with the same spec and tuning)")
            return out
    try:
        families = ", ".join(f"{t} {spec.model[t]}" + (f" (min of {' and '.join(spec.min_of[t])})"
                                                        if t in (spec.min_of or {}) else "") for t in TARGETS)
        budget = (f"{n_trials} tuning trials per target and family" if math.isinf(budget_s) else
                  f"tuning budget {budget_s:.0f} s or {n_trials} trials per target and family")
        say(f"[1/3] surrogates: training {families} on {data} ({budget})")
        table = read_table(data, spec)
        surrogate = PPASurrogate(model=spec.model, split="unseen", group_by=table.group_by,
                                 categorical=table.categorical, budget_s=budget_s, n_trials=n_trials,
                                 seed=seed, progress=True, derived=spec.derived, terms=spec.terms,
                                 inputs=spec.inputs, min_of=spec.min_of, lookup=spec.lookup)
        surrogate.fit(table.X, table.y, timing_met=table.column("timing_met"))
    except ValueError as exc:
        raise DSEInputError(f"training the demo surrogates on {data}: {exc}") from None
    save_bundle(surrogate, out, data_sha256=table.sha256, data_path=str(data))
    errors = surrogate.cv_metrics_["mape_pct"].map(lambda v: f"{v:.1f} %")
    say("      held-out MAPE (unseen configurations): " + ", ".join(f"{t} {e}" for t, e in errors.items()))
    return out


def run_search(space, models: Path, storage: str, n_trials: int, seed: int, batch_size: int,
               say) -> optuna.Study:
    """A fresh multi-objective TPE study ``demo`` of ``space`` (a loaded SearchSpace) in ``storage``
    (an old study of that name is replaced)."""
    from dse.evaluator import Evaluator, load_model_bundle, load_workloads
    from dse.study import open_storage, open_study, run_trials

    bundle = load_model_bundle(models, space)
    evaluator = Evaluator(space, bundle, load_workloads(space.workloads, space.path))
    opened = open_storage(storage)
    try:
        if STUDY in optuna.get_all_study_names(opened.storage):
            optuna.delete_study(study_name=STUDY, storage=opened.storage)
        objectives = ", ".join(f"{o.direction[:3]} {o.name}" for o in space.objectives)
        say(f"[2/3] search: {n_trials} trials of multi-objective TPE over {len(space.parameters)} parameters "
            f"({objectives}) for {' + '.join(space.workloads)}")
        study = open_study(space, evaluator, str(models), opened, STUDY, sampler="tpe", seed=seed)
        run_trials(study, space, evaluator, n_trials, batch_size=batch_size, progress=True, storage=opened)
    finally:
        opened.close()
    return study


def top_designs(chosen: pd.DataFrame) -> str:
    """The chosen designs as a small text table (engineering notation)."""
    shown = chosen[[c for c in SHOWN if c in chosen]].copy()
    return shown.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def run_demo(out: Path | str, n_trials: int = 300, models: Path | str | None = None, space: Path | str = SPACE,
             data: Path | str | None = None, budget_s: float = math.inf, tuning_trials: int = 15, seed: int = 0,
             batch_size: int = 8, screenshot: bool = False, say=logger.info) -> dict:
    """Run the three steps into ``out``; returns the run summary written to ``demo_run.json``.

    With the default ``budget_s`` (no time ceiling: surrogate tuning stops after ``tuning_trials`` trials)
    and a fixed ``seed``, two runs give the same surrogates, trials and Pareto set."""
    from dse.report import write_report
    from dse.space import load_space

    if n_trials < 1:
        raise DSEInputError(f"--trials {n_trials}: the demo needs at least one trial")
    search_space = load_space(space, WORKLOADS)  # a bad space file fails before any training
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    timings = {}
    if models is None:
        models = train_surrogates(Path(data) if data else bundled_file("asap7/ppa_samples.csv"), out / "models", budget_s,
                                  tuning_trials, seed, say)
    models = Path(models).resolve()
    timings["surrogates_s"] = time.perf_counter() - started
    storage = f"sqlite:///{out / 'study.db'}"
    mark = time.perf_counter()
    run_search(search_space, models, storage, n_trials, seed, batch_size, say)
    timings["search_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    say(f"[3/3] report -> {out}")
    files_written = write_report(storage, STUDY, out, progress=lambda line: say(f"      {line}"))
    if screenshot:
        from dse.report_browser import check_html

        check = check_html(files_written.html, screenshot=out / "screenshot.png")
        say(f"      chromium: {check.rendered}/{check.plots} plots rendered, JavaScript errors: "
            f"{check.errors or 'none'}")
    timings["report_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    summary = {
        "trials": n_trials, "pareto_designs": files_written.n_pareto, "models": str(models),
        "storage": storage, "cpu_count": os.cpu_count(), "seed": seed,
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "report": str(files_written.html), "notes": files_written.notes,
    }
    write_text(out / "demo_run.json", json.dumps(summary, indent=1) + "\n")
    say("")
    say(f"Pareto report: {files_written.html}  (tables: {files_written.csv.name}, {files_written.json.name})")
    say(f"{summary['pareto_designs']} Pareto-optimal designs out of {n_trials} trials; chosen designs:")
    say(top_designs(files_written.chosen))
    say(f"done in {timings['total_s']:.0f} s (surrogates {timings['surrogates_s']:.0f} s, "
        f"search {timings['search_s']:.0f} s, report {timings['report_s']:.0f} s)")
    return summary
