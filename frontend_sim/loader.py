"""One entry point for every workload source: a zoo name, a SCALE-Sim topology CSV, an ONNX file or a
SimDIT DNN spec JSON, each optionally at a batch: ``resnet50@8``, ``net.csv@4``, ``model.onnx@16``
(a zoo workload also as the DSE's metric key ``resnet50_b8``)."""
from __future__ import annotations

import re
from pathlib import Path

from frontend_sim.errors import SimulatorInputError
from frontend_sim.simulator import check_layer
from frontend_sim.workloads import Workload, with_batch
from frontend_sim.zoo import WORKLOADS, get_workload, is_zoo_name

#: File suffixes :func:`load_workload` reads.
SUFFIXES = (".csv", ".onnx", ".json")
#: A workload spec with a batch: ``<name or path>@<batch>``.
BATCH_SPEC = re.compile(r"(?P<source>.+)@(?P<batch>[^@/\\]*)")
#: The DSE's metric key of a batched zoo workload (``resnet50@8`` → ``resnet50_b8``), read back the same way.
BATCH_KEY = re.compile(r"(?P<source>.+)_b(?P<batch>[1-9]\d*)")


def split_batch(spec: str) -> tuple[str, int]:
    """``("resnet50", 8)`` from ``"resnet50@8"``; ``(spec, 1)`` without ``@``. A bad batch raises."""
    match = BATCH_SPEC.fullmatch(spec)
    if not match:
        return spec, 1
    batch = match.group("batch")
    if not re.fullmatch(r"[1-9]\d*", batch):
        raise SimulatorInputError(f"workload {spec!r}: batch after '@' must be an integer >= 1, got {batch!r}")
    return match.group("source"), int(batch)


def load_workload(name_or_path: str | Path | Workload, batch: int = 1) -> Workload:
    """A :class:`Workload` from a built-in name (``resnet50``), a ``.csv``, ``.onnx`` or ``.json`` path,
    at ``batch`` times the batch of the source (a ``<spec>@<B>`` suffix multiplies it too).

    CSVs are SCALE-Sim topologies (conv or M,N,K form, detected from the header, see
    :func:`frontend_sim.topology.read_topology`); ONNX models are imported with
    :func:`frontend_sim.onnx_import.import_onnx` (a symbolic batch dimension taken as 1, then batched);
    ``.json`` files are SimDIT DNN specs (:func:`frontend_sim.simdit_spec.read_simdit_spec`).
    Every layer is checked (:func:`frontend_sim.simulator.check_layer`); an error names the source.
    """
    if isinstance(name_or_path, Workload):
        return with_batch(name_or_path, batch)
    text, spec_batch = split_batch(str(name_or_path))
    try:
        workload = _load(text, batch * spec_batch)
        for layer in workload.layers:  # here, so that a bad layer is said with the file or name it came from
            check_layer(layer)
    except SimulatorInputError as exc:
        message = str(exc)
        if text in message or str(Path(text)) in message:
            raise
        raise SimulatorInputError(f"{name_or_path}: {message}") from None
    return workload


def _load(text: str, batch: int) -> Workload:
    if is_zoo_name(text):
        return with_batch(get_workload(text), batch)
    key = BATCH_KEY.fullmatch(text)
    if key and is_zoo_name(key.group("source")):  # a study's metric key names a batched zoo workload
        return with_batch(get_workload(key.group("source")), int(key.group("batch")) * batch)
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        if path.exists():
            raise SimulatorInputError(f"{path}: unsupported workload file type {path.suffix!r}; "
                                      f"expected {' or '.join(SUFFIXES)}")
        raise SimulatorInputError(f"unknown workload {text!r}: not a built-in workload "
                                  f"({', '.join(sorted(WORKLOADS))}, bert_base_seq<N>, mobilenetv2_w<W>_r<R>, "
                                  f"resnet<depth>[_r<R>], <llm>_prefill/_decode) "
                                  f"nor a {'/'.join(SUFFIXES)} file")
    if not path.is_file():
        raise SimulatorInputError(f"{path}: workload file not found")
    if suffix == ".csv":
        from frontend_sim.topology import read_topology

        return with_batch(read_topology(path), batch)
    if suffix == ".json":
        from frontend_sim.simdit_spec import read_simdit_spec

        return with_batch(read_simdit_spec(path), batch)
    from frontend_sim.onnx_import import import_onnx

    return import_onnx(path, batch=batch)  # a symbolic batch dimension takes the batch
