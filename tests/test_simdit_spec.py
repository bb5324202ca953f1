"""SimDIT DNN-spec reader: the bundled ResNet specs, their correspondence to the zoo, bad specs."""
import json
from dataclasses import astuple
from pathlib import Path

import pandas as pd
import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.loader import load_workload
from frontend_sim.simdit_spec import BUNDLED, from_simdit_spec, read_simdit_spec, simdit_workload

FIXTURES = Path(__file__).parent / "fixtures" / "simdit"
SPEC_DIR = Path(__file__).parents[1] / "frontend_sim" / "workloads_simdit"


def geometry(layer):
    return (layer.op, *astuple(layer)[2:])


@pytest.mark.parametrize("net", ["resnet18", "resnet50"])
def test_bundled_spec_rows_match_simdit_layer_rows(net):
    """One layer per program entry, in SimDIT's order: its layer-wise CSV names each row's model."""
    workload = simdit_workload(net)
    rows = pd.read_csv(FIXTURES / "layers.csv.gz")
    rows = rows[(rows.design == "design01") & (rows.network == {"resnet18": "ResNet18", "resnet50": "ResNet50"}[net])]
    simdit_names = {"conv": "Convolution", "gemm": "GEMM", "relu": "ReLU", "add": "ElemAdd", "maxpool": "MaxPool",
                    "globalavgpool": "AvgPool", "flatten": "coarse_flatten_ignored"}
    assert [simdit_names[layer.op] for layer in workload.layers] == rows["layer"].tolist()
    # SimDIT's op count of an array layer is 2 x MACs with IC and OC padded to the 16x16 array.
    def padded_ops(layer):
        pad = lambda c: -(-c // 16) * 16  # noqa: E731
        return 2 * layer.gemm_m * layer.filter_h * layer.filter_w * pad(layer.channels) * pad(layer.gemm_n) \
            if layer.op == "conv" else 2 * layer.gemm_m * pad(layer.gemm_k) * pad(layer.gemm_n)
    gemm = [layer.is_gemm for layer in workload.layers]
    ops = rows["Op count"].to_numpy()[gemm]
    assert ops.tolist() == [padded_ops(layer) for layer in workload.layers if layer.is_gemm]


@pytest.mark.parametrize("net", ["resnet18", "resnet50"])
def test_zoo_resnet_is_the_simdit_spec_without_flatten(net):
    """The zoo's ResNets are SimDIT's specs layer for layer (same GEMMs, same SIMD ops, same order);
    the only difference is SimDIT's coarse_flatten before the FC layer, which the zoo leaves out."""
    spec, zoo = simdit_workload(net), load_workload(net)
    assert [geometry(l) for l in spec.layers if l.op != "flatten"] == [geometry(l) for l in zoo.layers]
    assert [l.op for l in spec.layers].count("flatten") == 1
    assert spec.layers[-2].op == "flatten" and spec.layers[-3].op == "globalavgpool"
    assert spec.macs == zoo.macs == {"resnet18": 1_814_073_344, "resnet50": 4_089_184_256}[net]


def test_load_workload_reads_a_spec_file(tmp_path):
    workload = load_workload(SPEC_DIR / BUNDLED["resnet18"])
    assert len(workload.layers) == 49 and workload.name == "ResNet18_inference_Spec_Locked"
    first = workload.layers[0]  # 7x7/2 stem: IH = 230 padded, pad [3, 3, 3, 3]
    assert (first.ifmap_h, first.pad_h, first.channels, first.ofmap_h) == (224, 6, 3, 112)
    pool = workload.layers[2]  # max_pool: IH = 114 padded, pad [1, 1]
    assert (pool.op, pool.ifmap_h, pool.pad_h, pool.stride_h, pool.ofmap_h) == ("maxpool", 112, 2, 2, 56)


def spec_with(entry):
    return {"mode": "inference", "program": [entry]}


CONV = {"operation": "conv_bias", "instance_id": 1,
        "iterable_dimensions": {"OC": 8, "N": 1, "IC": 3, "KH": 3, "KW": 3, "OH": 4, "OW": 4},
        "operation_parameters": {"stride": 1, "pad": [1, 1, 1, 1], "IH": 6, "IW": 6}}


@pytest.mark.parametrize("data, message", [
    ({"program": []}, "expected a SimDIT DNN spec"),
    ({"mode": "training", "program": [CONV]}, "mode = 'training'"),
    ({"mode": "inference", "program": []}, "'program' is empty"),
    (spec_with({"operation": "softmax"}), "program[0]: operation 'softmax' is not modelled"),
    (spec_with({**CONV, "iterable_dimensions": {**CONV["iterable_dimensions"], "OH": 5}}),
     "program[0] (conv_bias): input 4x4, window 3x3, stride 1, padding 2/2 give a 4x4 output; the spec says "
     "OH x OW = 5x4"),
    (spec_with({**CONV, "operation_parameters": {"stride": 1, "IH": 6, "IW": 6, "pad": [1, 1]}}),
     "pad = [1, 1]; expected [top, left, bottom, right]"),
    (spec_with({**CONV, "iterable_dimensions": {"OC": 8}}), "program[0] (conv_bias): missing key 'KH'"),
    (spec_with({"operation": "relu", "iterable_dimensions": {"N": 1, "C": 0, "H": 2, "W": 2}}),
     "program[0] (relu): C = 0; expected an integer >= 1"),
])
def test_bad_specs_name_the_entry_and_key(data, message):
    with pytest.raises(SimulatorInputError) as err:
        from_simdit_spec(data, source="net.json")
    assert str(err.value).startswith("net.json") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_spec_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(SimulatorInputError, match=r"broken.json: not a readable JSON file"):
        load_workload(broken)
    hardware = tmp_path / "hw.json"
    hardware.write_text(json.dumps({"ARRAY_N": 4, "ARRAY_M": 4}))
    with pytest.raises(SimulatorInputError, match=r"hw.json: expected a SimDIT DNN spec"):
        read_simdit_spec(hardware)
    with pytest.raises(SimulatorInputError, match="unknown SimDIT spec 'vgg'; expected one of resnet18, resnet50"):
        simdit_workload("vgg")
