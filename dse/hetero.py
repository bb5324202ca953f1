"""Heterogeneous (multi-core) design spaces: N sub-accelerators searched jointly on a multi-DNN frame.

A space file with a ``[hetero]`` table is evaluated here instead of by :class:`dse.evaluator.Evaluator`
(:func:`make_evaluator` picks by the space)::

    [hetero]
    cores = 2                 # N sub-accelerators (fixed)
    pe_budget = 256           # optional: Σ array_rows × array_cols over the cores <= budget (rule "pe_budget")
    dram_share = "pe"         # how the shared DRAM link is split: "pe" | "equal" | "searched"
    scheduler = "herald"      # "herald" (HERALD-style heuristic) | "greedy" (earliest-finish baseline)

    [parameters]
    core0_array_rows = { values = [4, 8, 16] }    # core<k>_<name>: core k's value of <name>
    core0_dataflow = { values = ["os", "ws", "is"] }
    core0_dram_share = { values = [1, 2, 3] }     # with dram_share = "searched": weights, normalised
    dram_bytes_per_cycle = { values = [8, 16] }   # a plain name: the design's shared DRAM link (bytes/cycle)

    [search]
    workloads = { resnet50 = 1, mobilenetv2 = 2 } # networks and their instances per frame (integers)

Per-core names carry the prefix ``core<k>_`` (expression names are identifiers). Core *k*'s design row is
every plain column (fixed values, shared parameters such as ``target_clock_ghz``, ``pdk``) overridden by
its ``core<k>_`` columns, with the space's ``[derived]`` values recomputed on that row (so
``simd_lanes = "array_cols"`` follows each core's own array). ``dram_bytes_per_cycle`` (plain) is the
shared link; each core's port is the link unless ``core<k>_dram_bytes_per_cycle`` narrows it.

Metrics (one *frame* = every network instance once; units as :mod:`dse.metrics`):

* **Area** ``area_um2`` = Σ cores (logic surrogate + memory model, each predicted exactly as a single-core
  design) + the interconnect term :func:`interconnect_area_um2`.
* **Clock** ``clock_ghz`` = min(target, every core's logic fmax and memory fmax): the cores share one
  clock, so the slowest core sets it. Each core's power is scaled to it as in the single-core evaluator.
* **Schedule** (:mod:`frontend_sim.schedule`): ``total_cycles`` = the frame's makespan, ``runtime_s`` =
  makespan / clock, ``throughput_ips`` = frames/s, ``utilization`` = MACs / (makespan × all PEs).
* **Energy** ``energy_j`` (J per frame) = Σ layers [(core busy − idle logic power) × layer time + the
  memory model's SRAM/DRAM access energy] + (Σ cores' idle logic power + SRAM leakage + interconnect
  power) × makespan: an idle core is clock-gated and only leaks. ``edp_js`` = energy × runtime.
* Per core: ``core<k>.area_um2``, ``core<k>.fmax_ghz``, ``core<k>.busy_cycles``, ``core<k>.utilization``;
  per network: ``<network>.total_cycles`` / ``<network>.runtime_s`` (its last instance's finish in the
  frame; its other per-workload metrics are NaN in a heterogeneous study).

A one-core space (``cores = 1``) is the monolithic design under the same equations (interconnect 0,
busy the whole makespan): its metrics equal :class:`~dse.evaluator.Evaluator`'s for one network.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from dse.cost.protocols import BUFFERS, Performance, check_rows
from dse.cost.registry import build
from dse.errors import DSEInputError
from dse.evaluator import Evaluator, load_workloads
from dse.metrics import METRIC_UNITS, WORKLOAD_METRICS
from dse.space import HARDWARE_DEFAULTS, SearchSpace
from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import FIELD_NAMES, INT_FIELDS, POSITIVE_FLOAT_FIELDS, HardwareConfig, field_problem
from frontend_sim.multicore import Core, MultiCoreConfig
from frontend_sim.multidnn import MultiWorkload
from frontend_sim.schedule import SCHEDULERS, EnergyModel, Schedule, layer_costs, simulate_cores
from ppa.expression_language import Expression

logger = logging.getLogger(__name__)

CORE_COLUMN = re.compile(r"core(\d+)_(\w+)")
HETERO_KEYS = ("cores", "pe_budget", "dram_share", "scheduler")
DRAM_SHARES = ("pe", "equal", "searched")


@dataclass(frozen=True)
class InterconnectConstants:
    """Standard cells of the DRAM arbiter/crossbar, from the PDK's liberty files (µm²)."""

    mux2_um2: float  #: a 2:1 multiplexer (asap7 AO22x1, gf180 mux2_1)
    flop_um2: float  #: a D flip-flop (asap7 DFFHQNx1, gf180 dffq_1)


#: Cell areas read from ../shared/pdk (asap7_AO_TT / asap7_SEQ_TT, gf180_7t_tt_3v30 liberty files).
INTERCONNECT_CONSTANTS = {"asap7": InterconnectConstants(mux2_um2=0.13122, flop_um2=0.2916),
                          "gf180": InterconnectConstants(mux2_um2=28.5376, flop_um2=63.6608)}


def interconnect_area_um2(cores: int, link_bytes_per_cycle: np.ndarray, pdk: pd.Series) -> np.ndarray:
    """Area of the shared-DRAM arbitration, µm²: 0 for one core; for N >= 2 an N:1 multiplexer tree
    (N − 1 2:1 muxes per bit) and one register stage per core port (N flops per bit), on both the
    request/write and the return path, for the link's ``8 × bytes/cycle`` bits. First order: wiring,
    arbitration FSMs and buffering beyond one stage are not counted."""
    if cores < 2:
        return np.zeros(len(pdk))
    mux = pdk.map(lambda p: INTERCONNECT_CONSTANTS[p].mux2_um2).to_numpy(dtype=float)
    flop = pdk.map(lambda p: INTERCONNECT_CONSTANTS[p].flop_um2).to_numpy(dtype=float)
    bits = 8 * np.asarray(link_bytes_per_cycle, dtype=float)
    return 2 * bits * ((cores - 1) * mux + cores * flop)


@dataclass(frozen=True)
class HeteroSpec:
    """The checked [hetero] table."""

    cores: int
    pe_budget: int | None
    dram_share: str
    scheduler: str


def parse_hetero(space: SearchSpace) -> HeteroSpec:
    """[hetero] and the per-core parameter names/values of ``space``; DSEInputError naming the key."""
    where = f"{space.path}: [hetero]"
    raw = space.hetero
    unknown = sorted(set(raw) - set(HETERO_KEYS))
    if unknown:
        raise DSEInputError(f"{where}: unknown key {unknown[0]!r}; expected {', '.join(HETERO_KEYS)}")
    cores = raw.get("cores")
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise DSEInputError(f"{where}.cores = {cores!r}; expected an integer >= 1 (the number of sub-accelerators)")
    budget = raw.get("pe_budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 1):
        raise DSEInputError(f"{where}.pe_budget = {budget!r}; expected an integer >= 1 (PEs over all cores)")
    share = raw.get("dram_share", "pe")
    if share not in DRAM_SHARES:
        raise DSEInputError(f"{where}.dram_share = {share!r}; expected one of {', '.join(DRAM_SHARES)}")
    scheduler = raw.get("scheduler", "herald")
    if scheduler not in SCHEDULERS:
        raise DSEInputError(f"{where}.scheduler = {scheduler!r}; expected one of {', '.join(SCHEDULERS)}")
    for section, names in (("parameters", space.parameters), ("fixed", space.fixed), ("derived", space.derived)):
        for name in names:
            match = CORE_COLUMN.fullmatch(name)
            if not match:
                continue
            k, field = int(match.group(1)), match.group(2)
            if k >= cores:
                raise DSEInputError(f"{space.path}: [{section}].{name}: core {k} does not exist "
                                    f"([hetero].cores = {cores}: core0..core{cores - 1})")
            if field == "dram_share":
                if share != "searched":
                    raise DSEInputError(f"{space.path}: [{section}].{name} needs [hetero].dram_share = \"searched\"")
                continue
            if field in HARDWARE_DEFAULTS and section != "derived":
                values = (space.parameters[name].choices or (space.parameters[name].low, space.parameters[name].high)
                          if section == "parameters" else (space.fixed[name],))
                for value in values:
                    if section == "parameters" and space.parameters[name].kind == "int":
                        value = int(value)
                    problem = field_problem(field, value)
                    if problem:
                        raise DSEInputError(f"{space.path}: [{section}].{name}: value {value!r} is not valid for "
                                            f"HardwareConfig.{field}; expected {problem}")
    if share == "searched":
        missing = [f"core{k}_dram_share" for k in range(cores)
                   if f"core{k}_dram_share" not in {**space.parameters, **space.fixed, **space.derived}]
        if missing:
            raise DSEInputError(f"{where}.dram_share = \"searched\" needs {', '.join(missing)} "
                                f"(weights > 0, normalised per design)")
    for name, weight in space.workloads.items():
        if not float(weight).is_integer():
            raise DSEInputError(f"{space.path}: [search].workloads: {name} = {weight!r}; a heterogeneous space "
                                f"reads it as instances per frame, expected an integer >= 1")
    return HeteroSpec(cores=cores, pe_budget=budget, dram_share=share, scheduler=scheduler)


def _given(space: SearchSpace) -> set[str]:
    return set(space.parameters) | set(space.fixed) | set(space.derived)


def pe_budget_rule(space: SearchSpace, spec: HeteroSpec) -> Expression:
    """The rule Σ_k rows_k × cols_k <= pe_budget over the space's (per-core or shared) array columns."""
    given = _given(space)

    def column(k: int, name: str) -> str:
        return f"core{k}_{name}" if f"core{k}_{name}" in given else name

    total = " + ".join(f"{column(k, 'array_rows')} * {column(k, 'array_cols')}" for k in range(spec.cores))
    return Expression(f"{total} <= {spec.pe_budget}", f"{space.path}: [hetero].pe_budget", DSEInputError)


def core_frames(space: SearchSpace, spec: HeteroSpec, designs: pd.DataFrame) -> list[pd.DataFrame]:
    """One design table per core: plain columns overridden by ``core<k>_`` columns, [derived] recomputed."""
    plain = [c for c in designs.columns if not CORE_COLUMN.fullmatch(c)]
    frames = []
    for k in range(spec.cores):
        frame = designs[plain].copy()
        overrides = {}
        for column in designs.columns:
            match = CORE_COLUMN.fullmatch(column)
            if match and int(match.group(1)) == k and match.group(2) != "dram_share":
                overrides[match.group(2)] = designs[column].to_numpy()
        for name, value in overrides.items():
            frame[name] = value
        for name, expression in space.derived.items():
            if not CORE_COLUMN.fullmatch(name) and name not in overrides:
                values = {column: frame[column].to_numpy() for column in frame.columns}
                frame[name] = np.broadcast_to(expression.evaluate(values), (len(frame),))
        frames.append(frame.reset_index(drop=True))
    return frames


def _hardware(row: dict) -> HardwareConfig:
    """The HardwareConfig of a core's design row (numpy scalars become the fields' Python types; a
    non-integral value of an integer field is left for HardwareConfig to reject)."""
    def python(name: str, value):
        if name in INT_FIELDS and float(value).is_integer():
            return int(value)
        if name in POSITIVE_FLOAT_FIELDS:
            return float(value)
        return bool(value) if name == "fetch_padding" else value

    return HardwareConfig(**{name: python(name, row[name]) for name in FIELD_NAMES})


class HeteroEvaluator(Evaluator):
    """Batched evaluation of heterogeneous design points (see the module docstring); the same interface as
    :class:`~dse.evaluator.Evaluator` (``assess``, ``evaluate``, ``metric_units``), so studies and sweeps run
    unchanged. ``workloads``: ``{key: (Workload, count)}`` (:func:`dse.evaluator.load_workloads`)."""

    def __init__(self, space: SearchSpace, bundle, workloads: dict[str, tuple[object, float]]):
        self.spec = parse_hetero(space)
        if "performance" in space.cost_models:
            raise DSEInputError(f"{space.path}: [cost_models].performance: a heterogeneous space schedules layers "
                                f"with frontend_sim's per-layer costs; drop the performance model")
        rules = dict(space.rules)
        if self.spec.pe_budget is not None:
            rules["pe_budget"] = pe_budget_rule(space, self.spec)
        self.space = SearchSpace(**{f.name: getattr(space, f.name) for f in fields(SearchSpace)} | {"rules": rules})
        self.bundle = bundle
        self.workloads = workloads
        if space.accuracy:
            raise DSEInputError(f"{space.path}: [search] accuracy is not supported in a [hetero] space (one accuracy "
                                f"table per network of a multi-DNN frame is not modelled); remove it")
        self.accuracy = None  # no accuracy metrics (Evaluator.assess reads it)
        self.frame = MultiWorkload(tuple((workload, int(count)) for workload, count in workloads.values()),
                                   name="+".join(f"{int(c)}x{key}" for key, (_, c) in workloads.items()))
        self.logic = build("logic", space, bundle)
        self.memory = build("memory", space, bundle)
        self.constants = self.memory.constants
        self.schedules: dict[int, Schedule] = {}

    def metric_units(self) -> dict[str, str]:
        units = dict(METRIC_UNITS)
        units.update(area_interconnect_um2="µm² (shared-DRAM arbiter: mux tree + port registers, first order)",
                     pes="PEs over all cores")
        for k in range(self.spec.cores):
            units.update({f"core{k}.area_um2": "µm² (logic + SRAM of the core)",
                          f"core{k}.fmax_ghz": "GHz (surrogate: the core's achieved clock)",
                          f"core{k}.busy_cycles": "cycles per frame the core runs layers",
                          f"core{k}.utilization": "1 (busy / makespan)"})
        for key in self.workloads:
            units.update({f"{key}.{m}": unit for m, unit in WORKLOAD_METRICS.items()})
        return units

    def designs(self, designs: pd.DataFrame) -> list[MultiCoreConfig]:
        """The MultiCoreConfig of every design row."""
        frames = core_frames(self.space, self.spec, designs.reset_index(drop=True))
        link = designs["dram_bytes_per_cycle"].to_numpy(dtype=float)
        if self.spec.dram_share == "searched":
            weights = np.column_stack([designs[f"core{k}_dram_share"].to_numpy(dtype=float)
                                       for k in range(self.spec.cores)])
            shares = [tuple(row / row.sum()) for row in weights]
        else:
            shares = [self.spec.dram_share] * len(designs)
        records = [frame[list(FIELD_NAMES)].to_dict(orient="records") for frame in frames]
        out = []
        for i in range(len(designs)):
            try:
                cores = tuple(Core(_hardware(records[k][i]), f"core{k}") for k in range(self.spec.cores))
                out.append(MultiCoreConfig(cores, f"design{i}", link[i], shares[i]))
            except SimulatorInputError as exc:
                raise DSEInputError(f"{self.space.path}: design row {i}: {exc}") from None
        return out

    def evaluate(self, designs: pd.DataFrame) -> pd.DataFrame:
        """Metrics (see the module docstring) of complete design points; ``self.schedules[i]`` keeps the
        schedule of row ``i`` of the last batch (for the Gantt chart)."""
        designs = designs.reset_index(drop=True)
        n = len(designs)
        frames = core_frames(self.space, self.spec, designs)
        logic = [check_rows(self.logic.predict(f), n, "the logic model") for f in frames]
        memory = [check_rows(self.memory.design(f), n, "the memory model") for f in frames]
        target = np.min([f["target_clock_ghz"].to_numpy(dtype=float) for f in frames], axis=0)
        fmax = np.min([np.minimum(lc.fmax_ghz, md.fmax_ghz) for lc, md in zip(logic, memory)], axis=0)
        clock = np.minimum(target, fmax)
        power = [lc.leakage_mw + (lc.power_mw - lc.leakage_mw) * clock / f["target_clock_ghz"].to_numpy(dtype=float)
                 for lc, f in zip(logic, frames)]
        area_cores = [lc.area_um2 + md.area_um2 for lc, md in zip(logic, memory)]
        link = designs["dram_bytes_per_cycle"].to_numpy(dtype=float)
        area_ic = interconnect_area_um2(self.spec.cores, link, designs["pdk"])
        logic_area = np.sum([lc.area_um2 for lc in logic], axis=0)
        # The interconnect burns the cores' average logic power density (mW/µm²), always on.
        power_ic = area_ic * np.sum(power, axis=0) / logic_area
        out = pd.DataFrame({
            "area_logic_um2": logic_area,
            "area_sram_um2": np.sum([md.area_um2 for md in memory], axis=0),
            "area_interconnect_um2": area_ic,
            "area_um2": np.sum(area_cores, axis=0) + area_ic,
            "fmax_ghz": np.min([lc.fmax_ghz for lc in logic], axis=0),
            "clock_ghz": clock,
            "power_target_mw": np.sum([lc.power_mw for lc in logic], axis=0),
            "leakage_mw": np.sum([lc.leakage_mw for lc in logic], axis=0),
            "power_mw": np.sum(power, axis=0) + power_ic,
            "area_um2_std": np.sqrt(np.sum([lc.area_um2_std ** 2 for lc in logic], axis=0)),
            "power_mw_std": np.sqrt(np.sum([lc.power_mw_std ** 2 for lc in logic], axis=0)),
            "fmax_ghz_std": np.choose(np.argmin([lc.fmax_ghz for lc in logic], axis=0),
                                      [lc.fmax_ghz_std for lc in logic]),
            "surrogate_rel_spread": np.max([lc.rel_spread for lc in logic], axis=0),
            "in_domain": np.all([lc.in_domain for lc in logic], axis=0),
        })
        out["area_mm2"] = out["area_um2"] / 1e6
        out["uncertain"] = out["surrogate_rel_spread"].to_numpy() > self.space.uncertainty_threshold
        for k in range(self.spec.cores):
            out[f"core{k}.area_um2"] = area_cores[k]
            out[f"core{k}.fmax_ghz"] = logic[k].fmax_ghz

        multicore = self.designs(designs)
        effective = [design.effective_cores() for design in multicore]
        distinct = list(dict.fromkeys(hw for cores in effective for hw in cores))
        index = {hw: i for i, hw in enumerate(distinct)}
        simulated = simulate_cores(distinct, self.frame)
        rows = []
        self.schedules = {}
        for i, design in enumerate(multicore):
            model = EnergyModel(clock_ghz=float(clock[i]),
                                busy_mw=np.array([power[k][i] + memory[k].leakage_mw[i] for k in range(self.spec.cores)]),
                                idle_mw=np.array([logic[k].leakage_mw[i] + memory[k].leakage_mw[i]
                                                  for k in range(self.spec.cores)]),
                                static_mw=float(power_ic[i]), dram_pj_per_byte=np.nan,
                                sram_pj_per_byte=np.full(self.spec.cores, np.nan))
            instance = layer_costs(design, self.frame, simulated=simulated, rows=[index[hw] for hw in effective[i]])
            sram_j, dram_j = self._access_energy(frames, i, instance)
            instance = instance.with_energy(model, sram_j + dram_j)
            schedule = SCHEDULERS[self.spec.scheduler](instance)
            self.schedules[i] = schedule
            rows.append(self._frame_metrics(schedule, model, sram_j, dram_j, float(out["area_mm2"].iloc[i]),
                                            np.array([memory[k].leakage_mw[i] for k in range(self.spec.cores)])))
        metrics = pd.DataFrame(rows)
        out["pes"] = [design.pes for design in multicore]
        return pd.concat([out, metrics], axis=1)

    def _access_energy(self, frames: list[pd.DataFrame], i: int, instance) -> tuple[np.ndarray, np.ndarray]:
        """(cores, tasks) SRAM and DRAM access energy, J, from the memory model on each core's design row."""
        tasks = instance.n_tasks
        sram, dram = np.zeros((self.spec.cores, tasks)), np.zeros((self.spec.cores, tasks))
        for k, frame in enumerate(frames):
            rows = frame.iloc[np.full(tasks, i)].reset_index(drop=True)
            t = instance.traffic
            perf = Performance(total_cycles=np.where(np.isfinite(instance.cycles[k]), instance.cycles[k], 0.0),
                               utilization=np.zeros(tasks), macs=instance.macs.astype(float),
                               dram_read_bytes=t["dram_read_bytes"][k], dram_write_bytes=t["dram_write_bytes"][k],
                               sram_read_bytes={b: t[f"sram_{b}_read_bytes"][k] for b in BUFFERS},
                               sram_write_bytes={b: t[f"sram_{b}_write_bytes"][k] for b in BUFFERS})
            energy = check_rows(self.memory.energy(rows, perf), tasks, "the memory model")
            sram[k], dram[k] = energy.sram_j, energy.dram_j
        return sram, dram

    def _frame_metrics(self, schedule: Schedule, model: EnergyModel, sram_j: np.ndarray, dram_j: np.ndarray,
                       area_mm2: float, sram_leak_mw: np.ndarray) -> dict:
        """Frame metrics of one design's schedule (see the module docstring); the SRAM leakage
        (``sram_leak_mw`` per core, in the model's idle and busy power) is reported under energy_sram_j."""
        inst = schedule.instance
        tasks = np.arange(inst.n_tasks)
        runtime = schedule.makespan_s
        energy_total = schedule.energy_j
        energy_dram = float(dram_j[schedule.core, tasks].sum())
        energy_sram = float(sram_j[schedule.core, tasks].sum()) + \
            float(np.sum(sram_leak_mw)) * 1e-3 * runtime
        energy_logic = energy_total - energy_dram - energy_sram  # busy/idle logic power + interconnect
        row = {
            "total_cycles": schedule.makespan_cycles, "runtime_s": runtime, "throughput_ips": 1.0 / runtime,
            "energy_j": energy_total, "energy_logic_j": energy_logic, "energy_dram_j": energy_dram,
            "energy_sram_j": energy_sram, "edp_js": energy_total * runtime, "avg_power_mw": energy_total / runtime * 1e3,
            "dram_bytes": float(inst.dram_bytes[schedule.core, tasks].sum()),
            "sram_bytes": float(inst.sram_bytes[schedule.core, tasks].sum()),
            "utilization": schedule.pe_utilization, "tops": 2.0 * inst.macs.sum() / runtime / 1e12,
            "ips_per_mm2": 1.0 / runtime / area_mm2, "ips_per_w": 1.0 / energy_total,
        }
        for k in range(inst.n_cores):
            row[f"core{k}.busy_cycles"] = schedule.busy_cycles[k]
            row[f"core{k}.utilization"] = schedule.utilization[k]
        network_of_job = np.array([job.network for job in inst.workload.jobs])
        for n, key in enumerate(self.workloads):
            finish = schedule.finish[network_of_job[inst.job] == n].max()
            for metric in WORKLOAD_METRICS:
                row[f"{key}.{metric}"] = np.nan
            row[f"{key}.total_cycles"] = finish
            row[f"{key}.runtime_s"] = finish / (model.clock_ghz * 1e9)
        return row


def core_view(space: SearchSpace, k: int) -> SearchSpace:
    """The space as core ``k`` sees it: its ``core<k>_`` names without the prefix (overriding the plain
    ones), the other cores' names and the DRAM share weights left out (to check model features)."""
    def view(table: dict) -> dict:
        plain = {name: value for name, value in table.items() if not CORE_COLUMN.fullmatch(name)}
        own = {CORE_COLUMN.fullmatch(name).group(2): value for name, value in table.items()
               if CORE_COLUMN.fullmatch(name) and int(CORE_COLUMN.fullmatch(name).group(1)) == k}
        own.pop("dram_share", None)
        return {**plain, **own}

    return SearchSpace(**{f.name: getattr(space, f.name) for f in fields(SearchSpace)}
                       | {"parameters": view(space.parameters), "fixed": view(space.fixed),
                          "derived": view(space.derived)})


def load_space_bundle(path, space: SearchSpace):
    """The surrogate bundle at ``path`` checked against the space — for a heterogeneous space, against
    every core's view (:func:`core_view`)."""
    from dse.evaluator import load_model_bundle

    if not space.hetero:
        return load_model_bundle(path, space)
    spec = parse_hetero(space)
    bundle = load_model_bundle(path, core_view(space, 0))
    for k in range(1, spec.cores):
        core_view(space, k).check_model_features(list(bundle.features), f"{path} (core{k})")
    return bundle


def make_evaluator(space: SearchSpace, bundle, workloads: dict | None = None) -> Evaluator:
    """The evaluator a space asks for: :class:`HeteroEvaluator` with a [hetero] table, else the standard one.
    ``workloads``: the space's workloads already loaded (:func:`dse.evaluator.load_workloads`), else loaded here."""
    if workloads is None:
        workloads = load_workloads(space.workloads, space.path)
    if space.hetero:
        return HeteroEvaluator(space, bundle, workloads)
    return Evaluator(space, bundle, workloads)
