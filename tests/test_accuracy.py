"""Accuracy tables (format, line-numbered errors, lookup rules), network choices in the evaluator, and the
acceptance test: with an accuracy constraint the search stops picking precisions the table rules out."""
import math
import re

import numpy as np
import optuna
import pytest
from click.testing import CliRunner

from dse.accuracy import BUNDLED, COLUMNS, Accuracy, AccuracyTable, NetworkChoice
from dse.cli import main
from dse.errors import DSEInputError
from dse.evaluator import Evaluator, load_model_bundle, load_workloads
from dse.record import trial_metrics
from dse.space import load_space
from frontend_sim import zoo
from frontend_sim.simulator import simulate_batch
from frontend_sim.workloads import with_precision
from tests.dse_helpers import bundle_dir, space_text

HEADER = ",".join(COLUMNS)
#: A tiny table with a closed-form answer: the narrowest body width whose accuracy meets the bound.
TINY = f"""{HEADER}
# ResNet-18 at three body widths, first/last layer at 8 bits
resnet,1,224,18,8,8,8,70.0,tiny
resnet,1,224,18,4,4,8,64.0,tiny
resnet,1,224,18,2,2,8,50.0,tiny
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return bundle_dir(tmp_path_factory)


def table(tmp_path, text, name="acc.csv"):
    path = tmp_path / name
    path.write_text(text)
    return AccuracyTable.read(path)


def test_lookup_rules(tmp_path):
    t = table(tmp_path, TINY + "resnet,1,160,18,8,8,8,66.0,tiny\n")
    exact = t.lookup(NetworkChoice("resnet", 1.0, 224, 18, 4, 4, 8))
    assert (exact.top1, exact.uncertain, exact.rule) == (64.0, False, "table")
    bound = t.lookup(NetworkChoice("resnet", 1.0, 224, 18, 3, 3, 8))  # rows at least as precise: 8/8/8, 4/4/8
    assert (bound.top1, bound.uncertain, bound.rule) == (64.0, True, "precision_bound")
    edge = t.lookup(NetworkChoice("resnet", 1.0, 224, 18, 8, 8, 16))  # no row is at least as precise
    assert math.isnan(edge.top1) and edge.rule == "missing"
    middle = t.lookup(NetworkChoice("resnet", 1.0, 192, 18, 8, 8, 8))  # 66 at 160, 70 at 224
    assert middle.top1 == pytest.approx(66.0 + 4.0 * 32 / 64) and middle.rule == "resolution_interpolation"
    outside = t.lookup(NetworkChoice("resnet", 1.0, 256, 18, 8, 8, 8))  # never extrapolated
    assert math.isnan(outside.top1) and outside.uncertain
    assert math.isnan(t.lookup(NetworkChoice("resnet", 1.0, 224, 50, 8, 8, 8)).top1)


@pytest.mark.parametrize("row, message", [
    ("resnet,1,224,18,8,8,8,170,x", r"acc.csv:3: top1 = '170' is outside 0..100; expected a number in 0..100"),
    ("resnet,1,224,18,8,8.5,8,70,x", r"acc.csv:3: wgt_bits = '8.5' is not an integer"),
    ("resnet,1,224,18,8,8,64,70,x", r"acc.csv:3: edge_bits = '64' is outside 1..32"),
    ("resnet,abc,224,18,8,8,8,70,x", r"acc.csv:3: width = 'abc' is not a number"),
    ("resnet,1,224,18,8,8,8,70", r"acc.csv:3: 8 cells; expected 9"),
    ("resnet,1,224,18,8,8,8,70,x,mixed", r"acc.csv:3: 10 cells; expected 9"),
    (",1,224,18,8,8,8,70,x", r"acc.csv:3: network is blank"),
    ("resnet,1,224,18,8,8,,70,x", r"acc.csv:3: edge_bits is blank"),
])
def test_bad_rows_name_the_line(tmp_path, row, message):
    with pytest.raises(DSEInputError, match=message):
        table(tmp_path, f"{HEADER}\n\n{row}\n")


def test_bad_tables(tmp_path):
    with pytest.raises(DSEInputError, match=r"acc.csv:1: header 'network,top1'; expected network,width.*"
                                             r"\(optionally followed by ,policy\)"):
        table(tmp_path, "network,top1\nresnet,70\n")
    with pytest.raises(DSEInputError, match=r"acc.csv:3 and .*acc.csv:4 give the same network, scaling, precision and "
                                             r"source"):
        table(tmp_path, f"{HEADER}\n#\nresnet,1,224,18,8,8,8,70,a\nresnet,1.0,224,18,8,8,8,71,a\n")
    with pytest.raises(DSEInputError, match=r"acc.csv:2: top1 = 'x' is not a number"):
        table(tmp_path, f"{HEADER},policy\nresnet,1,224,18,8,8,8,x,a,mixed\n")
    with pytest.raises(DSEInputError, match=r"acc.csv:2: 9 cells; expected 10"):
        table(tmp_path, f"{HEADER},policy\nresnet,1,224,18,8,8,8,70,a\n")
    with pytest.raises(DSEInputError, match="cannot read the accuracy table"):
        AccuracyTable.read(tmp_path / "missing.csv")


def test_lookup_stays_within_a_source_and_a_policy(tmp_path):
    """Two recipes with different baselines: a bound never mixes them; an exact row beats a bound; among equal rules
    the lower top-1 wins; mixed-precision rows answer only their own policy."""
    t = table(tmp_path, f"""{HEADER},policy
resnet,1,224,50,32,32,32,77.7,recipe-a,
resnet,1,224,50,8,8,8,77.5,recipe-a,
resnet,1,224,50,4,4,8,74.2,recipe-a,
resnet,1,224,50,8,8,8,76.0,recipe-a,mix
resnet,1,224,50,32,32,32,76.1,recipe-b,
resnet,1,224,50,6,6,8,75.0,recipe-b,
""")
    def look(bits, policy=""):
        return t.lookup(NetworkChoice("resnet", 1.0, 224, 50, *bits, policy=policy))

    assert look((6, 6, 8)) == Accuracy(75.0, False, "table", "recipe-b")  # exact in b beats a's bound 77.5
    assert look((4, 4, 8)) == Accuracy(74.2, False, "table", "recipe-a")
    assert look((5, 5, 8)) == Accuracy(75.0, True, "precision_bound", "recipe-b")  # a: 77.5, b: 75.0 -> lower
    assert look((3, 3, 8)) == Accuracy(74.2, True, "precision_bound", "recipe-a")  # a: 74.2, b: 75.0
    assert look((8, 8, 8), "mix") == Accuracy(76.0, False, "table", "recipe-a")
    assert look((8, 8, 8)).top1 == 77.5  # the policy row is not a uniform 8-bit measurement
    assert math.isnan(look((8, 8, 8), "other").top1)


def test_every_bundled_number_traces_to_a_provenance_entry():
    from dse.accuracy import bundled_path

    provenance = bundled_path("resnet50_hawq_v3").with_name("PROVENANCE.md").read_text()
    rows = AccuracyTable.read(*BUNDLED).rows
    assert len(rows) == 22 + 2 + 2 + 12
    for source in rows["source"].unique():
        assert f"| `{source}` |" in provenance, source
    for policy in rows["policy"].unique():
        assert not policy or f"`{policy}`" in provenance, policy
    slim = rows[rows["network"] == "mobilenetv2"].set_index(["width", "resolution", "source", "policy", "act_bits"])["top1"]
    assert slim[(1.0, 224, "slim-mobilenetv2", "", 32)] == 71.8 and slim[(0.35, 96, "slim-mobilenetv2", "", 32)] == 45.5
    assert slim[(1.0, 224, "tflite-hosted", "", 8)] == 70.8 and slim[(1.0, 224, "haq-linear", "haq:latency0.6", 7)] == 71.23
    hawq = rows[rows["source"] == "hawq-v3"].set_index(["act_bits", "edge_bits", "policy"])["top1"]
    assert hawq[(8, 8, "")] == 77.58 and hawq[(4, 8, "")] == 74.24 and hawq[(8, 8, "hawq-v3:bops0.5")] == 75.39


def write_space(tmp_path, models, constraint: str, params: str, extra: str = "", workload: str = "resnet18"):
    from ppa.bundle import read_manifest

    (tmp_path / "acc.csv").write_text(TINY)
    search = (f'[search]\nworkloads = {{ {workload} = 1.0 }}\naccuracy = "acc.csv"\naccuracy_uncertain = "allow"\n'
              f'out_of_domain = "allow"\nconstraints = [{constraint}]\n')
    objectives = '[[objectives]]\nmetric = "energy_j"\n'
    text = space_text(read_manifest(models)["features"], params, extra=extra + "\n" + search, objectives=objectives)
    text = re.sub(r"(?m)^(act_bits|wgt_bits) = \d+$", r"\1 = 8", text)  # an 8-bit array
    path = tmp_path / "space.toml"
    path.write_text(text.replace("[fixed]\n", "[fixed]\nnet_edge_bits = 8\n", 1))
    return path


PRECISION = 'net_act_bits = { values = [2, 4, 8] }'
SAME_WIDTHS = '[derived]\nnet_wgt_bits = "net_act_bits"\n'


@pytest.mark.parametrize("bound, best", [(None, 2), (60, 4), (65, 8)])
def test_search_picks_the_narrowest_precision_the_table_allows(tmp_path, models, bound, best):
    """Closed form: energy falls with the body width (fixed mode: same cycles, fewer bytes), so the best design
    is the narrowest width whose table accuracy meets the bound (2 without one)."""
    constraint = f'"top1 >= {bound}"' if bound else ""
    path = write_space(tmp_path, models, constraint, PRECISION, SAME_WIDTHS)
    db = tmp_path / "s.db"
    result = CliRunner().invoke(main, ["search", "--quiet", "--space", str(path), "--models", str(models),
                                       "--trials", "9", "--batch-size", "3", "--seed", "0", "--sampler", "random",
                                       "--storage", f"sqlite:///{db}", "--study", "acc"])
    assert result.exit_code == 0, result.output
    study = optuna.load_study(study_name="acc", storage=f"sqlite:///{db}")
    trials = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert {t.params["net_act_bits"] for t in trials} == {2, 4, 8}  # every choice was tried
    feasible = [t for t in trials if trial_metrics(t)["feasible"]]
    chosen = min(feasible, key=lambda t: t.values[0])
    assert chosen.params["net_act_bits"] == best
    top1 = {t.params["net_act_bits"]: trial_metrics(t)["top1"] for t in trials}
    assert top1 == {2: 50.0, 4: 64.0, 8: 70.0}


def test_evaluator_runs_each_designs_network(tmp_path, models):
    """Per-design networks: metrics equal the simulator on the quantised / scaled network, accuracy per design."""
    path = write_space(tmp_path, models, '"top1 >= 0"', PRECISION + "\nnet_resolution = { values = [160, 224] }",
                       SAME_WIDTHS)
    space = load_space(path)
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    designs = space.designs([{"net_act_bits": b, "net_resolution": r} for b in (2, 8) for r in (160, 224)])
    metrics = evaluator.evaluate(designs)
    for i, row in designs.iterrows():
        net = with_precision(zoo.resnet(18, int(row["net_resolution"])), int(row["net_act_bits"]),
                             int(row["net_act_bits"]), 8)
        cycles = simulate_batch(net, designs.iloc[[i]])["total_cycles"].iloc[0]
        assert metrics["total_cycles"].iloc[i] == cycles
    assert metrics["top1"].tolist()[1::2] == [50.0, 70.0]  # 224: table rows
    assert np.isnan(metrics["top1"].tolist()[0]) and metrics["accuracy_uncertain"].tolist() == [True, False] * 2
    wide = space.designs([{"net_act_bits": 8, "net_resolution": 224}]).assign(act_bits=4, wgt_bits=4)
    assert evaluator.assess(wide).rejected.tolist() == ["layers_wider_than_array"]


def test_space_errors_name_the_file(tmp_path, models):
    path = write_space(tmp_path, models, '"top1 >= 0"', PRECISION, SAME_WIDTHS)
    text = path.read_text()
    path.write_text(text.replace('accuracy = "acc.csv"', 'accuracy = "nope.csv"'))
    with pytest.raises(DSEInputError, match=r"space.toml: \[search\].accuracy: nope.csv: cannot read"):
        load_space(path)
    path.write_text(text.replace('accuracy_uncertain = "allow"', 'accuracy_uncertain = "maybe"'))
    with pytest.raises(DSEInputError, match=r"accuracy_uncertain = 'maybe'; expected one of"):
        load_space(path)
    path.write_text(text.replace('accuracy = "acc.csv"\n', ''))
    with pytest.raises(DSEInputError, match="top1"):
        load_space(path)
    path.write_text(text.replace("resnet18 = 1.0", "bert_base = 1.0").replace(
        PRECISION, PRECISION + "\nnet_width = { values = [0.5, 1.0] }"))
    space = load_space(path)
    with pytest.raises(DSEInputError, match="net_width scale a zoo family, but workload 'bert_base' is none"):
        Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))


def test_top1_over_several_workloads_is_the_lowest_and_unknown_when_one_is(tmp_path, models):
    path = write_space(tmp_path, models, '"top1 >= 0"', PRECISION, SAME_WIDTHS)
    (tmp_path / "acc.csv").write_text(TINY + "resnet,1,224,34,8,8,8,73.0,tiny\nresnet,1,224,34,2,2,8,40.0,tiny\n")
    space = load_space(path)
    evaluator = Evaluator(space, load_model_bundle(models, space),
                          load_workloads({"resnet18": 1.0, "resnet34": 1.0}, space.path))
    metrics = evaluator.evaluate(space.designs([{"net_act_bits": b} for b in (2, 4, 8)]))
    assert metrics["resnet18.top1"].tolist() == [50.0, 64.0, 70.0]
    assert metrics["top1"].tolist() == [40.0, 64.0, 70.0]  # resnet34 at 4 bits: bound 73 (its 8-bit row)
    assert metrics["accuracy_uncertain"].tolist() == [False, True, False]
    unknown = Evaluator(space, evaluator.bundle, load_workloads({"resnet18": 1.0, "resnet50": 1.0}, space.path))
    assert unknown.evaluate(space.designs([{"net_act_bits": 8}]))["top1"].isna().all()  # no resnet50 rows
    assert metrics["resnet34.total_cycles"].iloc[0] == simulate_batch(
        with_precision(zoo.resnet(34), 2, 2, 8), space.designs([{"net_act_bits": 2}]))["total_cycles"].iloc[0]
