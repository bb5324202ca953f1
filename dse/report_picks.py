"""The recommended designs: which Pareto designs to look at first, what each trades, and whether it
sits on a bound of the searched space.

``chosen_designs`` (dse.report_pareto) picks each objective's best and the knee; this module turns
the picks into what the report's first section shows: a compact table (role, objectives, achieved
clock, then the searched parameters), one generated sentence per pick comparing it with the other
picks, and one note per pick that sits on a bound of the space the study searched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import optuna
import pandas as pd

from dse.objectives import Objective
from dse.report_data import StudyData
from dse.report_pareto import chosen_designs, pareto_table

#: Achieved (effective) clock of a design [GHz] and the target it was synthesised for [GHz].
CLOCK = "clock_ghz"
TARGET_CLOCK = "target_clock_ghz"
#: A continuous parameter within this fraction of its searched range (of its log range when the
#: distribution is log-scaled) from a bound counts as on that bound.
BOUND_TOLERANCE = 0.01
KNEE_EXPLAINED = ("The knee is the Pareto design nearest the ideal point once every objective is scaled "
                  "to [0, 1] over the Pareto front (0 = the front's best value).")


@dataclass(frozen=True)
class BoundHit:
    """A pick's parameter on a bound of the searched space."""

    trial: int
    role: str
    parameter: str
    value: object
    #: "low" or "high" (the first or last listed choice of an ordered categorical).
    side: str

    def phrase(self) -> str:
        return f"{self.parameter} = {_fmt(self.value)} ({'lowest' if self.side == 'low' else 'highest'} searched)"


def bound_notes(hits: list[BoundHit]) -> list[str]:
    """One sentence per pick with parameters on a bound of the searched space."""
    by_pick: dict[tuple[int, str], list[BoundHit]] = {}
    for hit in hits:
        by_pick.setdefault((hit.trial, hit.role), []).append(hit)
    return [f"{role} (trial {trial}): " + ", ".join(h.phrase() for h in group) + "."
            for (trial, role), group in by_pick.items()]


def pick_lines(data: StudyData, limit: int = 4) -> list[str]:
    """The recommended designs of a study as console lines: role, trial, objective values with units
    and the achieved clock (what ``accel-dse search`` prints when it finishes)."""
    chosen = chosen_designs(pareto_table(data), data.objectives, limit)
    lines = []
    for _, pick in chosen.iterrows():
        values = ", ".join(f"{o.name} = {float(pick[o.name]):.4g} {data.unit(o.name)}".rstrip()
                           for o in data.objectives)
        clock = _clock_phrase(pick)
        lines.append(f"  {pick['role']} (trial {int(pick['trial'])}): {values}" + (f"; {clock}" if clock else ""))
    return lines


def pick_table(chosen: pd.DataFrame, objectives: list[Objective], params: list[str]) -> pd.DataFrame:
    """The picks' columns in reading order: role, trial, objectives, achieved and target clock, then
    the searched parameters (the target clock only once)."""
    first = ["role", "trial", *(o.name for o in objectives), CLOCK, TARGET_CLOCK]
    order = list(dict.fromkeys([c for c in first if c in chosen] + [p for p in params if p in chosen]))
    return chosen[order]


def pick_sentence(pick: pd.Series, chosen: pd.DataFrame, objectives: list[Objective]) -> str:
    """One sentence on what ``pick`` (a row of ``chosen``) trades against the other picks, ending
    with its achieved clock (when the study records ``clock_ghz``).

    A design best in some objectives is compared with each other objective's best design (what it
    costs there, and what it gains in its own objectives); the knee with every objective's best.
    """
    roles = pick["role"].split(" + ")
    own = [o for o in objectives if f"best {o.name}" in roles]
    others = [o for o in objectives if o not in own]
    best = {role[len("best "):]: row for _, row in chosen.iterrows()
            for role in row["role"].split(" + ") if role.startswith("best ")}
    parts = []
    if own and not others:
        parts.append(f"best {own[0].name}" if len(objectives) == 1 else
                     f"best in every objective ({', '.join(o.name for o in own)})")
    elif own:
        for other in (o for o in others if o.name in best):
            rival = best[other.name]
            gains = " and ".join(_relative(pick[o.name], rival[o.name], o, gain=True) for o in own)
            parts.append(f"{_relative(pick[other.name], rival[other.name], other)} the {other.name}-best "
                         f"(trial {int(rival['trial'])}) for {gains}")
    else:
        parts.append("balanced: " + ", ".join(f"{_relative(pick[o.name], best[o.name][o.name], o)} the best"
                                              for o in objectives if o.name in best))
    if "knee" in roles and own:
        parts.append("also the knee")
    text = "; ".join(p for p in parts if p != "balanced: ") or pick["role"]
    clock = _clock_phrase(pick)
    return (text[0].upper() + text[1:] + (f"; {clock}" if clock else "") + ".")


def bound_hits(chosen: pd.DataFrame, distributions: dict[str, optuna.distributions.BaseDistribution]
               ) -> list[BoundHit]:
    """Parameters of the picks on a bound of their searched distribution: an int at its low/high, a
    float within :data:`BOUND_TOLERANCE` of its range from low/high, a categorical of numbers listed in
    order at its first/last choice. Unordered choices (dataflows) and parameters with only two values
    (always on a bound, nothing lies beyond) have no bound."""
    hits = []
    for _, pick in chosen.iterrows():
        for name, distribution in distributions.items():
            if name not in pick or pd.isna(pick[name]):
                continue
            side = _bound_side(pick[name], distribution)
            if side is not None:
                hits.append(BoundHit(int(pick["trial"]), pick["role"], name, pick[name], side))
    return hits


def _bound_side(value, distribution) -> str | None:
    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        ends = _ordered_ends(distribution.choices)
        if ends is None:
            return None
        return "low" if value == ends[0] else "high" if value == ends[1] else None
    low, high, value = float(distribution.low), float(distribution.high), float(value)
    if high <= low:
        return None
    if isinstance(distribution, optuna.distributions.IntDistribution) or distribution.step is not None:
        if (high - low) / (distribution.step or 1) < 2:
            return None  # two values
        return "low" if value <= low else "high" if value >= high else None
    scale = math.log if distribution.log else float
    position = (scale(value) - scale(low)) / (scale(high) - scale(low))
    return "low" if position <= BOUND_TOLERANCE else "high" if position >= 1 - BOUND_TOLERANCE else None


def _ordered_ends(choices: tuple) -> tuple | None:
    """(lowest, highest) of three or more choices that are numbers listed in ascending or descending
    order, else None."""
    if len(choices) < 3 or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in choices):
        return None
    values = list(choices)
    if values == sorted(values):
        return values[0], values[-1]
    if values == sorted(values, reverse=True):
        return values[-1], values[0]
    return None


def _relative(value: float, reference: float, objective: Objective, gain: bool = False) -> str:
    """``value`` against ``reference`` in the objective's terms, ending in a word that takes the
    reference design: "2.1× the energy_j of", "35 % more area_um2 than", "12 % less top1 than"; with
    ``gain``, what ``value`` wins: "35 % less runtime_s", "3 % more top1"."""
    name = objective.name
    value, reference = float(value), float(reference)
    if reference <= 0 or value <= 0:
        return f"{name} {value:.4g} (against {reference:.4g})" + ("" if gain else " of")
    ratio = value / reference
    if gain:
        return f"{abs(1 - ratio) * 100:.0f} % {'less' if objective.direction == 'minimize' else 'more'} {name}"
    if objective.direction == "minimize" and ratio >= 1.1:
        return f"{ratio:.2g}× the {name} of"
    more = "more" if ratio >= 1 else "less"
    return f"{abs(ratio - 1) * 100:.0f} % {more} {name} than"


def _clock_phrase(pick: pd.Series) -> str:
    if CLOCK not in pick or pd.isna(pick[CLOCK]):
        return ""
    clock = float(pick[CLOCK])
    if TARGET_CLOCK not in pick or pd.isna(pick[TARGET_CLOCK]):
        return f"runs at {clock:.3f} GHz"
    target = float(pick[TARGET_CLOCK])
    if math.isclose(clock, target, rel_tol=1e-6):
        return f"runs at its {target:.3f} GHz target"
    return f"runs at {clock:.3f} GHz of a {target:.3f} GHz target"


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
