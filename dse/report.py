"""Pareto report data: the Pareto-optimal designs of an Optuna study, as tables with units.

Reads any Optuna storage (SQLite / PostgreSQL URL, or a JournalStorage file) and returns pandas
tables: every completed trial with its parameters and metrics (``trials_table``), the study's
Pareto set from Optuna's own ``study.best_trials`` (``pareto_table``, feasible trials only when
the study is constrained), 2-D fronts of any metric pair (``pair_front_mask``, again Optuna's
Pareto utilities on a scratch in-memory study) and the study's settings. Metrics are the floats a
DSE trial records in ``user_attrs``; their names carry their units (``runtime_s``, ``energy_j``,
``area_um2`` …) and ``units_for`` spells the units out.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from dse.errors import DSEInputError

#: Units of metric and parameter names, by exact name first, then by name suffix.
UNITS_BY_NAME = {
    "total_cycles": "cycles",
    "compute_cycles": "cycles",
    "stall_cycles": "cycles",
    "simd_cycles": "cycles",
    "dram_bytes": "bytes",
    "macs": "MAC",
    "utilization": "fraction",
    "mapping_efficiency": "fraction",
    "in_domain": "bool",
    "dram_bytes_per_cycle": "bytes/cycle",
    "array_rows": "PEs",
    "array_cols": "PEs",
    "simd_lanes": "lanes",
}
UNITS_BY_SUFFIX = (
    ("_bytes_per_cycle", "bytes/cycle"),
    ("_per_w", "inferences/s/W"),
    ("_per_mm2", "inferences/s/mm²"),
    ("_js", "J·s"),
    ("_j", "J"),
    ("_s", "s"),
    ("_um2", "µm²"),
    ("_mm2", "mm²"),
    ("_mw", "mW"),
    ("_w", "W"),
    ("_ghz", "GHz"),
    ("_ps", "ps"),
    ("_ips", "inferences/s"),
    ("_cycles", "cycles"),
    ("_bytes", "bytes"),
    ("_kib", "KiB"),
    ("_bits", "bits"),
)
#: Direction of a metric nobody declared an objective (2-D fronts of arbitrary metric pairs).
MAXIMIZED_SUFFIXES = ("_ips", "_per_w", "_per_mm2", "_ghz", "utilization", "mapping_efficiency")


class ReportError(DSEInputError):
    """A report cannot be made: bad storage URL, unknown study, no completed trial, bad metric."""


@dataclass(frozen=True)
class Objective:
    """One objective of the study: the metric name (unit in the name), its direction and unit."""

    name: str
    direction: str  # "minimize" | "maximize"
    unit: str


def unit_of(name: str, declared: dict[str, str] | None = None) -> str:
    """Short unit of a metric/parameter name: the study's declared unit without its explanation
    (``"µm² (logic + SRAM)"`` → ``"µm²"``), else read from the name's suffix."""
    if declared and name in declared:
        return str(declared[name]).split(" (", 1)[0]
    base = name.rsplit(".", 1)[-1]
    if base.endswith("_std"):
        base = base[: -len("_std")]
    if base in UNITS_BY_NAME:
        return UNITS_BY_NAME[base]
    for suffix, unit in UNITS_BY_SUFFIX:
        if base.endswith(suffix):
            return unit
    return ""


def default_direction(name: str) -> str:
    """Direction used for a metric that is not one of the study's objectives."""
    base = name.rsplit(".", 1)[-1]
    return "maximize" if base.endswith(MAXIMIZED_SUFFIXES) else "minimize"


def redact(storage: str) -> str:
    """The storage URL with any password hidden (safe to print and to write into reports)."""
    if "://" not in storage:
        return storage
    from sqlalchemy.engine import make_url

    try:
        return make_url(storage).render_as_string(hide_password=True)
    except Exception:  # not an SQLAlchemy URL: keep only the scheme
        return storage.split("://", 1)[0] + "://…"


def open_storage(storage: str):
    """An Optuna storage to read a study from: ``sqlite:///FILE.db``, ``journal:///FILE.log`` or a
    server URL (``postgresql://…``), as ``accel-dse search`` writes them.

    Raises ReportError naming the storage when it cannot be opened; a SQLite or journal file that
    does not exist is refused instead of silently creating an empty one. Reading takes no lock, so
    a report can be made while a search is still running.
    """
    from dse.study import open_storage as open_search_storage

    for scheme in ("sqlite:///", "journal:///"):
        if storage.startswith(scheme):
            path = Path(storage[len(scheme) - 1:] if scheme == "journal:///" else storage[len(scheme):])
            if not path.is_file():
                raise ReportError(f"--storage {storage}: {scheme.split(':')[0]} file {str(path)!r} does not exist")
            if scheme == "journal:///":
                break
            try:
                return optuna.storages.RDBStorage(storage)
            except Exception as exc:  # SQLAlchemy errors carry the reason
                raise ReportError(f"--storage {storage}: cannot read it as an Optuna study database: "
                                  f"{str(exc).strip().splitlines()[0]}") from None
    try:
        return open_search_storage(storage).storage
    except DSEInputError as exc:
        raise ReportError(str(exc)) from None


def load_study(storage: str, study_name: str) -> optuna.Study:
    """Load ``study_name`` from ``storage``; an unknown name lists the studies that exist."""
    backend = open_storage(storage)
    names = optuna.get_all_study_names(backend)
    if study_name not in names:
        available = ", ".join(sorted(names)) if names else "none"
        raise ReportError(
            f"no study named {study_name!r} in storage {redact(storage)!r}; available studies: {available}"
        )
    return optuna.load_study(study_name=study_name, storage=backend)


def objectives_of(study: optuna.Study) -> list[Objective]:
    """The study's objectives in the order of ``trial.values``, with directions and units.

    Names come from ``study.user_attrs["objectives"]`` (strings, or dicts with a ``name``), else
    Optuna's ``study.metric_names``, else ``objective_<i>``.
    """
    declared = study.user_attrs.get("objectives")
    directions = [d.name.lower() for d in study.directions]
    names: list[str] | None = None
    if isinstance(declared, dict):
        declared = [{"name": k, **(v if isinstance(v, dict) else {"direction": v})} for k, v in declared.items()]
    if isinstance(declared, (list, tuple)) and len(declared) == len(directions):
        names = [str(o.get("name", o.get("metric"))) if isinstance(o, dict) else str(o) for o in declared]
    elif study.metric_names is not None:
        names = list(study.metric_names)
    if names is None:
        names = [f"objective_{i}" for i in range(len(directions))]
    units = metric_units(study)
    return [Objective(n, d, unit_of(n, units)) for n, d in zip(names, directions)]


def metric_units(study: optuna.Study) -> dict[str, str]:
    """Units the study declares (``study.user_attrs["metric_units"]`` or ``["units"]``)."""
    for key in ("metric_units", "units"):
        value = study.user_attrs.get(key)
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    return {}


def _is_metric(value) -> bool:
    return isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating))


def trials_table(study: optuna.Study) -> pd.DataFrame:
    """Every completed trial: ``trial``, parameters, objective values, metrics, flags.

    Flags: ``feasible`` (all constraint values ≤ 0, True when unconstrained) and ``pareto``
    (in ``study.best_trials``). Objective values that are not also user attributes are added
    under the objective's name.
    """
    objectives = objectives_of(study)
    trials = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not trials:
        raise ReportError(f"study {study.study_name!r} has no completed trial to report")
    pareto = {t.number for t in study.best_trials}
    rows = []
    for t in trials:
        row: dict = {"trial": t.number}
        row.update(t.params)
        for obj, value in zip(objectives, t.values):
            row[obj.name] = value
        row.update({k: v for k, v in t.user_attrs.items() if _is_metric(v) and k not in row})
        constraints = t.constraints
        row["feasible"] = all(v <= 0.0 for v in constraints.values()) if constraints else True
        row["pareto"] = t.number in pareto
        rows.append(row)
    table = pd.DataFrame(rows)
    if "in_domain" in table:
        table["in_domain"] = table["in_domain"].astype("boolean")
    return table


def param_names(study: optuna.Study) -> list[str]:
    """Design parameters in the order they were first suggested."""
    names: dict[str, None] = {}
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        names.update(dict.fromkeys(t.params))
    return list(names)


def pareto_table(study: optuna.Study, trials: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Pareto-optimal designs (Optuna's ``study.best_trials``), sorted by the first objective."""
    table = trials_table(study) if trials is None else trials
    first = objectives_of(study)[0]
    front = table[table["pareto"]].sort_values(first.name, ascending=first.direction == "minimize")
    return front.reset_index(drop=True)


def pair_front_mask(table: pd.DataFrame, x: str, y: str, directions: tuple[str, str]) -> pd.Series:
    """True for rows on the 2-D Pareto front of metrics ``x`` and ``y`` (feasible rows only).

    Uses Optuna's own non-dominated sorting (``best_trials`` of a scratch in-memory study).
    """
    for name in (x, y):
        if name not in table:
            raise ReportError(f"metric {name!r} is not recorded by the study's trials")
    candidates = table[table["feasible"]].dropna(subset=[x, y])
    candidates = candidates[np.isfinite(candidates[[x, y]].to_numpy(float)).all(axis=1)]
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "new study created" line per pair
    try:
        scratch = optuna.create_study(directions=list(directions))
    finally:
        optuna.logging.set_verbosity(verbosity)
    scratch.add_trials(
        [
            optuna.trial.create_trial(values=[float(vx), float(vy)], user_attrs={"row": int(i)})
            for i, vx, vy in zip(candidates.index, candidates[x], candidates[y])
        ]
    )
    on_front = {t.user_attrs["row"] for t in scratch.best_trials} if len(candidates) else set()
    return pd.Series(table.index.isin(list(on_front)), index=table.index)


def parse_pairs(spec: str | None, study: optuna.Study, table: pd.DataFrame) -> list[tuple[str, str]]:
    """Objective pairs from ``"runtime_s:energy_j,area_um2:energy_j"``; default: objective pairs."""
    if spec:
        pairs = []
        for item in spec.split(","):
            parts = [p.strip() for p in item.split(":")]
            if len(parts) != 2 or not all(parts):
                raise ReportError(f"--pairs item {item!r}: expected METRIC:METRIC, e.g. runtime_s:energy_j")
            for name in parts:
                if name not in table:
                    known = ", ".join(sorted(c for c in table.columns if c not in ("trial", "feasible", "pareto")))
                    raise ReportError(f"--pairs: metric {name!r} is not recorded by the study; known: {known}")
            pairs.append((parts[0], parts[1]))
        return pairs
    names = [o.name for o in objectives_of(study)]
    if len(names) == 1:
        extra = [m for m in ("area_um2", "energy_j", "runtime_s") if m in table and m != names[0]]
        return [(names[0], extra[0])] if extra else []
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def direction_of(name: str, study: optuna.Study) -> str:
    for obj in objectives_of(study):
        if obj.name == name:
            return obj.direction
    return default_direction(name)


def chosen_designs(study: optuna.Study, front: pd.DataFrame, limit: int = 4) -> pd.DataFrame:
    """A few Pareto designs an architect would look at first: each objective's best, then the knee.

    The knee is the Pareto design nearest the ideal point after scaling every objective to [0, 1]
    over the front. A ``role`` column says why each design was picked.
    """
    if front.empty:
        return front
    roles: dict[int, str] = {}
    scaled = []
    for obj in objectives_of(study):
        values = front[obj.name].astype(float)
        best = values.idxmin() if obj.direction == "minimize" else values.idxmax()
        roles.setdefault(best, f"best {obj.name}")
        span = values.max() - values.min()
        norm = (values - values.min()) / span if span > 0 else values * 0.0
        scaled.append(norm if obj.direction == "minimize" else 1.0 - norm)
    knee = pd.concat(scaled, axis=1).pow(2).sum(axis=1).idxmin()
    roles.setdefault(knee, "knee")
    picked = list(roles)[:limit]
    chosen = front.loc[picked].copy()
    chosen.insert(0, "role", [roles[i] for i in picked])
    return chosen.reset_index(drop=True)


def study_workloads(study: optuna.Study) -> list[str]:
    """Workload names of the study (``user_attrs["workloads"]``: a ``{name: weight}`` dict or a list)."""
    workloads = study.user_attrs.get("workloads") or []
    if isinstance(workloads, dict):
        return list(workloads)
    return [w["name"] if isinstance(w, dict) else str(w) for w in workloads]


def hardware_of(study: optuna.Study, designs: pd.DataFrame) -> list:
    """HardwareConfig of each design row: the study's own space file completes the trial's
    parameters (fixed and derived values, HardwareConfig defaults) exactly as the search did; a study
    without a stored space file uses its ``space["fixed"]`` values and the defaults."""
    import tempfile

    from dse.space import HARDWARE_DEFAULTS, load_space
    from frontend_sim.hardware import HardwareConfig

    space = study.user_attrs.get("space") or {}
    params = [{k: v for k, v in row.items() if k in param_names(study) and pd.notna(v)}
              for row in designs.to_dict(orient="records")]
    if space.get("text"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(space.get("path") or "space.toml").name
            path.write_text(space["text"])
            complete = load_space(path, dict.fromkeys(study_workloads(study), 1.0)).designs(params)
    else:
        fixed = {k: v for k, v in (space.get("fixed") or {}).items() if k in HARDWARE_DEFAULTS}
        complete = pd.DataFrame([{**HARDWARE_DEFAULTS, **fixed, **p} for p in params])
    configs = []
    for row in complete[list(HARDWARE_DEFAULTS)].to_dict(orient="records"):
        values = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        configs.append(HardwareConfig(**{k: type(HARDWARE_DEFAULTS[k])(v) for k, v in values.items()}))
    return configs


def layer_breakdown(study: optuna.Study, chosen: pd.DataFrame) -> pd.DataFrame:
    """Per-layer cycles and traffic of the chosen designs on every workload of the study.

    Re-runs ``frontend_sim.simulate`` (milliseconds per design and workload). One row per
    (design, workload, layer); ``design`` labels the design as ``#<trial> <role>``.
    """
    from frontend_sim.loader import load_workload
    from frontend_sim.simulator import simulate

    names = study_workloads(study)
    if not names:
        raise ReportError(f"study {study.study_name!r} records no workloads (user_attrs['workloads'])")
    workloads = {}
    for name in names:
        try:
            workloads[name] = load_workload(name)
        except (ValueError, OSError) as exc:
            raise ReportError(f"workload {name!r} of the study cannot be loaded for the per-layer view: {exc}") from None
    frames = []
    for (_, design), hardware in zip(chosen.iterrows(), hardware_of(study, chosen)):
        label = f"#{int(design['trial'])} {design.get('role', '')}".strip()
        for name, workload in workloads.items():
            layers = simulate(workload, hardware).layers.copy()
            layers.insert(0, "workload", name)
            layers.insert(0, "trial", int(design["trial"]))
            layers.insert(0, "design", label)
            frames.append(layers)
    return pd.concat(frames, ignore_index=True)


def study_settings(study: optuna.Study, storage: str) -> dict:
    """What the study was: storage, directions, trial counts by state, and its user attributes."""
    states: dict[str, int] = {}
    for t in study.get_trials(deepcopy=False):
        states[t.state.name.lower()] = states.get(t.state.name.lower(), 0) + 1
    return {
        "study": study.study_name,
        "storage": redact(storage),
        "objectives": [
            {"name": o.name, "direction": o.direction, "unit": o.unit} for o in objectives_of(study)
        ],
        "trials_by_state": states,
        **{k: v for k, v in study.user_attrs.items() if k != "objectives"},
    }


def _json_value(value):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if value is pd.NA:
        return None
    return value


def designs_json(study: optuna.Study, front: pd.DataFrame, storage: str) -> dict:
    """The Pareto designs as JSON-ready data: parameters, metrics, uncertainty, flags, units."""
    params = param_names(study)
    units = metric_units(study)
    flags = {"trial", "feasible", "pareto", "in_domain"}
    designs = []
    for _, row in front.iterrows():
        metrics = {k: _json_value(v) for k, v in row.items()
                   if k not in flags and k not in params and not k.endswith("_std")}
        designs.append({
            "trial": int(row["trial"]),
            "params": {k: _json_value(row[k]) for k in params if k in row},
            "metrics": metrics,
            "uncertainty": {k: _json_value(v) for k, v in row.items() if k.endswith("_std")},
            "in_domain": _json_value(row["in_domain"]) if "in_domain" in row else None,
            "feasible": bool(row["feasible"]),
        })
    columns = [c for c in front.columns if c not in ("trial", "feasible", "pareto")]
    return {
        "settings": study_settings(study, storage),
        "units": {c: unit_of(c, units) for c in columns},
        "n_pareto": len(designs),
        "designs": designs,
    }


def write_tables(study: optuna.Study, storage: str, out: Path) -> tuple[Path, Path]:
    """Write ``pareto.csv``, ``units.csv`` (column → unit) and ``pareto.json``; return the CSV and
    JSON paths. Column names already carry their units (``energy_j``); units.csv spells them out."""
    out.mkdir(parents=True, exist_ok=True)
    front = pareto_table(study)
    csv_path, json_path = out / "pareto.csv", out / "pareto.json"
    front.drop(columns=["pareto"]).to_csv(csv_path, index=False)
    data = designs_json(study, front, storage)
    pd.Series(data["units"], name="unit").rename_axis("column").to_csv(out / "units.csv")
    json_path.write_text(json.dumps(data, indent=1, default=str, ensure_ascii=False) + "\n")
    return csv_path, json_path


def param_importances(study: optuna.Study) -> pd.DataFrame:
    """Optuna's PED-ANOVA importances (its default evaluator): how much each parameter matters for
    reaching the best 10 % of each objective. One row per parameter, one column per objective,
    plus ``all objectives`` (Optuna's multi-objective variant) when there are several.

    Raises ReportError when Optuna cannot compute them (e.g. too few completed trials).
    """
    import warnings

    evaluator = optuna.importance.PedAnovaImportanceEvaluator()
    columns = {}
    objectives = objectives_of(study)
    targets = [(o.name, lambda t, i=i, s=1.0 if o.direction == "minimize" else -1.0: s * t.values[i])
               for i, o in enumerate(objectives)]
    if len(objectives) > 1:
        targets.append(("all objectives", None))
    for name, target in targets:
        try:
            with warnings.catch_warnings():  # "low target values are better": maximised ones are negated
                warnings.simplefilter("ignore", UserWarning)
                columns[name] = optuna.importance.get_param_importances(
                    study, evaluator=evaluator, target=target, normalize=True)
        except (ValueError, RuntimeError, ZeroDivisionError) as exc:
            raise ReportError(f"parameter importances of {name!r}: {exc}") from None
    table = pd.DataFrame(columns).fillna(0.0)
    return table.loc[table.mean(axis=1).sort_values(ascending=False).index]


@dataclass
class ReportFiles:
    """What ``write_report`` wrote."""

    out: Path
    csv: Path
    json: Path
    html: Path
    pngs: list[Path]
    notes: list[str]


def write_report(storage: str, study_name: str, out: Path | str, pairs: str | None = None,
                 n_designs: int = 4, static: bool = True, progress=lambda message: None) -> ReportFiles:
    """Write the full report of a study into ``out``: pareto.csv, pareto.json, units.csv,
    report.html (self-contained) and, with ``static``, the matplotlib PNGs. ``progress`` receives
    one line per step."""
    from dse import report_html as rh
    from dse import report_png as rp

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    study = load_study(storage, study_name)
    progress(f"study {study_name!r}: {len(study.trials)} trials")
    table = trials_table(study)
    front = pareto_table(study, table)
    csv_path, json_path = write_tables(study, storage, out)
    progress(f"Pareto set: {len(front)} designs -> {csv_path.name}, {json_path.name}")
    objectives = objectives_of(study)
    units = {c: unit_of(c, metric_units(study)) for c in table.columns}
    params = param_names(study)
    notes: list[str] = []
    pngs: list[Path] = []

    def draw(plot, path: Path, *args) -> None:
        if static:
            pngs.append(plot(path, *args))

    sections: list[tuple[str, str, list]] = []

    summary = (f"<p>{len(table)} completed trials, {int(table['feasible'].sum())} feasible, "
               f"{len(front)} Pareto-optimal in ({', '.join(o.name for o in objectives)}). "
               "Full table: <code>pareto.csv</code> / <code>pareto.json</code>.</p>")
    chosen = chosen_designs(study, front, n_designs)
    sections.append(("designs", "Chosen designs", [summary, rh.table_html(chosen, units)]))

    pair_list = parse_pairs(pairs, study, table)
    figures = []
    for x, y in pair_list:
        directions = (direction_of(x, study), direction_of(y, study))
        figures.append(rh.pareto_pair_figure(table, x, y, directions, units, params))
        draw(rp.pareto_pair_png, out / f"pareto_{x}_vs_{y}.png".replace("/", "_"), table, x, y, directions, units)
    sections.append(("fronts", "Pareto fronts", figures or ["<p class='note'>no metric pairs to plot</p>"]))
    progress(f"Pareto fronts: {len(pair_list)} pairs")

    views: list = []
    metrics3 = [o.name for o in objectives][:3]
    for extra in ("area_um2", "energy_j", "runtime_s", "power_mw"):
        if len(metrics3) < 3 and extra in table and extra not in metrics3:
            metrics3.append(extra)
    if len(metrics3) == 3:
        views.append(rh.scatter3d_figure(table, metrics3, units, params))
    if len(front) > 1:
        views.append(rh.parallel_figure(front, params, objectives, units))
    sections.append(("space", "Designs in 3-D and parallel coordinates", views))

    if not chosen.empty:
        try:
            layers = layer_breakdown(study, chosen)
            layers.to_csv(out / "layers.csv", index=False)
            parts: list = ["<p class='note'>Re-simulated with frontend_sim for the chosen designs; "
                           "cycles stack as compute + memory stall + SIMD = total. "
                           "Table: <code>layers.csv</code>.</p>"]
            for workload in dict.fromkeys(layers["workload"]):
                parts.append(rh.layer_cycles_figure(layers, workload))
                draw(rp.layer_cycles_png, out / f"layers_{workload}.png", layers, workload)
            sections.append(("layers", "Per-layer breakdown of the chosen designs", parts))
            progress(f"per-layer breakdown: {len(chosen)} designs x {layers['workload'].nunique()} workloads")
        except ReportError as exc:
            notes.append(str(exc))

    if "models" in study.user_attrs:
        try:
            sections.append(("surrogates", "Surrogates on held-out data", _surrogate_section(study, out, draw)))
            progress("surrogate parity plots done")
        except ReportError as exc:
            notes.append(str(exc))

    sections.append(("pareto", "All Pareto-optimal designs",
                     [rh.table_html(front.drop(columns=["pareto"]), units, max_rows=200)]))

    try:
        importances = param_importances(study)
        sections.append(("importance", "Parameter importances", [rh.importance_figure(importances)]))
        draw(rp.importance_png, out / "importances.png", importances)
    except ReportError as exc:
        notes.append(str(exc))
    progress("parameter importances done")

    sections.append(("settings", "Study settings", [rh.settings_html(study_settings(study, storage))]))
    if notes:
        sections.append(("notes", "Notes", ["<ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>"]))
    html_path = rh.write_html(out / "report.html", f"accel-dse report: {study_name}", sections)
    progress(f"report written: {html_path}")
    return ReportFiles(out, csv_path, json_path, html_path, pngs, notes)


def _surrogate_section(study: optuna.Study, out: Path, draw) -> list:
    """Parity figure, error table and a sha256 check of the study's model bundle."""
    from dse import report_html as rh
    from dse import report_png as rp
    from dse.evaluator import file_sha256
    from dse.report_surrogates import bundle_path_of, heldout_predictions

    bundle = bundle_path_of(study)
    predictions, errors = heldout_predictions(bundle)
    predictions.to_csv(out / "surrogate_heldout.csv", index=False)
    errors.to_csv(out / "surrogate_errors.csv", index=False)
    draw(rp.parity_png, out / "surrogate_parity.png", predictions)
    recorded = (study.user_attrs.get("models") or {}).get("sha256")
    same = recorded is None or recorded == file_sha256(bundle)
    split = errors["split"].iloc[0] if "split" in errors else "?"
    note = (f"<p class='note'>Bundle <code>{bundle}</code>"
            + ("" if same else " <b>changed since the study ran (sha256 differs)</b>")
            + f". Out-of-fold predictions of its {split}-split cross-validation "
            "(whole configurations held out when the split is 'unseen'), recomputed from the bundle's "
            "training CSV with its stored hyperparameters and folds; <code>mape_pct</code> … <code>r2</code> "
            "are the metrics stored in the bundle, <code>recomputed_mape_pct</code> the MAPE of the points "
            "plotted. Tables: <code>surrogate_heldout.csv</code>, <code>surrogate_errors.csv</code>.</p>")
    return [note, rh.parity_figure(predictions), rh.error_table_html(errors)]
