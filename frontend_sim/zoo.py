"""Built-in workloads: ImageNet CNNs and ViT-B/16 (224×224, batch 1), BERT-base encoder layers and the
LLM phases of :mod:`frontend_sim.llm` (any of them at a batch with ``<name>@<B>``, see the loader).

Layer shapes are those of the reference implementations (torchvision ResNet-18/50, VGG-16,
MobileNetV2, MobileNetV3-Large, EfficientNet-B0, ViT-B/16; HuggingFace ``bert-base-uncased``).
Squeeze-and-excitation blocks are a global pool, two 1×1 convolutions (with ``relu``/``silu`` between)
and a ``hardsigmoid``/``sigmoid`` gate, then a ``mul`` scaling the tensor. Conventions, shared with the ONNX importer:

* Padding is explicit and symmetric (``pad_h``/``pad_w`` = total zero rows/cols, PyTorch
  padding ``p`` → ``2p``); depthwise convolutions use ``groups = channels``.
* BatchNorm is **folded** into the preceding convolution (inference), so the CNNs have no
  ``batchnorm`` layers; conv/linear biases are added in the array's output path (not SIMD work).
* Non-GEMM layers run on the SIMD unit and describe the tensor they read as
  ``ifmap_h × ifmap_w × channels`` (``num_filters = channels`` output channels): activations
  (relu, relu6, gelu), residual ``add`` (two such inputs), pooling (window in ``filter_*``,
  ``stride_*``, ``pad_*``), ``globalavgpool``, ``softmax``, ``layernorm``. Dropout and
  flatten/reshape are data movement and are left out.
* GEMM layers use the conv view of :mod:`frontend_sim.workloads`; a fully connected layer is
  ``op="gemm"`` with ``ifmap_h = M`` (rows: batch or tokens), ``ifmap_w = filter_w = K``,
  ``num_filters = N``. Per-head attention matmuls are one grouped GEMM (``groups = heads``:
  the heads' independent GEMMs run one after another).

MACs (multiply-accumulates, conv + FC): ResNet-18 1.814 G, ResNet-50 4.089 G, VGG-16 15.470 G,
MobileNetV2 0.301 G, MobileNetV3-Large 0.217 G, EfficientNet-B0 0.386 G, ViT-B/16 17.564 G, BERT-base
(12 layers, seq 128) 11.17 G — the published figures (torchvision's model table: 1.81, 4.09, 15.47,
0.30, 0.22, 0.39, 17.56 GFLOPS counted as MACs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from frontend_sim.errors import SimulatorInputError
from frontend_sim.llm import DECODERS, llm_workload
from frontend_sim.workloads import Layer, Workload


@dataclass
class _Net:
    """Builds a CNN layer list while tracking the current activation tensor (H, W, C)."""

    h: int
    w: int
    c: int
    layers: list[Layer] = field(default_factory=list)

    def conv(self, name, filters, k, stride=1, pad=None, groups=1):
        pad = k // 2 if pad is None else pad
        layer = Layer(name, "conv", self.h, self.w, self.c, k, k, filters, stride, stride,
                      2 * pad, 2 * pad, groups)
        self.layers.append(layer)
        self.h, self.w, self.c = layer.ofmap_h, layer.ofmap_w, filters
        return self

    def simd(self, name, op, inputs=None):
        h, w, c = inputs or (self.h, self.w, self.c)
        self.layers.append(Layer(name, op, h, w, c, num_filters=c))
        return self

    def pool(self, name, op, k, stride, pad=0):
        layer = Layer(name, op, self.h, self.w, self.c, k, k, self.c, stride, stride, 2 * pad, 2 * pad)
        self.layers.append(layer)
        self.h, self.w = layer.ofmap_h, layer.ofmap_w
        return self

    def global_pool(self, name):
        self.simd(name, "globalavgpool")
        self.h = self.w = 1
        return self

    def fc(self, name, out_features):
        k = self.h * self.w * self.c
        self.layers.append(_linear(name, 1, k, out_features))
        self.h, self.w, self.c = 1, 1, out_features
        return self


def _linear(name: str, m: int, k: int, n: int) -> Layer:
    """(m×k)·(k×n) fully connected layer in the conv view."""
    return Layer(name, "gemm", ifmap_h=m, ifmap_w=k, filter_w=k, num_filters=n)


def _batched_matmul(name: str, groups: int, m: int, k: int, n: int) -> Layer:
    """``groups`` independent (m×k)·(k×n) GEMMs (e.g. one per attention head)."""
    return Layer(name, "gemm", ifmap_h=m, ifmap_w=k, channels=groups, filter_w=k,
                 num_filters=groups * n, groups=groups)


def _resnet(name: str, blocks: tuple[int, ...], bottleneck: bool, resolution: int = 224) -> Workload:
    net = _Net(resolution, resolution, 3)
    net.conv("conv1", 64, 7, 2, 3).simd("conv1.relu", "relu").pool("maxpool", "maxpool", 3, 2, 1)
    expansion = 4 if bottleneck else 1
    for stage, (count, width) in enumerate(zip(blocks, (64, 128, 256, 512)), start=1):
        for b in range(count):
            p = f"layer{stage}.{b}"
            stride = 2 if b == 0 and stage > 1 else 1
            shortcut = None
            if b == 0 and (stride != 1 or net.c != width * expansion):
                shortcut = Layer(f"{p}.downsample", "conv", net.h, net.w, net.c, 1, 1,
                                 width * expansion, stride, stride)
            if bottleneck:
                net.conv(f"{p}.conv1", width, 1).simd(f"{p}.relu1", "relu")
                net.conv(f"{p}.conv2", width, 3, stride).simd(f"{p}.relu2", "relu")
                net.conv(f"{p}.conv3", width * 4, 1)
            else:
                net.conv(f"{p}.conv1", width, 3, stride).simd(f"{p}.relu1", "relu")
                net.conv(f"{p}.conv2", width, 3)
            if shortcut is not None:
                net.layers.append(shortcut)
            net.simd(f"{p}.add", "add").simd(f"{p}.relu", "relu")
    net.global_pool("avgpool").fc("fc", 1000)
    return Workload(name, tuple(net.layers))


def resnet18() -> Workload:
    """torchvision ResNet-18 (basic blocks 2-2-2-2), 224×224, BN folded: 1.814 GMACs."""
    return _resnet("resnet18", (2, 2, 2, 2), bottleneck=False)


def resnet50() -> Workload:
    """torchvision ResNet-50 v1.5 (bottlenecks 3-4-6-3, stride on the 3×3), BN folded: 4.089 GMACs."""
    return _resnet("resnet50", (3, 4, 6, 3), bottleneck=True)


#: torchvision's ResNet family by depth: blocks per stage and whether they are bottlenecks (He et al. 2016, Table 1).
RESNET_DEPTHS = {18: ((2, 2, 2, 2), False), 34: ((3, 4, 6, 3), False), 50: ((3, 4, 6, 3), True),
                 101: ((3, 4, 23, 3), True), 152: ((3, 8, 36, 3), True)}


def resnet(depth: int = 50, resolution: int = 224) -> Workload:
    """torchvision ResNet-``depth`` (:data:`RESNET_DEPTHS`) on ``resolution``×``resolution`` inputs, BN folded."""
    if depth not in RESNET_DEPTHS or not isinstance(resolution, int) or resolution < 32:
        raise SimulatorInputError(f"resnet: depth must be one of {sorted(RESNET_DEPTHS)} and resolution an "
                                  f"integer >= 32 (got depth={depth!r}, resolution={resolution!r})")
    blocks, bottleneck = RESNET_DEPTHS[depth]
    name = f"resnet{depth}" + ("" if resolution == 224 else f"_r{resolution}")
    return _resnet(name, blocks, bottleneck, resolution)


def vgg16() -> Workload:
    """torchvision VGG-16 (configuration D, no BN), 224×224: 15.470 GMACs."""
    net = _Net(224, 224, 3)
    for block, (convs, width) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], start=1):
        for i in range(1, convs + 1):
            net.conv(f"conv{block}_{i}", width, 3).simd(f"conv{block}_{i}.relu", "relu")
        net.pool(f"pool{block}", "maxpool", 2, 2)
    net.fc("fc6", 4096).simd("fc6.relu", "relu").fc("fc7", 4096).simd("fc7.relu", "relu").fc("fc8", 1000)
    return Workload("vgg16", tuple(net.layers))


def make_divisible(channels: float, divisor: int = 8) -> int:
    """MobileNet's channel rounding (Sandler et al. 2018; torchvision/TF-slim ``_make_divisible``): the nearest
    multiple of ``divisor`` (at least ``divisor``), raised by one step where rounding lost more than 10 %."""
    rounded = max(divisor, int(channels + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * channels else rounded


#: The paper's family: width multipliers and input resolutions of the released MobileNetV2 checkpoints.
MOBILENETV2_WIDTHS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
MOBILENETV2_RESOLUTIONS = (96, 128, 160, 192, 224)


def mobilenetv2(width: float = 1.0, resolution: int = 224) -> Workload:
    """torchvision MobileNetV2, BN folded. Default (width 1.0, 224×224): 0.301 GMACs.

    ``width`` multiplies every layer's channels, rounded to multiples of 8 (:func:`make_divisible`); the last
    1×1 conv keeps 1280 channels unless ``width > 1`` (the paper's rule); ``resolution`` is the square input
    side in pixels. Other widths and resolutions give the paper's family (e.g. 0.5 at 224: 97 M MACs).
    """
    if not (width > 0 and isinstance(resolution, int) and resolution >= 32):
        raise SimulatorInputError(f"mobilenetv2: need width > 0 and an integer resolution >= 32 "
                                  f"(got width={width!r}, resolution={resolution!r})")
    net = _Net(resolution, resolution, 3)
    net.conv("features.0", make_divisible(32 * width), 3, 2).simd("features.0.relu6", "relu6")
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]  # expansion t, channels c, repeats n, stride s
    index = 1
    for t, c, n, s in settings:
        for i in range(n):
            p, stride, cin = f"features.{index}", s if i == 0 else 1, net.c
            hidden = cin * t
            if t != 1:
                net.conv(f"{p}.expand", hidden, 1).simd(f"{p}.expand.relu6", "relu6")
            net.conv(f"{p}.dw", hidden, 3, stride, groups=hidden).simd(f"{p}.dw.relu6", "relu6")
            net.conv(f"{p}.project", make_divisible(c * width), 1)
            if stride == 1 and cin == net.c:
                net.simd(f"{p}.add", "add")
            index += 1
    net.conv(f"features.{index}", make_divisible(1280 * max(1.0, width)), 1).simd(f"features.{index}.relu6", "relu6")
    net.global_pool("avgpool").fc("classifier", 1000)
    name = "mobilenetv2" if (width, resolution) == (1.0, 224) else f"mobilenetv2_w{width:g}_r{resolution}"
    return Workload(name, tuple(net.layers))


def _make_divisible(value: float, divisor: int = 8) -> int:
    """torchvision's ``_make_divisible``: round to a multiple of ``divisor``, never below 90 % of ``value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _squeeze_excite(net: _Net, p: str, squeeze: int, act: str, gate: str) -> None:
    """Squeeze-and-excitation on the current tensor: pool, 1×1 conv, ``act``, 1×1 conv, ``gate``, scale."""
    h, w, c = net.h, net.w, net.c
    net.global_pool(f"{p}.se.avgpool")
    net.conv(f"{p}.se.fc1", squeeze, 1).simd(f"{p}.se.{act}", act)
    net.conv(f"{p}.se.fc2", c, 1).simd(f"{p}.se.{gate}", gate)
    net.h, net.w = h, w
    net.simd(f"{p}.se.scale", "mul")


def mobilenetv3_large() -> Workload:
    """torchvision MobileNetV3-Large (width 1.0), 224×224, BN folded: 0.217 GMACs (paper: 219 M MAdds)."""
    net = _Net(224, 224, 3)
    net.conv("features.0", 16, 3, 2).simd("features.0.hardswish", "hardswish")
    # kernel, expanded channels, out channels, squeeze-excite, activation (RE relu, HS hardswish), stride
    settings = [(3, 16, 16, False, "RE", 1), (3, 64, 24, False, "RE", 2), (3, 72, 24, False, "RE", 1),
                (5, 72, 40, True, "RE", 2), (5, 120, 40, True, "RE", 1), (5, 120, 40, True, "RE", 1),
                (3, 240, 80, False, "HS", 2), (3, 200, 80, False, "HS", 1), (3, 184, 80, False, "HS", 1),
                (3, 184, 80, False, "HS", 1), (3, 480, 112, True, "HS", 1), (3, 672, 112, True, "HS", 1),
                (5, 672, 160, True, "HS", 2), (5, 960, 160, True, "HS", 1), (5, 960, 160, True, "HS", 1)]
    for index, (k, expanded, out, se, act_code, stride) in enumerate(settings, start=1):
        p, cin, act = f"features.{index}", net.c, "relu" if act_code == "RE" else "hardswish"
        if expanded != cin:
            net.conv(f"{p}.expand", expanded, 1).simd(f"{p}.expand.{act}", act)
        net.conv(f"{p}.dw", expanded, k, stride, groups=expanded).simd(f"{p}.dw.{act}", act)
        if se:
            _squeeze_excite(net, p, _make_divisible(expanded // 4), "relu", "hardsigmoid")
        net.conv(f"{p}.project", out, 1)
        if stride == 1 and cin == out:
            net.simd(f"{p}.add", "add")
    net.conv("features.16", 960, 1).simd("features.16.hardswish", "hardswish")
    net.global_pool("avgpool").fc("classifier.0", 1280).simd("classifier.1", "hardswish").fc("classifier.3", 1000)
    return Workload("mobilenetv3_large", tuple(net.layers))


def efficientnet_b0() -> Workload:
    """torchvision EfficientNet-B0, 224×224, BN folded: 0.386 GMACs (paper: 0.39 B FLOPs, counted as MACs)."""
    net = _Net(224, 224, 3)
    net.conv("features.0", 32, 3, 2).simd("features.0.silu", "silu")
    # expansion, kernel, stride, out channels, repeats
    settings = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3),
                (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
    for stage, (t, k, s, out, repeats) in enumerate(settings, start=1):
        for i in range(repeats):
            p, cin, stride = f"features.{stage}.{i}", net.c, s if i == 0 else 1
            expanded = cin * t
            if t != 1:
                net.conv(f"{p}.expand", expanded, 1).simd(f"{p}.expand.silu", "silu")
            net.conv(f"{p}.dw", expanded, k, stride, groups=expanded).simd(f"{p}.dw.silu", "silu")
            _squeeze_excite(net, p, max(1, cin // 4), "silu", "sigmoid")
            net.conv(f"{p}.project", out, 1)
            if stride == 1 and cin == out:
                net.simd(f"{p}.add", "add")
    net.conv("features.8", 1280, 1).simd("features.8.silu", "silu")
    net.global_pool("avgpool").fc("classifier.1", 1000)
    return Workload("efficientnet_b0", tuple(net.layers))


def vit_b_16() -> Workload:
    """torchvision ViT-B/16, 224×224: 16×16 patches (196 + class token = 197 tokens), 12 pre-LN encoder
    layers (hidden 768, 12 heads, MLP 3072, GELU), head on the class token: 17.564 GMACs. SIMD layers hold
    one token vector per pixel (``tokens × 1 × width``: the vector on the channels, the SIMD lanes)."""
    hidden, heads, mlp, d = 768, 12, 3072, 64
    vec = lambda name, op, rows, width: Layer(name, op, rows, 1, width, num_filters=width)  # noqa: E731
    layers = [Layer("conv_proj", "conv", 224, 224, 3, 16, 16, hidden, 16, 16)]
    s = layers[0].ofmap_h * layers[0].ofmap_w + 1
    layers.append(vec("pos_embedding.add", "add", s, hidden))
    for i in range(12):
        p = f"encoder.layers.{i}"
        layers += [
            vec(f"{p}.ln_1", "layernorm", s, hidden),
            _linear(f"{p}.self_attention.in_proj", s, hidden, 3 * hidden),
            _batched_matmul(f"{p}.self_attention.scores", heads, s, d, s),
            Layer(f"{p}.self_attention.softmax", "softmax", s, s, heads, num_filters=heads),
            _batched_matmul(f"{p}.self_attention.context", heads, s, s, d),
            _linear(f"{p}.self_attention.out_proj", s, hidden, hidden),
            vec(f"{p}.add_1", "add", s, hidden),
            vec(f"{p}.ln_2", "layernorm", s, hidden),
            _linear(f"{p}.mlp.0", s, hidden, mlp),
            vec(f"{p}.mlp.gelu", "gelu", s, mlp),
            _linear(f"{p}.mlp.3", s, mlp, hidden),
            vec(f"{p}.add_2", "add", s, hidden),
        ]
    layers += [vec("encoder.ln", "layernorm", s, hidden), _linear("heads.head", 1, hidden, 1000)]
    return Workload("vit_b_16", tuple(layers))


def bert_encoder(seq_len: int = 128, num_layers: int = 12, hidden: int = 768, heads: int = 12,
                 ffn: int = 3072, name: str | None = None) -> Workload:
    """BERT encoder layers (post-LayerNorm, GELU), batch 1, no padding mask.

    Per layer: Q, K, V projections (seq×hidden·hidden×hidden), per-head scores Q·Kᵀ and context
    P·V (``heads`` GEMMs of seq×d·d×seq and seq×seq·seq×d, d = hidden/heads), softmax, output
    projection, residual add, layernorm, FFN (hidden→ffn, GELU, ffn→hidden), add, layernorm.
    The 1/√d score scaling is folded into the Q weights; embeddings and pooler are not included.
    BERT-base (defaults) at seq 128: 11.17 GMACs.
    """
    if seq_len < 1 or num_layers < 1 or hidden % heads:
        raise SimulatorInputError(f"bert_encoder: need seq_len >= 1, num_layers >= 1 and hidden "
                                  f"divisible by heads (got {seq_len}, {num_layers}, {hidden}/{heads})")
    d, s = hidden // heads, seq_len
    layers: list[Layer] = []
    for i in range(num_layers):
        p = f"layer{i}"
        layers += [
            _linear(f"{p}.attn.query", s, hidden, hidden),
            _linear(f"{p}.attn.key", s, hidden, hidden),
            _linear(f"{p}.attn.value", s, hidden, hidden),
            _batched_matmul(f"{p}.attn.scores", heads, s, d, s),
            Layer(f"{p}.attn.softmax", "softmax", s, s, heads, num_filters=heads),
            _batched_matmul(f"{p}.attn.context", heads, s, s, d),
            _linear(f"{p}.attn.output", s, hidden, hidden),
            Layer(f"{p}.attn.add", "add", s, hidden, 1),
            Layer(f"{p}.attn.layernorm", "layernorm", s, hidden, 1),
            _linear(f"{p}.ffn.intermediate", s, hidden, ffn),
            Layer(f"{p}.ffn.gelu", "gelu", s, ffn, 1),
            _linear(f"{p}.ffn.output", s, ffn, hidden),
            Layer(f"{p}.ffn.add", "add", s, hidden, 1),
            Layer(f"{p}.ffn.layernorm", "layernorm", s, hidden, 1),
        ]
    return Workload(name or f"bert_{num_layers}l_seq{seq_len}", tuple(layers))


def bert_base() -> Workload:
    """BERT-base: 12 encoder layers, hidden 768, 12 heads, FFN 3072, sequence length 128."""
    return bert_encoder(128, 12, name="bert_base")


_BUILDERS = {"resnet18": resnet18, "resnet50": resnet50, "vgg16": vgg16,
             "mobilenetv2": mobilenetv2, "mobilenetv3_large": mobilenetv3_large,
             "efficientnet_b0": efficientnet_b0, "vit_b_16": vit_b_16, "bert_base": bert_base}

#: The built-in workloads by name.
WORKLOADS: dict[str, Workload] = {name: build() for name, build in _BUILDERS.items()}


#: Name pattern of BERT-base at another sequence length, e.g. ``bert_base_seq384``.
BERT_BASE_SEQ = re.compile(r"bert_base_seq([1-9]\d*)")


#: Name patterns of scaled family members, e.g. ``mobilenetv2_w0.75_r192``, ``resnet101``, ``resnet50_r160``.
MOBILENETV2_SCALED = re.compile(r"mobilenetv2_w(\d+(?:\.\d+)?)_r([1-9]\d*)")
RESNET_SCALED = re.compile(r"resnet([1-9]\d*)(?:_r([1-9]\d*))?")
#: Networks with a published family the zoo scales (:func:`scaled_network`): their scaling parameters.
FAMILIES = {"mobilenetv2": ("width", "resolution"), "resnet": ("depth", "resolution")}


def scaled_network(family: str, width: float = 1.0, resolution: int = 224, depth: int | None = None) -> Workload:
    """A member of a published family: MobileNetV2 by width multiplier and resolution, ResNet by depth and
    resolution (see :data:`FAMILIES`); a parameter the family does not scale must keep its default."""
    if family == "mobilenetv2" and depth is None:
        return mobilenetv2(float(width), int(resolution))
    if family == "resnet" and float(width) == 1.0 and depth is not None:
        return resnet(int(depth), int(resolution))
    raise SimulatorInputError(f"scaled_network: family {family!r} with width={width!r}, depth={depth!r}; expected "
                              f"mobilenetv2 (width, resolution; no depth) or resnet (depth, resolution; width 1.0)")


def is_zoo_name(name: str) -> bool:
    """True when ``name`` is a built-in workload (:data:`WORKLOADS`, ``bert_base_seq<N>``, a scaled family
    member or an LLM phase)."""
    if name in WORKLOADS or BERT_BASE_SEQ.fullmatch(name) or MOBILENETV2_SCALED.fullmatch(name):
        return True
    match = RESNET_SCALED.fullmatch(name)
    return (match is not None and int(match.group(1)) in RESNET_DEPTHS) or llm_workload(name) is not None


def get_workload(name: str) -> Workload:
    """The built-in workload ``name``: :data:`WORKLOADS`, ``bert_base_seq<N>``, a scaled family member
    ``mobilenetv2_w<width>_r<resolution>``, ``resnet<depth>``, ``resnet<depth>_r<resolution>``, or an LLM phase
    ``<model>_prefill[_p<P>]`` / ``<model>_decode[_ctx<L>]`` of :data:`frontend_sim.llm.DECODERS`."""
    if name in WORKLOADS:
        return WORKLOADS[name]
    match = BERT_BASE_SEQ.fullmatch(name)
    if match:
        return bert_encoder(int(match.group(1)), 12, name=name)
    match = MOBILENETV2_SCALED.fullmatch(name)
    if match:
        return mobilenetv2(float(match.group(1)), int(match.group(2)))
    match = RESNET_SCALED.fullmatch(name)
    if match and int(match.group(1)) in RESNET_DEPTHS:
        return resnet(int(match.group(1)), int(match.group(2) or 224))
    llm = llm_workload(name)
    if llm is not None:
        return llm
    raise SimulatorInputError(f"unknown workload {name!r}; built-in workloads: "
                              f"{', '.join(sorted(WORKLOADS))}, bert_base_seq<N>, mobilenetv2_w<W>_r<R>, "
                              f"resnet<{'|'.join(map(str, RESNET_DEPTHS))}>[_r<R>], "
                              f"<llm>_prefill[_p<P>], <llm>_decode[_ctx<L>] (llm: {', '.join(DECODERS)})")
