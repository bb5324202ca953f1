"""Heterogeneous design spaces (dse.hetero): per-core PPA, the shared clock, the interconnect term, schedules
as metrics, one-core equivalence with the standard evaluator, and one-line errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dse.errors import DSEInputError
from dse.evaluator import Evaluator, load_workloads
from dse.hetero import (INTERCONNECT_CONSTANTS, HeteroEvaluator, load_space_bundle, make_evaluator)
from dse.space import load_space
from frontend_sim.multidnn import load_multi_workload
from frontend_sim.schedule import herald_schedule, layer_costs
from tests.dse_helpers import bundle_dir

FIXED = """pdk = "asap7"
act_bits = 8
wgt_bits = 8
acc_bits = 32
mac_pipeline = 0
mult_style = "star"
target_clock_ghz = 1.0
dram_bytes_per_cycle = 16
"""
DERIVED = '[derived]\nsimd_lanes = "array_cols"\nabc_delay_ps = "abc_delay_ps(target_clock_ghz)"\n'
OBJECTIVES = '[[objectives]]\nmetric = "edp_js"\n\n[[objectives]]\nmetric = "area_um2"\n'


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return bundle_dir(tmp_path_factory)


def write(tmp_path, hetero: str, parameters: str, fixed: str = "", workloads: str = "{ resnet18 = 1 }",
          name: str = "h.toml") -> str:
    path = tmp_path / name
    path.write_text(f"{hetero}\n[parameters]\n{parameters}\n[fixed]\n{FIXED}{fixed}\n{DERIVED}\n"
                    f"[search]\nworkloads = {workloads}\nout_of_domain = \"allow\"\n\n{OBJECTIVES}")
    return str(path)


def evaluator_for(path, models):
    space = load_space(path)
    return space, make_evaluator(space, load_space_bundle(models, space))


TWO_CORES = """core0_array_rows = { values = [4, 8] }
core0_array_cols = { values = [8, 16] }
core0_dataflow = { values = ["os", "ws"] }
core1_array_rows = { values = [8, 16] }
core1_array_cols = { values = [4, 8] }
core1_dataflow = { values = ["ws", "is"] }"""


def test_one_core_space_equals_the_standard_evaluator(tmp_path, models):
    hetero_path = write(tmp_path, "[hetero]\ncores = 1", 'core0_array_rows = { values = [4, 8] }\n'
                        'core0_dataflow = { values = ["os", "ws"] }', fixed="array_cols = 8\n")
    plain_path = write(tmp_path, "", 'array_rows = { values = [4, 8] }\ndataflow = { values = ["os", "ws"] }',
                       fixed="array_cols = 8\n", name="p.toml")
    space, hetero = evaluator_for(hetero_path, models)
    assert isinstance(hetero, HeteroEvaluator)
    plain_space, plain = evaluator_for(plain_path, models)
    assert type(plain) is Evaluator
    grid = space.grid()
    got = hetero.evaluate(space.designs(grid.to_dict(orient="records")))
    plain_grid = grid.rename(columns={"core0_array_rows": "array_rows", "core0_dataflow": "dataflow"})
    want = plain.evaluate(plain_space.designs(plain_grid.to_dict(orient="records")))
    for metric in ("area_um2", "clock_ghz", "power_mw", "total_cycles", "runtime_s", "energy_j", "energy_dram_j",
                   "energy_sram_j", "energy_logic_j", "edp_js", "utilization", "dram_bytes", "sram_bytes"):
        np.testing.assert_allclose(got[metric], want[metric], rtol=1e-9, err_msg=metric)
    assert (got["area_interconnect_um2"] == 0).all()
    assert (got["core0.utilization"] == 1.0).all()


def test_two_cores_compose_their_single_core_costs(tmp_path, models):
    path = write(tmp_path, '[hetero]\ncores = 2\ndram_share = "equal"', TWO_CORES)
    space, hetero = evaluator_for(path, models)
    plain_space, plain = evaluator_for(write(tmp_path, "", 'array_rows = { values = [4, 8, 16] }\n'
                                             'array_cols = { values = [4, 8, 16] }\n'
                                             'dataflow = { values = ["os", "ws", "is"] }', name="p.toml"), models)
    params = {"core0_array_rows": 8, "core0_array_cols": 16, "core0_dataflow": "os",
              "core1_array_rows": 16, "core1_array_cols": 8, "core1_dataflow": "ws"}
    got = hetero.evaluate(space.designs([params])).iloc[0]
    cores = plain._design(plain_space.designs([{"array_rows": 8, "array_cols": 16, "dataflow": "os"},
                                               {"array_rows": 16, "array_cols": 8, "dataflow": "ws"}]))[0]
    link_bits = 8 * 16
    ic = INTERCONNECT_CONSTANTS["asap7"]
    assert got["area_interconnect_um2"] == pytest.approx(2 * link_bits * (ic.mux2_um2 + 2 * ic.flop_um2))
    assert got["area_um2"] == pytest.approx(cores["area_um2"].sum() + got["area_interconnect_um2"], rel=1e-12)
    assert got["clock_ghz"] == pytest.approx(min(1.0, cores["fmax_ghz"].min()), rel=1e-12)  # slowest core
    assert got["energy_j"] == pytest.approx(got["energy_logic_j"] + got["energy_dram_j"] + got["energy_sram_j"])
    assert got["edp_js"] == pytest.approx(got["energy_j"] * got["runtime_s"], rel=1e-12)
    # the makespan is the HERALD schedule of the simulator's per-layer costs (each core at 8 bytes/cycle)
    design = hetero.designs(space.designs([params]))[0]
    assert [hw.dram_bytes_per_cycle for hw in design.effective_cores()] == [8.0, 8.0]
    used = hetero.schedules[0].instance
    np.testing.assert_array_equal(used.cycles, layer_costs(design, load_multi_workload(["resnet18"])).cycles)
    assert got["total_cycles"] == herald_schedule(used).makespan_cycles
    assert got["core0.busy_cycles"] + got["core1.busy_cycles"] == pytest.approx(
        hetero.schedules[0].busy_cycles.sum())
    assert got["resnet18.total_cycles"] == got["total_cycles"]


def test_pe_budget_and_searched_share(tmp_path, models):
    path = write(tmp_path, '[hetero]\ncores = 2\npe_budget = 192\ndram_share = "searched"',
                 TWO_CORES + "\ncore0_dram_share = { values = [1, 3] }", fixed="core1_dram_share = 1\n")
    space, hetero = evaluator_for(path, models)
    designs = space.designs([
        {"core0_array_rows": 8, "core0_array_cols": 16, "core0_dataflow": "os", "core1_array_rows": 16,
         "core1_array_cols": 8, "core1_dataflow": "ws", "core0_dram_share": 3},   # 256 PEs > 192
        {"core0_array_rows": 4, "core0_array_cols": 16, "core0_dataflow": "os", "core1_array_rows": 16,
         "core1_array_cols": 8, "core1_dataflow": "ws", "core0_dram_share": 3}])  # 192 PEs
    assessment = hetero.assess(designs)
    assert assessment.rejected.tolist() == ["rule:pe_budget", ""]
    assert assessment.metrics.loc[1, "pes"] == 192
    assert [hw.dram_bytes_per_cycle for hw in hetero.designs(designs)[1].effective_cores()] == [12.0, 4.0]


@pytest.mark.parametrize("hetero, parameters, fixed, workloads, message", [
    ("[hetero]\ncores = 2", TWO_CORES.replace("core1_dataflow", "core2_dataflow"), "", "{ resnet18 = 1 }",
     "[parameters].core2_dataflow: core 2 does not exist ([hetero].cores = 2: core0..core1)"),
    ("[hetero]\ncores = 2", TWO_CORES.replace('["ws", "is"]', '["ws", "xs"]'), "", "{ resnet18 = 1 }",
     "[parameters].core1_dataflow: value 'xs' is not valid for HardwareConfig.dataflow; expected one of os, ws, is"),
    ("[hetero]\ncores = 2", TWO_CORES, "core0_ibuf_kib = -4\n", "{ resnet18 = 1 }",
     "[fixed].core0_ibuf_kib: value -4 is not valid for HardwareConfig.ibuf_kib; expected a number > 0"),
    ("[hetero]\ncores = 0", TWO_CORES, "", "{ resnet18 = 1 }", "[hetero].cores = 0; expected an integer >= 1"),
    ("[hetero]\ncores = 2\nshare = 1", TWO_CORES, "", "{ resnet18 = 1 }", "[hetero]: unknown key 'share'"),
    ('[hetero]\ncores = 2\ndram_share = "searched"', TWO_CORES, "", "{ resnet18 = 1 }",
     'needs core0_dram_share, core1_dram_share'),
    ("[hetero]\ncores = 2", TWO_CORES, "", "{ resnet18 = 1.5 }", "resnet18 = 1.5; a heterogeneous space reads it "
                                                                 "as instances per frame"),
])
def test_bad_hetero_spaces(tmp_path, models, hetero, parameters, fixed, workloads, message):
    path = write(tmp_path, hetero, parameters, fixed, workloads)
    with pytest.raises(DSEInputError) as info:
        evaluator_for(path, models)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_unknown_core_field_names_the_core(tmp_path, models):
    path = write(tmp_path, "[hetero]\ncores = 2", TWO_CORES, fixed="core1_widget = 3\n")
    with pytest.raises(DSEInputError, match=r"unknown fixed value \[fixed\].widget.*\(core1\)"):
        evaluator_for(path, models)


def test_bundled_spaces_parse_and_search_runs(tmp_path, models):
    from click.testing import CliRunner

    from dse.cli import main

    for name in ("hetero_asap7", "hetero_mono_asap7"):
        space = load_space(name)
        assert space.hetero and space.grid_size() > 0
    result = CliRunner().invoke(main, ["search", "--space", "hetero_asap7", "--models", str(models), "--trials", "3",
                                       "--storage", f"sqlite:///{tmp_path}/s.db", "--seed", "1", "--quiet",
                                       "--sampler", "random"])
    assert result.exit_code == 0, result.output
    import optuna

    from dse.record import trial_metrics

    study = optuna.load_study(study_name="hetero_asap7", storage=f"sqlite:///{tmp_path}/s.db")
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    for trial in done:
        metrics = trial_metrics(trial)
        assert metrics["total_cycles"] > 0 and "core1.utilization" in metrics


def test_workload_counts_become_instances(tmp_path, models):
    path = write(tmp_path, "[hetero]\ncores = 2", TWO_CORES, workloads="{ resnet18 = 1, mobilenetv2 = 2 }")
    space, hetero = evaluator_for(path, models)
    assert [job.name for job in hetero.frame.jobs] == ["resnet18", "mobilenetv2#0", "mobilenetv2#1"]
    metrics = hetero.evaluate(space.designs([dict(zip(space.parameters, (8, 16, "os", 16, 8, "ws")))]))
    assert metrics.loc[0, "total_cycles"] == max(metrics.loc[0, "resnet18.total_cycles"],
                                                 metrics.loc[0, "mobilenetv2.total_cycles"])
    assert pd.isna(metrics.loc[0, "resnet18.energy_j"])
    assert load_workloads(space.workloads, space.path)["mobilenetv2"][1] == 2
