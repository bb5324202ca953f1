"""Heterogeneous designs, multi-DNN workloads and their schedules (frontend_sim.multicore/multidnn/schedule)."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import HardwareConfig, get_preset
from frontend_sim.multicore import Core, MultiCoreConfig, load_multicore, multicore_preset_names, single_core
from frontend_sim.multidnn import load_multi_workload, parse_network_spec
from frontend_sim.schedule import (EnergyModel, Instance, Schedule, exact_schedule, greedy_schedule, herald_schedule,
                                   layer_costs, list_schedule, schedule)
from frontend_sim.simulator import simulate
from frontend_sim.zoo import get_workload

HW_OS = HardwareConfig(array_rows=8, array_cols=16, dataflow="os", dram_bytes_per_cycle=16)
HW_WS = HardwareConfig(array_rows=16, array_cols=8, dataflow="ws", dram_bytes_per_cycle=16)


def pair(share="pe", total=16.0) -> MultiCoreConfig:
    return MultiCoreConfig((Core(HW_OS, "os"), Core(HW_WS, "ws")), "pair", total, share)


# ---------------------------------------------------------------- single core = today's simulator
@pytest.mark.parametrize("preset", ["edge-8x8", "genesys-16x16"])
def test_single_core_reproduces_simulate_exactly(preset):
    hw = get_preset(preset)
    design = load_multicore(preset)
    assert design.effective_cores() == (hw,)
    network = get_workload("mobilenetv2")
    result = simulate(network, hw)
    for method in ("herald", "greedy"):
        sched = schedule(design, load_multi_workload(["mobilenetv2"]), method)
        assert sched.makespan_cycles == result.totals["total_cycles"]
        np.testing.assert_array_equal(sched.finish - sched.start, result.layers["total_cycles"].to_numpy())
        assert sched.busy_cycles.tolist() == [result.totals["total_cycles"]]
    two = schedule(design, load_multi_workload(["mobilenetv2:2"]))
    assert two.makespan_cycles == 2 * result.totals["total_cycles"]
    assert two.utilization.tolist() == [1.0]


def test_single_core_energy_is_power_times_runtime_plus_traffic():
    hw = get_preset("edge-8x8")
    result = simulate(get_workload("resnet18"), hw)
    model = EnergyModel(clock_ghz=1.0, busy_mw=np.array([50.0]), idle_mw=np.array([5.0]), static_mw=0.0,
                        dram_pj_per_byte=20.0, sram_pj_per_byte=np.array([0.5]))
    sched = schedule(single_core(hw), load_multi_workload(["resnet18"]), energy=model)
    runtime = result.totals["total_cycles"] / 1e9
    traffic = (result.totals["dram_read_bytes"] + result.totals["dram_write_bytes"]) * 20e-12 + \
        (result.totals["sram_read_bytes"] + result.totals["sram_write_bytes"]) * 0.5e-12
    assert sched.energy_j == pytest.approx(50e-3 * runtime + traffic, rel=1e-12)
    assert sched.edp_js == pytest.approx(sched.energy_j * runtime, rel=1e-12)


# ---------------------------------------------------------------- DRAM sharing
def test_dram_shares():
    assert pair("pe").shares == (0.5, 0.5)
    assert [hw.dram_bytes_per_cycle for hw in pair("pe").effective_cores()] == [8.0, 8.0]
    assert [hw.dram_bytes_per_cycle for hw in pair((0.25, 0.75)).effective_cores()] == [4.0, 12.0]
    # "own" with no total: each core keeps its own port; a share never exceeds the core's own port
    assert pair("own", None).effective_cores() == (HW_OS, HW_WS)
    assert [hw.dram_bytes_per_cycle for hw in pair((0.25, 0.75), 64).effective_cores()] == [16.0, 16.0]
    big = HardwareConfig(array_rows=32, array_cols=8)
    assert MultiCoreConfig((Core(big, "a"), Core(HW_OS, "b")), dram_bytes_per_cycle=10, dram_share="pe").shares \
        == (256 / 384, 128 / 384)
    genesys = get_preset("genesys-16x16")
    shared = MultiCoreConfig((Core(genesys, "a"), Core(genesys, "b")), dram_bytes_per_cycle=genesys.dram_bytes_per_cycle,
                             dram_share="equal").effective_cores()[0]
    assert shared.ibuf_axi_bits == genesys.ibuf_axi_bits // 2 and shared.simd_axi_bits == genesys.simd_axi_bits // 2


def test_less_bandwidth_never_makes_a_core_faster():
    network = load_multi_workload(["resnet18"])
    full = layer_costs(single_core(HW_OS), network).cycles[0]
    half = layer_costs(pair("pe"), network).cycles[0]
    assert np.all(half >= full) and half.sum() > full.sum()


# ---------------------------------------------------------------- files and presets
def test_read_toml_and_json(tmp_path):
    toml = tmp_path / "d.toml"
    toml.write_text('name = "x"\ndram_bytes_per_cycle = 12\ndram_share = [0.5, 0.5]\n'
                    '[[core]]\nbase = "edge-8x8"\ndataflow = "ws"\nsupports = ["conv", "simd"]\n'
                    '[[core]]\nname = "big"\narray_rows = 16\narray_cols = 16\n')
    design = load_multicore(toml)
    assert [c.name for c in design.cores] == ["core0", "big"]
    assert design.cores[0].hardware == HardwareConfig(**{**get_preset("edge-8x8").__dict__, "dataflow": "ws"})
    assert design.cores[0].supports == ("conv", "simd")
    assert design.total_dram_bytes_per_cycle == 12
    js = tmp_path / "d.json"
    js.write_text(json.dumps({"core": [{"array_rows": 4}, {"array_cols": 4}], "dram_share": "equal"}))
    assert [c.hardware.array_rows for c in load_multicore(js).cores] == [4, 32]
    assert set(multicore_preset_names()) >= {"herald-os-ws-256", "mono-16x16"}
    assert load_multicore("herald-os-ws-256").pes == load_multicore("mono-16x16").pes == 256


@pytest.mark.parametrize("text, message", [
    ('[[core]]\narray_rows = 0\n', "d.toml: core 0 (core0): key 'array_rows' = 0; expected an integer >= 1"),
    ('[[core]]\nname = "a"\n[[core]]\nname = "b"\ndataflow = "xs"\n', "core 1 (b): key 'dataflow' = 'xs'; expected one of"),
    ('[[core]]\nsupports = ["fft"]\n', "core 0 (core0): supports=['fft']; expected a non-empty list of conv"),
    ('[[core]]\nbase = "nope"\n', "core 0 (core0): base: unknown hardware preset 'nope'"),
    ('[[core]]\n[[core]]\ndram_share = [0.7, 0.7]\n', "core 1 (core1): unknown key 'dram_share'"),
    ('dram_share = [0.7, 0.7]\n[[core]]\n[[core]]\n', "d.toml: dram_share=[0.7, 0.7]; expected 2 fractions > 0 summing to 1"),
    ('dram_bytes_per_cycle = -1\n[[core]]\n', "d.toml: dram_bytes_per_cycle=-1; expected a number > 0"),
    ('cores = 2\n[[core]]\n', "d.toml: unknown key 'cores'"),
    ('core = 3\n', "d.toml: expected one or more [[core]] tables"),
    ('[[core]]\nname = "a"\n[[core]]\nname = "a"\n', "core names repeat"),
])
def test_bad_design_files(tmp_path, text, message):
    path = tmp_path / "d.toml"
    path.write_text(text)
    with pytest.raises(SimulatorInputError) as info:
        load_multicore(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_layer_that_fits_no_core():
    design = MultiCoreConfig((Core(HW_OS, "gemm_only", ("conv", "gemm")), Core(HW_WS, "dw", ("depthwise",))))
    with pytest.raises(SimulatorInputError, match=r"workload 'resnet18': layer 'conv1.relu' \(simd\) runs on no core "
                                                  r"of 'design' \(gemm_only: conv, gemm; dw: depthwise\)"):
        layer_costs(design, load_multi_workload(["resnet18"]))
    split = MultiCoreConfig((Core(HW_OS, "a", ("conv", "simd")), Core(HW_WS, "b", ("depthwise", "gemm"))))
    sched = herald_schedule(layer_costs(split, load_multi_workload(["mobilenetv2"])))
    sched.check()
    frame = sched.frame()
    assert set(frame.loc[frame.layer.str.endswith(".dw"), "core"]) == {"b"}
    assert set(frame.loc[frame.layer == "classifier", "core"]) == {"b"}


# ---------------------------------------------------------------- workloads
def test_multi_workload_specs():
    assert parse_network_spec("mobilenetv2:3") == ("mobilenetv2", 3)
    assert parse_network_spec("resnet50") == ("resnet50", 1)
    mix = load_multi_workload(["resnet18", "mobilenetv2:2", "resnet18"])
    assert [(w.name, c) for w, c in mix.networks] == [("resnet18", 2), ("mobilenetv2", 2)]
    assert [job.name for job in mix.jobs] == ["resnet18#0", "resnet18#1", "mobilenetv2#0", "mobilenetv2#1"]
    assert mix.macs == 2 * get_workload("resnet18").macs + 2 * get_workload("mobilenetv2").macs
    for bad, message in (("resnet18:0", "count '0' is not an integer >= 1"), ("resnet18:x", "count 'x'"),
                         ("nonet", "unknown workload 'nonet'")):
        with pytest.raises(SimulatorInputError, match=message):
            load_multi_workload([bad])


# ---------------------------------------------------------------- schedulers
@pytest.fixture(scope="module")
def mixed() -> Instance:
    return layer_costs(pair(), load_multi_workload(["resnet18", "mobilenetv2:2"]))


def lower_bound(instance: Instance) -> float:
    """max(longest chain on its fastest cores, total fastest work / cores): no schedule beats it."""
    best = instance.cycles.min(axis=0)
    return max(max(best[lo:hi].sum() for lo, hi in zip(instance.first[:-1], instance.first[1:])),
               best.sum() / instance.n_cores)


def test_schedules_are_feasible_and_above_the_lower_bound(mixed):
    for sched in (herald_schedule(mixed), greedy_schedule(mixed),
                  list_schedule(mixed, np.zeros(mixed.n_tasks, dtype=int), "core0")):
        sched.check()
        assert sched.makespan_cycles >= lower_bound(mixed) - 1e-6
        assert np.all(sched.utilization <= 1 + 1e-12)
        assert len(sched.frame()) == mixed.n_tasks
    one_core = list_schedule(mixed, np.zeros(mixed.n_tasks, dtype=int), "core0")
    assert one_core.makespan_cycles == mixed.cycles[0].sum()  # everything serialised on core 0
    assert herald_schedule(mixed).makespan_cycles < one_core.makespan_cycles


def brute_force_makespan(instance: Instance) -> float:
    """Optimal makespan by enumeration: every assignment × every interleaving of the chains, each timed
    as a semi-active schedule (an optimal schedule is among them for a regular objective)."""
    n = instance.n_tasks
    jobs = [list(range(lo, hi)) for lo, hi in zip(instance.first[:-1], instance.first[1:])]
    orders = {tuple(o) for o in itertools.permutations(instance.job.tolist())}
    best = np.inf
    for assignment in itertools.product(range(instance.n_cores), repeat=n):
        if not np.isfinite(instance.cycles[list(assignment), range(n)]).all():
            continue
        for order in orders:
            nxt = [0] * len(jobs)
            free = [0.0] * instance.n_cores
            done = [0.0] * len(jobs)
            for j in order:
                t = jobs[j][nxt[j]]
                nxt[j] += 1
                c = assignment[t]
                done[j] = free[c] = max(free[c], done[j]) + instance.cycles[c, t]
            best = min(best, max(done))
    return best


def test_exact_matches_brute_force_and_bounds_the_heuristics():
    small = layer_costs(pair(), load_multi_workload(["resnet18", "mobilenetv2"])).head(4)
    assert small.n_tasks == 8  # 2 chains x 4 layers: 256 assignments x 70 interleavings
    exact = exact_schedule(small)
    exact.check()
    assert exact.makespan_cycles == pytest.approx(brute_force_makespan(small), rel=1e-9)
    for heuristic in (herald_schedule(small), greedy_schedule(small)):
        assert heuristic.makespan_cycles >= exact.makespan_cycles - 1e-6


def test_exact_on_a_closed_form_instance():
    """Two chains (a1 -> a2, b1) on two identical cores, layer cycles 3, 3, 4: optimum 6 (a on one core,
    b on the other); one core alone would need 10."""
    hw = HardwareConfig()
    design = MultiCoreConfig((Core(hw, "x"), Core(hw, "y")))
    mix = load_multi_workload(["resnet18"])
    base = layer_costs(design, mix).head(3)
    cycles = np.array([[3.0, 3.0, 4.0], [3.0, 3.0, 4.0]])
    from dataclasses import replace
    instance = replace(base, cycles=cycles, job=np.array([0, 0, 1]), first=np.array([0, 2, 3]))
    assert exact_schedule(instance).makespan_cycles == 6.0
    assert greedy_schedule(instance).makespan_cycles == 6.0


def test_unknown_scheduler():
    with pytest.raises(SimulatorInputError, match="scheduler 'fifo': expected one of herald, greedy, exact"):
        schedule(pair(), load_multi_workload(["resnet18"]), "fifo")


def test_schedule_is_a_dataclass_of_arrays(mixed):
    sched = herald_schedule(mixed)
    assert isinstance(sched, Schedule) and sched.summary()["energy_j"] is None
    assert set(sched.summary()["busy_cycles"]) == {"os", "ws"}


# ---------------------------------------------------------------- CLI
def invoke(*args):
    from click.testing import CliRunner

    from dse.cli import main

    return CliRunner().invoke(main, ["simulate", *args])


def test_cli_prints_the_schedule_summary(tmp_path):
    out = tmp_path / "schedule.csv"
    result = invoke("--hw", "herald-os-ws-256", "-w", "resnet18", "-w", "mobilenetv2:2", "--csv", str(out))
    assert result.exit_code == 0, result.output
    expected = schedule(load_multicore("herald-os-ws-256"), load_multi_workload(["resnet18", "mobilenetv2:2"]))
    assert f"makespan: {expected.makespan_cycles:,.0f} cycles" in result.output
    for name, busy in expected.summary()["busy_cycles"].items():
        assert name in result.output and f"{busy:,.0f}" in result.output
    import pandas as pd

    table = pd.read_csv(out)
    assert len(table) == expected.instance.n_tasks and table["finish_cycle"].max() == expected.makespan_cycles
    greedy = invoke("--hw", "herald-os-ws-256", "-w", "resnet18", "-w", "mobilenetv2:2", "--scheduler", "greedy")
    assert "greedy schedule" in greedy.output


def test_cli_single_network_single_core_keeps_the_layer_table():
    result = invoke("--hw", "edge-8x8", "-w", "resnet18")
    assert result.exit_code == 0 and "total:" in result.output and "makespan" not in result.output


@pytest.mark.parametrize("args, message", [
    (("--hw", "herald-os-ws-256", "-w", "resnet18:0"), "count '0' is not an integer >= 1"),
    (("--hw", "mono-16x16", "-w", "resnet18", "--scheduler", "exact"), "48 layers; the MILP takes at most 40"),
    (("--hw", "herald-os-ws-256", "-w", "resnet18", "--dataflow", "ws"), "--dataflow/--mapping apply to a single-core"),
])
def test_cli_bad_input_is_one_line(args, message):
    result = invoke(*args)
    assert result.exit_code != 0 and message in result.output
    assert result.output.strip().count("\n") == 0


# ---------------------------------------------------------------- Gantt chart
def test_gantt_chart_shows_every_layer(tmp_path, mixed):
    from dse.report_gantt import gantt_figure, write_gantt

    sched = herald_schedule(mixed)
    figure = gantt_figure(sched)
    assert [trace.name for trace in figure.data] == ["resnet18", "mobilenetv2"]
    assert sum(len(trace.x) for trace in figure.data) == mixed.n_tasks
    bars = sorted((b, b + x) for trace in figure.data for b, x in zip(trace.base, trace.x))
    assert bars == sorted(zip(sched.start.tolist(), sched.finish.tolist()))
    assert "cycles" in figure.layout.xaxis.title.text
    path = write_gantt(sched, tmp_path / "g.html", plotly_js="cdn")
    assert path.read_text().count("resnet18") >= 1 and not list(tmp_path.glob(".*.tmp"))
