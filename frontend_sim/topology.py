"""SCALE-Sim topology CSV reader, interpreting every row exactly as SCALE-Sim 3.0.0 does.

Two forms (the first line is always a header):

* **conv**: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
  Num Filter, Strides,`` — one stride for both directions (a 9th column whose header says
  "stride width" gives a separate column stride, as SCALE-Sim's own ``write_topo_file`` writes).
* **gemm** (SCALE-Sim's ``-i gemm``): ``Layer, M, N, K,`` meaning (M×K)·(K×N), read into the conv
  view ``ifmap_h=M, ifmap_w=K, filter_h=1, filter_w=K, channels=1, num_filters=N``.

SCALE-Sim's rules, reproduced here (``scalesim/topology_utils.py``):

* No padding. Its output size is ``ofmap = ceil((ifmap − filter + stride) / stride)
  = ceil((ifmap − filter) / stride) + 1`` — a partial last window, one more than PyTorch when
  ``(ifmap − filter)`` is not a multiple of the stride (ResNet's 224, 7×7/2 stem: 110, not 109).
  The reader expresses this as ``pad = (−(ifmap − filter)) mod stride`` extra zero rows/columns,
  so ``Layer.ofmap_h``/``ofmap_w``/``gemm_m`` equal SCALE-Sim's.
* A conv-form row whose name contains ``DP`` (case-sensitive substring) is depthwise: SCALE-Sim
  runs it as ``Channels`` separate layers ``<name>Channel_<i>`` of 1 channel and ``Num Filter``
  filters each. By default that becomes one grouped :class:`Layer` (``groups = channels``,
  ``num_filters = channels × Num Filter``: the same GEMMs, run one after another);
  ``expand_depthwise=True`` yields SCALE-Sim's per-channel layers instead, row for row with its
  COMPUTE_REPORT. GEMM-form names are never treated as depthwise.
* The filter may not be larger than the input (SCALE-Sim asserts it).
* An optional ``Sparsity`` column (``N:M``) is checked and ignored: the model is dense, as
  SCALE-Sim is with ``SparsitySupport: false``.

Where SCALE-Sim's reading is surprising, the reader keeps it and says so in one warning line: a first
line that looks like a layer row (SCALE-Sim skips it as the header, so that layer is not simulated), a
``DP`` layer name (depthwise, as above), a stride larger than the filter window (input rows/columns
between windows are skipped). A dimension above :data:`MAX_DIMENSION`, or a layer whose MAC count is
beyond :data:`MAX_LAYER_MACS` (where the simulator's 64-bit counts would no longer be exact), is refused.

Where SCALE-Sim would crash, the reader is lenient but never guesses numbers: a UTF-8 BOM,
tab-separated files, blank or all-empty rows, a missing trailing comma and trailing annotation
columns (``#dw``, ``Eh, Ew`` notes) are accepted; anything else malformed raises
:class:`SimulatorInputError` naming the file, line, column and what was expected.
"""
from __future__ import annotations

import logging
import math
import re
from pathlib import Path

from frontend_sim.errors import SimulatorInputError
from frontend_sim.workloads import MAX_DIMENSION, MAX_LAYER_MACS, Layer, Workload

logger = logging.getLogger(__name__)


CONV_COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width",
                "Channels", "Num Filter", "Strides")
GEMM_COLUMNS = ("Layer name", "M", "N", "K")
FORMS = ("auto", "conv", "gemm")


def read_topology(path: str | Path, form: str = "auto", expand_depthwise: bool = False,
                  name: str | None = None) -> Workload:
    """Read a SCALE-Sim topology CSV into a :class:`Workload` named after the file stem.

    ``form`` is ``conv``, ``gemm`` or ``auto`` (gemm when the header's columns 2–4 are M, N, K).
    """
    path = Path(path)
    if form not in FORMS:
        raise SimulatorInputError(f"topology form {form!r}: expected one of {', '.join(FORMS)}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SimulatorInputError(f"{path}: topology file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulatorInputError(f"{path}: cannot read topology file ({exc})") from None
    lines = text.splitlines()
    if not lines:
        raise SimulatorInputError(f"{path}: empty topology file (expected a header row and layer rows)")
    delimiter = "\t" if "\t" in lines[0] and "," not in lines[0] else ","
    header = [field.strip().lower() for field in lines[0].split(delimiter)]
    if len(header) > 3 and all(re.fullmatch(r"\d+", field) for field in header[1:4]):
        logger.warning("%s: line 1 (%s) looks like a layer row, but SCALE-Sim reads line 1 as the header, so "
                       "that layer is not simulated; add a header row", path, lines[0].strip())
    if form == "auto":
        form = "gemm" if header[1:4] == ["m", "n", "k"] else "conv"
    layers: list[Layer] = []
    for lineno, line in enumerate(lines[1:], start=2):
        fields = [field.strip() for field in line.split(delimiter)]
        if not any(fields):
            continue
        reader = _gemm_row if form == "gemm" else _conv_row
        layers.extend(reader(fields, header, f"{path}: line {lineno}", expand_depthwise))
    if not layers:
        raise SimulatorInputError(f"{path}: no layer rows after the header")
    _warn_parity(path, layers, form)
    return Workload(name or path.stem, tuple(layers))


def _warn_parity(path: Path, layers: list[Layer], form: str) -> None:
    """One warning line each for the file's DP-named (depthwise) layers and its strides wider than the
    filter: SCALE-Sim's readings, kept, but rarely what a hand-written file means."""
    if form == "conv":
        depthwise = list(dict.fromkeys(layer.name.split("Channel_")[0] for layer in layers
                                       if "DP" in layer.name))
        if depthwise:
            logger.warning("%s: %d layer(s) named with 'DP' (%s) are depthwise, as in SCALE-Sim: each of their "
                           "channels is convolved with its own 'Num Filter' filters; rename a full convolution",
                           path, len(depthwise), ", ".join(depthwise[:3]) + (", ..." if len(depthwise) > 3 else ""))
    strided = list(dict.fromkeys(layer.name for layer in layers
                                 if layer.stride_h > layer.filter_h or layer.stride_w > layer.filter_w))
    if strided:
        logger.warning("%s: %d layer(s) (%s) have a stride larger than the filter, so input rows/columns between "
                       "windows are skipped (as in SCALE-Sim)", path, len(strided),
                       ", ".join(strided[:3]) + (", ..." if len(strided) > 3 else ""))


def _int_field(fields: list[str], index: int, columns: tuple[str, ...], where: str) -> int:
    column = f"column {index + 1} ({columns[index]})"
    if index >= len(fields) or fields[index] == "":
        raise SimulatorInputError(f"{where}, {column}: missing value; expected {len(columns)} "
                                  f"columns: {', '.join(columns)}")
    value = fields[index]
    if not re.fullmatch(r"\d+", value) or int(value) < 1:
        raise SimulatorInputError(f"{where}, {column}: expected a positive integer, got {value!r}")
    if int(value) > MAX_DIMENSION:
        raise SimulatorInputError(f"{where}, {column}: {value} is beyond the largest dimension, {MAX_DIMENSION:,}")
    return int(value)


def _check_size(where: str, macs: int) -> None:
    if macs > MAX_LAYER_MACS:
        raise SimulatorInputError(f"{where}: the layer has {macs:.3g} MACs, beyond the simulator's exact range "
                                  f"({MAX_LAYER_MACS:.3g}); check its dimensions")


def _check_sparsity(fields: list[str], header: list[str], where: str) -> None:
    """Validate the optional ``Sparsity`` (N:M) column; its value is not used (dense model)."""
    index = next((i for i, column in enumerate(header) if "sparsity" in column), None)
    if index is not None and index < len(fields) and fields[index]:
        if not re.fullmatch(r"\d+\s*:\s*\d+", fields[index]):
            raise SimulatorInputError(f"{where}, column {index + 1} (Sparsity): expected N:M, "
                                      f"got {fields[index]!r}")


def _name_field(fields: list[str], columns: tuple[str, ...], where: str) -> str:
    if not fields[0]:
        raise SimulatorInputError(f"{where}, column 1 ({columns[0]}): missing layer name")
    return fields[0]


def _conv_row(fields, header, where, expand_depthwise):
    name = _name_field(fields, CONV_COLUMNS, where)
    ifmap_h, ifmap_w, filter_h, filter_w, channels, num_filters, stride_h = (
        _int_field(fields, i, CONV_COLUMNS, where) for i in range(1, 8))
    stride_w = stride_h
    if len(header) > 8 and "stride" in header[8] and "w" in header[8]:
        stride_w = _int_field(fields, 8, CONV_COLUMNS + ("Stride width",), where)
    _check_sparsity(fields, header, where)
    if filter_h > ifmap_h or filter_w > ifmap_w:
        raise SimulatorInputError(
            f"{where}: filter {filter_h}x{filter_w} is larger than the IFMAP {ifmap_h}x{ifmap_w} "
            "(SCALE-Sim has no padding; give the padded input size)")
    ofmap = math.ceil((ifmap_h - filter_h + stride_h) / stride_h) * math.ceil((ifmap_w - filter_w + stride_w) / stride_w)
    _check_size(where, ofmap * filter_h * filter_w * channels * num_filters)
    geometry = dict(ifmap_h=ifmap_h, ifmap_w=ifmap_w, filter_h=filter_h, filter_w=filter_w,
                    stride_h=stride_h, stride_w=stride_w,
                    pad_h=-(ifmap_h - filter_h) % stride_h, pad_w=-(ifmap_w - filter_w) % stride_w)
    if "DP" not in name:
        return [Layer(name, "conv", channels=channels, num_filters=num_filters, **geometry)]
    if expand_depthwise:
        return [Layer(f"{name}Channel_{c}", "conv", channels=1, num_filters=num_filters, **geometry)
                for c in range(channels)]
    return [Layer(name, "conv", channels=channels, num_filters=channels * num_filters,
                  groups=channels, **geometry)]


def _gemm_row(fields, header, where, expand_depthwise):
    name = _name_field(fields, GEMM_COLUMNS, where)
    m, n, k = (_int_field(fields, i, GEMM_COLUMNS, where) for i in range(1, 4))
    _check_size(where, m * n * k)
    _check_sparsity(fields, header, where)
    return [Layer(name, "gemm", ifmap_h=m, ifmap_w=k, filter_h=1, filter_w=k, channels=1,
                  num_filters=n)]
