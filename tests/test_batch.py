"""Batch > 1: closed forms of the batched GEMM view, weights fetched once per batch, SCALE-Sim's
equivalent GEMM, the GeneSys N loop, and the batch spec of every workload source."""
from dataclasses import replace

import click.testing
import pytest

from dse.cli import main
from dse.evaluator import workload_key
from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import HardwareConfig, load_hardware
from frontend_sim.loader import load_workload, split_batch
from frontend_sim.mapping import loop_dims
from frontend_sim.simulator import simulate
from frontend_sim.topology import read_topology
from frontend_sim.workloads import Layer, Workload, with_batch
from frontend_sim.zoo import get_workload


def test_batched_layers_closed_forms():
    conv = Layer("c", "conv", 56, 56, 64, 3, 3, 128, 1, 1, 2, 2)
    fc = Layer("fc", "gemm", ifmap_h=1, ifmap_w=2048, filter_w=2048, num_filters=1000)
    heads = Layer("scores", "gemm", ifmap_h=128, ifmap_w=64, channels=12, filter_w=64, num_filters=12 * 128,
                  groups=12)
    relu = Layer("r", "relu", 56, 56, 128, num_filters=128)
    net = with_batch(Workload("net", (conv, fc, heads, relu)), 8)
    bconv, bfc, bheads, brelu = net.layers
    assert (net.name, net.batch) == ("net@8", 8)
    assert (bconv.batch, bconv.gemm_m, bconv.gemm_k, bconv.gemm_n) == (8, 8 * 56 * 56, 9 * 64, 128)
    assert (bfc.ifmap_h, bfc.gemm_m, bfc.batch) == (8, 8, 1)  # the batch folds into the rows
    assert (bheads.groups, bheads.gemm_m, bheads.gemm_n) == (96, 128, 128)  # one GEMM per sequence and head
    assert brelu.batch == 8
    assert net.macs == 8 * Workload("net", (conv, fc, heads, relu)).macs
    assert with_batch(net, 2).name == "net@16" and with_batch(net, 2).batch == 16
    assert with_batch(net, 1) is net
    for bad in (0, -1, 2.5, True):
        with pytest.raises(SimulatorInputError, match="batch="):
            with_batch(net, bad)


@pytest.mark.parametrize("preset", ["scalesim-32x32", "tpu-v1-like", "genesys-16x16"])
def test_weights_fetched_once_per_batch(preset):
    hw = load_hardware(preset)
    one, eight = (simulate(load_workload(spec), hw) for spec in ("resnet50", "resnet50@8"))
    assert eight.totals["macs"] == 8 * one.totals["macs"]
    assert eight.totals["dram_filter_bytes"] == pytest.approx(one.totals["dram_filter_bytes"])
    assert eight.totals["dram_ifmap_bytes"] > 7 * one.totals["dram_ifmap_bytes"]
    simd = eight.layers[eight.layers.op == "relu"].simd_cycles.sum()
    assert simd == pytest.approx(8 * one.layers[one.layers.op == "relu"].simd_cycles.sum(), rel=0.01)


def test_im2col_batch_is_scalesims_gemm_with_m_rows(tmp_path):
    """SCALE-Sim has no batch; its equivalent is the GEMM with B·OH·OW rows (``-i gemm``)."""
    conv = tmp_path / "conv.csv"
    conv.write_text("Layer name,IFMAP Height,IFMAP Width,Filter Height,Filter Width,Channels,Num Filter,Strides,\n"
                    "c1,30,30,3,3,16,32,1,\n")
    gemm = tmp_path / "gemm.csv"
    gemm.write_text(f"Layer,M,N,K,\nc1,{4 * 28 * 28},32,{3 * 3 * 16},\n")
    hw = load_hardware("scalesim-32x32")
    batched = simulate(load_workload(f"{conv}@4"), hw).layers.iloc[0]
    reference = simulate(read_topology(gemm), hw).layers.iloc[0]
    assert batched.macs == reference.macs == 4 * 28 * 28 * 32 * 144
    for column in ("compute_cycles", "folds", "dram_filter_bytes"):
        assert batched[column] == reference[column], column
    # the batched conv reads each image's unique input, not the im2col matrix
    assert batched.dram_ifmap_bytes == 4 * 30 * 30 * 16


def test_genesys_batch_loop_closed_form():
    """Everything in one DRAM tile: cycles = OW·OH·N·KW·KH·ceil(IC/R)·ceil(OC/C) + R−1 + C−1."""
    layer = Layer("c", "conv", 8, 8, 16, 3, 3, 16, 1, 1, 2, 2, batch=4)
    dims = loop_dims(layer)
    assert (dims.n, dims.candidates[:3]) == (4, ((8, 8, 4), (8, 8, 2), (8, 8, 1)))
    areas = [w * h * n for w, h, n in dims.candidates]
    assert areas == sorted(areas, reverse=True)  # the tiling search needs shrinking candidates
    hw = replace(HardwareConfig(), array_rows=16, array_cols=16, array_mapping="genesys", tiling="genesys",
                 dataflow="ws", ibuf_kib=512, wbuf_kib=512, obuf_kib=512, bbuf_kib=64)
    row = simulate(Workload("one", (layer,)), hw).layers.iloc[0]
    assert (row.tile_n, row.tile_ow, row.tile_oh) == (4, 8, 8)
    assert row.compute_cycles == 8 * 8 * 4 * 3 * 3 * 1 * 1 + 15 + 15
    single = simulate(Workload("one", (replace(layer, batch=1),)), hw).layers.iloc[0]
    assert row.dram_filter_bytes == single.dram_filter_bytes
    assert row.dram_ifmap_bytes == pytest.approx(4 * single.dram_ifmap_bytes)


def test_batch_specs_and_errors(tmp_path):
    assert split_batch("resnet50@8") == ("resnet50", 8)
    assert split_batch("nets/a.csv") == ("nets/a.csv", 1)
    assert load_workload("resnet50@2", batch=4).name == "resnet50@8"
    assert load_workload("llama2_7b_decode@4").tokens == 4
    for spec, message in (("resnet50@0", "batch after '@' must be an integer >= 1, got '0'"),
                          ("resnet50@x", "got 'x'"), ("resnet50@", "got ''")):
        with pytest.raises(SimulatorInputError, match=message):
            load_workload(spec)
    assert workload_key("resnet50@8") == "resnet50_b8"
    assert workload_key("nets/model.onnx@4") == "model_b4"
    assert workload_key("resnet50") == "resnet50"
    keyed = load_workload("resnet50_b8")  # a study's key reads back (the report's per-layer view)
    assert (keyed.name, keyed.macs) == ("resnet50@8", 8 * get_workload("resnet50").macs)
    with pytest.raises(SimulatorInputError, match="unknown workload 'resnet51_b8'"):
        load_workload("resnet51_b8")


def test_simulate_cli_batch():
    runner = click.testing.CliRunner()
    result = runner.invoke(main, ["simulate", "-w", "resnet18@2", "--batch", "4", "--hw", "tpu-v1-like"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("resnet18@8 on")
    assert f"{8 * get_workload('resnet18').macs:,} MACs" in result.output
    bad = runner.invoke(main, ["simulate", "-w", "resnet18", "--batch", "0"])
    assert bad.exit_code == 2 and "Invalid value for '--batch'" in bad.output
    bad = runner.invoke(main, ["simulate", "-w", "resnet18@two"])
    assert bad.exit_code == 1 and bad.output.strip().splitlines() == [
        "Error: workload 'resnet18@two': batch after '@' must be an integer >= 1, got 'two'"]
