"""Which design parameters matter: Optuna's PED-ANOVA parameter importances, per objective."""
from __future__ import annotations

import warnings

import optuna
import pandas as pd

from dse.objectives import Objective
from dse.report_storage import ReportError


def param_importances(study: optuna.Study, objectives: tuple[Objective, ...] | list[Objective]) -> pd.DataFrame:
    """Optuna's PED-ANOVA importances (its default evaluator): how much each parameter matters for
    reaching the best 10 % of each objective. One row per parameter, one column per objective,
    plus ``all objectives`` (Optuna's multi-objective variant) when there are several; each column
    sums to 1. ``objectives`` are the study's, in the order of ``trial.values``.

    Raises ReportError when Optuna cannot compute them (e.g. too few completed trials).
    """
    evaluator = optuna.importance.PedAnovaImportanceEvaluator()
    columns = {}
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
