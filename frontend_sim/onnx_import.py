"""ONNX models → :class:`Workload` (needs the optional dependency ``onnx``: ``pip install accel-dse[onnx]``).

The model is shape-inferred (``onnx.shape_inference``, with data propagation) after fixing its
input shapes: a symbolic *first* dimension is the batch (``batch``, default 1), any other symbolic
dimension must be given in ``input_shapes`` (e.g. ``{"input_ids": (1, 128)}``). A model whose batch is
fixed at 1 is imported at batch 1 and then batched (:func:`frontend_sim.workloads.with_batch`).
Then every node, in graph order:

* **GEMM ops** → array layers. ``Conv`` (1-D/2-D; pads incl. asymmetric and ``auto_pad``,
  strides, ``group``; the batch in ``Layer.batch``; dilation > 1 is rejected) → ``conv``. ``Gemm`` → ``gemm``
  (M×K·K×N after ``transA``/``transB``; ``alpha``/``beta`` scaling and the bias ride in the output
  path). ``MatMul`` → ``gemm``: with a shared right operand (weights) the left operand's batch
  dimensions fold into M; with batched operands on both sides (attention Q·Kᵀ, P·V) one grouped
  GEMM with ``groups`` = product of the broadcast batch dimensions (one GEMM per head).
  Each conv's output size is checked against shape inference (an error, never a silent mismatch).
* **SIMD ops** (:data:`SIMD_OP_MAP`): Relu, Clip (relu6 when clipping to [0, 6]), Sigmoid, Tanh,
  HardSigmoid, HardSwish, Gelu, Add, Sub, Mul, Div, Softmax, LayerNormalization, BatchNormalization,
  ReduceMean (mean),
  MaxPool/AveragePool (incl. ``ceil_mode``), GlobalAveragePool, GlobalMaxPool (a maxpool with
  the whole plane as window). Costed as a close relative (:data:`COSTED_AS`): Erf as tanh, Sqrt and
  Reciprocal as div, Neg as sub, Where (a select on activations, e.g. a causal mask) as relu (one
  compare-select per element), Pow with a constant integer exponent ``e`` in 2..4 as ``e − 1`` muls —
  they appear in exports of LayerNorm, RMSNorm, GELU (GPT-2's tanh form: ``x³``) and rotary embeddings.
  Tensors are described as ``ifmap_h × ifmap_w × channels`` holding the op's output
  (N·C·H·W → H=N·H, W, C; rank 2/3 → rows × last dim).
* **Skipped, explicitly**: pure data movement (:data:`SKIPPED_OPS`: Reshape, Flatten, Transpose,
  Squeeze, Unsqueeze, Concat, Split, Slice, Gather, GatherElements, Identity, Dropout, Shape, Size, Cast, Constant,
  ConstantOfShape, Expand, Tile, Pad, Range); nodes whose inputs are all constants (shape
  arithmetic, constant folding); an ``Add`` of a constant bias vector to a Conv/Gemm/MatMul output
  (bias add is fused into the array's output path).
* Control flow (:data:`CONTROL_FLOW_OPS`: If, Loop, Scan), ops of a custom domain and anything else
  raise :class:`SimulatorInputError`, one line naming the file, the node and the op type.

Shape arithmetic that ONNX's data propagation cannot follow (TorchScript exports of Hugging Face models
compute shapes with Where/Equal/ConstantOfShape on ``Shape`` outputs) is folded first: nodes whose inputs
are constants or known shapes are evaluated with ``onnx.reference`` and replaced by constants, then the
shapes are inferred again.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from frontend_sim.errors import SimulatorInputError
from frontend_sim.workloads import Layer, Workload, with_batch

#: ONNX op → SIMD op, for ops whose cost is modelled directly.
SIMD_OP_MAP = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Gelu": "gelu",
    "HardSigmoid": "hardsigmoid", "HardSwish": "hardswish",
    "Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div",
    "Softmax": "softmax", "LayerNormalization": "layernorm", "BatchNormalization": "batchnorm",
}
#: ONNX op → SIMD op it is costed as (documented approximation).
COSTED_AS = {"Erf": "tanh", "Sqrt": "div", "Reciprocal": "div", "Neg": "sub", "Where": "relu"}
#: Data-movement ops: no arithmetic, no layer.
SKIPPED_OPS = frozenset({
    "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice",
    "Gather", "GatherElements", "Identity", "Dropout", "Shape", "Size", "Cast", "Constant", "ConstantOfShape",
    "Expand", "Tile", "Pad", "Range",
})
#: Control flow: always an error (the body's work is data dependent).
CONTROL_FLOW_OPS = frozenset({"If", "Loop", "Scan"})
_GEMM_OPS = ("Conv", "Gemm", "MatMul")
_SMALL = 16  # constants up to this many elements are read (bounds, exponents)
#: Tensors up to this many elements are evaluated when folding shape arithmetic.
_FOLD_ELEMENTS = 1 << 16
#: Ops never folded (random or control flow).
_NO_FOLD = CONTROL_FLOW_OPS | {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
                               "Multinomial"}
_OTHER_OPS = ("Clip", "Pow", "ReduceMean", "MaxPool", "AveragePool", "GlobalAveragePool",
              "GlobalMaxPool")


def import_onnx(model, input_shapes: Mapping[str, Sequence[int]] | None = None,
                name: str | None = None, batch: int = 1) -> Workload:
    """Import an ONNX model (path or ``onnx.ModelProto``) as a :class:`Workload` of ``batch`` inputs."""
    try:
        import onnx
    except ImportError:
        raise SimulatorInputError("reading .onnx files needs the optional dependency onnx: "
                                  "pip install 'accel-dse[onnx]'") from None
    source = "ONNX model"
    if not isinstance(model, onnx.ModelProto):
        source = str(model)
        path = Path(model)
        if not path.is_file():
            raise SimulatorInputError(f"{path}: ONNX file not found")
        try:
            model = onnx.load(str(path), load_external_data=False)  # weights are not needed
        except Exception as exc:  # onnx raises DecodeError and others for corrupt files
            raise SimulatorInputError(f"{path}: not a readable ONNX model ({exc})") from None
        name = name or path.stem
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise SimulatorInputError(f"{source}: batch={batch!r}; expected an integer >= 1")
    inferred, symbolic = _infer_shapes(onnx, model, dict(input_shapes or {}), source, batch)
    graph = _Graph(inferred, source)
    layers = [layer for index, node in enumerate(graph.nodes)
              for layer in graph.convert(node, index)]
    if not layers:
        raise SimulatorInputError(f"{source}: no compute nodes found")
    name = name or model.graph.name or "onnx_model"
    if symbolic and batch > 1:
        return Workload(f"{name}@{batch}", tuple(layers), batch)
    return with_batch(Workload(name, tuple(layers)), batch)


def _infer_shapes(onnx, model, input_shapes: dict, source: str, batch: int):
    """The shape-inferred model, and whether a symbolic first input dimension took ``batch``."""
    model = onnx.ModelProto.FromString(model.SerializeToString())  # do not modify the caller's model
    symbolic = False
    initializers = {init.name for init in model.graph.initializer}
    for graph_input in model.graph.input:
        if graph_input.name in initializers:
            continue
        dims = graph_input.type.tensor_type.shape.dim
        given = input_shapes.pop(graph_input.name, None)
        if given is not None:
            if len(given) != len(dims):
                raise SimulatorInputError(f"{source}: input_shapes[{graph_input.name!r}] has rank "
                                          f"{len(given)}, the model input has rank {len(dims)}")
            for dim, value in zip(dims, given):
                dim.dim_value = int(value)
            continue
        for axis, dim in enumerate(dims):
            if dim.HasField("dim_value"):
                continue
            if axis != 0:
                raise SimulatorInputError(
                    f"{source}: input {graph_input.name!r} dimension {axis} is symbolic "
                    f"({dim.dim_param or '?'}); give it with input_shapes={{{graph_input.name!r}: (...)}}")
            dim.dim_value = batch
            symbolic = True
    if input_shapes:
        raise SimulatorInputError(f"{source}: input_shapes names unknown inputs: {', '.join(input_shapes)}")
    try:
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
        if _fold_shape_arithmetic(onnx, model):
            model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:
        raise SimulatorInputError(f"{source}: ONNX shape inference failed ({exc})") from None
    return model, symbolic


def _fold_shape_arithmetic(onnx, model) -> bool:
    """Replace nodes computing small tensors from constants and known shapes (``Shape``, ``Where``, ``Equal``,
    ``ConstantOfShape``… on shape vectors, as TorchScript exports of Hugging Face models write them) by their
    values (``Constant`` nodes), evaluated with ``onnx.reference``; ONNX's data propagation does not cover
    every such op, and shapes downstream of them stay unknown otherwise. True when a node was folded."""
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    graph = model.graph
    shapes = {}
    for info in list(graph.input) + list(graph.value_info) + list(graph.output):
        dims = info.type.tensor_type.shape.dim
        if info.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            shapes[info.name] = [d.dim_value for d in dims]
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer
              if math.prod(init.dims) <= _FOLD_ELEMENTS and not init.external_data}
    nodes, folded = [], False
    for node in graph.node:
        inputs = [i for i in node.input if i]
        value = None
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            value = numpy_helper.to_array(node.attribute[0].t)
        elif node.op_type == "Shape" and inputs[0] in shapes:
            attrs = {a.name: a.i for a in node.attribute}
            rank = len(shapes[inputs[0]])
            value = np.asarray(shapes[inputs[0]][attrs.get("start", 0):attrs.get("end", rank)], np.int64)
        elif (node.domain in ("", "ai.onnx") and inputs and all(i in values for i in inputs)
              and node.op_type not in _NO_FOLD and len(node.output) == 1):
            try:
                value = ReferenceEvaluator(node).run(None, {i: values[i] for i in inputs})[0]
            except Exception:  # an op the reference evaluator lacks: leave it to shape inference
                value = None
        if value is None or np.asarray(value).size > _FOLD_ELEMENTS:
            nodes.append(node)
            continue
        values[node.output[0]] = np.asarray(value)
        if node.op_type != "Constant":
            folded = True
            node = helper.make_node("Constant", [], [node.output[0]], node.name,
                                    value=numpy_helper.from_array(np.asarray(value), node.output[0]))
        nodes.append(node)
    if folded:
        del graph.node[:]
        graph.node.extend(nodes)
    return folded


class _Graph:
    """Shapes, constants and producers of one shape-inferred graph; converts nodes to layers."""

    def __init__(self, model, source: str):
        from onnx import numpy_helper

        graph = model.graph
        self.source = source
        self.nodes = list(graph.node)
        self.shapes: dict[str, tuple] = {}
        for info in list(graph.input) + list(graph.value_info) + list(graph.output):
            if info.type.tensor_type.HasField("shape"):  # no shape field = unknown, not a scalar
                dims = info.type.tensor_type.shape.dim
                self.shapes[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None
                                               for d in dims)
        # Only small constants are materialised (clip bounds, exponents): weights stay unread.
        self.values = {init.name: numpy_helper.to_array(init) for init in graph.initializer
                       if math.prod(init.dims) <= _SMALL and not init.external_data}
        for init in graph.initializer:
            self.shapes[init.name] = tuple(init.dims)
        self.static = {init.name for init in graph.initializer}
        self.producer: dict[str, str] = {}
        for node in self.nodes:
            if node.op_type == "Constant":
                value = next((a for a in node.attribute if a.name == "value"), None)
                if value is not None:
                    self.shapes.setdefault(node.output[0], tuple(value.t.dims))
                    if math.prod(value.t.dims) <= _SMALL:
                        self.values[node.output[0]] = numpy_helper.to_array(value.t)
            if node.op_type in ("Constant", "Shape", "Size") or all(
                    i in self.static for i in node.input if i):
                self.static.update(node.output)
            for output in node.output:
                self.producer[output] = node.op_type

    # -- helpers ---------------------------------------------------------------------------
    def _where(self, node, index):
        return f"{self.source}: node {node.name or f'#{index}'!r} ({node.op_type})"

    def _shape(self, tensor, node, index):
        shape = self.shapes.get(tensor)
        if shape is None or any(d is None for d in shape):
            raise SimulatorInputError(f"{self._where(node, index)}: shape of tensor {tensor!r} is "
                                      "unknown after shape inference (give input_shapes)")
        return shape

    @staticmethod
    def _attrs(node):
        from onnx import helper

        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def _const(self, tensor):
        return None if not tensor or tensor not in self.values else self.values[tensor]

    @staticmethod
    def _geometry(shape):
        """(h, w, c) holding all elements of a tensor: N·C·H·W → (N·H, W, C), else rows × last."""
        shape = tuple(shape) or (1,)
        if len(shape) == 4:
            return shape[0] * shape[2], shape[3], shape[1]
        return math.prod(shape[:-1]), shape[-1], 1

    # -- conversion ------------------------------------------------------------------------
    def convert(self, node, index) -> list[Layer]:
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise SimulatorInputError(f"{self._where(node, index)}: unsupported op "
                                      f"{node.domain}::{op} (custom domain)")
        if op in CONTROL_FLOW_OPS:  # its body may compute on any tensor in scope: never skipped as static
            raise SimulatorInputError(f"{self._where(node, index)}: unsupported op {op} (dynamic control flow; "
                                      "export a traced graph without it)")
        if op in SKIPPED_OPS or all(i in self.static for i in node.input if i):
            return []
        name = node.name or f"{op}_{index}"
        if op == "Conv":
            return [self._conv(node, index, name)]
        if op in ("Gemm", "MatMul"):
            return [self._gemm(node, index, name)]
        if op in ("MaxPool", "AveragePool"):
            return [self._pool(node, index, name)]
        out_shape = self._shape(node.output[0], node, index)
        if op in ("GlobalAveragePool", "GlobalMaxPool"):
            n, c, h, w = self._spatial(node, index, self._shape(node.input[0], node, index))
            if op == "GlobalAveragePool":
                return [Layer(name, "globalavgpool", h, w, c, num_filters=c, batch=n)]
            return [Layer(name, "maxpool", h, w, c, h, w, c, batch=n)]
        if op == "ReduceMean":
            in_elements = math.prod(self._shape(node.input[0], node, index))
            out_elements = math.prod(out_shape)
            return [Layer(name, "mean", 1, in_elements // out_elements, out_elements,
                          num_filters=out_elements)]
        simd_op = SIMD_OP_MAP.get(op) or COSTED_AS.get(op)
        if op == "Add" and self._is_bias_add(node):
            return []
        if op == "Clip":
            simd_op = self._clip(node)
        if op == "Pow":
            exponent = self._const(node.input[1])
            if exponent is None or exponent.size != 1 or float(exponent) not in (2.0, 3.0, 4.0):
                raise SimulatorInputError(f"{self._where(node, index)}: only Pow with a constant integer "
                                          "exponent 2..4 is supported (costed as exponent - 1 muls)")
            h, w, c = self._geometry(out_shape)
            return [Layer(name if i == 0 else f"{name}.{i + 1}", "mul", h, w, c, num_filters=c)
                    for i in range(int(float(exponent)) - 1)]
        if simd_op is None:
            supported = sorted(set(_GEMM_OPS) | set(SIMD_OP_MAP) | set(COSTED_AS) | set(_OTHER_OPS))
            raise SimulatorInputError(
                f"{self._where(node, index)}: unsupported op {op}; supported: {', '.join(supported)}; "
                f"skipped as data movement: {', '.join(sorted(SKIPPED_OPS))}")
        h, w, c = self._geometry(out_shape)
        return [Layer(name, simd_op, h, w, c, num_filters=c)]

    def _is_bias_add(self, node):
        for tensor, other in ((node.input[0], node.input[1]), (node.input[1], node.input[0])):
            shape = self.shapes.get(tensor)
            if (tensor in self.static and shape is not None and None not in shape
                    and sum(d > 1 for d in shape) <= 1 and self.producer.get(other) in _GEMM_OPS):
                return True
        return False

    def _clip(self, node):
        attrs = self._attrs(node)
        lo = self._const(node.input[1]) if len(node.input) > 1 else attrs.get("min")
        hi = self._const(node.input[2]) if len(node.input) > 2 else attrs.get("max")
        if lo is not None and hi is not None and float(lo) == 0.0 and float(hi) == 6.0:
            return "relu6"
        return "clip"

    def _spatial(self, node, index, x_shape):
        """(n, c, h, w) of a 1-D or 2-D NC… tensor."""
        if len(x_shape) not in (3, 4):
            raise SimulatorInputError(f"{self._where(node, index)}: only 1-D and 2-D spatial "
                                      f"inputs are supported, got shape {x_shape}")
        return (x_shape[0], x_shape[1], 1, x_shape[2]) if len(x_shape) == 3 else x_shape

    def _window(self, node, index, attrs, h, w, kernel):
        """(stride_h, stride_w, pad_h, pad_w) from strides/pads/auto_pad/dilations."""
        spatial = 1 if len(kernel) == 1 else 2
        if any(d != 1 for d in attrs.get("dilations", [1] * spatial)):
            raise SimulatorInputError(f"{self._where(node, index)}: dilation "
                                      f"{list(attrs['dilations'])} > 1 is not supported")
        strides = list(attrs.get("strides", [1] * spatial))
        pads = list(attrs.get("pads", [0] * 2 * spatial))
        auto_pad = attrs.get("auto_pad", b"NOTSET")
        auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
        if spatial == 1:
            kernel, strides, pads = [1] + list(kernel), [1] + strides, [0, pads[0], 0, pads[1]]
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            totals = [max((math.ceil(size / s) - 1) * s + k - size, 0)
                      for size, s, k in zip((h, w), strides, kernel)]
        elif auto_pad == "VALID":
            totals = [0, 0]
        else:
            totals = [pads[0] + pads[2], pads[1] + pads[3]]
        return strides[0], strides[1], totals[0], totals[1]

    def _check_output(self, layer, node, index, out_channels):
        y = self._shape(node.output[0], node, index)
        expected = (layer.batch, out_channels, layer.ofmap_h, layer.ofmap_w)
        got = (y[0], y[1], 1, y[2]) if len(y) == 3 else tuple(y)
        if got != expected:
            raise SimulatorInputError(f"{self._where(node, index)}: output shape {tuple(y)} from shape "
                                      f"inference differs from the modelled {expected}")

    def _conv(self, node, index, name):
        attrs = self._attrs(node)
        n, c, h, w = self._spatial(node, index, self._shape(node.input[0], node, index))
        weight = self._shape(node.input[1], node, index)
        kernel = list(weight[2:])
        groups = int(attrs.get("group", 1))
        if weight[1] * groups != c:  # onnx's shape inference does not check it
            raise SimulatorInputError(f"{self._where(node, index)}: weight {node.input[1]!r} has {weight[1]} input "
                                      f"channels per group x group {groups} = {weight[1] * groups}, but its input "
                                      f"{node.input[0]!r} has {c} channels")
        sh, sw, ph, pw = self._window(node, index, attrs, h, w, kernel)
        kh, kw = ([1] + kernel) if len(kernel) == 1 else kernel
        layer = Layer(name, "conv", h, w, c, kh, kw, weight[0], sh, sw, ph, pw, groups, n)
        self._check_output(layer, node, index, weight[0])
        return layer

    def _pool(self, node, index, name):
        attrs = self._attrs(node)
        if node.op_type == "MaxPool" and len(node.output) > 1 and node.output[1]:
            raise SimulatorInputError(f"{self._where(node, index)}: MaxPool with an Indices output "
                                      "is not supported")
        n, c, h, w = self._spatial(node, index, self._shape(node.input[0], node, index))
        kernel = list(attrs["kernel_shape"])
        sh, sw, ph, pw = self._window(node, index, attrs, h, w, kernel)
        kh, kw = ([1] + kernel) if len(kernel) == 1 else kernel
        op = "maxpool" if node.op_type == "MaxPool" else "avgpool"
        layer = Layer(name, op, h, w, c, kh, kw, c, sh, sw, ph, pw, batch=n)
        if attrs.get("ceil_mode", 0):  # ceil rounding = extra zero rows/cols at the end
            y = self._shape(node.output[0], node, index)
            oh, ow = (1, y[2]) if len(y) == 3 else y[2:]
            layer = Layer(name, op, h, w, c, kh, kw, c, sh, sw, ph + (oh - layer.ofmap_h) * sh,
                          pw + (ow - layer.ofmap_w) * sw, batch=n)
        self._check_output(layer, node, index, c)
        return layer

    def _gemm(self, node, index, name):
        a = list(self._shape(node.input[0], node, index))
        b = list(self._shape(node.input[1], node, index))
        if node.op_type == "Gemm":
            attrs = self._attrs(node)
            m, k = a[::-1] if attrs.get("transA", 0) else a
            k_b, n = b[::-1] if attrs.get("transB", 0) else b
            batch_a, batch_b = [], []
        else:
            a = [1] + a if len(a) == 1 else a
            b = b + [1] if len(b) == 1 else b
            (*batch_a, m, k), (*batch_b, k_b, n) = a, b
        if k != k_b:
            raise SimulatorInputError(f"{self._where(node, index)}: inner dimensions differ "
                                      f"({a} x {b})")
        if math.prod(batch_b) == 1:  # shared right operand: the batch folds into the rows
            return Layer(name, "gemm", ifmap_h=math.prod(batch_a) * m, ifmap_w=k, filter_w=k,
                         num_filters=n)
        groups = math.prod(np.broadcast_shapes(tuple(batch_a), tuple(batch_b)))
        return Layer(name, "gemm", ifmap_h=m, ifmap_w=k, channels=groups, filter_w=k,
                     num_filters=groups * n, groups=groups)
