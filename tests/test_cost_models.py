"""The evaluator's cost-model seam (dse.cost): components added here, outside dse/, change area, clock and
energy exactly as their closed forms say; the default components against the simulator; [cost_models] errors."""
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from dse.cost.memory import ConstantMemory
from dse.cost.performance import FrontendSimPerformance
from dse.cost.protocols import BUFFERS, MemoryDesign, MemoryEnergy, Performance
from dse.cost.registry import DEFAULTS, register
from dse.errors import DSEInputError
from dse.evaluator import Evaluator, load_model_bundle, load_workloads
from dse.space import load_space
from frontend_sim.loader import load_workload
from frontend_sim.simulator import simulate_batch
from tests.dse_helpers import ROOT, bundle_dir, space_text

PARAMS = """array_rows = { values = [2, 4, 8] }
array_cols = { values = [2, 4, 8] }
target_clock_ghz = { values = [0.3, 1.0, 2.5] }
ibuf_kib = { values = [16, 64] }
dataflow = { values = ["os", "ws"] }"""
ROWS = [{"array_rows": 4, "array_cols": 4, "target_clock_ghz": 0.3, "ibuf_kib": 16, "dataflow": "os"},
        {"array_rows": 8, "array_cols": 2, "target_clock_ghz": 2.5, "ibuf_kib": 64, "dataflow": "ws"},
        {"array_rows": 2, "array_cols": 8, "target_clock_ghz": 1.0, "ibuf_kib": 16, "dataflow": "os"},
        {"array_rows": 4, "array_cols": 4, "target_clock_ghz": 1.0, "ibuf_kib": 64, "dataflow": "os"}]


@dataclass(frozen=True)
class MacroParameters:
    fmax_ghz: float
    leakage_mw: float


@register("memory", "test_macros")
class MacroMemory:
    """A memory model with closed forms: 1000 µm² per ibuf KiB, a fixed leakage and clock limit, 1 pJ per ibuf
    byte read, 2 pJ per obuf byte written, 3 pJ per DRAM byte read (writes free)."""

    options = ("fmax_ghz", "leakage_mw")

    def __init__(self, fmax_ghz: float, leakage_mw: float):
        self.constants = {"asap7": MacroParameters(fmax_ghz, leakage_mw)}

    @classmethod
    def from_space(cls, space, bundle, options):
        return cls(float(options["fmax_ghz"]), float(options.get("leakage_mw", 0.0)))

    def design(self, designs):
        p, n = self.constants["asap7"], len(designs)
        return MemoryDesign(area_um2=1000.0 * designs["ibuf_kib"].to_numpy(dtype=float),
                            leakage_mw=np.full(n, p.leakage_mw), fmax_ghz=np.full(n, p.fmax_ghz))

    def energy(self, designs, performance):
        return MemoryEnergy(sram_j=performance.sram_read_bytes["ibuf"] * 1e-12
                            + performance.sram_write_bytes["obuf"] * 2e-12,
                            dram_j=performance.dram_read_bytes * 3e-12)


@register("performance", "test_slow_sim")
class SlowSimulator:
    """A second simulator: frontend_sim with every cycle count multiplied by ``factor``."""

    options = ("factor",)

    def __init__(self, factor: float):
        self.factor = factor

    @classmethod
    def from_space(cls, space, bundle, options):
        return cls(float(options["factor"]))

    def simulate(self, workload, designs):
        perf = FrontendSimPerformance().simulate(workload, designs)
        return Performance(**{**vars(perf), "total_cycles": perf.total_cycles * self.factor})


@register("memory", "test_short")
class ShortMemory(ConstantMemory):
    """A broken model: one value whatever the number of designs."""

    def design(self, designs):
        return MemoryDesign(area_um2=np.ones(1), leakage_mw=np.zeros(1), fmax_ghz=np.ones(1))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return bundle_dir(tmp_path_factory)


def make(tmp_path, models, extra="", name="s.toml"):
    from ppa.bundle import read_manifest

    text = space_text(read_manifest(models)["features"], PARAMS,
                      extra=f"{extra}\n[search]\nworkloads = {{ resnet18 = 1.0 }}\n")
    path = tmp_path / name
    path.write_text(text)
    space = load_space(path)
    return space, Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))


def test_an_added_memory_model_changes_area_clock_and_energy_by_its_closed_forms(tmp_path, models):
    space, base = make(tmp_path, models)
    _, macros = make(tmp_path, models, name="m.toml", extra="[cost_models.memory]\nname = \"test_macros\"\n"
                                                            "fmax_ghz = 0.8\nleakage_mw = 5.0\n")
    designs = space.designs(ROWS)
    ref, got = base.evaluate(designs), macros.evaluate(designs)

    for logic in ("area_logic_um2", "fmax_ghz", "power_target_mw", "leakage_mw", "fmax_ghz_std", "in_domain"):
        pd.testing.assert_series_equal(got[logic], ref[logic])
    target = designs["target_clock_ghz"].to_numpy()
    clock = np.minimum(np.minimum(target, ref["fmax_ghz"].to_numpy()), 0.8)
    assert (clock == 0.8).any() and (clock < 0.8).any(), "the memory clock limit should bind on some designs only"
    leak, power_target = ref["leakage_mw"].to_numpy(), ref["power_target_mw"].to_numpy()
    power = leak + (power_target - leak) * clock / target
    sim = simulate_batch(load_workload("resnet18"), designs)
    runtime = sim["total_cycles"].to_numpy() / (clock * 1e9)
    sram = sim["sram_ibuf_read_bytes"].to_numpy() * 1e-12 + sim["sram_obuf_write_bytes"].to_numpy() * 2e-12
    sram += 5.0e-3 * runtime
    dram = sim["dram_read_bytes"].to_numpy() * 3e-12
    energy = power * 1e-3 * runtime + dram + sram
    area = ref["area_logic_um2"].to_numpy() + 1000.0 * designs["ibuf_kib"].to_numpy()

    np.testing.assert_allclose(got["clock_ghz"], clock, rtol=1e-12)
    np.testing.assert_allclose(got["power_mw"], power, rtol=1e-12)
    np.testing.assert_allclose(got["area_sram_um2"], 1000.0 * designs["ibuf_kib"], rtol=1e-12)
    np.testing.assert_allclose(got["area_um2"], area, rtol=1e-12)
    np.testing.assert_allclose(got["runtime_s"], runtime, rtol=1e-12)
    np.testing.assert_allclose(got["energy_sram_j"], sram, rtol=1e-12)
    np.testing.assert_allclose(got["energy_dram_j"], dram, rtol=1e-12)
    np.testing.assert_allclose(got["energy_j"], energy, rtol=1e-12)
    np.testing.assert_allclose(got["edp_js"], energy * runtime, rtol=1e-12)
    np.testing.assert_allclose(got["ips_per_mm2"], 1 / runtime / (area / 1e6), rtol=1e-12)
    np.testing.assert_allclose(got["total_cycles"], ref["total_cycles"], rtol=0)
    assert macros.constants == {"asap7": MacroParameters(0.8, 5.0)}


def test_an_added_performance_model_changes_runtime_not_traffic(tmp_path, models):
    space, base = make(tmp_path, models)
    _, slow = make(tmp_path, models, name="p.toml",
                   extra="[cost_models.performance]\nname = \"test_slow_sim\"\nfactor = 3\n")
    designs = space.designs(ROWS)
    ref, got = base.evaluate(designs), slow.evaluate(designs)
    np.testing.assert_allclose(got["total_cycles"], 3 * ref["total_cycles"], rtol=1e-12)
    np.testing.assert_allclose(got["runtime_s"], 3 * ref["runtime_s"], rtol=1e-12)
    np.testing.assert_allclose(got["energy_logic_j"], 3 * ref["energy_logic_j"], rtol=1e-12)
    np.testing.assert_allclose(got["utilization"], ref["utilization"], rtol=0)  # the fake leaves it alone
    for same in ("energy_dram_j", "energy_sram_j", "dram_bytes", "sram_bytes", "clock_ghz", "area_um2"):
        np.testing.assert_array_equal(got[same], ref[same])


def test_naming_the_defaults_changes_nothing(tmp_path, models):
    space, implicit = make(tmp_path, models)
    names = "".join(f'{kind} = "{name}"\n' for kind, name in DEFAULTS.items())
    _, explicit = make(tmp_path, models, name="d.toml", extra=f"[cost_models]\n{names}")
    designs = space.designs(ROWS)
    pd.testing.assert_frame_equal(explicit.evaluate(designs), implicit.evaluate(designs), check_exact=True)
    assert explicit.constants == implicit.constants


def test_frontend_sim_performance_gives_the_simulators_bytes_per_buffer(tmp_path, models):
    space, _ = make(tmp_path, models)
    # rows 0 and 3 share their hardware except the clock and ibuf; row 4 repeats row 1 (one simulation)
    designs = space.designs(ROWS + [ROWS[1]])
    workload = load_workload("resnet18")
    perf = FrontendSimPerformance().simulate(workload, designs)
    sim = simulate_batch(workload, designs)
    assert set(perf.sram_read_bytes) == set(perf.sram_write_bytes) == set(BUFFERS)
    for buffer in BUFFERS:
        np.testing.assert_array_equal(perf.sram_read_bytes[buffer], sim[f"sram_{buffer}_read_bytes"])
        np.testing.assert_array_equal(perf.sram_write_bytes[buffer], sim[f"sram_{buffer}_write_bytes"])
    np.testing.assert_array_equal(perf.sram_bytes, sim["sram_read_bytes"] + sim["sram_write_bytes"])
    np.testing.assert_array_equal(perf.dram_bytes, sim["dram_read_bytes"] + sim["dram_write_bytes"])
    np.testing.assert_array_equal(perf.total_cycles, sim["total_cycles"])
    assert perf.sram_read_bytes["vmem"].min() > 0 and perf.sram_read_bytes["ibuf"].min() > 0


@pytest.mark.parametrize("extra, where, message", [
    ('[cost_models]\nmemory = "sram_macro"\n', "evaluator",
     r"s\.toml: \[cost_models\]\.memory = 'sram_macro' is not a registered memory model; expected one of "
     r"\[.*'constants'.*\]"),
    ('[cost_models.memory]\nname = "constants"\nmacro_dir = "x"\n', "evaluator",
     r"s\.toml: \[cost_models\]\.memory: unknown option\(s\) \['macro_dir'\] for the memory model 'constants' "
     r"\(its options: none\)"),
    ('[cost_models.memory]\nname = "test_macros"\nfmax = 1.0\n', "evaluator",
     r"unknown option\(s\) \['fmax'\] for the memory model 'test_macros' \(its options: fmax_ghz, leakage_mw\)"),
    ('[cost_models]\nsimulator = "frontend_sim"\n', "space",
     r"s\.toml: unknown key \[cost_models\]\.simulator; expected one of \('performance', 'logic', 'memory'\)"),
    ('[cost_models]\nmemory = 3\n', "space", r"s\.toml: \[cost_models\]\.memory must be a model name"),
    ('[cost_models.memory]\nfmax_ghz = 1.0\n', "space", r"s\.toml: \[cost_models\]\.memory must be a model name"),
    ('cost_models = "constants"\n', "space", r"s\.toml: \[cost_models\] must be a table"),
])
def test_bad_cost_models_name_file_and_key(tmp_path, models, extra, where, message):
    from ppa.bundle import read_manifest

    path = tmp_path / "s.toml"
    # a top-level key must come before the first table
    text = space_text(read_manifest(models)["features"], PARAMS, extra="[search]\nworkloads = { resnet18 = 1.0 }\n")
    path.write_text(f"{extra}\n{text}" if extra.startswith("cost_models =") else f"{text}\n{extra}")
    if where == "space":
        with pytest.raises(DSEInputError, match=message):
            load_space(path)
        return
    space = load_space(path)
    with pytest.raises(DSEInputError, match=message):
        Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))


def test_a_component_with_the_wrong_number_of_rows_is_named(tmp_path, models):
    space, evaluator = make(tmp_path, models, extra='[cost_models]\nmemory = "test_short"\n')
    with pytest.raises(ValueError, match=r"the memory model returned MemoryDesign\.area_um2 with shape \(1,\); "
                                         r"expected \(4,\), one value per design"):
        evaluator.evaluate(space.designs(ROWS))


def test_registering_a_taken_name_is_refused():
    with pytest.raises(ValueError, match=r"memory model 'constants' is registered twice: dse\.cost\.memory\."
                                         r"ConstantMemory and .*Impostor"):
        @register("memory", "constants")
        class Impostor(ConstantMemory):
            pass
    with pytest.raises(ValueError, match=r"kind must be one of \('performance', 'logic', 'memory'\)"):
        register("cache", "x")


def test_the_registry_finds_the_package_modules_itself():
    code = ("import sys\nfrom dse.cost import registry\n"
            "assert 'dse.cost.memory' not in sys.modules\n"
            "print(*(','.join(registry.names(kind)) for kind in registry.MODEL_KINDS))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.split() == ["frontend_sim", "surrogate", "constants,sram_macros"]


def test_performance_names_every_buffer():
    one = np.ones(1)
    with pytest.raises(ValueError, match=r"Performance\.sram_write_bytes has the buffers \('ibuf',\); expected "
                                         r"\('ibuf', 'wbuf', 'obuf', 'bbuf', 'vmem'\)"):
        Performance(total_cycles=one, utilization=one, macs=one, dram_read_bytes=one, dram_write_bytes=one,
                    sram_read_bytes={b: one for b in BUFFERS}, sram_write_bytes={"ibuf": one})
