"""Design points → system metrics: the batched simulator for cycles and traffic, the PPA surrogates
for logic area, power and achieved clock, and per-node memory constants.

Equations (per workload ``w``; units in brackets):

* effective clock ``f_eff = min(target_clock_ghz, fmax_ghz)`` [GHz] — the seed paper's "effective
  frequency": a design that misses its target clock runs at the clock it achieves.
* logic power ``P = P_leak + (P_target − P_leak) · f_eff / f_target`` [mW]: the surrogate's power is
  at the target clock; its dynamic part scales with the clock, leakage does not (``P_leak`` is the
  surrogate's ``leakage_mw`` when the bundle predicts it, else 0 — then all power is scaled).
* ``runtime_s = total_cycles / (f_eff · 1e9)``, ``throughput_ips = 1 / runtime_s``.
* ``energy_j = P · runtime_s + DRAM bytes · e_DRAM + SRAM bytes · e_SRAM``.
* ``edp_js = energy_j · runtime_s``; ``ips_per_mm2 = throughput / area_mm2``;
  ``ips_per_w = throughput / avg_power`` with ``avg_power = energy / runtime``.
* ``area_um2 = logic area (surrogate) + (ibuf+wbuf+obuf+bbuf+vmem) KiB · A_SRAM``.

The synthesized datasets contain the PE array (+ SIMD) logic only, no SRAM macros: buffer area and
access energy come from the approximate per-node constants in :data:`MEMORY_CONSTANTS`.
Several workloads combine with normalised weights ``ŵ``: cycles, runtime, energy and traffic are
``Σ ŵ·value`` (per average inference); throughput, EDP, power and the ratios follow from those.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from dse.errors import DSEInputError
from dse.metrics import METRIC_UNITS, WORKLOAD_METRICS
from dse.objectives import constraint_matrix, objective_matrix
from dse.space import HARDWARE_DEFAULTS, SearchSpace
from ppa.errors import PPAInputError
# Re-exported only until dse/study.py and dse/report.py import tree_sha256 from ppa.hashing (the lead's merge).
from ppa.hashing import tree_sha256 as file_sha256  # noqa: F401

#: Surrogate targets the evaluator needs.
REQUIRED_TARGETS = ("area_um2", "power_mw", "fmax_ghz")
BUFFER_FIELDS = ("ibuf_kib", "wbuf_kib", "obuf_kib", "bbuf_kib", "vmem_kib")


@dataclass(frozen=True)
class MemoryConstants:
    """Per-node memory constants (approximate; override in the space file's [constants])."""

    dram_pj_per_byte: float  #: pJ per DRAM byte moved (read or write)
    sram_pj_per_byte: float  #: pJ per SRAM byte accessed
    sram_um2_per_kib: float  #: µm² per KiB of on-chip buffer (bitcells + periphery)


#: Sources: DRAM — Horowitz, "Computing's energy problem", ISSCC 2014: 1.3–2.6 nJ per 64-bit DRAM
#: access, i.e. ~20–40 pJ/byte; we take the low end, 20 pJ/byte (LPDDR-class), for both nodes.
#: SRAM energy — same source, 45 nm: 20 pJ per 64-bit read of a 32 KB SRAM = 2.5 pJ/byte, scaled to the
#: node by first-order C·V² (C ∝ feature size): 7 nm at 0.7 V → 2.5·(7/45)·(0.7/0.9)² ≈ 0.24 pJ/byte;
#: 180 nm at 3.3 V (the GF180 library's voltage) → 2.5·(180/45)·(3.3/0.9)² ≈ 134 pJ/byte.
#: SRAM area — 6T bitcell area / 50 % array efficiency × 8192 bits: 7 nm-class high-density bitcell
#: 0.027 µm² (TSMC N7, IEDM 2016) → ≈ 442 µm²/KiB; 180 nm-class bitcell ≈ 5 µm² → ≈ 81,920 µm²/KiB.
MEMORY_CONSTANTS = {
    "asap7": MemoryConstants(dram_pj_per_byte=20.0, sram_pj_per_byte=0.24, sram_um2_per_kib=442.0),
    "gf180": MemoryConstants(dram_pj_per_byte=20.0, sram_pj_per_byte=134.0, sram_um2_per_kib=81920.0),
}


def workload_key(name: str) -> str:
    """Metric prefix of a workload: the zoo name, or the file stem of a CSV/ONNX path."""
    return Path(name).stem if ("/" in name or Path(name).suffix) else name


def load_workloads(names: dict[str, float], where: str) -> dict[str, tuple[object, float]]:
    """``{key: (Workload, weight)}``; an unknown workload is a DSEInputError naming it."""
    from frontend_sim.loader import load_workload

    if not names:
        raise DSEInputError(f"{where}: no workload; give --workload NAME[:WEIGHT] or [search].workloads")
    loaded = {}
    for name, weight in names.items():
        try:
            loaded[workload_key(name)] = (load_workload(name), float(weight))
        except ValueError as exc:
            raise DSEInputError(f"{where}: workload {name!r}: {exc}") from None
    return loaded


def load_model_bundle(path: str | Path, space: SearchSpace):
    """The surrogate bundle at ``path``, checked against the space (features) and the evaluator (targets)."""
    from ppa.bundle import load_bundle

    try:
        bundle = load_bundle(path)
    except (OSError, ValueError) as exc:
        raise DSEInputError(f"model bundle {path}: {exc}") from None
    missing = [t for t in REQUIRED_TARGETS if t not in bundle.targets]
    if missing:
        raise DSEInputError(f"model bundle {path} does not predict {missing}; the evaluator needs "
                            f"{list(REQUIRED_TARGETS)} (it has {list(bundle.targets)})")
    space.check_model_features(list(bundle.features), str(path))
    return bundle


@dataclass
class Assessment:
    """Evaluated designs: metrics, objective and constraint values, and why a design was rejected."""

    metrics: pd.DataFrame        #: one row per design (NaN where rejected before evaluation)
    objectives: np.ndarray       #: (designs, objectives)
    constraints: np.ndarray      #: (designs, constraints [+1]); <= 0 feasible
    rejected: pd.Series          #: '' when kept, else the reason (rule:<name>, out_of_domain, uncertain, …)
    constraint_names: list[str]  #: one per constraints column (the constraint text, or "surrogate_trust")

    @property
    def feasible(self) -> np.ndarray:
        return (self.rejected == "").to_numpy() & np.all(self.constraints <= 0, axis=1)


class Evaluator:
    """Batched evaluation of design points of one search space.

    Parameters: ``space`` (SearchSpace), ``bundle`` (from ``ppa.bundle.load_bundle``), ``workloads``
    (``{key: (Workload, weight)}``, see :func:`load_workloads`).
    """

    def __init__(self, space: SearchSpace, bundle, workloads: dict[str, tuple[object, float]]):
        self.space = space
        self.bundle = bundle
        self.workloads = workloads
        total = sum(weight for _, weight in workloads.values())
        self.weights = {key: weight / total for key, (_, weight) in workloads.items()}
        self.constants = {pdk: MemoryConstants(**{**asdict(c), **space.constants})
                          for pdk, c in MEMORY_CONSTANTS.items()}

    def metric_units(self) -> dict[str, str]:
        units = dict(METRIC_UNITS)
        for key in self.workloads:
            units.update({f"{key}.{m}": unit for m, unit in WORKLOAD_METRICS.items()})
        return units

    def evaluate(self, designs: pd.DataFrame) -> pd.DataFrame:
        """Metrics (columns named in dse.metrics) for complete design points (``SearchSpace.designs``)."""
        designs = designs.reset_index(drop=True)
        out = self._backend(designs)
        area_mm2 = out["area_um2"] / 1e6
        totals = {m: 0.0 for m in ("total_cycles", "runtime_s", "energy_j", "energy_logic_j", "energy_dram_j",
                                    "energy_sram_j", "dram_bytes", "sram_bytes", "utilization", "ops")}
        dram_pj = designs["pdk"].map(lambda p: self.constants[p].dram_pj_per_byte).to_numpy(dtype=float)
        sram_pj = designs["pdk"].map(lambda p: self.constants[p].sram_pj_per_byte).to_numpy(dtype=float)
        for key, (workload, _) in self.workloads.items():
            sim = self._simulate(workload, designs)
            runtime = sim["total_cycles"].to_numpy(dtype=float) / (out["clock_ghz"].to_numpy() * 1e9)
            dram = (sim["dram_read_bytes"] + sim["dram_write_bytes"]).to_numpy(dtype=float)
            sram = (sim["sram_read_bytes"] + sim["sram_write_bytes"]).to_numpy(dtype=float)
            parts = {
                "total_cycles": sim["total_cycles"].to_numpy(dtype=float),
                "runtime_s": runtime,
                "energy_logic_j": out["power_mw"].to_numpy() * 1e-3 * runtime,
                "energy_dram_j": dram * dram_pj * 1e-12,
                "energy_sram_j": sram * sram_pj * 1e-12,
                "dram_bytes": dram,
                "sram_bytes": sram,
                "utilization": sim["utilization"].to_numpy(dtype=float),
                "ops": 2.0 * sim["macs"].to_numpy(dtype=float),
            }
            parts["energy_j"] = parts["energy_logic_j"] + parts["energy_dram_j"] + parts["energy_sram_j"]
            for name, value in self._derived(parts, area_mm2).items():
                out[f"{key}.{name}"] = value
            for name in totals:
                totals[name] = totals[name] + self.weights[key] * parts[name]
        for name, value in self._derived(totals, area_mm2).items():
            out[name] = value
        return out

    @staticmethod
    def _derived(parts: dict, area_mm2: pd.Series) -> dict:
        """Workload metrics from per-inference cycles, runtime, energy and traffic."""
        runtime, energy = parts["runtime_s"], parts["energy_j"]
        derived = {name: parts[name] for name in WORKLOAD_METRICS if name in parts}
        derived["throughput_ips"] = 1.0 / runtime
        derived["edp_js"] = energy * runtime
        derived["avg_power_mw"] = energy / runtime * 1e3
        derived["tops"] = parts["ops"] / runtime / 1e12
        derived["ips_per_mm2"] = derived["throughput_ips"] / area_mm2.to_numpy()
        derived["ips_per_w"] = 1.0 / energy
        return {name: derived[name] for name in WORKLOAD_METRICS}

    def _backend(self, designs: pd.DataFrame) -> pd.DataFrame:
        """Logic area/power/fmax from the surrogate, effective clock, SRAM area, trust flags."""
        # One thread: the batches are small, and xgboost's default (all cores) costs ~10x per call when
        # the cores are busy (measured: 0.5 s vs 0.05 s for one row on this 2-core machine).
        with threadpool_limits(limits=1):
            try:
                predicted = self.bundle.predict(designs[list(self.bundle.features)]).reset_index(drop=True)
            except PPAInputError as exc:  # e.g. a PE its measured table lacks
                raise DSEInputError(f"{self.space.path}: the model bundle cannot evaluate these designs: {exc}") from None
        target = designs["target_clock_ghz"].to_numpy(dtype=float)
        fmax = predicted["fmax_ghz"].to_numpy(dtype=float)
        clock = np.minimum(target, fmax)
        power_target = predicted["power_mw"].to_numpy(dtype=float)
        leakage = (predicted["leakage_mw"].to_numpy(dtype=float) if "leakage_mw" in predicted
                   else np.zeros(len(designs)))
        leakage = np.clip(leakage, 0.0, power_target)
        kib = designs[list(BUFFER_FIELDS)].to_numpy(dtype=float).sum(axis=1)
        sram_area = kib * designs["pdk"].map(lambda p: self.constants[p].sram_um2_per_kib).to_numpy(dtype=float)
        logic_area = predicted["area_um2"].to_numpy(dtype=float)
        out = pd.DataFrame({
            "area_logic_um2": logic_area,
            "area_sram_um2": sram_area,
            "area_um2": logic_area + sram_area,
            "area_mm2": (logic_area + sram_area) / 1e6,
            "fmax_ghz": fmax,
            "clock_ghz": clock,
            "power_target_mw": power_target,
            "leakage_mw": leakage,
            "power_mw": leakage + (power_target - leakage) * clock / target,
        })
        spreads = []
        for target_name in REQUIRED_TARGETS:
            std = predicted.get(f"{target_name}_std")
            std = np.full(len(designs), np.nan) if std is None else std.to_numpy(dtype=float)
            out[f"{target_name}_std"] = std
            spreads.append(std / np.abs(predicted[target_name].to_numpy(dtype=float)))
        out["surrogate_rel_spread"] = np.nanmax(np.column_stack(spreads), axis=1) if len(designs) else []
        out["in_domain"] = predicted["in_domain"].to_numpy(dtype=bool)
        out["uncertain"] = out["surrogate_rel_spread"].to_numpy() > self.space.uncertainty_threshold
        return out

    @staticmethod
    def _simulate(workload, designs: pd.DataFrame) -> pd.DataFrame:
        """simulate_batch over the distinct hardware configurations, mapped back to every design."""
        from frontend_sim.simulator import simulate_batch

        hardware = designs[list(HARDWARE_DEFAULTS)]
        distinct = hardware.drop_duplicates().reset_index(drop=True)
        results = simulate_batch(workload, distinct).reset_index(drop=True)
        results = pd.concat([distinct, results.drop(columns=[c for c in distinct if c in results])], axis=1)
        return hardware.merge(results, on=list(HARDWARE_DEFAULTS), how="left")

    def assess(self, designs: pd.DataFrame) -> Assessment:
        """Rules, evaluation, surrogate trust policy, objectives and constraints for a batch of designs."""
        designs = designs.reset_index(drop=True)
        rejected = self.space.rule_violations(designs).map(lambda name: f"rule:{name}" if name else "")
        valid = (rejected == "").to_numpy()
        if valid.any():
            metrics = self.evaluate(designs[valid]).set_axis(designs.index[valid]).reindex(designs.index)
        else:
            metrics = pd.DataFrame(np.nan, index=designs.index,
                                   columns=[*self.metric_units(), "in_domain", "uncertain"])
        in_domain = metrics["in_domain"].fillna(True).astype(bool)
        uncertain = metrics["uncertain"].fillna(False).astype(bool)
        untrusted = valid & (~in_domain.to_numpy() | uncertain.to_numpy())
        policy = self.space.out_of_domain
        if policy == "reject":
            rejected[untrusted & ~in_domain.to_numpy()] = "out_of_domain"
            rejected[untrusted & in_domain.to_numpy()] = "uncertain"
        objectives = objective_matrix(self.space.objectives, metrics)
        broken = (rejected == "").to_numpy() & ~np.all(np.isfinite(objectives), axis=1)
        rejected[broken] = "non_finite"
        penalize = pd.Series(untrusted) if policy == "penalize" else None
        constraints = constraint_matrix(self.space.constraints, metrics, penalize)
        constraints[~valid[:, None] | np.isnan(constraints)] = 1.0  # unevaluated designs count as infeasible
        names = [c.text for c in self.space.constraints] + (["surrogate_trust"] if penalize is not None else [])
        return Assessment(metrics=metrics, objectives=objectives, constraints=constraints, rejected=rejected,
                          constraint_names=names)
