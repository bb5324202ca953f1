"""Per-layer precision policies (dse.precision_policy): the bundled HAWQ-V3 schemes on the zoo's ResNet-50, bad
tables named by line, and net_policy designs in the evaluator (their network, accuracy and array-width check)."""
import numpy as np
import pandas as pd
import pytest

from dse.errors import DSEInputError
from dse.evaluator import Evaluator, load_model_bundle, load_workloads
from dse.precision_policy import BUNDLED, PolicyTable
from dse.space import load_space
from frontend_sim import zoo
from frontend_sim.simulator import simulate_batch
from tests.test_accuracy import models, write_space  # noqa: F401  (the module-scoped bundle fixture)

HEADER = "policy,layer,act_bits,wgt_bits"


def test_bundled_hawq_v3_schemes_cover_every_gemm_layer_of_resnet50():
    table = PolicyTable.read(*BUNDLED)
    assert len(table.names()) == 9
    net = zoo.resnet(50)
    run = table.apply(net, "hawq-v3:bops0.5")
    gemm = [layer for layer in run.layers if layer.is_gemm]
    assert len(gemm) == 54 and {layer.act_bits for layer in gemm} == {4, 8}
    # bit_config_resnet50_bops_0.5: stage1.unit3 runs conv2 at 4 bits (quant_act1 = quant_convbn2 = 4)
    named = {layer.name: layer for layer in run.layers}
    assert (named["layer1.2.conv2"].act_bits, named["layer1.2.conv2"].wgt_bits) == (4, 4)
    assert (named["conv1"].act_bits, named["fc"].wgt_bits) == (8, 8)  # first and last layer at 8 bits
    assert all(layer.act_bits == 8 for layer in run.layers if not layer.is_gemm)  # SIMD layers: widest
    assert table.widest("hawq-v3:bops0.5", net) == (8, 8, 8)
    with pytest.raises(DSEInputError, match=r"policy 'hawq-v3:bops0.5' does not fit workload 'resnet18'"):
        table.apply(zoo.resnet(18), "hawq-v3:bops0.5")


@pytest.mark.parametrize("text, message", [
    (f"{HEADER}\np,conv1,8,8\np,conv1,4,4\n", r"p.csv:3: layer 'conv1' of policy 'p' is given twice"),
    (f"{HEADER}\np,conv1,8,x\n", r"p.csv:2: wgt_bits = 'x'; expected an integer in 1..32"),
    (f"{HEADER}\np,conv1,8,40\n", r"p.csv:2: wgt_bits = 40; expected an integer in 1..32"),
    (f"{HEADER}\nuniform,conv1,8,8\n", r"p.csv:2: policy 'uniform', layer 'conv1'; expected a policy name other than"),
    (f"{HEADER}\n# c\np,conv1,8\n", r"p.csv:3: 3 cells; expected 4"),
    ("policy,layer,bits\n", r"p.csv:1: header 'policy,layer,bits'; expected policy,layer,act_bits,wgt_bits"),
])
def test_bad_policy_tables_name_the_line(tmp_path, text, message):
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(DSEInputError, match=message):
        PolicyTable.read(path)


def policy_space(tmp_path, models, values, extra=""):
    path = write_space(tmp_path, models, '"top1 >= 0"', f"net_policy = {{ values = {values} }}\n"
                       "net_act_bits = { values = [4, 8] }", "[derived]\nnet_wgt_bits = \"net_act_bits\"\n" + extra,
                       workload="resnet50")
    text = path.read_text().replace('accuracy = "acc.csv"',
                                    'accuracy = "resnet50_hawq_v3"\npolicies = "resnet50_hawq_v3_layers"')
    path.write_text(text)
    return path


def test_evaluator_runs_the_policy_and_looks_up_its_row(tmp_path, models):
    space = load_space(policy_space(tmp_path, models, '["uniform", "hawq-v3:bops0.5", "hawq-v3:size0.75"]'))
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    designs = space.designs([{"net_policy": "uniform", "net_act_bits": 4}, {"net_policy": "hawq-v3:bops0.5", "net_act_bits": 4},
                             {"net_policy": "hawq-v3:size0.75", "net_act_bits": 8}])
    metrics = evaluator.evaluate(designs)
    assert metrics["top1"].tolist() == [74.24, 75.39, 77.38]
    assert not metrics["accuracy_uncertain"].any()
    policy_net = evaluator.policies.apply(zoo.resnet(50), "hawq-v3:bops0.5")
    expected = simulate_batch(policy_net, designs.iloc[[1]])["total_cycles"].iloc[0]
    assert metrics["total_cycles"].iloc[1] == expected
    # the policy's traffic lies between the uniform 4-bit and 8-bit networks' (same cycles in fixed mode)
    bytes_ = metrics["dram_bytes"].to_numpy()
    uniform8 = evaluator.evaluate(space.designs([{"net_policy": "uniform", "net_act_bits": 8}]))["dram_bytes"].iloc[0]
    assert bytes_[0] < bytes_[1] < uniform8
    narrow = space.designs([{"net_policy": "hawq-v3:bops0.5", "net_act_bits": 4}]).assign(act_bits=4, wgt_bits=4)
    assert evaluator.assess(narrow).rejected.tolist() == ["layers_wider_than_array"]
    uniform4 = space.designs([{"net_policy": "uniform", "net_act_bits": 4}]).assign(act_bits=4, wgt_bits=4)
    assert evaluator.assess(uniform4).rejected.tolist() == ["layers_wider_than_array"]  # edges stay at 8 bits


def test_space_checks_policy_values(tmp_path, models):
    with pytest.raises(DSEInputError, match=r"space.toml: net_policy value 'hawq-v3:nope' is not a policy of "
                                             r"\[search\].policies"):
        load_space(policy_space(tmp_path, models, '["uniform", "hawq-v3:nope"]'))
    path = policy_space(tmp_path, models, '["uniform"]')
    path.write_text(path.read_text().replace('policies = "resnet50_hawq_v3_layers"', 'policies = "missing.csv"'))
    with pytest.raises(DSEInputError, match=r"space.toml: \[search\].policies: missing.csv: cannot read"):
        load_space(path)


def test_policy_design_without_tables_is_an_error():
    from dse import network

    designs = pd.DataFrame({"act_bits": [8], "wgt_bits": [8], "net_policy": ["hawq-v3:bops0.5"]})
    with pytest.raises(DSEInputError, match="net_policy 'hawq-v3:bops0.5': no policy table given"):
        network.choices(designs, "resnet50")
    assert np.array_equal(network.too_wide(designs.assign(net_act_bits=16)), [False])  # the bit column is ignored
