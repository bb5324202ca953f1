"""A real, small multi-objective Optuna study shaped like a DSE study, for the report tests.

Cycles and DRAM traffic come from the real simulator (frontend_sim.simulate on ResNet-18); area
and power from a linear PE + buffer model whose constants are test inputs, not measured PPA
(the real surrogates are exercised by the demo). What the tests check is the report machinery:
which trials are Pareto-optimal, units, constraints, uncertainty flags, the per-layer view.
The study carries an accel-dse record (``dse.record``) of the space below; no surrogate bundle
was used, so its record names a bundle path that does not exist (the report notes that).
"""
from __future__ import annotations

from importlib.metadata import version

import optuna

from dse.record import ModelsRecord, ObjectiveRecord, SpaceRecord, StudyRecord, write_study_record, write_trial_metrics
from dse.space import SearchSpace
from frontend_sim.hardware import HardwareConfig
from frontend_sim.simulator import simulate
from frontend_sim.zoo import get_workload

WORKLOAD = "resnet18"
AREA_LIMIT_UM2 = 400_000.0
#: The fixture's fmax [GHz]: a design runs at min(target clock, this), like the evaluator's clock_ghz.
FMAX_GHZ = 1.5
#: Values the space does not search (its [fixed]).
FIXED = {"pdk": "asap7", "obuf_kib": 32.0}
#: The space file of the search below, as ``accel-dse search`` stores it in the study's record; its
#: derived ``wbuf_kib`` is what the objective simulates with.
SPACE_TEXT = f"""[parameters]
array_rows = {{ values = [4, 8, 16, 32, 64] }}
array_cols = {{ values = [4, 8, 16, 32, 64] }}
dataflow = {{ values = ["os", "ws", "is"] }}
ibuf_kib = {{ low = 8.0, high = 512.0, log = true }}
target_clock_ghz = {{ low = 0.2, high = 2.0 }}

[fixed]
pdk = "{FIXED['pdk']}"
obuf_kib = {FIXED['obuf_kib']}

[derived]
wbuf_kib = "ibuf_kib / 2"

[search]
workloads = {{ {WORKLOAD} = 1.0 }}
constraints = ["area_um2 <= {AREA_LIMIT_UM2}"]
out_of_domain = "allow"

[[objectives]]
metric = "runtime_s"

[[objectives]]
metric = "energy_j"

[[objectives]]
metric = "area_um2"
"""
#: Where the record says the (absent) surrogate bundle is.
NO_BUNDLE = "/nonexistent/report-fixture-has-no-surrogate-bundle"


def fixture_record() -> StudyRecord:
    """The accel-dse record of the fixture study: its real space; units of the metrics it declares."""
    space = SearchSpace.from_text(SPACE_TEXT, "report_fixture.toml")
    return StudyRecord(
        space=SpaceRecord(**space.describe()),
        objectives=tuple(ObjectiveRecord.of(o) for o in space.objectives),
        constraints=tuple(c.text for c in space.constraints),
        out_of_domain=space.out_of_domain,
        uncertainty_threshold=space.uncertainty_threshold,
        workloads=dict(space.workloads),
        models=ModelsRecord(path=NO_BUNDLE, sha256="0" * 64, features=(), targets=()),
        metric_units={"runtime_s": "s", "energy_j": "J", "area_um2": "µm²", "power_mw": "mW", "fmax_ghz": "GHz", "clock_ghz": "GHz"},
        memory_constants={},
        accel_dse_version=version("accel-dse"),
    )


def objective(trial: optuna.Trial) -> tuple[float, float, float]:
    rows = trial.suggest_categorical("array_rows", [4, 8, 16, 32, 64])
    cols = trial.suggest_categorical("array_cols", [4, 8, 16, 32, 64])
    dataflow = trial.suggest_categorical("dataflow", ["os", "ws", "is"])
    ibuf = trial.suggest_float("ibuf_kib", 8.0, 512.0, log=True)
    clock = trial.suggest_float("target_clock_ghz", 0.2, 2.0)
    hardware = HardwareConfig(array_rows=rows, array_cols=cols, dataflow=dataflow, ibuf_kib=ibuf,
                              obuf_kib=FIXED["obuf_kib"], wbuf_kib=ibuf / 2, tiling="search")  # the DSE's default
    totals = simulate(get_workload(WORKLOAD), hardware).totals
    cycles = float(totals["total_cycles"])
    area = 72.0 * rows * cols + 900.0 * ibuf
    achieved = min(clock, FMAX_GHZ)
    power = area * achieved * 2.0e-3
    runtime = cycles / (achieved * 1e9)
    energy = power * 1e-3 * runtime
    attrs = {
        "total_cycles": cycles, "runtime_s": runtime, "energy_j": energy, "edp_js": energy * runtime,
        "area_um2": area, "power_mw": power, "fmax_ghz": FMAX_GHZ, "clock_ghz": achieved, "throughput_ips": 1.0 / runtime,
        "dram_bytes": float(totals["dram_read_bytes"] + totals["dram_write_bytes"]),
        f"{WORKLOAD}.runtime_s": runtime, "area_um2_std": 0.03 * area, "power_mw_std": 0.05 * power,
        "in_domain": clock <= 1.5,
    }
    write_trial_metrics(trial, {**attrs, "feasible": area <= AREA_LIMIT_UM2, "rejected": ""},
                        {f"area_um2 <= {AREA_LIMIT_UM2:g}": area - AREA_LIMIT_UM2})
    return runtime, energy, area


def make_study(storage: str | None, name: str = "fixture", n_trials: int = 60, seed: int = 0) -> optuna.Study:
    """Run the objective for ``n_trials`` with multi-objective TPE; the study holds its accel-dse record.

    The search runs in memory; the finished study is then copied into ``storage`` with
    ``optuna.copy_study`` (one write per trial: SQLite on this machine's disk costs ~0.1 s each).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    memory = optuna.storages.InMemoryStorage()
    study = optuna.create_study(study_name=name, storage=memory,
                                directions=["minimize", "minimize", "minimize"],
                                sampler=optuna.samplers.TPESampler(seed=seed))
    write_study_record(study, fixture_record())
    study.optimize(objective, n_trials=n_trials)
    if storage is None:
        return study
    optuna.copy_study(from_study_name=name, from_storage=memory, to_storage=storage)
    return optuna.load_study(study_name=name, storage=storage)
