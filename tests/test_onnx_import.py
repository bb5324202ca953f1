"""ONNX import on small real models built with onnx.helper (shapes, MACs, skipped ops, errors)."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from frontend_sim.errors import SimulatorInputError  # noqa: E402
from frontend_sim.loader import load_workload  # noqa: E402
from frontend_sim.onnx_import import import_onnx  # noqa: E402

FLOAT = TensorProto.FLOAT


def _weight(name, *shape):
    return numpy_helper.from_array(np.zeros(shape, np.float32), name)


def _model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "test_net", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    return model


def _cnn():
    """conv 3x3/2 (pads 1) + BN + relu + maxpool 3x3/2 + conv 1x1 + residual-free head + gemm."""
    x = helper.make_tensor_value_info("x", FLOAT, ["batch", 3, 32, 32])
    y = helper.make_tensor_value_info("y", FLOAT, ["batch", 10])
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], "conv1", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("BatchNormalization", ["c1", "g", "beta", "mu", "var"], ["bn1"], "bn1"),
        helper.make_node("Relu", ["bn1"], ["r1"], "relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], "pool1", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], "dw", group=16, kernel_shape=[3, 3],
                         auto_pad="SAME_UPPER"),
        helper.make_node("GlobalAveragePool", ["c2"], ["gap"], "gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], "flatten"),
        helper.make_node("Gemm", ["flat", "wfc", "bfc"], ["y"], "fc", transB=1),
    ]
    inits = [_weight("w1", 16, 3, 3, 3), _weight("b1", 16), _weight("g", 16), _weight("beta", 16),
             _weight("mu", 16), _weight("var", 16), _weight("w2", 16, 1, 3, 3),
             _weight("wfc", 10, 16), _weight("bfc", 10)]
    return _model(nodes, [x], [y], inits)


def test_cnn_layers_shapes_and_macs(tmp_path):
    path = tmp_path / "cnn.onnx"
    onnx.save(_cnn(), str(path))
    workload = load_workload(str(path))
    assert workload.name == "cnn"
    assert [(l.name, l.op) for l in workload.layers] == [
        ("conv1", "conv"), ("bn1", "batchnorm"), ("relu1", "relu"), ("pool1", "maxpool"),
        ("dw", "conv"), ("gap", "globalavgpool"), ("fc", "gemm")]  # Flatten skipped
    conv1, bn, relu, pool, dw, gap, fc = workload.layers
    assert (conv1.ofmap_h, conv1.ofmap_w, conv1.pad_h, conv1.gemm_k) == (16, 16, 2, 27)
    assert (bn.ifmap_h, bn.ifmap_w, bn.channels) == (16, 16, 16)
    assert (pool.ofmap_h, pool.filter_h, pool.stride_h) == (8, 3, 2)
    assert (dw.groups, dw.pad_h, dw.ofmap_h, dw.gemm_n, dw.gemm_k) == (16, 2, 8, 1, 9)
    assert (gap.ifmap_h, gap.channels) == (8, 16)
    assert (fc.gemm_m, fc.gemm_k, fc.gemm_n) == (1, 16, 10)
    assert workload.macs == 16 * 16 * 16 * 27 + 8 * 8 * 16 * 9 + 16 * 10


def _attention(seq=8, hidden=16, heads=2):
    d = hidden // heads
    x = helper.make_tensor_value_info("x", FLOAT, [1, "seq", hidden])
    y = helper.make_tensor_value_info("y", FLOAT, [1, "seq", hidden])
    shape = numpy_helper.from_array(np.array([1, -1, heads, d], np.int64), "split_heads")
    nodes = [helper.make_node("MatMul", ["x", "wq"], ["q0"], "q"),
             helper.make_node("Add", ["q0", "bq"], ["q1"], "q_bias"),
             helper.make_node("MatMul", ["x", "wk"], ["k0"], "k"),
             helper.make_node("Reshape", ["q1", "split_heads"], ["q2"], "q_reshape"),
             helper.make_node("Transpose", ["q2"], ["q3"], "q_t", perm=[0, 2, 1, 3]),
             helper.make_node("Reshape", ["k0", "split_heads"], ["k2"], "k_reshape"),
             helper.make_node("Transpose", ["k2"], ["k3"], "k_t", perm=[0, 2, 3, 1]),
             helper.make_node("MatMul", ["q3", "k3"], ["s"], "scores"),
             helper.make_node("Div", ["s", "sqrt_d"], ["s2"], "scale"),
             helper.make_node("Softmax", ["s2"], ["p"], "softmax", axis=-1),
             helper.make_node("MatMul", ["p", "q3"], ["ctx"], "context"),
             helper.make_node("Transpose", ["ctx"], ["ctx2"], "ctx_t", perm=[0, 2, 1, 3]),
             helper.make_node("Reshape", ["ctx2", "merge_heads"], ["ctx3"], "merge"),
             helper.make_node("MatMul", ["ctx3", "wo"], ["o"], "out_proj"),
             helper.make_node("Add", ["o", "x"], ["res"], "residual"),
             helper.make_node("LayerNormalization", ["res", "gamma", "beta"], ["y"], "ln", axis=-1)]
    inits = [_weight("wq", hidden, hidden), _weight("bq", hidden), _weight("wk", hidden, hidden),
             _weight("wo", hidden, hidden), shape, _weight("gamma", hidden), _weight("beta", hidden),
             numpy_helper.from_array(np.array(np.sqrt(d), np.float32), "sqrt_d"),
             numpy_helper.from_array(np.array([1, -1, hidden], np.int64), "merge_heads")]
    return _model(nodes, [x], [y], inits)


def test_attention_block_per_head_gemms():
    seq, hidden, heads = 6, 16, 2
    workload = import_onnx(_attention(seq, hidden, heads), input_shapes={"x": (1, seq, hidden)})
    ops = [(l.name, l.op) for l in workload.layers]
    assert ops == [("q", "gemm"), ("k", "gemm"), ("scores", "gemm"), ("scale", "div"),
                   ("softmax", "softmax"), ("context", "gemm"), ("out_proj", "gemm"),
                   ("residual", "add"), ("ln", "layernorm")]  # bias add fused, reshapes skipped
    layers = {l.name: l for l in workload.layers}
    assert (layers["q"].gemm_m, layers["q"].gemm_k, layers["q"].gemm_n) == (seq, hidden, hidden)
    scores = layers["scores"]
    assert (scores.groups, scores.gemm_m, scores.gemm_k, scores.gemm_n) == (heads, seq, hidden // heads, seq)
    context = layers["context"]
    assert (context.groups, context.gemm_m, context.gemm_k, context.gemm_n) == (heads, seq, seq, hidden // heads)
    softmax = layers["softmax"]
    assert (softmax.ifmap_h, softmax.ifmap_w, softmax.channels) == (seq, seq, heads)
    assert workload.macs == 3 * seq * hidden * hidden + 2 * heads * seq * seq * (hidden // heads)


def test_symbolic_sequence_length_needs_input_shapes():
    with pytest.raises(SimulatorInputError, match=r"input 'x' dimension 1 is symbolic \(seq\)"):
        import_onnx(_attention())


def test_unsupported_op_names_type_and_node():
    x = helper.make_tensor_value_info("x", FLOAT, [1, 4, 8, 8])
    y = helper.make_tensor_value_info("y", FLOAT, [1, 4, 8, 8])
    model = _model([helper.make_node("Relu", ["x"], ["r"], "relu"),
                    helper.make_node("LeakyRelu", ["r"], ["y"], "leaky_7")], [x], [y])
    with pytest.raises(SimulatorInputError, match=r"node 'leaky_7' \(LeakyRelu\): unsupported op LeakyRelu"):
        import_onnx(model)


def test_dilated_conv_rejected_and_relu6_clip():
    x = helper.make_tensor_value_info("x", FLOAT, [1, 4, 16, 16])
    y = helper.make_tensor_value_info("y", FLOAT, [1, 4, 12, 12])
    dilated = _model([helper.make_node("Conv", ["x", "w"], ["y"], "atrous", dilations=[2, 2])],
                     [x], [y], [_weight("w", 4, 4, 3, 3)])
    y = helper.make_tensor_value_info("y", FLOAT, [1, 4, 16, 16])
    with pytest.raises(SimulatorInputError, match=r"'atrous' \(Conv\): dilation \[2, 2\] > 1"):
        import_onnx(dilated)
    lo = numpy_helper.from_array(np.array(0, np.float32), "lo")
    hi = numpy_helper.from_array(np.array(6, np.float32), "hi")
    clip = _model([helper.make_node("Clip", ["x", "lo", "hi"], ["y"], "clip")], [x], [y], [lo, hi])
    (layer,) = import_onnx(clip).layers
    assert (layer.op, layer.ifmap_h, layer.ifmap_w, layer.channels) == ("relu6", 16, 16, 4)


def test_ceil_mode_pool_and_fixed_batch():
    x = helper.make_tensor_value_info("x", FLOAT, [1, 8, 15, 15])
    y = helper.make_tensor_value_info("y", FLOAT, [1, 8, 8, 8])
    pool = _model([helper.make_node("AveragePool", ["x"], ["y"], "pool", kernel_shape=[2, 2],
                                    strides=[2, 2], ceil_mode=1)], [x], [y])
    (layer,) = import_onnx(pool).layers
    assert (layer.op, layer.ofmap_h, layer.ofmap_w) == ("avgpool", 8, 8)  # floor mode would give 7
    batched = helper.make_tensor_value_info("x", FLOAT, [4, 8, 15, 15])
    y = helper.make_tensor_value_info("y", FLOAT, [4, 8, 15, 15])
    conv = _model([helper.make_node("Conv", ["x", "w"], ["y"], "c")], [batched], [y],
                  [_weight("w", 8, 8, 1, 1)])
    (layer,) = import_onnx(conv).layers  # a batch fixed in the file is the layer's batch
    assert (layer.batch, layer.gemm_m, layer.macs) == (4, 4 * 15 * 15, 4 * 15 * 15 * 8 * 8)
    doubled = import_onnx(conv, batch=2)  # no symbolic dimension: the file's batch 4, then twice that
    assert (doubled.name, doubled.batch, doubled.macs) == ("test_net@2", 2, 2 * layer.macs)


def test_unreadable_and_missing_files(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a protobuf at all \x00\xff")
    with pytest.raises(SimulatorInputError, match="bad.onnx"):
        import_onnx(bad)
    with pytest.raises(SimulatorInputError, match="ONNX file not found"):
        import_onnx(tmp_path / "missing.onnx")


def _export(workload):
    """Each zoo layer as one ONNX node on its own graph inputs (weights as inputs: no data)."""
    nodes, inputs, outputs = [], [], []

    def tensor(name, shape):
        inputs.append(helper.make_tensor_value_info(name, FLOAT, list(shape)))
        return name

    for i, l in enumerate(workload.layers):
        x, out = f"x{i}", f"y{i}"
        if l.op == "conv":
            inp = [tensor(x, (1, l.channels, l.ifmap_h, l.ifmap_w)),
                   tensor(f"w{i}", (l.num_filters, l.channels // l.groups, l.filter_h, l.filter_w))]
            attrs = dict(strides=[l.stride_h, l.stride_w], group=l.groups,
                         pads=[l.pad_h // 2, l.pad_w // 2, l.pad_h - l.pad_h // 2, l.pad_w - l.pad_w // 2])
            node = helper.make_node("Conv", inp, [out], l.name, **attrs)
        elif l.op == "gemm" and l.groups > 1:  # per-head matmul
            g, n = l.groups, l.num_filters // l.groups
            node = helper.make_node("MatMul", [tensor(x, (1, g, l.ifmap_h, l.ifmap_w)),
                                               tensor(f"w{i}", (1, g, l.ifmap_w, n))], [out], l.name)
        elif l.op == "gemm":
            node = helper.make_node("MatMul", [tensor(x, (1, l.ifmap_h, l.ifmap_w)),
                                               tensor(f"w{i}", (l.ifmap_w, l.num_filters))], [out], l.name)
        else:
            shape = (1, l.channels, l.ifmap_h, l.ifmap_w) if l.channels > 1 else (1, l.ifmap_h, l.ifmap_w)
            inp = [tensor(x, shape)]
            attrs = {}
            op = {"relu": "Relu", "relu6": "Clip", "gelu": "Gelu", "add": "Add", "softmax": "Softmax",
                  "layernorm": "LayerNormalization", "maxpool": "MaxPool",
                  "globalavgpool": "GlobalAveragePool"}[l.op]
            if op == "Add":
                inp.append(tensor(f"b{i}", shape))
            if op == "Clip":
                inp += ["zero", "six"]
            if op == "LayerNormalization":
                inp.append(tensor(f"g{i}", (shape[-1],)))
            if op == "MaxPool":
                attrs = dict(kernel_shape=[l.filter_h, l.filter_w], strides=[l.stride_h, l.stride_w],
                             pads=[l.pad_h // 2, l.pad_w // 2, l.pad_h // 2, l.pad_w // 2])
            node = helper.make_node(op, inp, [out], l.name, **attrs)
        nodes.append(node)
        outputs.append(helper.make_tensor_value_info(out, FLOAT, None))
    bounds = [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in (("zero", 0), ("six", 6))]
    graph = helper.make_graph(nodes, workload.name, inputs, outputs, bounds)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])


@pytest.mark.parametrize("name", ["resnet50", "mobilenetv2", "vgg16", "bert_base"])
def test_zoo_round_trip_through_onnx(name):
    """Conv pads/strides/groups, FC, per-head matmuls and SIMD geometry survive export → import."""
    from frontend_sim.zoo import WORKLOADS, bert_encoder

    workload = bert_encoder(128, 2, name="bert_base") if name == "bert_base" else WORKLOADS[name]
    imported = import_onnx(_export(workload))
    assert imported.layers == workload.layers


def test_clip_to_other_bounds_is_clip():
    x = helper.make_tensor_value_info("x", FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", FLOAT, [1, 4])
    hi = numpy_helper.from_array(np.array(1, np.float32), "hi")
    model = _model([helper.make_node("Clip", ["x", "", "hi"], ["y"], "c")], [x], [y], [hi])
    assert import_onnx(model).layers[0].op == "clip"


def test_every_imported_op_is_one_the_simulator_models():
    from frontend_sim.onnx_import import COSTED_AS, SIMD_OP_MAP
    from frontend_sim.simd import POOL_OPS, SIMD_OPS

    produced = set(SIMD_OP_MAP.values()) | set(COSTED_AS.values()) | {
        "relu6", "clip", "mul", "mean", "maxpool", "avgpool", "globalavgpool"}
    assert produced <= set(SIMD_OPS) | set(POOL_OPS)


def test_decomposed_layernorm_and_erf_gelu_of_older_exports(tmp_path):
    """Opset-13 style: LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div…, GELU via Erf; external weights."""
    s, d = 4, 8
    x = helper.make_tensor_value_info("x", FLOAT, [1, s, d])
    y = helper.make_tensor_value_info("y", FLOAT, [1, s, d])
    scalars = {n: numpy_helper.from_array(np.array(v, np.float32), n)
               for n, v in (("two", 2.0), ("eps", 1e-12), ("sqrt2", 1.4142135), ("one", 1.0), ("half", 0.5))}
    nodes = [helper.make_node("ReduceMean", ["x"], ["mu"], "mean", axes=[-1]),
             helper.make_node("Sub", ["x", "mu"], ["xc"], "center"),
             helper.make_node("Pow", ["xc", "two"], ["sq"], "square"),
             helper.make_node("ReduceMean", ["sq"], ["var"], "var", axes=[-1]),
             helper.make_node("Add", ["var", "eps"], ["ve"], "var_eps"),
             helper.make_node("Sqrt", ["ve"], ["sd"], "std"),
             helper.make_node("Div", ["xc", "sd"], ["xn"], "normalize"),
             helper.make_node("MatMul", ["xn", "w"], ["h"], "dense"),
             helper.make_node("Div", ["h", "sqrt2"], ["hs"], "gelu_div"),
             helper.make_node("Erf", ["hs"], ["e"], "gelu_erf"),
             helper.make_node("Add", ["e", "one"], ["e1"], "gelu_add"),
             helper.make_node("Mul", ["h", "e1"], ["he"], "gelu_mul"),
             helper.make_node("Mul", ["he", "half"], ["y"], "gelu_half")]
    model = _model(nodes, [x], [y], [_weight("w", d, d), *scalars.values()], opset=13)
    path = tmp_path / "ext.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="ext.onnx.data", size_threshold=64)
    layers = import_onnx(path).layers
    assert [(l.name, l.op) for l in layers] == [
        ("mean", "mean"), ("center", "sub"), ("square", "mul"), ("var", "mean"), ("var_eps", "add"),
        ("std", "div"), ("normalize", "div"), ("dense", "gemm"), ("gelu_div", "div"),
        ("gelu_erf", "tanh"), ("gelu_add", "add"), ("gelu_mul", "mul"), ("gelu_half", "mul")]
    mean = layers[0]
    assert (mean.ifmap_h * mean.ifmap_w * mean.channels, mean.channels) == (s * d, s)  # s rows of d
    assert (layers[7].gemm_m, layers[7].gemm_k, layers[7].gemm_n) == (s, d, d)
