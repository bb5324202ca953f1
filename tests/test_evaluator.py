"""The evaluator against its equations, recomputed from the real simulator and a real surrogate bundle."""
import numpy as np
import pandas as pd
import pytest

from dse.errors import DSEInputError
from dse.cost.memory import MEMORY_CONSTANTS
from dse.evaluator import Evaluator, load_model_bundle, load_workloads
from dse.space import load_space
from frontend_sim.loader import load_workload
from frontend_sim.simulator import simulate_batch
from tests.dse_helpers import bundle_dir, dataset_values, space_text

PARAMS = """array_rows = { values = [2, 4, 8, 64] }
array_cols = { values = [2, 4, 8] }
target_clock_ghz = { values = [0.3, 1.0, 2.5] }
dataflow = { values = ["os", "ws"] }"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return bundle_dir(tmp_path_factory)


def make(tmp_path, models, extra="", workloads="workloads = { resnet18 = 1.0 }", name="s.toml"):
    from ppa.bundle import read_manifest

    text = space_text(read_manifest(models)["features"], PARAMS, extra=f"{extra}\n[search]\n{workloads}\n")
    path = tmp_path / name
    path.write_text(text)
    space = load_space(path)
    bundle = load_model_bundle(models, space)
    return space, bundle, Evaluator(space, bundle, load_workloads(space.workloads, space.path))


def test_metrics_follow_the_equations(tmp_path, models):
    space, bundle, evaluator = make(tmp_path, models)
    designs = space.designs([
        {"array_rows": 4, "array_cols": 4, "target_clock_ghz": 0.3, "dataflow": "os"},
        {"array_rows": 8, "array_cols": 2, "target_clock_ghz": 2.5, "dataflow": "ws"},
        {"array_rows": 2, "array_cols": 8, "target_clock_ghz": 1.0, "dataflow": "os"},
    ])
    got = evaluator.evaluate(designs)

    pred = bundle.predict(designs[list(bundle.features)])
    target = designs["target_clock_ghz"].to_numpy()
    clock = np.minimum(target, pred["fmax_ghz"].to_numpy())
    assert (clock == target).any() and (clock < target).any(), "both clock regimes should be exercised"
    leak = pred["leakage_mw"].to_numpy()
    power = leak + (pred["power_mw"].to_numpy() - leak) * clock / target
    sim = simulate_batch(load_workload("resnet18"), designs)
    runtime = sim["total_cycles"].to_numpy() / (clock * 1e9)
    c = MEMORY_CONSTANTS["asap7"]
    dram = (sim["dram_read_bytes"] + sim["dram_write_bytes"]).to_numpy()
    sram = (sim["sram_read_bytes"] + sim["sram_write_bytes"]).to_numpy()
    energy = power * 1e-3 * runtime + dram * c.dram_pj_per_byte * 1e-12 + sram * c.sram_pj_per_byte * 1e-12
    kib = designs[["ibuf_kib", "wbuf_kib", "obuf_kib", "bbuf_kib", "vmem_kib"]].sum(axis=1).to_numpy()
    area = pred["area_um2"].to_numpy() + kib * c.sram_um2_per_kib

    np.testing.assert_allclose(got["clock_ghz"], clock)
    np.testing.assert_allclose(got["power_mw"], power)
    np.testing.assert_allclose(got["runtime_s"], runtime)
    np.testing.assert_allclose(got["resnet18.runtime_s"], runtime)
    np.testing.assert_allclose(got["energy_j"], energy)
    np.testing.assert_allclose(got["edp_js"], energy * runtime)
    np.testing.assert_allclose(got["throughput_ips"], 1 / runtime)
    np.testing.assert_allclose(got["area_um2"], area)
    np.testing.assert_allclose(got["ips_per_mm2"], 1 / runtime / (area / 1e6))
    np.testing.assert_allclose(got["ips_per_w"], 1 / energy)
    np.testing.assert_allclose(got["avg_power_mw"], energy / runtime * 1e3)
    np.testing.assert_allclose(got["tops"], 2 * sim["macs"].to_numpy() / runtime / 1e12)
    np.testing.assert_allclose(got["fmax_ghz_std"], pred["fmax_ghz_std"])
    assert got["in_domain"].tolist() == pred["in_domain"].tolist()


def test_workload_weights_average_per_inference(tmp_path, models):
    space, _, evaluator = make(tmp_path, models, workloads="workloads = { resnet18 = 3.0, mobilenetv2 = 1.0 }")
    designs = space.designs([{"array_rows": 4, "array_cols": 8, "target_clock_ghz": 1.0, "dataflow": "ws"}])
    got = evaluator.evaluate(designs).iloc[0]
    for metric in ("runtime_s", "energy_j", "total_cycles", "dram_bytes"):
        assert got[metric] == pytest.approx(0.75 * got[f"resnet18.{metric}"] + 0.25 * got[f"mobilenetv2.{metric}"])
    assert got["throughput_ips"] == pytest.approx(1 / got["runtime_s"])
    assert got["edp_js"] == pytest.approx(got["energy_j"] * got["runtime_s"])
    assert got["resnet18.runtime_s"] != pytest.approx(got["mobilenetv2.runtime_s"])


def test_batch_equals_one_by_one_and_clock_does_not_change_cycles(tmp_path, models):
    space, _, evaluator = make(tmp_path, models)
    rows = [{"array_rows": r, "array_cols": c, "target_clock_ghz": f, "dataflow": d}
            for r, c, f, d in [(4, 4, 0.3, "os"), (4, 4, 2.5, "os"), (8, 2, 1.0, "ws"), (2, 8, 1.0, "os"),
                               (4, 4, 1.0, "os"), (8, 2, 0.3, "ws")]]
    batch = evaluator.evaluate(space.designs(rows))
    single = pd.concat([evaluator.evaluate(space.designs([row])) for row in rows], ignore_index=True)
    pd.testing.assert_frame_equal(batch, single, rtol=1e-9)
    assert batch.loc[0, "total_cycles"] == batch.loc[1, "total_cycles"] == batch.loc[4, "total_cycles"]


@pytest.mark.parametrize("policy", ["reject", "penalize", "allow"])
def test_out_of_domain_policy(tmp_path, models, policy):
    assert 64 > max(dataset_values("array_rows"))
    space, _, evaluator = make(tmp_path, models, workloads=f'workloads = {{ resnet18 = 1.0 }}\n'
                                                             f'out_of_domain = "{policy}"')
    designs = space.designs([{"array_rows": 64, "array_cols": 4, "target_clock_ghz": 1.0, "dataflow": "os"},
                             {"array_rows": 4, "array_cols": 4, "target_clock_ghz": 1.0, "dataflow": "os"}])
    result = evaluator.assess(designs)
    assert result.metrics["in_domain"].tolist() == [False, True]
    assert result.rejected.iloc[0] == ("out_of_domain" if policy == "reject" else "")
    assert np.isfinite(result.metrics.loc[0, "runtime_s"])  # evaluated (and recorded) either way
    if policy == "penalize":
        assert result.constraint_names == ["surrogate_trust"]
        assert result.constraints[0, 0] == 1.0
    else:
        assert result.constraint_names == []
    assert result.feasible[0] == (policy == "allow")


def test_rules_reject_before_evaluation(tmp_path, models):
    extra = '[rules]\nbig_enough = "array_rows * array_cols >= 16"\n'
    space, _, evaluator = make(tmp_path, models, extra=extra,
                               workloads='workloads = { resnet18 = 1.0 }\nconstraints = ["area_um2 <= 1e9"]')
    designs = space.designs([{"array_rows": 2, "array_cols": 2, "target_clock_ghz": 1.0, "dataflow": "os"},
                             {"array_rows": 4, "array_cols": 4, "target_clock_ghz": 1.0, "dataflow": "os"}])
    result = evaluator.assess(designs)
    assert result.rejected.tolist() == ["rule:big_enough", ""]
    assert np.isnan(result.metrics.loc[0, "runtime_s"]) and np.isfinite(result.metrics.loc[1, "runtime_s"])
    assert result.constraints[0].tolist() == [1.0, 1.0]  # unevaluated: infeasible
    assert result.feasible.tolist() == [False, result.constraints[1].max() <= 0]


def test_memory_constants_override(tmp_path, models):
    space, _, base = make(tmp_path, models)
    _, _, doubled = make(tmp_path, models, extra="[constants]\ndram_pj_per_byte = 40.0\n", name="t.toml")
    designs = space.designs([{"array_rows": 4, "array_cols": 4, "target_clock_ghz": 1.0, "dataflow": "os"}])
    a, b = base.evaluate(designs).iloc[0], doubled.evaluate(designs).iloc[0]
    assert b["energy_dram_j"] == pytest.approx(2 * a["energy_dram_j"])
    assert b["energy_logic_j"] == pytest.approx(a["energy_logic_j"])


def test_errors_before_any_evaluation(tmp_path, models):
    with pytest.raises(DSEInputError, match=r"workload 'resnet5O'"):
        make(tmp_path, models, workloads="workloads = { resnet5O = 1.0 }")
    space, _, _ = make(tmp_path, models)
    with pytest.raises(DSEInputError, match=r"model bundle .*nope"):
        load_model_bundle(tmp_path / "nope", space)


def test_hardware_no_mapping_can_run_is_rejected_with_the_reason(tmp_path, models):
    """Under the GeneSys mapping an os dataflow or an OBUF below one pixel of C partial sums has no legal tile:
    those designs are rejected naming the field and the least value, the others are evaluated."""
    space, _, evaluator = make(tmp_path, models, extra='array_mapping = "genesys"\n',
                               workloads='workloads = { resnet18 = 1.0 }\nconstraints = ["area_um2 <= 1e9"]')
    designs = space.designs([{"array_rows": 4, "array_cols": 4, "target_clock_ghz": 1.0, "dataflow": d}
                             for d in ("os", "ws", "ws")])
    assert (designs.tiling == "search").all()  # the DSE's default tiling
    designs.loc[2, "obuf_kib"] = 0.01
    least = 2 * 4 * designs.acc_bits[2] / 8192  # KiB: one pixel of 4 sums, double-buffered
    result = evaluator.assess(designs)
    assert result.rejected[0].startswith("hardware:dataflow='os': expected 'ws' with array_mapping='genesys'")
    assert result.rejected[1] == ""
    assert result.rejected[2].startswith(f"hardware:obuf_kib=0.01: too small for any legal GeneSys tile; "
                                         f"expected >= {least:g} KiB")
    assert np.isfinite(result.metrics.loc[1, "runtime_s"]) and result.metrics.loc[[0, 2], "runtime_s"].isna().all()
