"""simulate / simulate_batch: report structure, totals, vectorized == scalar, SIMD cycles, errors."""
import numpy as np
import pandas as pd
import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import HardwareConfig, get_preset
from frontend_sim.simulator import TOTAL_COLUMNS, simulate, simulate_batch
from frontend_sim.workloads import Layer, Workload
from frontend_sim.zoo import get_workload

RESNET50 = get_workload("resnet50")


def test_per_layer_report_columns_and_totals():
    result = simulate(RESNET50, get_preset("genesys-16x16"))
    layers = result.layers
    assert len(layers) == len(RESNET50.layers)
    for column in ("macs", "compute_cycles", "stall_cycles", "simd_cycles", "total_cycles", "utilization",
                   "mapping_efficiency", "sram_ibuf_read_bytes", "sram_obuf_write_bytes",
                   "sram_vmem_read_bytes", "dram_ifmap_bytes", "dram_filter_bytes", "dram_ofmap_bytes",
                   "dram_bias_bytes"):
        assert column in layers
    assert (layers["total_cycles"] == layers["compute_cycles"] + layers["stall_cycles"]
            + layers["simd_cycles"]).all()
    assert result.totals["macs"] == RESNET50.macs == layers["macs"].sum()
    for key in ("total_cycles", "stall_cycles", "dram_read_bytes", "sram_write_bytes"):
        assert result.totals[key] == pytest.approx(layers[key].sum())
    assert set(TOTAL_COLUMNS) <= set(result.totals)
    hw = result.hardware
    assert result.totals["utilization"] == pytest.approx(
        RESNET50.macs / (result.totals["total_cycles"] * hw.array_rows * hw.array_cols))
    gemm = layers["compute_cycles"] > 0
    assert (layers.loc[gemm, "simd_cycles"] == 0).all() and (layers.loc[~gemm, "macs"] == 0).all()
    assert 0 < result.totals["mapping_efficiency"] <= 1 and 0 < result.totals["utilization"] < 1


def test_simulate_batch_equals_simulate_per_config():
    configs = [HardwareConfig(array_rows=r, array_cols=c, dataflow=df, ibuf_kib=kib, dram_bytes_per_cycle=bw)
               for r, c, df, kib, bw in [(8, 8, "os", 16, 4), (32, 16, "ws", 64, 16), (128, 128, "is", 512, 64),
                                         (16, 64, "ws", 2, 1), (24, 40, "os", 256, 32)]]
    batch = simulate_batch(RESNET50, configs)
    assert list(batch.columns[:len(TOTAL_COLUMNS)]) == TOTAL_COLUMNS
    for i, hw in enumerate(configs):
        totals = simulate(RESNET50, hw).totals
        for column in batch.columns:
            assert batch.loc[i, column] == pytest.approx(totals[column], rel=1e-12), column


def test_simulate_batch_from_dataframe_keeps_index_and_defaults():
    frame = pd.DataFrame({"array_rows": [8, 16, 32], "array_cols": [8, 16, 32], "dataflow": ["os", "ws", "is"],
                          "note": ["a", "b", "c"]}, index=[10, 20, 30])
    batch = simulate_batch(RESNET50, frame)
    assert list(batch.index) == [10, 20, 30]
    expected = simulate(RESNET50, HardwareConfig(array_rows=16, array_cols=16, dataflow="ws")).totals
    assert batch.loc[20, "total_cycles"] == expected["total_cycles"]
    assert "note" not in batch  # columns that are not HardwareConfig fields are ignored


def test_bigger_arrays_cut_compute_cycles():
    frame = pd.DataFrame({"array_rows": [8, 16, 32, 64], "array_cols": [8, 16, 32, 64], "dataflow": "os"})
    cycles = simulate_batch(RESNET50, frame)["compute_cycles"].to_numpy()
    assert (np.diff(cycles) < 0).all()


def test_simd_cycles_of_activations_and_softmax():
    work = Workload("s", (Layer("r", "relu", 10, 10, 7), Layer("sm", "softmax", 128, 128, 12),
                          Layer("p", "maxpool", 8, 8, 4, 2, 2, 4, 2, 2)))
    layers = simulate(work, HardwareConfig(array_cols=32)).layers.set_index("layer")
    assert layers.loc["r", "simd_cycles"] == -(-700 // 32) * 1
    assert layers.loc["sm", "simd_cycles"] == 128 * 128 * 12 // 32 * 7
    assert layers.loc["p", "simd_cycles"] == -(-(4 * 4 * 4) // 32) * 4
    narrow = simulate(work, HardwareConfig(array_cols=32, simd_lanes=8)).layers.set_index("layer")
    assert narrow.loc["sm", "simd_cycles"] == 4 * layers.loc["sm", "simd_cycles"]


def test_bert_runs_grouped_attention_and_simd_ops():
    totals = simulate(get_workload("bert_base"), get_preset("tpu-v1-like")).totals
    assert totals["simd_cycles"] > 0 and totals["compute_cycles"] > 0


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(SimulatorInputError, match=r"configs row 1: array_rows=0; expected an integer >= 1"):
        simulate_batch(RESNET50, pd.DataFrame({"array_rows": [8, 0]}))
    with pytest.raises(SimulatorInputError, match=r"configs row 0: dataflow='xs'"):
        simulate_batch(RESNET50, pd.DataFrame({"dataflow": ["xs"]}))
    with pytest.raises(SimulatorInputError, match="op 'lstm' is not a GEMM op"):
        simulate(Workload("w", (Layer("cell", "lstm"),)), HardwareConfig())
    with pytest.raises(SimulatorInputError, match="groups=3 must divide channels=8"):
        simulate(Workload("w", (Layer("g", "conv", 8, 8, 8, 3, 3, 9, groups=3),)), HardwareConfig())
    with pytest.raises(SimulatorInputError, match="has no layers"):
        simulate(Workload("empty"), HardwareConfig())
    with pytest.raises(SimulatorInputError, match="expected a HardwareConfig"):
        simulate(RESNET50, {"array_rows": 8})


def test_blocks_of_configs_give_the_same_totals(monkeypatch):
    import frontend_sim.simulator as simulator

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"array_rows": rng.integers(4, 64, 50), "array_cols": rng.integers(4, 64, 50),
                          "dataflow": rng.choice(["os", "ws", "is"], 50), "ibuf_kib": rng.choice([2.0, 64.0], 50)})
    genesys = frame.assign(dataflow="ws", array_mapping="genesys", tiling="search", wbuf_kib=64.0, ibuf_kib=64.0,
                           obuf_kib=64.0, bbuf_kib=4.0)
    for configs in (frame, frame.assign(tiling="search"), genesys):
        whole = simulate_batch(RESNET50, configs, threads=1)
        monkeypatch.setattr(simulator, "CHUNK_ELEMENTS", 7 * len(RESNET50.layers))  # blocks of 7 configs
        for threads in (1, 2, None):  # blocks on one thread, on two, on every core: bit-identical totals
            pd.testing.assert_frame_equal(simulate_batch(RESNET50, configs, threads=threads), whole, check_exact=True)
        monkeypatch.undo()
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(SimulatorInputError, match=f"threads={bad!r}: expected an integer >= 1"):
            simulate_batch(RESNET50, frame, threads=bad)


def test_every_zoo_workload_simulates_on_every_preset():
    from frontend_sim.hardware import preset_names
    from frontend_sim.zoo import WORKLOADS

    frame = pd.DataFrame([get_preset(name).__dict__ for name in preset_names()])
    # GeneSys's SIMD model holds a global pool's whole window in VMEM: the squeeze-excite pools of
    # MobileNetV3 (28×28) and EfficientNet-B0 (up to 112×112) exceed genesys-16x16's 64 KiB
    too_big = {"mobilenetv3_large": "features.4.se.avgpool", "efficientnet_b0": "features.1.0.se.avgpool"}
    genesys = frame["simd_model"] == "genesys"
    for name, layer in too_big.items():
        with pytest.raises(SimulatorInputError, match=f"vmem_kib = 64 is too small for layer '{layer}'"):
            simulate_batch(WORKLOADS[name], frame[genesys])
    for name, workload in WORKLOADS.items():
        batch = simulate_batch(workload, frame[~genesys] if name in too_big else frame)
        assert (batch["macs"] == workload.macs).all()
        assert (batch["compute_cycles"] > 0).all() and (batch["simd_cycles"] > 0).all(), name
        assert ((batch["utilization"] > 0) & (batch["utilization"] <= 1)).all(), name
