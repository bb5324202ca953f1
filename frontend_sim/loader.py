"""One entry point for every workload source: a zoo name, a SCALE-Sim topology CSV, an ONNX file or a
SimDIT DNN spec JSON."""
from __future__ import annotations

from pathlib import Path

from frontend_sim.errors import SimulatorInputError
from frontend_sim.workloads import Workload
from frontend_sim.zoo import BERT_BASE_SEQ, WORKLOADS, get_workload

#: File suffixes :func:`load_workload` reads.
SUFFIXES = (".csv", ".onnx", ".json")


def load_workload(name_or_path: str | Path | Workload) -> Workload:
    """A :class:`Workload` from a built-in name (``resnet50``), a ``.csv``, ``.onnx`` or ``.json`` path.

    CSVs are SCALE-Sim topologies (conv or M,N,K form, detected from the header, see
    :func:`frontend_sim.topology.read_topology`); ONNX models are imported with
    :func:`frontend_sim.onnx_import.import_onnx` (batch 1, symbolic batch dimension taken as 1);
    ``.json`` files are SimDIT DNN specs (:func:`frontend_sim.simdit_spec.read_simdit_spec`).
    """
    if isinstance(name_or_path, Workload):
        return name_or_path
    text = str(name_or_path)
    if text in WORKLOADS or BERT_BASE_SEQ.fullmatch(text):
        return get_workload(text)
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        if path.exists():
            raise SimulatorInputError(f"{path}: unsupported workload file type {path.suffix!r}; "
                                      f"expected {' or '.join(SUFFIXES)}")
        raise SimulatorInputError(f"unknown workload {text!r}: not a built-in workload "
                                  f"({', '.join(sorted(WORKLOADS))}, bert_base_seq<N>) "
                                  f"nor a {'/'.join(SUFFIXES)} file")
    if not path.is_file():
        raise SimulatorInputError(f"{path}: workload file not found")
    if suffix == ".csv":
        from frontend_sim.topology import read_topology

        return read_topology(path)
    if suffix == ".json":
        from frontend_sim.simdit_spec import read_simdit_spec

        return read_simdit_spec(path)
    from frontend_sim.onnx_import import import_onnx

    return import_onnx(path)
