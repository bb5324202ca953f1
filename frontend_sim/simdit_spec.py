"""Reader for SimDIT's DNN specification JSON (``DNN_Spec_Inference/*.json``) into a :class:`Workload`.

SimDIT (the GeneSys simulator) describes a network as ``{"mode": ..., "program": [...]}``: one entry
per operation with its ``iterable_dimensions`` and ``operation_parameters``. Every program entry
becomes one :class:`~frontend_sim.workloads.Layer` (same order, so results compare row by row with
SimDIT's layer-wise CSV), named ``<operation>_<instance_id>``. Batch is 1 (SimDIT's published
settings override the spec's ``N`` with 1).

=================  ================  ==========================================================
 SimDIT operation   our op            geometry
=================  ================  ==========================================================
 conv, conv_bias    conv              IC, OC, KH×KW, ``stride``; ``IH/IW`` are padded sizes and
                                      ``pad`` is [top, left, bottom, right]: ifmap = IH − top − bottom
 gemm,              gemm              M×N · N×P (``ifmap_h=M, ifmap_w=filter_w=N, num_filters=P``)
 gemm_no_bias
 relu               relu              H×W×C
 elem_add           add               H×W×C (two inputs)
 max_pool,          maxpool,          window KH×KW, stride ``sy``/``sx``, ``pad`` = [ph, pw] per side;
 avg_pool           avgpool           ``IH/IW`` are padded sizes
 global_avg_pool    globalavgpool     IH×IW×C
 coarse_flatten     flatten           H×W×C (a reshape: SimDIT charges it nothing)
=================  ================  ==========================================================

The geometry is checked against the spec's own output sizes (OH, OW); a mismatch, an unknown
operation or a missing key stops with one line naming the file, the program index and the key.
Two specs ship with the package (``frontend_sim/workloads_simdit/``, Apache-2.0, SimDIT commit
977a36e): :func:`simdit_workload` ``("resnet18")`` / ``("resnet50")``.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from frontend_sim.errors import SimulatorInputError
from frontend_sim.workloads import Layer, Workload

#: Bundled SimDIT specs: name -> file in ``frontend_sim/workloads_simdit/``.
BUNDLED = {"resnet18": "ResNet18_inference_Spec_Locked.json", "resnet50": "ResNet50_inference_Spec_Locked.json"}
#: SimDIT operation -> our op (see module table).
OPERATIONS = {"conv": "conv", "conv_bias": "conv", "gemm": "gemm", "gemm_no_bias": "gemm", "relu": "relu",
              "elem_add": "add", "max_pool": "maxpool", "avg_pool": "avgpool",
              "global_avg_pool": "globalavgpool", "coarse_flatten": "flatten"}


def is_simdit_spec(data) -> bool:
    """True for a parsed JSON object that looks like a SimDIT DNN spec (``program`` list and ``mode``)."""
    return isinstance(data, dict) and isinstance(data.get("program"), list) and "mode" in data


def read_simdit_spec(path: str | Path, name: str | None = None) -> Workload:
    """Workload from a SimDIT DNN spec file (inference mode)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SimulatorInputError(f"{path}: not a readable JSON file: {exc}".splitlines()[0]) from exc
    return from_simdit_spec(data, source=str(path), name=name or path.stem)


def from_simdit_spec(data, source: str = "SimDIT spec", name: str = "simdit") -> Workload:
    """Workload from a parsed SimDIT DNN spec (see module table); ``source`` names it in errors."""
    if not is_simdit_spec(data):
        raise SimulatorInputError(f"{source}: expected a SimDIT DNN spec (a JSON object with 'mode' and a "
                                  f"'program' list)")
    if data["mode"] != "inference":
        raise SimulatorInputError(f"{source}: mode = {data['mode']!r}; expected 'inference' (training graphs "
                                  f"are not modelled)")
    if not data["program"]:
        raise SimulatorInputError(f"{source}: 'program' is empty")
    layers = tuple(_layer(entry, f"{source}: program[{index}]") for index, entry in enumerate(data["program"]))
    return Workload(name, layers)


def _get(mapping, key, where):
    if not isinstance(mapping, dict) or key not in mapping:
        raise SimulatorInputError(f"{where}: missing key {key!r}")
    value = mapping[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SimulatorInputError(f"{where}: {key} = {value!r}; expected an integer >= 1")
    return value


def _layer(entry: dict, where: str) -> Layer:
    if not isinstance(entry, dict) or "operation" not in entry:
        raise SimulatorInputError(f"{where}: expected an object with an 'operation' key")
    operation = entry["operation"]
    if operation not in OPERATIONS:
        raise SimulatorInputError(f"{where}: operation {operation!r} is not modelled; expected one of "
                                  f"{', '.join(OPERATIONS)}")
    where = f"{where} ({operation})"
    dims = entry.get("iterable_dimensions", {})
    params = entry.get("operation_parameters", {})
    name = f"{operation}_{entry.get('instance_id', '')}".rstrip("_")
    op = OPERATIONS[operation]
    if op == "conv":
        kh, kw, stride = _get(dims, "KH", where), _get(dims, "KW", where), _get(params, "stride", where)
        pad = params.get("pad", [0, 0, 0, 0])
        if not (isinstance(pad, list) and len(pad) == 4 and all(isinstance(p, int) and p >= 0 for p in pad)):
            raise SimulatorInputError(f"{where}: pad = {pad!r}; expected [top, left, bottom, right] integers")
        pad_h, pad_w = pad[0] + pad[2], pad[1] + pad[3]
        layer = Layer(name, op, _get(params, "IH", where) - pad_h, _get(params, "IW", where) - pad_w,
                      _get(dims, "IC", where), kh, kw, _get(dims, "OC", where), stride, stride, pad_h, pad_w)
        return _checked(layer, _get(dims, "OH", where), _get(dims, "OW", where), where)
    if op == "gemm":
        m, n, p = _get(dims, "M", where), _get(dims, "N", where), _get(dims, "P", where)
        return Layer(name, op, ifmap_h=m, ifmap_w=n, filter_w=n, num_filters=p)
    if op in ("relu", "add"):
        h, w, c = _get(dims, "H", where), _get(dims, "W", where), _get(dims, "C", where)
        return Layer(name, op, h, w, c, num_filters=c)
    if op in ("maxpool", "avgpool"):
        kh, kw = _get(dims, "KH", where), _get(dims, "KW", where)
        sy, sx = _get(params, "sy", where), _get(params, "sx", where)
        pad = params.get("pad", [0, 0])
        if not (isinstance(pad, list) and len(pad) == 2 and all(isinstance(p, int) and p >= 0 for p in pad)):
            raise SimulatorInputError(f"{where}: pad = {pad!r}; expected [pad_h, pad_w] per side")
        pad_h, pad_w = 2 * pad[0], 2 * pad[1]
        c = _get(dims, "C", where)
        layer = Layer(name, op, _get(params, "IH", where) - pad_h, _get(params, "IW", where) - pad_w, c,
                      kh, kw, c, sy, sx, pad_h, pad_w)
        return _checked(layer, _get(dims, "OH", where), _get(dims, "OW", where), where)
    if op == "globalavgpool":
        c = _get(dims, "C", where)
        return Layer(name, op, _get(dims, "IH", where), _get(dims, "IW", where), c, num_filters=c)
    # flatten: the tensor is in operation_parameters
    c = _get(params, "C", where)
    return Layer(name, op, _get(params, "H", where), _get(params, "W", where), c, num_filters=c)


def _checked(layer: Layer, oh: int, ow: int, where: str) -> Layer:
    if layer.ifmap_h < 1 or layer.ifmap_w < 1 or (layer.ofmap_h, layer.ofmap_w) != (oh, ow):
        raise SimulatorInputError(f"{where}: input {layer.ifmap_h}x{layer.ifmap_w}, window {layer.filter_h}x"
                                  f"{layer.filter_w}, stride {layer.stride_h}, padding {layer.pad_h}/"
                                  f"{layer.pad_w} give a {layer.ofmap_h}x{layer.ofmap_w} output; the spec says "
                                  f"OH x OW = {oh}x{ow}")
    return layer


def simdit_workload(name: str) -> Workload:
    """A bundled SimDIT spec (``resnet18`` or ``resnet50``) as a Workload named ``simdit_<name>``."""
    if name not in BUNDLED:
        raise SimulatorInputError(f"unknown SimDIT spec {name!r}; expected one of {', '.join(BUNDLED)}")
    with resources.as_file(resources.files("frontend_sim") / "workloads_simdit" / BUNDLED[name]) as path:
        return read_simdit_spec(path, name=f"simdit_{name}")
