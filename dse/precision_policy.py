"""Mixed-precision policies: published per-layer bit assignments a design can run (design column ``net_policy``).

A policy table is a CSV ``policy,layer,act_bits,wgt_bits``: one row per GEMM layer of the network (the zoo's
layer names, e.g. ``layer1.0.conv2``), bits 1..32. The bundled one, ``resnet50_hawq_v3_layers``, holds the nine
mixed 4/8-bit schemes of HAWQ-V3 for ResNet-50 (``datasets/accuracy/PROVENANCE.md``; their top-1 is in the
``resnet50_hawq_v3`` accuracy table under the same policy names). A space names the tables in
``[search] policies`` and searches ``net_policy`` over ``"uniform"`` (the ``net_*_bits`` columns, no policy)
and policy names.

A policy runs every listed GEMM layer at its bits; the network's other (SIMD) layers move activations at the
policy's widest activation bits. Its accuracy is looked up with the policy's name and its widest bits per
layer group (body: every GEMM layer but the first and last; edges: those two), which are also the widths the
array must be built for. Blank lines and lines starting with ``#`` are skipped; errors name the file and line.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from dse.accuracy import dataset_file, table_rows
from dse.errors import DSEInputError
from frontend_sim.workloads import Workload

logger = logging.getLogger(__name__)

COLUMNS = ("policy", "layer", "act_bits", "wgt_bits")
#: Bundled policy tables by name (files of ``accel_dse_datasets``).
BUNDLED = {"resnet50_hawq_v3_layers": "accuracy/resnet50_hawq_v3_layers.csv"}
#: The ``net_policy`` value that means "no policy: the net_*_bits columns".
UNIFORM = "uniform"


class PolicyTable:
    """Per-layer bits of named policies: ``{policy: {layer: (act_bits, wgt_bits)}}``."""

    def __init__(self, policies: dict[str, dict[str, tuple[int, int]]], where: dict[str, str]):
        self.policies = policies
        self.where = where  #: policy -> "file:line" of its first row, for messages

    @classmethod
    def read(cls, *names: str | Path) -> PolicyTable:
        """Tables by bundled name (:data:`BUNDLED`) or CSV path, combined; a policy in two files is an error."""
        policies, where = {}, {}
        for name in names:
            path = dataset_file(BUNDLED[str(name)]) if str(name) in BUNDLED else Path(name)
            for policy, layers, first in _read_csv(path):
                if policy in policies:
                    raise DSEInputError(f"{first}: policy {policy!r} is already defined at {where[policy]}; "
                                        "expected each policy in one table")
                policies[policy], where[policy] = layers, first
        return cls(policies, where)

    def names(self) -> list[str]:
        return list(self.policies)

    def check(self, policy: str, where: str) -> dict[str, tuple[int, int]]:
        """The layers of ``policy``; DSEInputError naming ``where`` when no table defines it."""
        if policy not in self.policies:
            raise DSEInputError(f"{where}: net_policy {policy!r} is not in the policy tables; expected "
                                f"{UNIFORM!r} or one of {sorted(self.policies)}")
        return self.policies[policy]

    def apply(self, workload: Workload, policy: str) -> Workload:
        """``workload`` with every GEMM layer at the policy's bits and the other layers at its widest activation
        bits; DSEInputError when the policy and the network's GEMM layers do not match one to one."""
        layers = self.check(policy, self.where.get(policy, "policy tables"))
        gemm = {layer.name for layer in workload.layers if layer.is_gemm}
        missing, extra = sorted(gemm - set(layers)), sorted(set(layers) - gemm)
        if missing or extra:
            raise DSEInputError(f"{self.where[policy]}: policy {policy!r} does not fit workload {workload.name!r}: "
                                + (f"no bits for its GEMM layer(s) {missing[:4]}" if missing else "")
                                + ("; " if missing and extra else "")
                                + (f"layer(s) {extra[:4]} not in it" if extra else "")
                                + " (expected one row per GEMM layer, zoo layer names)")
        widest = max(a for a, _ in layers.values())
        out = tuple(replace(layer, act_bits=layers[layer.name][0], wgt_bits=layers[layer.name][1]) if layer.is_gemm
                    else replace(layer, act_bits=widest, wgt_bits=widest) for layer in workload.layers)
        return Workload(f"{workload.name}_{policy}", out)

    def widest(self, policy: str, workload: Workload) -> tuple[int, int, int]:
        """(body act, body wgt, edge) widest bits of ``policy`` on ``workload``'s GEMM layers (first and last
        GEMM layer = edges), the key of its accuracy row and the widths the array must be built for."""
        layers = self.check(policy, self.where.get(policy, "policy tables"))
        gemm = [layer.name for layer in workload.layers if layer.is_gemm and layer.name in layers]
        if not gemm:
            raise DSEInputError(f"{self.where[policy]}: policy {policy!r} names no GEMM layer of {workload.name!r}")
        edges, body = {gemm[0], gemm[-1]}, gemm[1:-1] or gemm
        return (max(layers[n][0] for n in body), max(layers[n][1] for n in body),
                max(max(layers[n]) for n in edges))



@lru_cache(maxsize=16)
def _read_csv(path: Path) -> tuple[tuple[str, dict[str, tuple[int, int]], str], ...]:
    """(policy, {layer: (act, wgt)}, "file:line" of its first row) of one table, validated."""
    header, header_where, rows = table_rows(path, "policy table", BUNDLED, COLUMNS)
    if header != COLUMNS:
        raise DSEInputError(f"{header_where}: header {','.join(header)!r}; expected {','.join(COLUMNS)}")
    policies: dict[str, dict[str, tuple[int, int]]] = {}
    first: dict[str, str] = {}
    for where, cells in rows:
        if len(cells) != len(COLUMNS):
            raise DSEInputError(f"{where}: {len(cells)} cells; expected {len(COLUMNS)} ({','.join(COLUMNS)})")
        policy, layer = cells[0].strip(), cells[1].strip()
        if not policy or policy == UNIFORM or not layer:
            raise DSEInputError(f"{where}: policy {policy!r}, layer {layer!r}; expected a policy name other than "
                                f"{UNIFORM!r} and a layer name")
        bits = []
        for column, cell in zip(COLUMNS[2:], cells[2:]):
            try:
                value = int(cell.strip())
            except ValueError:
                raise DSEInputError(f"{where}: {column} = {cell.strip()!r}; expected an integer in 1..32") from None
            if not 1 <= value <= 32:
                raise DSEInputError(f"{where}: {column} = {value}; expected an integer in 1..32")
            bits.append(value)
        layers = policies.setdefault(policy, {})
        first.setdefault(policy, where)
        if layer in layers:
            raise DSEInputError(f"{where}: layer {layer!r} of policy {policy!r} is given twice; expected one row")
        layers[layer] = (bits[0], bits[1])
    if not policies:
        raise DSEInputError(f"{path}: no rows after the header")
    logger.debug("policy table %s: %d policies", path, len(policies))
    return tuple((p, layers, first[p]) for p, layers in policies.items())
