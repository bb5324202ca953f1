"""Scheduling a multi-DNN workload on a heterogeneous design: layer → core assignment and order.

1. **Costs** (:func:`layer_costs`): every layer of every network on every core, from the vectorized
   simulator — one :func:`frontend_sim.simulator.evaluate` call per distinct network over all cores (each
   core with its share of the DRAM link, :meth:`MultiCoreConfig.effective_cores`). A layer a core does
   not support costs ``inf`` there; a layer no core runs is an error.
2. **Schedulers** (all return a :class:`Schedule`; one frame, every instance's layers as a chain; a core
   runs one layer at a time, layers are not pre-empted, no two layers of a chain overlap):

   * :func:`greedy_schedule` — the baseline: greedy earliest-finish list scheduling (at every step the
     ready layer that can finish first, on the core where it finishes first).
   * :func:`herald_schedule` — HERALD's kind of heuristic (Kwon et al., HPCA 2021 / arXiv 1909.07437):
     (a) *dataflow preference*: every layer on the core where its cost (layer EDP when an energy model
     is given, else cycles) is lowest; (b) *load balancing*: layers of the most loaded core move to the
     core where they lose least (smallest cost ratio) while that lowers the largest core load;
     (c) *ordering*: list scheduling with the fixed assignment, ready layers by remaining chain work
     (critical path first), which fills idle gaps with other networks' layers; (d) *idle-time
     reduction*: a layer that would wait for its busy core runs on a core where it finishes earlier.
     The preference, the balanced assignment and intermediate balancing steps are each scheduled with
     and without (d), and the best (EDP, else makespan) is kept.
   * :func:`exact_schedule` — the exact optimum of the makespan (a MILP solved by HiGHS through
     :func:`scipy.optimize.milp`), for small instances (tens of layers): the reference for the gap.

3. **Metrics** (:class:`Schedule`): makespan (cycles, s), per-core busy cycles and utilisation
   (busy / makespan), and with an :class:`EnergyModel` the frame's energy (J) and EDP (J·s).

The DRAM link is shared by static partition (see :mod:`frontend_sim.multicore`), so a layer's cycles do
not depend on what the other cores run at the same time.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from frontend_sim.errors import SimulatorInputError
from frontend_sim.multicore import MultiCoreConfig, layer_kind
from frontend_sim.multidnn import MultiWorkload
from frontend_sim.simulator import BUFFERS, EVALUATED, config_table, evaluate, layer_table

logger = logging.getLogger(__name__)

#: Per-(core, layer) byte counts an :class:`Instance` keeps (the simulator's columns).
TRAFFIC_COLUMNS = ("dram_read_bytes", "dram_write_bytes", "sram_read_bytes", "sram_write_bytes",
                   *(f"sram_{b}_{d}_bytes" for b in BUFFERS for d in ("read", "write")))
#: Largest instance (layers) :func:`exact_schedule` accepts: the MILP has one ordering binary per pair
#: of layers of different jobs.
EXACT_MAX_LAYERS = 40


@dataclass(frozen=True)
class EnergyModel:
    """Power and energy constants of a design's cores at its shared clock.

    ``busy_mw[k]``: core *k*'s power while it runs a layer (dynamic + leakage), mW; ``idle_mw[k]``: while it
    waits (leakage: clock-gated idle), mW; ``static_mw``: always-on power of the rest (interconnect), mW;
    ``dram_pj_per_byte``: pJ per DRAM byte; ``sram_pj_per_byte[k]``: pJ per SRAM byte of core *k*.
    """

    clock_ghz: float
    busy_mw: np.ndarray
    idle_mw: np.ndarray
    static_mw: float
    dram_pj_per_byte: float
    sram_pj_per_byte: np.ndarray


@dataclass(frozen=True)
class Instance:
    """A scheduling problem: tasks (layer instances) with a cost per core and chain predecessors.

    ``cycles``: (cores, tasks), ``inf`` where a core cannot run the task; ``job``: (tasks,) job index;
    ``first``: (jobs + 1,) offsets — the tasks of job *j* are ``first[j]:first[j+1]`` in chain order.
    ``macs``: (tasks,); ``traffic``: :data:`TRAFFIC_COLUMNS` → (cores, tasks) bytes moved.
    ``energy_j``: (cores, tasks) the task's dynamic energy on each core (busy minus idle power × time
    + DRAM + SRAM access energy), J, when an energy model is given, else None.
    """

    design: MultiCoreConfig
    workload: MultiWorkload
    cycles: np.ndarray
    job: np.ndarray
    first: np.ndarray
    layer_names: tuple[str, ...]
    network_names: tuple[str, ...]
    job_names: tuple[str, ...]
    macs: np.ndarray
    traffic: dict[str, np.ndarray]
    energy_model: EnergyModel | None = None
    energy_j: np.ndarray | None = None

    @property
    def n_cores(self) -> int:
        return self.cycles.shape[0]

    @property
    def n_tasks(self) -> int:
        return self.cycles.shape[1]

    @property
    def dram_bytes(self) -> np.ndarray:
        """(cores, tasks) DRAM bytes read + written."""
        return self.traffic["dram_read_bytes"] + self.traffic["dram_write_bytes"]

    @property
    def sram_bytes(self) -> np.ndarray:
        """(cores, tasks) on-chip buffer bytes read + written."""
        return self.traffic["sram_read_bytes"] + self.traffic["sram_write_bytes"]

    @cached_property
    def rank(self) -> np.ndarray:
        """Remaining chain work from each task to its job's end (task included), on its fastest core, cycles."""
        best = self.cycles.min(axis=0)
        rank = np.empty(self.n_tasks)
        for j in range(len(self.first) - 1):
            lo, hi = self.first[j], self.first[j + 1]
            rank[lo:hi] = np.cumsum(best[lo:hi][::-1])[::-1]
        return rank

    def head(self, layers: int) -> Instance:
        """The sub-instance of each job's first ``layers`` layers (small instances for the exact method)."""
        keep = np.concatenate([np.arange(lo, min(lo + layers, hi)) for lo, hi in zip(self.first[:-1], self.first[1:])])
        lengths = np.minimum(np.diff(self.first), layers)
        return replace(self, cycles=self.cycles[:, keep], job=self.job[keep],
                       first=np.concatenate([[0], np.cumsum(lengths)]).astype(int),
                       layer_names=tuple(self.layer_names[i] for i in keep), macs=self.macs[keep],
                       traffic={name: value[:, keep] for name, value in self.traffic.items()},
                       energy_j=None if self.energy_j is None else self.energy_j[:, keep])

    def with_energy(self, model: EnergyModel, access_j: np.ndarray | None = None) -> Instance:
        """This instance with per-task energies from ``model`` (costs unchanged): (busy − idle power) × time
        + access energy, where ``access_j`` (cores, tasks; J) replaces the model's per-byte DRAM/SRAM
        constants when a memory model computed it."""
        seconds = self.cycles / (model.clock_ghz * 1e9)
        dynamic = (np.asarray(model.busy_mw) - np.asarray(model.idle_mw))[:, None] * 1e-3 * seconds
        if access_j is None:
            access_j = (self.dram_bytes * model.dram_pj_per_byte
                        + self.sram_bytes * np.asarray(model.sram_pj_per_byte)[:, None]) * 1e-12
        return replace(self, energy_model=model,
                       energy_j=np.where(np.isfinite(self.cycles), dynamic + access_j, np.inf))


def _kinds(workload) -> list[str]:
    return [layer_kind(layer) for layer in workload.layers]


#: Per-layer simulator columns :func:`simulate_cores` keeps.
COST_COLUMNS = ("total_cycles", "macs", *TRAFFIC_COLUMNS)


def simulate_cores(cores, workload: MultiWorkload) -> list[dict[str, np.ndarray]]:
    """Every layer of every network of ``workload`` on every configuration of ``cores`` (a list of
    HardwareConfig): per network, :data:`COST_COLUMNS` → (configs, layers), one vectorized
    :func:`~frontend_sim.simulator.evaluate` call per network."""
    hw = config_table(list(cores))
    outputs = []
    for network, _ in workload.networks:
        out = dict(zip(EVALUATED, evaluate(layer_table(network), hw)))  # (metrics, configs, layers) by name
        outputs.append({name: out[name] for name in COST_COLUMNS})
    return outputs


def layer_costs(design: MultiCoreConfig, workload: MultiWorkload, energy: EnergyModel | None = None,
                simulated: list[dict[str, np.ndarray]] | None = None, rows=None) -> Instance:
    """Per-(core, layer) cycles and traffic of every layer instance of one frame (see the module docstring).

    ``simulated`` and ``rows``: results of :func:`simulate_cores` for a larger set of configurations and
    the row of each of this design's effective cores in it (a batch of designs simulated together);
    by default the design's cores are simulated here."""
    if simulated is None:
        simulated, rows = simulate_cores(design.effective_cores(), workload), np.arange(len(design.cores))
    rows = np.asarray(rows)
    per_network = []
    for (network, _), out in zip(workload.networks, simulated):
        kinds = _kinds(network)
        allowed = np.array([[kind in core.supports for kind in kinds] for core in design.cores])
        orphan = np.flatnonzero(~allowed.any(axis=0))
        if orphan.size:
            index = int(orphan[0])
            supports = "; ".join(f"{c.name}: {', '.join(c.supports)}" for c in design.cores)
            raise SimulatorInputError(f"workload {network.name!r}: layer {network.layers[index].name!r} "
                                      f"({kinds[index]}) runs on no core of {design.name!r} ({supports})")
        cycles = np.where(allowed, out["total_cycles"][rows].astype(float), np.inf)
        per_network.append((cycles, out["macs"][rows[0]], {name: out[name][rows] for name in TRAFFIC_COLUMNS},
                            [layer.name for layer in network.layers]))
    jobs = workload.jobs
    parts = [per_network[job.network] for job in jobs]
    lengths = [part[0].shape[1] for part in parts]
    instance = Instance(
        design=design, workload=workload,
        cycles=np.concatenate([p[0] for p in parts], axis=1),
        job=np.repeat(np.arange(len(jobs)), lengths),
        first=np.concatenate([[0], np.cumsum(lengths)]).astype(int),
        layer_names=tuple(name for p in parts for name in p[3]),
        network_names=tuple(w.name for w, _ in workload.networks),
        job_names=tuple(job.name for job in jobs),
        macs=np.concatenate([p[1] for p in parts]),
        traffic={name: np.concatenate([p[2][name] for p in parts], axis=1) for name in TRAFFIC_COLUMNS})
    return instance.with_energy(energy) if energy is not None else instance


@dataclass(frozen=True)
class Schedule:
    """A complete schedule of an :class:`Instance`: per task its core and start/finish cycle."""

    instance: Instance
    core: np.ndarray     #: (tasks,) core index
    start: np.ndarray    #: (tasks,) cycles
    finish: np.ndarray   #: (tasks,) cycles
    method: str

    @property
    def makespan_cycles(self) -> float:
        """Cycles from the frame's start to its last layer's end."""
        return float(self.finish.max())

    @property
    def busy_cycles(self) -> np.ndarray:
        """(cores,) cycles each core spends running layers."""
        return np.bincount(self.core, weights=self.finish - self.start, minlength=self.instance.n_cores)

    @property
    def utilization(self) -> np.ndarray:
        """(cores,) busy / makespan, 0..1."""
        return self.busy_cycles / max(self.makespan_cycles, 1.0)

    @property
    def pe_utilization(self) -> float:
        """MACs / (makespan × all PEs), 0..1."""
        return float(self.instance.macs.sum() / (max(self.makespan_cycles, 1.0) * self.instance.design.pes))

    @property
    def makespan_s(self) -> float | None:
        model = self.instance.energy_model
        return None if model is None else self.makespan_cycles / (model.clock_ghz * 1e9)

    @property
    def energy_j(self) -> float | None:
        """J per frame: the tasks' dynamic and access energy + idle and static power over the makespan."""
        model = self.instance.energy_model
        if model is None:
            return None
        tasks = self.instance.energy_j[self.core, np.arange(self.instance.n_tasks)].sum()
        return float(tasks + (np.sum(model.idle_mw) + model.static_mw) * 1e-3 * self.makespan_s)

    @property
    def edp_js(self) -> float | None:
        energy = self.energy_j
        return None if energy is None else energy * self.makespan_s

    def objective(self) -> float:
        """What the schedulers compare: EDP with an energy model, else the makespan."""
        return self.edp_js if self.instance.energy_model is not None else self.makespan_cycles

    def check(self) -> None:
        """Raise AssertionError unless the schedule is feasible (chains in order, one layer per core at a time)."""
        inst = self.instance
        duration = inst.cycles[self.core, np.arange(inst.n_tasks)]
        assert np.all(np.isfinite(duration)), "a task runs on a core that cannot run it"
        assert np.allclose(self.finish - self.start, duration), "task durations differ from their costs"
        for j in range(len(inst.first) - 1):
            lo, hi = inst.first[j], inst.first[j + 1]
            assert np.all(self.start[lo + 1:hi] >= self.finish[lo:hi - 1] - 1e-6), f"chain {j} out of order"
        for c in range(inst.n_cores):
            on = np.flatnonzero(self.core == c)
            order = on[np.argsort(self.start[on], kind="stable")]
            assert np.all(self.start[order[1:]] >= self.finish[order[:-1]] - 1e-6), f"core {c} overlaps"

    def summary(self) -> dict:
        """Makespan, per-core busy cycles and utilisation, energy and EDP (None without an energy model)."""
        names = [core.name for core in self.instance.design.cores]
        return {"method": self.method, "makespan_cycles": self.makespan_cycles, "makespan_s": self.makespan_s,
                "busy_cycles": dict(zip(names, self.busy_cycles.tolist())),
                "utilization": dict(zip(names, self.utilization.tolist())),
                "pe_utilization": self.pe_utilization, "energy_j": self.energy_j, "edp_js": self.edp_js}

    def frame(self) -> pd.DataFrame:
        """One row per task: job, network, layer, core, start, finish, cycles (the Gantt chart's data)."""
        inst = self.instance
        network_of_job = [job.network for job in inst.workload.jobs]
        return pd.DataFrame({
            "job": [inst.job_names[j] for j in inst.job],
            "network": [inst.network_names[network_of_job[j]] for j in inst.job],
            "layer": inst.layer_names,
            "core": [inst.design.cores[c].name for c in self.core],
            "start_cycle": self.start, "finish_cycle": self.finish, "cycles": self.finish - self.start})


def list_schedule(instance: Instance, assignment: np.ndarray, method: str, fill_idle: bool = False) -> Schedule:
    """Schedule with a layer → core assignment: repeatedly start the ready layer (head of a chain) that can
    start earliest, ties to the larger remaining chain work (critical path first). ``fill_idle``: a layer
    that would wait for its busy core runs instead on a core where it finishes earlier (HERALD's idle-time
    reduction); a layer whose core is free keeps its assignment."""
    costs = instance.cycles
    rank = instance.rank
    heads = [int(lo) for lo in instance.first[:-1]]
    ends = [int(hi) for hi in instance.first[1:]]
    ready = [0.0] * len(heads)
    free = [0.0] * instance.n_cores
    core = np.asarray(assignment, dtype=int).copy()
    start = np.empty(instance.n_tasks)
    finish = np.empty(instance.n_tasks)
    active = [j for j in range(len(heads)) if heads[j] < ends[j]]
    while active:
        best, best_key = -1, None
        for j in active:
            task = heads[j]
            key = (max(ready[j], free[core[task]]), -rank[task])
            if best_key is None or key < best_key:
                best, best_key = j, key
        task = heads[best]
        begin = best_key[0]
        end = begin + costs[core[task], task]
        if fill_idle and begin > ready[best]:
            for c in range(instance.n_cores):
                other = max(ready[best], free[c])
                if other + costs[c, task] < end:
                    core[task], begin, end = c, other, other + costs[c, task]
        start[task], finish[task] = begin, end
        ready[best] = free[core[task]] = end
        heads[best] += 1
        if heads[best] == ends[best]:
            active.remove(best)
    return Schedule(instance, core, start, finish, method)


def greedy_schedule(instance: Instance) -> Schedule:
    """Baseline: greedy earliest-finish-time list scheduling (assignment and order decided together)."""
    costs = instance.cycles
    heads = [int(lo) for lo in instance.first[:-1]]
    ends = [int(hi) for hi in instance.first[1:]]
    ready = np.zeros(len(heads))
    free = np.zeros(instance.n_cores)
    core = np.empty(instance.n_tasks, dtype=int)
    start = np.empty(instance.n_tasks)
    finish = np.empty(instance.n_tasks)
    active = [j for j in range(len(heads)) if heads[j] < ends[j]]
    while active:
        tasks = np.asarray([heads[j] for j in active])
        begin = np.maximum(ready[active][None, :], free[:, None])
        end = begin + costs[:, tasks]
        c, i = np.unravel_index(np.argmin(end), end.shape)
        j, task = active[i], tasks[i]
        core[task], start[task], finish[task] = c, begin[c, i], end[c, i]
        ready[j] = free[c] = end[c, i]
        heads[j] += 1
        if heads[j] == ends[j]:
            active.remove(j)
    return Schedule(instance, core, start, finish, "greedy")


def _preference(instance: Instance) -> np.ndarray:
    """Each task's preferred core: lowest layer EDP (energy × cycles) with energies, else fewest cycles."""
    cost = instance.cycles if instance.energy_j is None else instance.energy_j * instance.cycles
    return np.argmin(cost, axis=0)


def _balance_steps(instance: Instance, assignment: np.ndarray):
    """Yield the assignment after each load-balancing move (HERALD's step b), until no move lowers the
    largest core load (sum of assigned cycles)."""
    cycles = instance.cycles
    tasks = np.arange(instance.n_tasks)
    assignment = assignment.copy()
    load = np.bincount(assignment, weights=cycles[assignment, tasks], minlength=instance.n_cores)
    for _ in range(instance.n_tasks):
        worst = int(np.argmax(load))
        on = np.flatnonzero(assignment == worst)
        if on.size == 0:
            return
        own = cycles[worst, on]
        others = cycles[:, on].copy()
        others[worst] = np.inf
        target = np.argmin(others / own[None, :], axis=0)  # the core where each task loses least
        new_cost = others[target, np.arange(on.size)]
        new_peak = np.maximum(load[worst] - own, load[target] + new_cost)
        ratio = np.where(new_peak < load[worst], new_cost / own, np.inf)
        if not np.isfinite(ratio).any():
            return
        pick = int(np.argmin(ratio))
        task, to = on[pick], int(target[pick])
        load[worst] -= own[pick]
        load[to] += new_cost[pick]
        assignment[task] = to
        yield assignment.copy()


#: How many intermediate load-balancing steps :func:`herald_schedule` schedules (evenly spaced).
BALANCE_PROBES = 8


def herald_schedule(instance: Instance) -> Schedule:
    """HERALD-style heuristic (see the module docstring): preference assignment, load balancing, ordering;
    the best (by :meth:`Schedule.objective`) of the probed assignments."""
    preferred = _preference(instance)
    steps = list(_balance_steps(instance, preferred))
    probes = [preferred] + [steps[i] for i in sorted({int(round(k * (len(steps) - 1) / BALANCE_PROBES))
                                                      for k in range(1, BALANCE_PROBES + 1)})] if steps else [preferred]
    schedules = [list_schedule(instance, assignment, "herald", fill_idle)
                 for assignment in probes for fill_idle in (False, True)]
    return min(schedules, key=Schedule.objective)


def exact_schedule(instance: Instance, time_limit_s: float = 60.0) -> Schedule:
    """Makespan-optimal schedule by MILP (scipy.optimize.milp / HiGHS); instances up to
    :data:`EXACT_MAX_LAYERS` tasks. Raises when HiGHS stops without proving optimality."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, cores = instance.n_tasks, instance.n_cores
    if n > EXACT_MAX_LAYERS:
        raise SimulatorInputError(f"exact_schedule: {n} layers; the MILP takes at most {EXACT_MAX_LAYERS}")
    p = instance.cycles
    allowed = np.isfinite(p)
    scale = float(np.where(allowed, p, 0).max()) or 1.0  # solve in units of the longest layer (conditioning)
    finite = np.where(allowed, p, 0.0) / scale
    big = float(finite.max(axis=0).sum())
    pairs = [(i, j) for i, j in itertools.combinations(range(n), 2) if instance.job[i] != instance.job[j]]
    # Variables: x[t, c] (n·cores, binary), s[t] (n), makespan, y[pair] (binary: i before j).
    nx, ns = n * cores, n
    n_var = nx + ns + 1 + len(pairs)
    xs = lambda t, c: t * cores + c  # noqa: E731
    S = lambda t: nx + t  # noqa: E731
    CMAX = nx + ns
    Y = lambda k: nx + ns + 1 + k  # noqa: E731
    rows, lower, upper = [], [], []

    def add(coefs: dict, lo: float, hi: float) -> None:
        row = np.zeros(n_var)
        for index, value in coefs.items():
            row[index] += value
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    for t in range(n):
        add({xs(t, c): 1.0 for c in range(cores)}, 1.0, 1.0)
        # makespan >= s_t + p_t
        add({CMAX: 1.0, S(t): -1.0, **{xs(t, c): -finite[c, t] for c in range(cores)}}, 0.0, np.inf)
    for c in range(cores):  # valid cut: the makespan covers every core's load (tightens the LP bound)
        add({CMAX: 1.0, **{xs(t, c): -finite[c, t] for t in range(n)}}, 0.0, np.inf)
    for j in range(len(instance.first) - 1):
        for t in range(instance.first[j], instance.first[j + 1] - 1):
            add({S(t + 1): 1.0, S(t): -1.0, **{xs(t, c): -finite[c, t] for c in range(cores)}}, 0.0, np.inf)
    for k, (i, j) in enumerate(pairs):
        for c in range(cores):
            if not (allowed[c, i] and allowed[c, j]):
                continue
            # i before j on c: s_j >= s_i + p_i - M(1 - y) - M(2 - x_ic - x_jc)
            add({S(j): 1.0, S(i): -1.0, **{xs(i, d): -finite[d, i] for d in range(cores)}, Y(k): -big,
                 xs(i, c): -big - finite[c, i], xs(j, c): -big}, -3 * big, np.inf)
            # j before i on c: s_i >= s_j + p_j - M y - M(2 - x_ic - x_jc)
            add({S(i): 1.0, S(j): -1.0, **{xs(j, d): -finite[d, j] for d in range(cores)}, Y(k): big,
                 xs(i, c): -big, xs(j, c): -big - finite[c, j]}, -2 * big, np.inf)
    cost = np.zeros(n_var)
    cost[CMAX] = 1.0
    integrality = np.zeros(n_var)
    integrality[:nx] = 1
    integrality[nx + ns + 1:] = 1
    ub = np.full(n_var, np.inf)
    ub[:nx] = allowed.T.reshape(-1).astype(float)
    ub[nx:nx + ns + 1] = big
    ub[nx + ns + 1:] = 1.0
    result = milp(cost, integrality=integrality, bounds=Bounds(np.zeros(n_var), ub),
                  constraints=LinearConstraint(np.asarray(rows), lower, upper),
                  options={"time_limit": time_limit_s})
    if result.status != 0:
        raise RuntimeError(f"exact_schedule: HiGHS did not prove optimality ({result.message})")
    x = result.x[:nx].reshape(n, cores)
    core = np.argmax(x, axis=1)
    start = np.round(result.x[nx:nx + ns], 6)
    # Re-time the solved order as a semi-active schedule (same order, starts as early as allowed).
    order = np.lexsort((np.arange(n), start))
    free = np.zeros(cores)
    finish = np.zeros(n)
    begin = np.zeros(n)
    for t in order:
        prev = finish[t - 1] if t > instance.first[instance.job[t]] else 0.0
        begin[t] = max(free[core[t]], prev)
        finish[t] = free[core[t]] = begin[t] + p[core[t], t]
    return Schedule(instance, core, begin, finish, "exact")


SCHEDULERS = {"herald": herald_schedule, "greedy": greedy_schedule}


def schedule(design: MultiCoreConfig, workload: MultiWorkload, method: str = "herald",
             energy: EnergyModel | None = None) -> Schedule:
    """Costs (:func:`layer_costs`) then the ``method`` scheduler (``herald``, ``greedy`` or ``exact``)."""
    if method not in (*SCHEDULERS, "exact"):
        raise SimulatorInputError(f"scheduler {method!r}: expected one of {', '.join([*SCHEDULERS, 'exact'])}")
    instance = layer_costs(design, workload, energy)
    if method == "exact":
        return exact_schedule(instance)
    return SCHEDULERS[method](instance)


def format_summary(sched: Schedule) -> str:
    """Text summary of a schedule: makespan, then one line per core (busy cycles, utilisation, layers)."""
    inst = sched.instance
    design = inst.design
    lines = [f"{inst.workload.name} on {design.name}: {len(design.cores)} core(s), {design.pes} PEs, "
             f"{design.total_dram_bytes_per_cycle:g} DRAM bytes/cycle shared by static partition; "
             f"{sched.method} schedule of {inst.n_tasks} layers in {len(inst.job_names)} chains",
             f"makespan: {sched.makespan_cycles:,.0f} cycles; PE utilization {100 * sched.pe_utilization:.2f} %"]
    if sched.energy_j is not None:
        lines[-1] += f"; {sched.makespan_s:.6g} s, {sched.energy_j:.6g} J, EDP {sched.edp_js:.6g} J·s"
    lines.append(f"{'core':<12} {'array':>9} {'df':>3} {'DRAM B/cyc':>10} {'busy cycles':>15} {'busy %':>7} "
                 f"{'layers':>6}")
    counts = np.bincount(sched.core, minlength=inst.n_cores)
    for k, (core, hw) in enumerate(zip(design.cores, design.effective_cores())):
        lines.append(f"{core.name:<12} {f'{hw.array_rows}x{hw.array_cols}':>9} {hw.dataflow:>3} "
                     f"{hw.dram_bytes_per_cycle:>10g} {sched.busy_cycles[k]:>15,.0f} "
                     f"{100 * sched.utilization[k]:>7.2f} {counts[k]:>6}")
    return "\n".join(lines)
