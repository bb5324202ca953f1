"""Per-layer precision in the simulator (precision_mode fixed / packed) and the scaled zoo families."""
from dataclasses import replace

import numpy as np
import pytest

from frontend_sim import zoo
from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import HardwareConfig
from frontend_sim.simulator import simulate, simulate_batch
from frontend_sim.workloads import Layer, Workload, with_precision

MODES = [dict(), dict(dataflow="ws"), dict(dataflow="is"),
         dict(array_mapping="genesys", tiling="genesys", dataflow="ws", simd_model="genesys"),
         dict(array_mapping="genesys", tiling="search", dataflow="ws", dram_ports="per_buffer")]


def close(a: dict, b: dict, skip=()) -> list[str]:
    return [k for k in a if k not in skip and not np.isclose(a[k], b[k])]


@pytest.mark.parametrize("fields", MODES)
def test_narrow_layers_on_a_wide_fixed_array_cost_what_a_narrow_array_costs(fields):
    """fixed mode: a 4-bit network on an 8-bit array = the same network on a 4-bit array (cycles, every byte)."""
    net = zoo.resnet18()
    wide = simulate(with_precision(net, 4, 4), HardwareConfig(act_bits=8, wgt_bits=8, **fields)).totals
    narrow = simulate(net, HardwareConfig(act_bits=4, wgt_bits=4, **fields)).totals
    assert close(wide, narrow) == []


@pytest.mark.parametrize("fields", MODES)
def test_packed_mode_runs_half_width_layers_on_twice_the_columns(fields):
    """packed: operands <= half the built widths -> the layer sees R x 2C PEs; utilization counts physical PEs."""
    net = zoo.resnet18()
    hw = HardwareConfig(act_bits=8, wgt_bits=8, precision_mode="packed", simd_lanes=32, **fields)
    packed = simulate(with_precision(net, 4, 4), hw).totals
    double = simulate(net, replace(hw, act_bits=4, wgt_bits=4, array_cols=64, precision_mode="fixed")).totals
    assert close(packed, double, skip=("utilization",)) == []
    assert packed["utilization"] == pytest.approx(2 * double["utilization"])
    quarter = simulate(with_precision(net, 2, 2), hw).totals  # <= a quarter: 4 MACs per PE
    four = simulate(net, replace(hw, act_bits=2, wgt_bits=2, array_cols=128, precision_mode="fixed")).totals
    assert close(quarter, four, skip=("utilization",)) == []
    uneven = simulate(with_precision(net, 4, 8), hw).totals  # weights not narrower: no packing
    assert close(uneven, simulate(with_precision(net, 4, 8), replace(hw, precision_mode="fixed")).totals) == []


def test_traffic_follows_each_layers_widths():
    """first/last layer at 8 bits, body at 4: only the body layers' weight bytes halve."""
    net = zoo.resnet50()
    hw = HardwareConfig(act_bits=8, wgt_bits=8, wbuf_kib=1024)
    full = simulate(net, hw).layers.set_index("layer")
    mixed = simulate(with_precision(net, 4, 4, edge_bits=8), hw).layers.set_index("layer")
    ratio = mixed["dram_filter_bytes"] / full["dram_filter_bytes"]
    assert ratio["conv1"] == 1.0 and ratio["fc"] == 1.0
    assert np.allclose(ratio.drop(["conv1", "fc"])[full["op"].drop(["conv1", "fc"]) == "conv"], 0.5)
    assert (mixed["compute_cycles"] == full["compute_cycles"]).all()  # fixed mode: no speed-up
    batch = simulate_batch(with_precision(net, 4, 4, edge_bits=8), [hw, replace(hw, act_bits=16, wgt_bits=16)])
    assert batch["dram_read_bytes"].tolist() == [mixed["dram_read_bytes"].sum()] * 2


def test_layers_wider_than_the_array_and_bad_widths_are_refused():
    net = with_precision(zoo.resnet18(), 8, 8)
    with pytest.raises(SimulatorInputError, match=r"configs row 1: wgt_bits=4 is narrower than layer 'conv1' "
                                                  r"\(wgt_bits=8\)"):
        simulate_batch(net, [HardwareConfig(), HardwareConfig(act_bits=8, wgt_bits=4)])
    bad = Workload("bad", (Layer("c", "conv", 8, 8, 4, 3, 3, 4, act_bits=0),))
    with pytest.raises(SimulatorInputError, match=r"layer 'c': act_bits=0; expected an integer >= 1 or None"):
        simulate(bad, HardwareConfig())
    with pytest.raises(SimulatorInputError, match=r"precision_mode='serial': expected one of fixed, packed"):
        HardwareConfig(precision_mode="serial")


#: MACs (millions) of the released MobileNetV2 checkpoints (tensorflow/models research/slim/nets/mobilenet/README.md).
CHECKPOINT_MACS = {(1.4, 224): 582, (1.3, 224): 509, (1.0, 224): 300, (1.0, 192): 221, (1.0, 160): 154,
                   (1.0, 128): 99, (1.0, 96): 56, (0.75, 224): 209, (0.75, 192): 153, (0.75, 160): 107,
                   (0.75, 128): 69, (0.75, 96): 39, (0.5, 224): 97, (0.5, 192): 71, (0.5, 160): 50,
                   (0.5, 128): 32, (0.5, 96): 18, (0.35, 224): 59, (0.35, 192): 43, (0.35, 160): 30,
                   (0.35, 128): 20, (0.35, 96): 11}


@pytest.mark.parametrize("key", CHECKPOINT_MACS)
def test_mobilenetv2_family_matches_the_released_checkpoints_macs(key):
    assert zoo.mobilenetv2(*key).macs / 1e6 == pytest.approx(CHECKPOINT_MACS[key], abs=1.0)


def test_make_divisible_and_family_names():
    assert [zoo.make_divisible(c) for c in (32 * 0.35, 16 * 0.35, 1280 * 1.4, 24 * 0.75)] == [16, 8, 1792, 24]
    assert zoo.get_workload("mobilenetv2_w0.5_r160").macs == zoo.mobilenetv2(0.5, 160).macs
    assert zoo.get_workload("resnet50") is zoo.WORKLOADS["resnet50"]
    assert zoo.resnet(50).macs == zoo.resnet50().macs and zoo.resnet(18).macs == zoo.resnet18().macs
    assert zoo.get_workload("resnet101").macs == pytest.approx(7.80e9, rel=1e-3)  # He et al.: 7.8 GFLOPs
    with pytest.raises(SimulatorInputError, match="family 'resnet' with width=0.5"):
        zoo.scaled_network("resnet", width=0.5, depth=50)


def test_scaled_names_load_and_key_as_themselves():
    from dse.evaluator import workload_key
    from frontend_sim.loader import load_workload

    assert load_workload("mobilenetv2_w0.5_r160").macs == zoo.mobilenetv2(0.5, 160).macs
    assert load_workload("resnet34_r160").name == "resnet34_r160"
    assert workload_key("mobilenetv2_w0.5_r160") == "mobilenetv2_w0.5_r160"
    assert workload_key("nets/my.net.csv") == "my.net"
