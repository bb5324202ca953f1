"""The recommended designs: the sentence each pick gets, and picks on a bound of the searched space."""
from __future__ import annotations

import optuna
import pandas as pd
import pytest

from dse.objectives import Objective
from dse.report_picks import bound_hits, bound_notes, pick_sentence, pick_table

RUNTIME = Objective("runtime_s", "minimize", "metric", (("runtime_s", 1.0),))
ENERGY = Objective("energy_j", "minimize", "metric", (("energy_j", 1.0),))
TOP1 = Objective("top1", "maximize", "metric", (("top1", 1.0),))


def picks(**columns) -> pd.DataFrame:
    return pd.DataFrame({"role": ["best runtime_s", "best energy_j", "knee"], "trial": [5, 7, 9], **columns})


def test_each_pick_says_what_it_trades_and_its_achieved_clock():
    chosen = picks(runtime_s=[0.65, 1.0, 0.8], energy_j=[2.1, 1.0, 1.05],
                   clock_ghz=[1.204, 1.204, 0.8], target_clock_ghz=[1.625, 1.765, 0.8], array_rows=[16, 8, 8])
    sentences = [pick_sentence(row, chosen, [RUNTIME, ENERGY]) for _, row in chosen.iterrows()]
    assert sentences == [
        "2.1× the energy_j of the energy_j-best (trial 7) for 35 % less runtime_s; "
        "runs at 1.204 GHz of a 1.625 GHz target.",
        "1.5× the runtime_s of the runtime_s-best (trial 5) for 52 % less energy_j; "
        "runs at 1.204 GHz of a 1.765 GHz target.",
        "Balanced: 1.2× the runtime_s of the best, 5 % more energy_j than the best; runs at its 0.800 GHz target.",
    ]
    assert list(pick_table(chosen, [RUNTIME, ENERGY], ["array_rows", "target_clock_ghz"]).columns) == [
        "role", "trial", "runtime_s", "energy_j", "clock_ghz", "target_clock_ghz", "array_rows"]


def test_a_maximised_objective_and_a_pick_with_two_roles():
    chosen = pd.DataFrame({"role": ["best runtime_s + knee", "best top1"], "trial": [1, 2],
                           "runtime_s": [1.0, 3.0], "top1": [0.60, 0.75]})
    first, second = (pick_sentence(row, chosen, [RUNTIME, TOP1]) for _, row in chosen.iterrows())
    assert first == "20 % less top1 than the top1-best (trial 2) for 67 % less runtime_s; also the knee."
    assert second == "3× the runtime_s of the runtime_s-best (trial 1) for 25 % more top1."
    alone = chosen.iloc[:1].assign(role="best runtime_s + best top1")
    assert pick_sentence(alone.iloc[0], alone, [RUNTIME, TOP1]) == "Best in every objective (runtime_s, top1)."


DISTRIBUTIONS = {
    "array_rows": optuna.distributions.CategoricalDistribution((2, 4, 8, 16)),
    "dram": optuna.distributions.CategoricalDistribution((64, 32, 16, 8)),   # descending: still ordered
    "shuffled": optuna.distributions.CategoricalDistribution((8, 2, 4)),    # not in order: no bound
    "dataflow": optuna.distributions.CategoricalDistribution(("os", "ws", "is")),
    "mac_pipeline": optuna.distributions.CategoricalDistribution((0, 1)),   # two values: always a bound
    "lanes": optuna.distributions.IntDistribution(1, 64),
    "ibuf_kib": optuna.distributions.FloatDistribution(8.0, 512.0, log=True),
    "clock": optuna.distributions.FloatDistribution(0.5, 2.5),
}


@pytest.mark.parametrize("values, expected", [
    (dict(array_rows=16, dram=64, shuffled=8, dataflow="is", mac_pipeline=1, lanes=1, ibuf_kib=8.2, clock=2.49),
     # ibuf 8.2 KiB: log position ln(8.2/8)/ln(64) = 0.6 % of the range; clock 2.49: 99.5 %
     ["array_rows = 16 (highest searched)", "dram = 64 (highest searched)", "lanes = 1 (lowest searched)",
      "ibuf_kib = 8.2 (lowest searched)", "clock = 2.49 (highest searched)"]),
    (dict(array_rows=8, dram=8, shuffled=2, dataflow="os", mac_pipeline=0, lanes=63, ibuf_kib=8.6, clock=2.47),
     # ibuf 8.6 KiB: 1.7 % of the log range; clock 2.47: 98.5 % of the range — neither is on a bound
     ["dram = 8 (lowest searched)"]),
])
def test_bounds_of_ints_floats_and_ordered_choices(values, expected):
    chosen = pd.DataFrame([{"role": "knee", "trial": 3, **values}])
    hits = bound_hits(chosen, DISTRIBUTIONS)
    assert [h.phrase() for h in hits] == expected
    assert bound_notes(hits) == [f"knee (trial 3): {', '.join(expected)}."]


def test_no_pick_on_a_bound_gives_no_note():
    chosen = pd.DataFrame([{"role": "knee", "trial": 3, "array_rows": 4, "lanes": 30}])
    assert bound_hits(chosen, DISTRIBUTIONS) == [] and bound_notes([]) == []
