"""Design points → system metrics, composed from three cost models (:mod:`dse.cost`): a performance
model (cycles, traffic; default: the batched frontend_sim simulator), a logic-PPA model (logic area,
power, achieved clock; default: the surrogate bundle) and a memory model (buffer area, access energy,
SRAM leakage, memory clock limit; default: per-node constants). The space file's ``[cost_models]``
names other registered components.

Equations (per workload ``w``; units in brackets):

* effective clock ``f_eff = min(target_clock_ghz, logic fmax, memory fmax)`` [GHz] — the seed paper's
  "effective frequency": a design that misses its target clock runs at the clock it achieves.
* logic power ``P = P_leak + (P_target − P_leak) · f_eff / f_target`` [mW]: the logic model's power is
  at the target clock; its dynamic part scales with the clock, leakage does not.
* ``runtime_s = total_cycles / (f_eff · 1e9)``, ``throughput_ips = 1 / runtime_s``.
* ``energy_j = P · runtime_s + E_DRAM + E_SRAM`` with ``E_SRAM = SRAM access energy + P_SRAM_leak ·
  runtime_s`` (the memory model's access energies and leakage; the constants model: bytes × pJ/byte, no
  leakage).
* LLM phases: ``tokens_per_s = tokens / runtime_s``, ``energy_per_token_j = energy_j / tokens`` (tokens: output
  tokens per run, one per sequence of a decode step's batch); ``ttft_s`` is a prefill workload's runtime and
  ``tpot_s`` a decode step's (their aggregates: the weighted mean over the workloads of that phase).
* ``edp_js = energy_j · runtime_s``; ``ips_per_mm2 = throughput / area_mm2``;
  ``ips_per_w = throughput / avg_power`` with ``avg_power = energy / runtime``.
* ``area_um2 = logic area + memory area`` (constants model: (ibuf+wbuf+obuf+bbuf+vmem) KiB · A_SRAM).

Several workloads combine with normalised weights ``ŵ``: cycles, runtime, energy and traffic are
``Σ ŵ·value`` (per average inference); throughput, EDP, power and the ratios follow from those.

Network co-exploration (:mod:`dse.network`): where the space searches ``net_*`` columns, each design runs its
own scaled / quantised network (designs with the same choice are simulated together). With an accuracy table
(``[search] accuracy``, :mod:`dse.accuracy`) every design gets ``<workload>.top1`` (percent, looked up, never
computed), ``top1`` = the lowest over the workloads, and ``accuracy_uncertain`` (any lookup beyond an exact row).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dse import network
from dse.accuracy import AccuracyTable
from dse.precision_policy import PolicyTable
from dse.cost.logic import REQUIRED_TARGETS
from dse.cost.protocols import LogicModel, MemoryDesign, MemoryModel, Performance, PerformanceModel, check_rows
from dse.cost.registry import build
from dse.errors import DSEInputError
from dse.metrics import PHASE_METRICS, WORKLOAD_METRICS, metric_units
from dse.objectives import constraint_matrix, objective_matrix
from dse.space import SearchSpace
from frontend_sim.simulator import combination_problems

logger = logging.getLogger(__name__)


def workload_key(name: str) -> str:
    """Metric prefix of a workload: the zoo name, or the file stem of a CSV/ONNX/JSON path; a batch ``@B``
    becomes ``_bB`` (metric names are identifiers: ``resnet50@8`` → ``resnet50_b8``)."""
    from frontend_sim.loader import SUFFIXES

    source, _, batch = name.rpartition("@") if "@" in name else (name, "", "")
    key = Path(source).stem if ("/" in source or Path(source).suffix.lower() in SUFFIXES) else source
    return f"{key}_b{batch}" if batch else key


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
    _warn_fixed_out_of_domain(space, bundle.encoder_, path)
    return bundle


def _warn_fixed_out_of_domain(space: SearchSpace, encoder, path) -> None:
    """One warning line per [fixed] feature outside the bundle's training range or categories: every design
    of the space is then out of the surrogates' domain (and, unless out_of_domain = "allow", infeasible)."""
    for name, value in space.fixed.items():
        if name in encoder.ranges_ and isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = encoder.ranges_[name]
            if not low <= value <= high:
                logger.warning("%s: [fixed].%s = %g is outside the range the surrogates %s were trained on "
                               "(%g…%g): every design is out of their domain (out_of_domain = %s)",
                               space.path, name, value, path, low, high, space.out_of_domain)
        elif name in encoder.categories_ and str(value) not in encoder.categories_[name]:
            logger.warning("%s: [fixed].%s = %r is a category the surrogates %s never saw (%s): every design is "
                           "out of their domain (out_of_domain = %s)", space.path, name, value, path,
                           ", ".join(encoder.categories_[name]), space.out_of_domain)


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
    (``{key: (Workload, weight)}``, see :func:`load_workloads`). The cost models are the ones the space's
    ``[cost_models]`` names (see :mod:`dse.cost.registry`).
    """

    def __init__(self, space: SearchSpace, bundle, workloads: dict[str, tuple[object, float]]):
        self.space = space
        self.bundle = bundle
        self.workloads = workloads
        total = sum(weight for _, weight in workloads.values())
        self.weights = {key: weight / total for key, (_, weight) in workloads.items()}
        self.performance: PerformanceModel = build("performance", space, bundle)
        self.logic: LogicModel = build("logic", space, bundle)
        self.memory: MemoryModel = build("memory", space, bundle)
        #: The memory model's per-PDK parameters, recorded with a study.
        self.constants = self.memory.constants
        network.check_workloads(space.column_names, workloads, space.path)
        #: Measured accuracies (None: the space has no ``[search] accuracy``).
        self.accuracy = AccuracyTable.read(*space.accuracy) if space.accuracy else None
        #: Per-layer precision policies for ``net_policy`` (None: the space names none).
        self.policies = PolicyTable.read(*space.policies) if space.policies else None

    def metric_units(self) -> dict[str, str]:
        """Unit of every metric this evaluator produces (:func:`dse.metrics.metric_units`)."""
        return metric_units(list(self.workloads), accuracy=self.accuracy is not None)

    def _simulate(self, key: str, workload, designs: pd.DataFrame) -> Performance:
        """The performance model on every design, each running the network its ``net_*`` columns choose."""
        columns = tuple(network.searched_columns(designs.columns))
        if not columns:
            return check_rows(self.performance.simulate(workload, designs), len(designs), "the performance model")
        picks = network.choices(designs, key, self.policies, workload)
        groups: dict[tuple, list[int]] = {}
        for i, row in enumerate(designs[list(columns)].itertuples(index=False, name=None)):
            groups.setdefault(row, []).append(i)
        parts = []
        for rows in groups.values():
            variant = network.workload_for(picks[rows[0]], workload, columns, self.policies)
            parts.append((rows, check_rows(self.performance.simulate(variant, designs.iloc[rows]), len(rows),
                                           "the performance model")))
        return _scatter(parts, len(designs))

    def _accuracy(self, designs: pd.DataFrame) -> dict[str, np.ndarray]:
        """``<workload>.top1`` per workload, ``top1`` (the lowest; NaN when any is unknown) and
        ``accuracy_uncertain`` (any workload's lookup went beyond an exact row)."""
        out, uncertain = {}, np.zeros(len(designs), dtype=bool)
        for key, (workload, _) in self.workloads.items():
            answers = {}
            picks = network.choices(designs, key, self.policies, workload)
            for choice in picks:
                if choice not in answers:
                    answers[choice] = self.accuracy.lookup(choice)
            top1 = np.array([answers[c].top1 for c in picks], dtype=float)
            uncertain |= np.array([answers[c].uncertain for c in picks], dtype=bool)
            out[f"{key}.top1"] = top1
        out["top1"] = np.min(np.vstack([out[f"{key}.top1"] for key in self.workloads]), axis=0)  # NaN if any unknown
        out["accuracy_uncertain"] = uncertain
        return out

    def evaluate(self, designs: pd.DataFrame) -> pd.DataFrame:
        """Metrics (columns named in dse.metrics) for complete design points (``SearchSpace.designs``)."""
        designs = designs.reset_index(drop=True)
        out, memory = self._design(designs)
        area_mm2 = out["area_um2"] / 1e6
        totals = {m: 0.0 for m in ("total_cycles", "runtime_s", "energy_j", "energy_logic_j", "energy_dram_j",
                                    "energy_sram_j", "dram_bytes", "sram_bytes", "utilization", "ops", "tokens")}
        phases = {name: 0.0 for name in PHASE_METRICS}
        phase_weights = {name: 0.0 for name in PHASE_METRICS}
        for key, (workload, _) in self.workloads.items():
            perf = self._simulate(key, workload, designs)
            energy = check_rows(self.memory.energy(designs, perf), len(designs), "the memory model")
            runtime = perf.total_cycles / (out["clock_ghz"].to_numpy() * 1e9)
            parts = {
                "total_cycles": perf.total_cycles,
                "runtime_s": runtime,
                "energy_logic_j": out["power_mw"].to_numpy() * 1e-3 * runtime,
                "energy_dram_j": energy.dram_j,
                "energy_sram_j": energy.sram_j + memory.leakage_mw * 1e-3 * runtime,
                "dram_bytes": perf.dram_bytes,
                "sram_bytes": perf.sram_bytes,
                "utilization": perf.utilization,
                "ops": 2.0 * perf.macs,
                "tokens": np.full(len(designs), float(getattr(workload, "tokens", 0))),
            }
            parts["energy_j"] = parts["energy_logic_j"] + parts["energy_dram_j"] + parts["energy_sram_j"]
            phase = getattr(workload, "phase", "")
            for name, value in self._derived(parts, area_mm2).items():
                out[f"{key}.{name}"] = value
            for name, metric_phase in PHASE_METRICS.items():
                out[f"{key}.{name}"] = runtime if phase == metric_phase else np.nan
                if phase == metric_phase:
                    phases[name] = phases[name] + self.weights[key] * runtime
                    phase_weights[name] += self.weights[key]
            for name in totals:
                totals[name] = totals[name] + self.weights[key] * parts[name]
        for name, value in self._derived(totals, area_mm2).items():
            out[name] = value
        if self.accuracy is not None:
            for name, value in self._accuracy(designs).items():
                out[name] = value
        for name in PHASE_METRICS:  # weighted mean over the workloads of that phase
            out[name] = phases[name] / phase_weights[name] if phase_weights[name] else np.nan
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
        tokens = np.asarray(parts["tokens"], dtype=float)
        derived["tokens_per_s"] = tokens / runtime
        with np.errstate(divide="ignore", invalid="ignore"):
            derived["energy_per_token_j"] = np.where(tokens > 0, energy / np.where(tokens > 0, tokens, 1), np.nan)
        return {name: derived[name] for name in WORKLOAD_METRICS if name not in PHASE_METRICS}

    def _design(self, designs: pd.DataFrame) -> tuple[pd.DataFrame, MemoryDesign]:
        """Workload-independent metrics (area, effective clock, logic power, trust flags) and the memory's cost."""
        logic = check_rows(self.logic.predict(designs), len(designs), "the logic model")
        memory = check_rows(self.memory.design(designs), len(designs), "the memory model")
        target = designs["target_clock_ghz"].to_numpy(dtype=float)
        clock = np.minimum(np.minimum(target, logic.fmax_ghz), memory.fmax_ghz)
        out = pd.DataFrame({
            "area_logic_um2": logic.area_um2,
            "area_sram_um2": memory.area_um2,
            "area_um2": logic.area_um2 + memory.area_um2,
            "area_mm2": (logic.area_um2 + memory.area_um2) / 1e6,
            "fmax_ghz": logic.fmax_ghz,
            "clock_ghz": clock,
            "power_target_mw": logic.power_mw,
            "leakage_mw": logic.leakage_mw,
            "power_mw": logic.leakage_mw + (logic.power_mw - logic.leakage_mw) * clock / target,
            "area_um2_std": logic.area_um2_std,
            "power_mw_std": logic.power_mw_std,
            "fmax_ghz_std": logic.fmax_ghz_std,
            "surrogate_rel_spread": logic.rel_spread,
            "in_domain": logic.in_domain,
        })
        out["uncertain"] = out["surrogate_rel_spread"].to_numpy() > self.space.uncertainty_threshold
        return out, memory

    def assess(self, designs: pd.DataFrame) -> Assessment:
        """Rules, evaluation, surrogate trust policy, objectives and constraints for a batch of designs."""
        designs = designs.reset_index(drop=True)
        rejected = self.space.rule_violations(designs).map(lambda name: f"rule:{name}" if name else "")
        picks = ([network.choices(designs, key, self.policies, workload) for key, (workload, _) in self.workloads.items()]
                 if "net_policy" in designs else [])
        rejected[(rejected == "").to_numpy() & network.too_wide(designs, picks)] = "layers_wider_than_array"
        # hardware no mapping can run (e.g. a GeneSys buffer below the least legal tile): rejected with the reason
        hardware = pd.Series(combination_problems(designs), index=designs.index)
        unrunnable = (rejected == "") & (hardware != "")
        rejected[unrunnable] = "hardware:" + hardware[unrunnable]
        valid = (rejected == "").to_numpy()
        if valid.any():
            metrics = self.evaluate(designs[valid]).set_axis(designs.index[valid]).reindex(designs.index)
        else:
            metrics = pd.DataFrame(np.nan, index=designs.index,
                                   columns=[*self.metric_units(), "in_domain", "uncertain"])
        in_domain = ~metrics["in_domain"].eq(False)  # rows not evaluated (NaN) count as in domain
        uncertain = metrics["uncertain"].eq(True)
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
        if self.accuracy is not None and self.space.accuracy_uncertain != "allow":
            doubtful = valid & metrics["accuracy_uncertain"].fillna(False).astype(bool).to_numpy()
            if self.space.accuracy_uncertain == "reject":
                rejected[doubtful & (rejected == "").to_numpy()] = "accuracy_uncertain"
            else:
                constraints = np.column_stack([constraints, np.where(doubtful, 1.0, 0.0)])
                names.append("accuracy_trust")
        return Assessment(metrics=metrics, objectives=objectives, constraints=constraints, rejected=rejected,
                          constraint_names=names)


def _scatter(parts: list[tuple[list[int], Performance]], count: int) -> Performance:
    """One Performance over ``count`` designs from the Performances of row subsets."""
    def gather(get) -> np.ndarray:
        out = np.empty(count)
        for rows, perf in parts:
            out[rows] = get(perf)
        return out

    buffers = parts[0][1].sram_read_bytes
    return Performance(
        total_cycles=gather(lambda p: p.total_cycles), utilization=gather(lambda p: p.utilization),
        macs=gather(lambda p: p.macs), dram_read_bytes=gather(lambda p: p.dram_read_bytes),
        dram_write_bytes=gather(lambda p: p.dram_write_bytes),
        sram_read_bytes={b: gather(lambda p, b=b: p.sram_read_bytes[b]) for b in buffers},
        sram_write_bytes={b: gather(lambda p, b=b: p.sram_write_bytes[b]) for b in buffers})
