"""Per-layer view of chosen designs: each design re-simulated on every workload of its study.

``frontend_sim.simulate`` is deterministic and takes milliseconds per design and workload, so the
per-layer cycles and traffic are recomputed rather than stored; each design is completed (fixed
and derived values, HardwareConfig defaults) by the space the study stored, exactly as the search
completed it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dse.report_data import StudyData
from dse.report_storage import ReportError


def hardware_of(data: StudyData, designs: pd.DataFrame) -> list:
    """HardwareConfig of each design row: the study's stored space text completes the trial's
    parameters; a study without stored space text uses its fixed values and the defaults."""
    from dse.errors import DSEInputError
    from dse.space import HARDWARE_DEFAULTS, SearchSpace
    from frontend_sim.hardware import HardwareConfig

    params = [{k: v for k, v in row.items() if k in data.params and pd.notna(v)}
              for row in designs.to_dict(orient="records")]
    if data.space_text:
        try:
            space = SearchSpace.from_text(data.space_text, data.space_name, data.workloads)
        except DSEInputError as exc:
            raise ReportError(f"per-layer view: the space stored in study {data.name!r} is not valid: {exc}") from None
        complete = space.designs(params)
    else:
        fixed = {k: v for k, v in data.space_fixed.items() if k in HARDWARE_DEFAULTS}
        complete = pd.DataFrame([{**HARDWARE_DEFAULTS, **fixed, **p} for p in params])
    configs = []
    for row in complete[list(HARDWARE_DEFAULTS)].to_dict(orient="records"):
        values = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        configs.append(HardwareConfig(**{k: type(HARDWARE_DEFAULTS[k])(v) for k, v in values.items()}))
    return configs


def layer_breakdown(data: StudyData, chosen: pd.DataFrame) -> pd.DataFrame:
    """Per-layer cycles and traffic of the chosen designs on every workload of the study.

    One row per (design, workload, layer), with frontend_sim's per-layer columns (cycles, bytes, the
    chosen mapping) and ``mapping``, the mapping in one line (:func:`mapping_text`); ``design`` labels
    the design as ``#<trial> <role>``.
    """
    from frontend_sim.loader import load_workload
    from frontend_sim.simulator import simulate

    if not data.workloads:
        raise ReportError(f"study {data.name!r} records no workloads, so it has no per-layer view")
    workloads = {}
    for name in data.workloads:
        try:
            workloads[name] = load_workload(name)
        except (ValueError, OSError) as exc:
            raise ReportError(f"workload {name!r} of the study cannot be loaded for the per-layer view: {exc}") from None
    frames = []
    for (_, design), hardware in zip(chosen.iterrows(), hardware_of(data, chosen)):
        label = f"#{int(design['trial'])} {design.get('role', '')}".strip()
        for name, workload in workloads.items():
            layers = simulate(workload, hardware).layers.copy()
            layers.insert(layers.columns.get_loc("loop_order"), "mapping", mapping_text(layers))
            layers.insert(0, "workload", name)
            layers.insert(0, "trial", int(design["trial"]))
            layers.insert(0, "design", label)
            frames.append(layers)
    return pd.concat(frames, ignore_index=True)


def mapping_text(layers: pd.DataFrame) -> pd.Series:
    """The chosen mapping of each GEMM layer in one line ('' for SIMD layers): the DRAM tile of the
    per-group GEMM (M×K×N, elements), the loop order (innermost first), the input/weight refetch
    factors and where partial sums live."""
    gemm = layers["loop_order"] != ""
    text = ("tile " + layers["tile_m"].astype(str) + "×" + layers["tile_k"].astype(str) + "×"
            + layers["tile_oc"].astype(str) + ", loops " + layers["loop_order"] + ", refetch in "
            + layers["ifmap_refetch"].map("{:g}".format) + " / w " + layers["filter_refetch"].map("{:g}".format)
            + ", psum in " + layers["psum_in"])
    return text.where(gemm, "")
