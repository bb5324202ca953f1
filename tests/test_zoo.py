"""Built-in workloads: published MAC and parameter counts, tensor shapes chaining, BERT closed forms."""
import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.loader import load_workload
from frontend_sim.simd import POOL_OPS, SIMD_OPS
from frontend_sim.workloads import GEMM_OPS
from frontend_sim.zoo import WORKLOADS, bert_encoder, get_workload

# Published totals: torchvision model cards (GFLOPS there = GMACs) and parameter counts
# (BatchNorm and bias parameters, ~0.1–1 % of the total (EfficientNet-B0: 1.0 %), are not weights of array
# layers).
PUBLISHED = {  # name: (GMACs, M parameters)
    "resnet18": (1.81, 11.69),
    "resnet50": (4.09, 25.56),
    "vgg16": (15.47, 138.36),
    "mobilenetv2": (0.30, 3.50),
    "mobilenetv3_large": (0.22, 5.48),
    "efficientnet_b0": (0.39, 5.29),
    "vit_b_16": (17.56, 86.57),
    "bert_base": (11.17, 85.0),  # 12 encoder layers, seq 128 (without embeddings and pooler)
}
#: MACs to the unit, as torch.utils.flop_counter counts the torchvision models (FLOPs / 2; recorded in
#: tests/fixtures/onnx/manifest.json by the export script) and, for ViT-B/16 (whose fused attention
#: the counter misses), the closed form 196·768·768 + 12·(197·768·(3·768 + 768 + 2·3072) + 2·12·197²·64)
#: + 768·1000.
EXACT_MACS = {"resnet18": 1_814_073_344, "resnet50": 4_089_184_256, "mobilenetv2": 300_774_272,
              "mobilenetv3_large": 216_589_760, "efficientnet_b0": 385_814_752, "vit_b_16": 17_563_828_224}


def _weights(workload):
    """Weight elements of the array layers (attention matmuls multiply activations: none)."""
    return sum(l.filter_h * l.filter_w * (l.channels // l.groups) * l.num_filters
               for l in workload.layers if l.is_gemm and not l.name.endswith((".scores", ".context")))


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_macs_and_parameters(name):
    gmacs, mparams = PUBLISHED[name]
    workload = get_workload(name)
    assert workload.macs / 1e9 == pytest.approx(gmacs, abs=0.005)  # published to 2 decimals
    assert _weights(workload) / 1e6 == pytest.approx(mparams, rel=0.015)


@pytest.mark.parametrize("name", sorted(EXACT_MACS))
def test_macs_to_the_unit(name):
    assert get_workload(name).macs == EXACT_MACS[name]
    assert EXACT_MACS["vit_b_16"] == (196 * 768 * 768 + 12 * (197 * 768 * (3 * 768 + 768 + 2 * 3072)
                                                             + 2 * 12 * 197 ** 2 * 64) + 768 * 1000)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "mobilenetv2", "vgg16", "mobilenetv3_large",
                                  "efficientnet_b0"])
def test_cnn_tensor_shapes_chain(name):
    """Every layer's input is an earlier layer's output (main path or block input), 224 → 7 → 1."""
    layers = WORKLOADS[name].layers
    produced = {(224, 224, 3)}
    for layer in layers:
        if layer.op == "gemm":  # classifier: flattened input
            assert any(h * w * c == layer.gemm_k for h, w, c in produced), layer.name
            produced.add((1, 1, layer.num_filters))
            continue
        assert (layer.ifmap_h, layer.ifmap_w, layer.channels) in produced, layer.name
        out_h, out_w = (1, 1) if layer.op == "globalavgpool" else (layer.ofmap_h, layer.ofmap_w)
        produced.add((out_h, out_w, layer.num_filters))
    last_conv = [l for l in layers if l.op == "conv"][-1]
    assert (last_conv.ofmap_h, last_conv.ofmap_w) == (7, 7) or name == "vgg16"
    assert layers[-1].op == "gemm" and layers[-1].num_filters == 1000


def test_network_structure_counts():
    count = lambda name, op: sum(l.op == op for l in WORKLOADS[name].layers)  # noqa: E731
    assert (count("resnet18", "conv"), count("resnet18", "add")) == (20, 8)  # 17 + 3 downsample
    assert (count("resnet50", "conv"), count("resnet50", "add")) == (53, 16)  # 49 + 4 downsample
    assert (count("vgg16", "conv"), count("vgg16", "gemm"), count("vgg16", "maxpool")) == (13, 3, 5)
    mobilenet = WORKLOADS["mobilenetv2"].layers
    depthwise = [l for l in mobilenet if l.groups > 1]
    assert len(depthwise) == 17 and all(l.groups == l.channels == l.num_filters for l in depthwise)
    assert count("mobilenetv2", "add") == 10
    assert [l for l in WORKLOADS["vgg16"].layers if l.name == "fc6"][0].gemm_k == 7 * 7 * 512
    stem = WORKLOADS["resnet50"].layers[0]
    assert (stem.pad_h, stem.ofmap_h, stem.gemm_m, stem.gemm_k) == (6, 112, 112 * 112, 147)


@pytest.mark.parametrize("seq, layers", [(128, 12), (384, 2), (1, 1)])
def test_bert_closed_form(seq, layers):
    hidden, ffn, heads = 768, 3072, 12
    workload = bert_encoder(seq, layers)
    per_layer = seq * (4 * hidden * hidden + 2 * hidden * ffn) + 2 * seq * seq * hidden
    assert workload.macs == layers * per_layer
    assert len(workload.layers) == 14 * layers
    scores = workload.layers[3]
    assert (scores.groups, scores.gemm_m, scores.gemm_k, scores.gemm_n) == (heads, seq, 64, seq)
    softmax = workload.layers[4]
    assert softmax.op == "softmax" and softmax.ifmap_h * softmax.ifmap_w * softmax.channels == heads * seq * seq


def test_every_zoo_op_is_one_the_simulator_models():
    known = set(GEMM_OPS) | set(SIMD_OPS) | set(POOL_OPS)
    for workload in WORKLOADS.values():
        assert {l.op for l in workload.layers} <= known, workload.name


def test_unknown_names_list_the_zoo(tmp_path):
    with pytest.raises(SimulatorInputError, match="built-in workloads: bert_base, efficientnet_b0, mobilenetv2, mobilenetv3_large, resnet18"):
        get_workload("resnet33")
    with pytest.raises(SimulatorInputError, match=r"unknown workload 'resnet33'.*resnet50"):
        load_workload("resnet33")
    with pytest.raises(SimulatorInputError, match="workload file not found"):
        load_workload(str(tmp_path / "net.csv"))
    (tmp_path / "net.txt").write_text("x")
    with pytest.raises(SimulatorInputError, match=r"unsupported workload file type '\.txt'"):
        load_workload(str(tmp_path / "net.txt"))
    assert load_workload("resnet50") is WORKLOADS["resnet50"]
    seq384 = load_workload("bert_base_seq384")
    assert seq384.name == "bert_base_seq384" and seq384.macs == bert_encoder(384, 12).macs
    with pytest.raises(SimulatorInputError, match="bert_base_seq<N>"):
        load_workload("bert_base_seq0")
    with pytest.raises(SimulatorInputError, match="divisible by heads"):
        bert_encoder(128, 12, hidden=100, heads=12)
