"""Network choices as search dimensions: which scaled, quantised network each design point runs.

A space searches the network with these design columns (parameters, fixed or derived values):

==================  ===========================================================================
 ``net_width``       width multiplier (MobileNetV2: channels rounded to multiples of 8)
 ``net_resolution``  input side, pixels (MobileNetV2, ResNet)
 ``net_depth``       ResNet depth (18, 34, 50, 101, 152)
 ``net_act_bits``    bits of the body's activations (every layer but the first and last GEMM layer)
 ``net_wgt_bits``    bits of the body's weights
 ``net_edge_bits``   bits of the first and last GEMM layer (activations and weights)
 ``net_policy``      ``"uniform"`` (the bit columns) or a published per-layer policy
                     (:mod:`dse.precision_policy`; its bits replace the bit columns)
==================  ===========================================================================

Scaling columns need a workload that is a zoo family member (``mobilenetv2``, ``resnet50``, ...; the column
replaces that parameter). Without the bit columns a network runs at the array's widths (``act_bits``,
``wgt_bits``; its edge layers count as ``min`` of the two for the accuracy lookup). The array must be built for
the widest layer: a design whose ``net_*_bits`` (or its policy's widest bits) exceed ``act_bits``/``wgt_bits`` is
rejected (``layers_wider_than_array``).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from dse.accuracy import NetworkChoice
from dse.errors import DSEInputError
from dse.precision_policy import UNIFORM, PolicyTable
from frontend_sim.workloads import Workload, with_precision
from frontend_sim.zoo import MOBILENETV2_SCALED, RESNET_SCALED, scaled_network

#: Design column -> NetworkChoice field.
NETWORK_PARAMETERS = {"net_width": "width", "net_resolution": "resolution", "net_depth": "depth",
                      "net_act_bits": "act_bits", "net_wgt_bits": "wgt_bits", "net_edge_bits": "edge_bits",
                      "net_policy": "policy"}
SCALING = ("net_width", "net_resolution", "net_depth")
BITS = ("net_act_bits", "net_wgt_bits", "net_edge_bits", "net_policy")


def family_member(name: str) -> NetworkChoice | None:
    """The family and scaling of a zoo name (``mobilenetv2``, ``mobilenetv2_w0.5_r160``, ``resnet50``, ...), else None."""
    if name == "mobilenetv2":
        return NetworkChoice("mobilenetv2", 1.0, 224)
    match = MOBILENETV2_SCALED.fullmatch(name)
    if match:
        return NetworkChoice("mobilenetv2", float(match.group(1)), int(match.group(2)))
    match = RESNET_SCALED.fullmatch(name)
    if match:
        return NetworkChoice("resnet", 1.0, int(match.group(2) or 224), int(match.group(1)))
    return None


def searched_columns(columns) -> list[str]:
    """The network columns present among ``columns``."""
    return [name for name in NETWORK_PARAMETERS if name in columns]


def check_workloads(columns, workloads: dict, where: str) -> None:
    """Scaling columns need every workload to be a family member; DSEInputError naming the workload."""
    scaling = [name for name in SCALING if name in columns]
    for key in workloads:
        if scaling and family_member(key) is None:
            raise DSEInputError(f"{where}: {', '.join(scaling)} scale a zoo family, but workload {key!r} is none; "
                                f"expected mobilenetv2 or resnet<depth> (frontend_sim.zoo.FAMILIES)")


def choices(designs: pd.DataFrame, key: str, policies: PolicyTable | None = None,
            workload: Workload | None = None) -> list[NetworkChoice]:
    """The NetworkChoice of workload ``key`` on every design (design columns override the workload's scaling).
    A design with a ``net_policy`` other than ``"uniform"`` takes its bits from ``policies`` (the widest per
    layer group of the policy on ``workload``)."""
    base = family_member(key) or NetworkChoice(key)
    present = searched_columns(designs.columns)
    array_act = designs["act_bits"].to_numpy()
    array_wgt = designs["wgt_bits"].to_numpy()
    out = []
    for i, row in enumerate(designs[present].itertuples(index=False, name=None)):
        values = dict(zip(present, row))
        policy = str(values.get("net_policy", UNIFORM))
        if policy != UNIFORM:
            if policies is None or workload is None:
                raise DSEInputError(f"net_policy {policy!r}: no policy table given; name one in [search] policies "
                                    f"(bundled: resnet50_hawq_v3_layers)")
            act, wgt, edge = policies.widest(policy, workload)
        else:
            policy = ""
            act = int(values.get("net_act_bits", array_act[i]))
            wgt = int(values.get("net_wgt_bits", array_wgt[i]))
            edge = int(values.get("net_edge_bits", min(act, wgt)))
        out.append(NetworkChoice(
            network=base.network, width=float(values.get("net_width", base.width)),
            resolution=_optional_int(values.get("net_resolution", base.resolution)),
            depth=_optional_int(values.get("net_depth", base.depth)),
            act_bits=act, wgt_bits=wgt, edge_bits=edge, policy=policy))
    return out


def _optional_int(value) -> int | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


@lru_cache(maxsize=256)
def workload_for(choice: NetworkChoice, workload: Workload, columns: tuple[str, ...],
                 policies: PolicyTable | None = None) -> Workload:
    """The network a design runs: the family member of ``choice`` when ``columns`` (the searched network columns)
    scale it (else ``workload``), with the choice's policy's per-layer bits when it names one, else its
    per-layer-group widths when the columns set bits (else the array's; edge layers at the body's widths unless
    ``net_edge_bits`` is searched)."""
    scaled = any(name in columns for name in SCALING)
    net = scaled_network(choice.network, choice.width, choice.resolution, choice.depth) if scaled else workload
    if choice.policy:
        return policies.apply(net, choice.policy)
    if not any(name in columns for name in BITS):
        return net
    return with_precision(net, choice.act_bits, choice.wgt_bits,
                          choice.edge_bits if "net_edge_bits" in columns else None)


def too_wide(designs: pd.DataFrame, picks: list[list[NetworkChoice]] = ()) -> np.ndarray:
    """Designs whose searched layer widths exceed the array's built widths (bool per design); ``picks``: the
    choices of each workload (:func:`choices`), whose policy widths count too."""
    bad = np.zeros(len(designs), dtype=bool)
    for column, array in (("net_act_bits", "act_bits"), ("net_wgt_bits", "wgt_bits"),
                          ("net_edge_bits", "act_bits"), ("net_edge_bits", "wgt_bits")):
        if column in designs:
            uniform = (designs["net_policy"] == UNIFORM).to_numpy() if "net_policy" in designs else True
            bad |= uniform & (designs[column].to_numpy(dtype=float) > designs[array].to_numpy(dtype=float))
    act, wgt = designs["act_bits"].to_numpy(dtype=float), designs["wgt_bits"].to_numpy(dtype=float)
    for workload_picks in picks:
        widest = np.array([(max(c.act_bits, c.edge_bits), max(c.wgt_bits, c.edge_bits)) if c.policy else (0, 0)
                           for c in workload_picks], dtype=float).reshape(-1, 2)
        bad |= (widest[:, 0] > act) | (widest[:, 1] > wgt)
    return bad
