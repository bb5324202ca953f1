"""The accel-dse study record: what a study was searched with, and each trial's metrics.

A study written by ``accel-dse search`` (or the demo) holds ONE study user attribute,
``accel_dse`` (:data:`RECORD_KEY`): a JSON object with ``version`` (:data:`RECORD_VERSION`) and the
fields of :class:`StudyRecord`. Every evaluated trial holds ONE user attribute, ``metrics``
(:data:`METRICS_KEY`): a JSON object of all its metrics (their names carry their units, see
``dse.metrics``; NaN and ±inf are stored as null) plus ``feasible`` and ``rejected``; its constraint
values are Optuna constraints (``Trial.set_constraint``, <= 0 met). Readers use
:func:`read_study_record` and :func:`trial_metrics` only.

A study of another record version (or of the earlier accel-dse layouts, one attribute per field)
is refused with a one-line :class:`~dse.errors.DSEInputError`: rerun the search.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import optuna

from dse.errors import DSEInputError
from dse.objectives import Objective
from ppa.json_values import json_value

#: Study user attribute holding the record.
RECORD_KEY = "accel_dse"
#: Trial user attribute holding the trial's metrics.
METRICS_KEY = "metrics"
#: Layout version of the record and of the trial metrics; bumped on any incompatible change.
RECORD_VERSION = 1


@dataclass(frozen=True)
class SpaceRecord:
    """The search-space file as searched (``SearchSpace.describe()``)."""

    path: str                     #: the space file as given
    sha256: str                   #: of its text
    text: str                     #: the whole file (the report rebuilds the designs from it)
    parameters: dict[str, str]    #: name → Optuna distribution (repr)
    fixed: dict[str, object]      #: name → fixed value
    derived: dict[str, str]       #: name → expression
    rules: dict[str, str]         #: name → rule expression


@dataclass(frozen=True)
class ObjectiveRecord:
    """One objective, in the order of ``trial.values``."""

    name: str
    direction: str                #: "minimize" | "maximize"
    definition: str               #: readable formula, e.g. ``energy_j^1 × area_um2^1``
    combine: str                  #: "metric" | "sum" | "product"
    terms: dict[str, float]       #: metric → weight (sum) or exponent (product)

    @classmethod
    def of(cls, objective: Objective) -> ObjectiveRecord:
        return cls(name=objective.name, direction=objective.direction, definition=objective.describe(),
                   combine=objective.combine, terms=dict(objective.terms))

    def objective(self) -> Objective:
        """The objective this record describes."""
        return Objective(name=self.name, direction=self.direction, combine=self.combine,
                         terms=tuple((metric, float(weight)) for metric, weight in self.terms.items()))


@dataclass(frozen=True)
class ModelsRecord:
    """The surrogate bundle the study was searched with."""

    path: str                     #: absolute path of the bundle
    sha256: str
    features: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class StudyRecord:
    """Everything a report needs to know about a study without re-evaluating it."""

    space: SpaceRecord
    objectives: tuple[ObjectiveRecord, ...]
    constraints: tuple[str, ...]             #: constraint texts, e.g. ``area_um2 <= 2000000``
    out_of_domain: str                       #: "allow" | "penalize" | "reject"
    uncertainty_threshold: float             #: surrogate relative spread above which a design is uncertain
    workloads: dict[str, float]              #: workload name → weight
    models: ModelsRecord
    metric_units: dict[str, str]             #: metric name → unit text
    memory_constants: dict[str, dict[str, float]]  #: pdk → MemoryConstants fields (pJ/byte, µm²/KiB)
    accel_dse_version: str

    def to_json(self) -> dict:
        """The JSON object stored in the study, with ``version``."""
        return {"version": RECORD_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict, where: str) -> StudyRecord:
        """The record from its JSON object (of this :data:`RECORD_VERSION`); ``where`` names it in errors."""
        fields = {k: v for k, v in data.items() if k != "version"}
        try:
            models = fields["models"]
            return cls(**{
                **fields,
                "space": SpaceRecord(**fields["space"]),
                "objectives": tuple(ObjectiveRecord(**o) for o in fields["objectives"]),
                "constraints": tuple(fields["constraints"]),
                "models": ModelsRecord(**{**models, "features": tuple(models["features"]),
                                          "targets": tuple(models["targets"])}),
            })
        except (KeyError, TypeError) as exc:
            raise DSEInputError(f"{where}: malformed accel-dse record (version {RECORD_VERSION}): "
                                f"{type(exc).__name__}: {exc}") from None


def write_study_record(study: optuna.Study, record: StudyRecord) -> None:
    """Store ``record`` as the study's one ``accel_dse`` user attribute (one write)."""
    study.set_user_attr(RECORD_KEY, record.to_json())


def read_study_record(study: optuna.Study) -> StudyRecord:
    """The study's record; a one-line DSEInputError for a study not written by accel-dse, written by an
    older accel-dse, or of another record version."""
    attrs = study.user_attrs
    where = f"study {study.study_name!r}"
    data = attrs.get(RECORD_KEY)
    if data is None:
        if {"space", "objectives", "workloads", "models"} & set(attrs):
            raise DSEInputError(f"{where} was written by an older accel-dse (one user attribute per field, no "
                                f"'{RECORD_KEY}' record); rerun the search")
        raise DSEInputError(f"{where} was not written by accel-dse (no '{RECORD_KEY}' user attribute)")
    version = data.get("version") if isinstance(data, dict) else None
    if version != RECORD_VERSION:
        raise DSEInputError(f"{where} holds an accel-dse record of version {version!r}, this accel-dse reads "
                            f"version {RECORD_VERSION}; rerun the search with this accel-dse")
    return StudyRecord.from_json(data, where)


def write_trial_metrics(trial: optuna.Trial, metrics: dict, constraints: dict[str, float]) -> None:
    """Store a running trial's metrics as its one ``metrics`` user attribute and its constraint values
    with ``Trial.set_constraint``. ``metrics`` maps names to numbers, bools or strings (``rejected``);
    NaN and ±inf are stored as null."""
    trial.set_user_attr(METRICS_KEY, {name: json_value(value) for name, value in metrics.items()})
    for name, value in constraints.items():
        trial.set_constraint(name, value)


def trial_metrics(trial: optuna.trial.FrozenTrial) -> dict:
    """A trial's metrics, ``feasible`` and ``rejected`` ('' when it was evaluated); null values as NaN.
    Empty for a trial that failed before it was evaluated."""
    stored = trial.user_attrs.get(METRICS_KEY) or {}
    return {name: math.nan if value is None else value for name, value in stored.items()}


