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
    """HardwareConfig of each design row (:func:`complete_designs`)."""
    from dse.space import HARDWARE_DEFAULTS
    from frontend_sim.hardware import HardwareConfig

    configs = []
    for row in complete_designs(data, designs)[list(HARDWARE_DEFAULTS)].to_dict(orient="records"):
        values = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        configs.append(HardwareConfig(**{k: type(HARDWARE_DEFAULTS[k])(v) for k, v in values.items()}))
    return configs


def complete_designs(data: StudyData, designs: pd.DataFrame) -> pd.DataFrame:
    """Complete design points of the rows: the study's stored space text completes the trial's
    parameters (fixed and derived values, HardwareConfig defaults) exactly as the search did."""
    from dse.errors import DSEInputError
    from dse.space import SearchSpace

    params = [{k: v for k, v in row.items() if k in data.params and pd.notna(v)}
              for row in designs.to_dict(orient="records")]
    try:
        space = SearchSpace.from_text(data.space_text, data.space_name, data.workloads)
    except DSEInputError as exc:
        raise ReportError(f"per-layer view: the space stored in study {data.name!r} is not valid: {exc}") from None
    return space.designs(params)


def layer_breakdown(data: StudyData, chosen: pd.DataFrame) -> pd.DataFrame:
    """Per-layer cycles and traffic of the chosen designs on every workload of the study.

    One row per (design, workload, layer), with frontend_sim's per-layer columns (cycles, bytes, the
    chosen mapping), ``mapping``, the mapping in one line (:func:`mapping_text`), and the operand widths the
    layer runs at (``act_bits``, ``wgt_bits``); ``design`` labels the design as ``#<trial> <role>``. A design
    that searches its network (:mod:`dse.network`) runs its own network.
    """
    from dse import network
    from dse.precision_policy import BUNDLED as POLICY_TABLES
    from dse.precision_policy import PolicyTable
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
    complete = complete_designs(data, chosen)
    columns = tuple(network.searched_columns(complete.columns))
    # net_policy designs: the bundled policy tables (a study does not record a user's own policy files)
    policies = PolicyTable.read(*POLICY_TABLES) if "net_policy" in columns else None
    for i, ((_, design), hardware) in enumerate(zip(chosen.iterrows(), hardware_of(data, chosen))):
        label = f"#{int(design['trial'])} {design.get('role', '')}".strip()
        for name, workload in workloads.items():
            if columns:
                choice = network.choices(complete.iloc[[i]], name, policies, workload)[0]
                workload = network.workload_for(choice, workload, columns, policies)
            layers = simulate(workload, hardware).layers.copy()
            layers.insert(2, "act_bits", [layer.act_bits or hardware.act_bits for layer in workload.layers])
            layers.insert(3, "wgt_bits", [layer.wgt_bits or hardware.wgt_bits for layer in workload.layers])
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
