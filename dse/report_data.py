"""What a report reads from a stored study: its record and the table of its completed trials.

This is the only module of the report that reads a study's stored attributes, and it does so
through ``dse.record`` (``read_study_record``, ``trial_metrics``): every other part works on the
``StudyData`` it returns. The description (objectives, declared metric units, workloads, the space
file's text, the model bundle) is the record ``accel-dse search`` stored when it created the study;
trial metrics are the values each trial recorded, named with their units (``runtime_s``,
``energy_j``, ``area_um2`` …). A study accel-dse did not write, or wrote in an older layout, is
refused with one line.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import optuna
import pandas as pd

from dse.errors import DSEInputError
from dse.objectives import Objective
from dse.record import read_study_record, trial_metrics
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
    #: Text of the space file the study searched and its name.
    space_text: str
    space_name: str
    #: Model bundle the study was searched with (absolute path) and its recorded sha256.
    models_path: str
    models_sha256: str
    #: The study's whole stored record, shown in the report's settings section.
    description: dict
    trials_by_state: dict[str, int]
    params: tuple[str, ...]
    #: Each searched parameter's Optuna distribution, as the study's trials stored it (the
    #: searched range or listed choices; the report flags picks on its bounds).
    distributions: dict[str, optuna.distributions.BaseDistribution]
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
    """The report's view of ``study``; raises ReportError when accel-dse did not write it (or wrote
    it in an older layout) or it has no completed trial."""
    try:
        record = read_study_record(study)
    except DSEInputError as exc:
        raise ReportError(str(exc)) from None
    states: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        states[trial.state.name.lower()] = states.get(trial.state.name.lower(), 0) + 1
    objectives = tuple(o.objective() for o in record.objectives)
    return StudyData(
        name=study.study_name,
        objectives=objectives,
        metric_units=dict(record.metric_units),
        workloads=dict(record.workloads),
        space_text=record.space.text,
        space_name=record.space.path,
        models_path=record.models.path,
        models_sha256=record.models.sha256,
        description={k: v for k, v in asdict(record).items() if k != "objectives"},
        trials_by_state=states,
        params=_param_names(study),
        distributions=_distributions(study),
        trials=_trials_table(study, objectives),
    )


def _param_names(study: optuna.Study) -> tuple[str, ...]:
    """Design parameters in the order they were first suggested."""
    names: dict[str, None] = {}
    for trial in study.get_trials(deepcopy=False, states=COMPLETE):
        names.update(dict.fromkeys(trial.params))
    return tuple(names)


def _distributions(study: optuna.Study) -> dict[str, optuna.distributions.BaseDistribution]:
    """Each parameter's distribution as its completed trials stored it (the last one seen wins;
    ``accel-dse search`` suggests every parameter with the space's one distribution)."""
    distributions: dict[str, optuna.distributions.BaseDistribution] = {}
    for trial in study.get_trials(deepcopy=False, states=COMPLETE):
        distributions.update(trial.distributions)
    return distributions


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
        row.update({k: v for k, v in trial_metrics(t).items() if k != "rejected" and k not in row})
        row["pareto"] = t.number in pareto
        rows.append(row)
    table = pd.DataFrame(rows)
    if "in_domain" in table:
        table["in_domain"] = table["in_domain"].astype("boolean")
    return table
