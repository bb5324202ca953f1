"""Workloads: the layers of a network, each in SCALE-Sim's convolution view.

Every GEMM-type layer is described as a convolution over an H×W×C input (``batch`` of them, sharing
the weights; default 1):
a fully connected / GEMM layer (M×K)·(K×N) is ``ifmap_h=M, ifmap_w=K, filter_w=K,
filter_h=1, channels=1, num_filters=N`` exactly as SCALE-Sim's ``-i gemm`` reader does.
Non-GEMM layers (pooling, element-wise, normalisation, activations) run on the SIMD unit
and use the same H×W×C fields for their input tensor.
Sizes are in elements; bytes follow from the operand widths: a layer's own ``act_bits``/``wgt_bits``
when set (per-layer precision, e.g. from :func:`with_precision`), else the hardware's.

Batch (:func:`with_batch`): ``Layer.batch`` independent inputs run through the same weights, so the
GEMM view's M grows (``gemm_m = batch · OH · OW``) and the weights are fetched once for the batch;
the GeneSys mapping puts it on its N loop, SCALE-Sim's im2col mapping grows M. A fully connected layer
folds the batch into its rows (``ifmap_h``), and a grouped GEMM (the per-head attention matmuls, whose
both operands are activations) multiplies its groups: each sequence has its own keys and values.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from frontend_sim.errors import SimulatorInputError

#: Layers mapped onto the systolic array.
GEMM_OPS = ("conv", "gemm")
#: Largest value of one layer dimension (sizes, channels, filters, strides, groups, batch, M/N/K).
MAX_DIMENSION = 2 ** 31 - 1
#: Largest MAC count of one layer (for a SIMD layer: input elements): counts and cycles stay exact in
#: float64 and far inside int64.
MAX_LAYER_MACS = 2 ** 53


@dataclass(frozen=True)
class Layer:
    """One operator. Geometry in elements; ``pad_h``/``pad_w`` are total zero rows/cols added."""

    name: str
    op: str
    ifmap_h: int = 1
    ifmap_w: int = 1
    channels: int = 1
    filter_h: int = 1
    filter_w: int = 1
    num_filters: int = 1
    stride_h: int = 1
    stride_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    groups: int = 1
    batch: int = 1  #: independent inputs sharing the weights (images of a batch)
    #: bits of this layer's activations (inputs and outputs) and weights; None = the hardware's widths.
    #: An array built for ``HardwareConfig.act_bits``/``wgt_bits`` runs a narrower layer per its
    #: ``precision_mode``; a layer wider than the array is an error.
    act_bits: int | None = None
    wgt_bits: int | None = None

    @property
    def is_gemm(self) -> bool:
        return self.op in GEMM_OPS

    @property
    def ofmap_h(self) -> int:
        return (self.ifmap_h + self.pad_h - self.filter_h) // self.stride_h + 1

    @property
    def ofmap_w(self) -> int:
        return (self.ifmap_w + self.pad_w - self.filter_w) // self.stride_w + 1

    @property
    def gemm_m(self) -> int:
        """Rows of the per-group GEMM: output pixels of the whole batch (SCALE-Sim's Sr)."""
        return self.batch * self.ofmap_h * self.ofmap_w

    @property
    def gemm_n(self) -> int:
        """Columns of the per-group GEMM: filters per group (SCALE-Sim's Sc)."""
        return self.num_filters // self.groups

    @property
    def gemm_k(self) -> int:
        """Reduction length of the per-group GEMM: window size (SCALE-Sim's T)."""
        return self.filter_h * self.filter_w * (self.channels // self.groups)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the layer (0 for SIMD layers)."""
        return self.groups * self.gemm_m * self.gemm_n * self.gemm_k if self.is_gemm else 0


@dataclass(frozen=True)
class Workload:
    """A named sequence of layers; ``batch`` inputs per run (see :func:`with_batch`)."""

    name: str
    layers: tuple[Layer, ...] = field(default_factory=tuple)
    batch: int = 1
    #: Output tokens one run produces (LLM phases, see :mod:`frontend_sim.llm`; 0 for other networks).
    tokens: int = 0
    #: ``"prefill"`` or ``"decode"`` for an LLM phase, else ``""``.
    phase: str = ""

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)


def with_precision(workload: Workload, act_bits: int, wgt_bits: int, edge_bits: int | None = None,
                   name: str | None = None) -> Workload:
    """``workload`` with per-layer widths in three layer groups: the first and the last GEMM layer
    (``edge_bits`` for activations and weights; default ``act_bits``/``wgt_bits``) and the body (every
    other layer: GEMM layers ``act_bits``/``wgt_bits``, SIMD layers ``act_bits``) -- the grouping of the
    quantisation papers that keep the first and last layer at higher precision (e.g. LSQ: 8 bits)."""
    gemm = [i for i, layer in enumerate(workload.layers) if layer.is_gemm]
    edges = {gemm[0], gemm[-1]} if gemm and edge_bits is not None else set()
    layers = tuple(replace(layer, act_bits=edge_bits, wgt_bits=edge_bits) if i in edges
                   else replace(layer, act_bits=act_bits, wgt_bits=wgt_bits)
                   for i, layer in enumerate(workload.layers))
    suffix = f"_a{act_bits}w{wgt_bits}" + (f"e{edge_bits}" if edge_bits is not None else "")
    return Workload(name or workload.name + suffix, layers)


def batch_layer(layer: Layer, batch: int) -> Layer:
    """``layer`` run on ``batch`` times as many independent inputs (see the module docstring)."""
    if layer.op == "gemm" and layer.groups > 1:  # activation x activation: one GEMM per sequence and head
        return replace(layer, channels=layer.channels * batch, num_filters=layer.num_filters * batch,
                       groups=layer.groups * batch)
    if layer.op == "gemm":
        return replace(layer, ifmap_h=layer.ifmap_h * batch)
    return replace(layer, batch=layer.batch * batch)


def with_batch(workload: Workload, batch: int) -> Workload:
    """``workload`` at ``batch`` times its batch, named ``<name>@<batch>`` (batch 1: unchanged)."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise SimulatorInputError(f"batch={batch!r}: expected an integer >= 1")
    if batch == 1:
        return workload
    total = workload.batch * batch
    base = workload.name.rsplit("@", 1)[0] if workload.batch > 1 else workload.name
    return Workload(f"{base}@{total}", tuple(batch_layer(layer, batch) for layer in workload.layers), total,
                    workload.tokens * batch, workload.phase)
