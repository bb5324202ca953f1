"""ONNX files as PyTorch's exporters write them (tests/fixtures/onnx, weights dropped; made by export.py):
every export imports, its MACs equal the zoo's to the unit, every op is modelled or explicitly skipped,
the symbolic batch dimension takes a batch, and unsupported constructs stop with one line."""
import json
from dataclasses import replace
from pathlib import Path

import onnx
import pytest
from onnx import helper

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import load_hardware
from frontend_sim.llm import DECODERS, prefill
from frontend_sim.loader import load_workload
from frontend_sim.onnx_import import COSTED_AS, SIMD_OP_MAP, SKIPPED_OPS, import_onnx
from frontend_sim.simulator import simulate
from frontend_sim.workloads import with_batch
from frontend_sim.zoo import get_workload

HERE = Path(__file__).resolve().parent / "fixtures" / "onnx"
MANIFEST = json.loads((HERE / "manifest.json").read_text())
EXPORTS = {key: entry for key, entry in MANIFEST["files"].items() if "error" not in entry}
SEQ = 128
#: The zoo workload each exported model equals (MACs to the unit); the Llama fixture is two layers of
#: Llama-3.2-1B's shape (GQA 32/8 heads), compared with the same DecoderConfig.
ZOO = {
    "resnet18": lambda: get_workload("resnet18"),
    "resnet50": lambda: get_workload("resnet50"),
    "mobilenet_v2": lambda: get_workload("mobilenetv2"),
    "mobilenet_v3_large": lambda: get_workload("mobilenetv3_large"),
    "efficientnet_b0": lambda: get_workload("efficientnet_b0"),
    "vit_b_16": lambda: get_workload("vit_b_16"),
    "bert_base": lambda: get_workload("bert_base"),
    "gpt2": lambda: prefill(DECODERS["gpt2"], SEQ),
    "llama_gqa_2l": lambda: prefill(replace(DECODERS["llama3_2_1b"], name="llama_2l", layers=2), SEQ),
}
#: Ops these exports apply to constants only (mask and rotary-table arithmetic).
CONSTANT_ONLY = {"And", "Equal", "LessOrEqual", "Sin", "Cos"}
#: Ops the importer handles besides the SIMD map (GEMMs, pools, reductions, clip, pow).
HANDLED = {"Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
           "ReduceMean", "Clip", "Pow"}


def test_every_listed_model_has_an_importable_export():
    models = {entry["model"] for entry in EXPORTS.values()}
    assert models == set(ZOO)
    assert {entry["exporter"] for entry in EXPORTS.values()} == {"torchscript", "dynamo"}
    for key, entry in MANIFEST["files"].items():  # a failed export is recorded with the exporter's reason
        assert "error" in entry or (HERE / entry["file"]).is_file(), key


@pytest.mark.parametrize("key", sorted(EXPORTS))
def test_export_imports_with_the_zoo_macs(key):
    entry = EXPORTS[key]
    workload = import_onnx(HERE / entry["file"])
    assert workload.macs == ZOO[entry["model"]]().macs
    if entry["model"] != "vit_b_16":  # torch's counter misses the fused attention of nn.MultiheadAttention
        assert workload.macs == entry["torch_macs_batch1"]


@pytest.mark.parametrize("key", sorted(EXPORTS))
def test_every_op_is_modelled_or_skipped(key):
    ops = {node.op_type for node in onnx.load(str(HERE / EXPORTS[key]["file"]), load_external_data=False).graph.node}
    assert ops == set(EXPORTS[key]["ops"])
    # the rest appear only on constants (causal masks, rotary cos/sin tables from position ids): the importer
    # skips nodes whose inputs are all constants, and would stop with "unsupported op" on an activation
    assert ops - (HANDLED | set(SIMD_OP_MAP) | set(COSTED_AS) | SKIPPED_OPS) <= CONSTANT_ONLY
    import_onnx(HERE / EXPORTS[key]["file"])


@pytest.mark.parametrize("model", ["resnet50", "gpt2", "llama_gqa_2l"])
def test_symbolic_batch_dimension(model):
    key = next(k for k, e in EXPORTS.items() if e["model"] == model and e["exporter"] == "dynamo")
    path = HERE / EXPORTS[key]["file"]
    batched = import_onnx(path, batch=4)
    assert (batched.name, batched.batch) == (f"{path.stem}@4", 4)
    assert batched.macs == 4 * ZOO[model]().macs
    hw = load_hardware("tpu-v1-like")
    expected = simulate(with_batch(import_onnx(path), 4), hw).totals  # batch the batch-1 import instead
    got = simulate(load_workload(f"{path}@2", batch=2), hw).totals
    for column in ("total_cycles", "macs", "dram_filter_bytes", "dram_read_bytes", "simd_cycles"):
        assert got[column] == pytest.approx(expected[column]), column


def test_unsupported_constructs_stop_with_one_line(tmp_path):
    path = HERE / EXPORTS["resnet18.torchscript"]["file"]
    model = onnx.load(str(path), load_external_data=False)
    first = model.graph.node[0].output[0]
    for node, message in (
            (helper.make_node("FusedConv", [first], ["custom_out"], "fused_0", domain="com.microsoft"),
             "node 'fused_0' (FusedConv): unsupported op com.microsoft::FusedConv (custom domain)"),
            (helper.make_node("Loop", ["", ""], ["loop_out"], "loop_0",
                              body=helper.make_graph([], "body", [], [])),
             "node 'loop_0' (Loop): unsupported op Loop (dynamic control flow; export a traced graph without it)")):
        edited = onnx.ModelProto()
        edited.CopyFrom(model)
        edited.graph.node.insert(1, node)
        if node.domain:
            edited.opset_import.append(helper.make_opsetid(node.domain, 1))
        target = tmp_path / "edited.onnx"
        onnx.save(edited, str(target))
        with pytest.raises(SimulatorInputError) as error:
            import_onnx(target)
        text = str(error.value)
        assert "\n" not in text and text.startswith(f"{target}: ") and message in text
