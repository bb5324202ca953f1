"""What a report reads from a stored study: its description and the table of its completed trials.

This is the only module of the report that reads ``study.user_attrs`` and ``trial.user_attrs``;
every other part works on the ``StudyData`` it returns. The description (objectives, declared
metric units, workloads, the space file's text, the model bundle) is what ``accel-dse search``
stored when it created the study; trial metrics are the floats each trial recorded, named with
their units (``runtime_s``, ``energy_j``, ``area_um2`` …).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import optuna
import pandas as pd

from dse.objectives import Objective
from dse.report_storage import ReportError
from dse.report_units import default_direction, unit_of

COMPLETE = (optuna.trial.TrialState.COMPLETE,)


@dataclass(frozen=True)
class StudyData:
    """A stored study as the report sees it.

    ``trials`` has one row per completed trial: ``trial`` (its number), the parameters, the
    objective values, every recorded metric, ``feasible`` (all constraint values ≤ 0; True when
    unconstrained) and ``pareto`` (in Optuna's ``study.best_trials``).
    """

    name: str
    objectives: tuple[Objective, ...]
    #: Units the study declares per metric (may carry an explanation: ``"µm² (logic + SRAM)"``).
    metric_units: dict[str, str]
    #: Workload name → weight in the study's objective.
    workloads: dict[str, float]
    #: Text of the space file the study searched ('' when the study stored none) and its name.
    space_text: str
    space_name: str
    #: The space's fixed values (used to complete a design when no space text is stored).
    space_fixed: dict[str, object]
    #: Model bundle the study was searched with (None when not recorded) and its recorded sha256.
    models_path: str | None
    models_sha256: str | None
    #: The study's whole stored description, shown in the report's settings section.
    description: dict
    trials_by_state: dict[str, int]
    params: tuple[str, ...]
    trials: pd.DataFrame

    def unit(self, name: str) -> str:
        """Short unit of a column (declared by the study, else read from the name)."""
        return unit_of(name, self.metric_units)

    @property
    def units(self) -> dict[str, str]:
        """Unit of every column of ``trials``."""
        return {column: self.unit(column) for column in self.trials.columns}

    def direction(self, name: str) -> str:
        """The objective's direction, or the default direction of a metric that is no objective."""
        for objective in self.objectives:
            if objective.name == name:
                return objective.direction
        return default_direction(name)


def read_study(study: optuna.Study) -> StudyData:
    """The report's view of ``study``; raises ReportError when it has no completed trial."""
    attrs = study.user_attrs
    space = attrs.get("space") or {}
    models = attrs.get("models")
    models_path = models.get("path") if isinstance(models, dict) else models
    states: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        states[trial.state.name.lower()] = states.get(trial.state.name.lower(), 0) + 1
    objectives = _objectives(study)
    return StudyData(
        name=study.study_name,
        objectives=objectives,
        metric_units=_metric_units(attrs),
        workloads=_workloads(attrs),
        space_text=space.get("text") or "",
        space_name=space.get("path") or "space.toml",
        space_fixed=dict(space.get("fixed") or {}),
        models_path=str(models_path) if models_path else None,
        models_sha256=models.get("sha256") if isinstance(models, dict) else None,
        description={k: v for k, v in attrs.items() if k != "objectives"},
        trials_by_state=states,
        params=_param_names(study),
        trials=_trials_table(study, objectives),
    )


def _objectives(study: optuna.Study) -> tuple[Objective, ...]:
    """Objectives in the order of ``trial.values``: names and definitions from the stored
    ``objectives`` (dicts as ``accel-dse search`` writes them, or plain names), else Optuna's
    ``study.metric_names``, else ``objective_<i>``; directions are the study's own."""
    declared = study.user_attrs.get("objectives")
    directions = [d.name.lower() for d in study.directions]
    if isinstance(declared, dict):
        declared = [{"name": k, **(v if isinstance(v, dict) else {})} for k, v in declared.items()]
    if isinstance(declared, (list, tuple)) and len(declared) == len(directions):
        entries = [o if isinstance(o, dict) else {"name": str(o)} for o in declared]
    elif study.metric_names is not None:
        entries = [{"name": n} for n in study.metric_names]
    else:
        entries = [{"name": f"objective_{i}"} for i in range(len(directions))]
    objectives = []
    for entry, direction in zip(entries, directions):
        name = str(entry.get("name", entry.get("metric")))
        terms = entry.get("terms")
        combine = entry.get("combine", "metric")
        terms = tuple((str(m), float(w)) for m, w in terms.items()) if isinstance(terms, dict) else ((name, 1.0),)
        objectives.append(Objective(name=name, direction=direction, combine=combine, terms=terms))
    return tuple(objectives)


def _metric_units(attrs: dict) -> dict[str, str]:
    """Units the study declares (``metric_units``, or ``units`` in older studies)."""
    for key in ("metric_units", "units"):
        value = attrs.get(key)
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    return {}


def _workloads(attrs: dict) -> dict[str, float]:
    """Workloads of the study: a ``{name: weight}`` dict, or a list of names (weight 1)."""
    workloads = attrs.get("workloads") or []
    if isinstance(workloads, dict):
        return {str(k): float(v) for k, v in workloads.items()}
    return {(w["name"] if isinstance(w, dict) else str(w)): 1.0 for w in workloads}


def _param_names(study: optuna.Study) -> tuple[str, ...]:
    """Design parameters in the order they were first suggested."""
    names: dict[str, None] = {}
    for trial in study.get_trials(deepcopy=False, states=COMPLETE):
        names.update(dict.fromkeys(trial.params))
    return tuple(names)


def _is_metric(value) -> bool:
    return isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating))


def _trials_table(study: optuna.Study, objectives: tuple[Objective, ...]) -> pd.DataFrame:
    """Every completed trial: ``trial``, parameters, objective values, metrics, flags."""
    trials = study.get_trials(deepcopy=False, states=COMPLETE)
    if not trials:
        raise ReportError(f"study {study.study_name!r} has no completed trial to report")
    pareto = {t.number for t in study.best_trials}
    rows = []
    for t in trials:
        row: dict = {"trial": t.number}
        row.update(t.params)
        for objective, value in zip(objectives, t.values):
            row[objective.name] = value
        row.update({k: v for k, v in t.user_attrs.items() if _is_metric(v) and k not in row})
        constraints = t.constraints
        row["feasible"] = all(v <= 0.0 for v in constraints.values()) if constraints else True
        row["pareto"] = t.number in pareto
        rows.append(row)
    table = pd.DataFrame(rows)
    if "in_domain" in table:
        table["in_domain"] = table["in_domain"].astype("boolean")
    return table
