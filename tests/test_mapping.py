"""The GeneSys mapping layer: SimDIT's tiling and array-layer model layer by layer, the search, bad hardware."""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import HardwareConfig, from_simdit, read_hardware_file
from frontend_sim.mapping import loop_dims
from frontend_sim.simulator import MAPPING_COLUMNS, simulate, simulate_batch
from frontend_sim.workloads import Layer, Workload
from frontend_sim.zoo import get_workload

FIXTURES = Path(__file__).parent / "fixtures" / "simdit"
DESIGNS = sorted(p.stem for p in (FIXTURES / "hardware").glob("*.json"))
KIB = 1024  # SimDIT's access columns are KiB


def design(name: str) -> HardwareConfig:
    return from_simdit(json.loads((FIXTURES / "hardware" / f"{name}.json").read_text()), name)


@pytest.fixture(scope="module")
def simdit_array_rows():
    rows = pd.read_csv(FIXTURES / "layers.csv.gz")
    return rows[rows.layer.isin(["Convolution", "GEMM"])]


@pytest.mark.parametrize("name", DESIGNS)
def test_array_layers_match_simdit_layer_by_layer(name, simdit_array_rows):
    """Every conv/FC layer of ResNet-18/50 on the 13 published and 20 held-out GeneSys designs: SimDIT's
    tiling gives its compute cycles exactly, its DRAM bytes per tensor and SRAM accesses to round-off,
    its stall cycles to the cycle (ours are whole cycles, SimDIT's fractional)."""
    hw = design(name)
    for net in ("ResNet18", "ResNet50"):
        ref = simdit_array_rows[(simdit_array_rows.design == name) & (simdit_array_rows.network == net)]
        ours = simulate(get_workload(net.lower()), hw).layers
        ours = ours[ours.op.isin(["conv", "gemm"])]
        assert len(ours) == len(ref) > 0
        assert ours.compute_cycles.tolist() == ref["SA compute cycles"].astype(np.int64).tolist()
        assert np.all(np.abs(ours.stall_cycles.to_numpy() - ref["SA stall cycles"].to_numpy()) < 1)
        for ours_col, ref_col in [("dram_ifmap_bytes", "DRAM access ifmap"), ("dram_filter_bytes", "DRAM access filter"),
                                  ("dram_psum_bytes", "DRAM access psum"), ("dram_ofmap_bytes", "DRAM access ofmap"),
                                  ("dram_bias_bytes", "DRAM access bias"), ("sram_ibuf_read_bytes", "IBUF access"),
                                  ("sram_wbuf_read_bytes", "WBUF access"), ("sram_bbuf_read_bytes", "BBUF access")]:
            np.testing.assert_allclose(ours[ours_col].to_numpy(), ref[ref_col].to_numpy() * KIB, rtol=1e-9,
                                       err_msg=f"{name} {net} {ours_col}")
        obuf = ours.sram_obuf_read_bytes + ours.sram_obuf_write_bytes
        np.testing.assert_allclose(obuf.to_numpy(), ref["OBUF access"].to_numpy() * KIB, rtol=1e-9)


def test_tiles_are_legal_and_reported():
    """The chosen tiles fit half of each buffer (double buffering) and are reported per layer."""
    hw = design("design01")
    layers = simulate(get_workload("resnet50"), hw).layers
    gemm = layers[layers.op.isin(["conv", "gemm"])]
    half_bits = {b: getattr(hw, f"{b}_kib") * 8 * 1024 / 2 for b in ("wbuf", "ibuf", "obuf", "bbuf")}
    assert (gemm.tile_kw * gemm.tile_kh * gemm.tile_ic * gemm.tile_oc * hw.wgt_bits <= half_bits["wbuf"]).all()
    assert (gemm.tile_ow * gemm.tile_oh * gemm.tile_n * gemm.tile_oc * hw.acc_bits <= half_bits["obuf"]).all()
    assert (gemm.tile_oc * hw.bias_bits <= half_bits["bbuf"]).all()
    assert (gemm.tile_ic % hw.array_rows == 0).all() and (gemm.tile_oc % hw.array_cols == 0).all()
    assert set(gemm.loop_order) == {"ow,oh,n,kw,kh,ic,oc"}
    assert set(gemm.psum_in) == {"dram", "obuf"}
    assert (layers.loc[~layers.op.isin(["conv", "gemm"]), MAPPING_COLUMNS] == 0).all().all()


def test_closed_form_single_tile_layer():
    """A 1×1 conv, 64→64 channels on 8×8 pixels, on a 16×16 array whose buffers hold it whole: one DRAM
    tile, each tensor moved once, compute = 8·8·(64/16)·(64/16) + 15 + 15 cycles."""
    hw = HardwareConfig(array_rows=16, array_cols=16, dataflow="ws", array_mapping="genesys", tiling="genesys",
                        dram_ports="per_buffer", ofmap_write="acc", fetch_padding=True, ibuf_kib=64, wbuf_kib=64,
                        obuf_kib=128, bbuf_kib=4)
    net = Workload("one", (Layer("c", "conv", 8, 8, 64, 1, 1, 64),))
    row = simulate(net, hw).layers.iloc[0]
    assert (row.tile_ow, row.tile_oh, row.tile_ic, row.tile_oc) == (8, 8, 64, 64)
    assert row.compute_cycles == 8 * 8 * 4 * 4 + 30
    assert (row.dram_ifmap_bytes, row.dram_filter_bytes, row.dram_psum_bytes) == (8 * 8 * 64, 64 * 64, 0)
    assert (row.dram_ofmap_bytes, row.dram_bias_bytes) == (8 * 8 * 64 * 4, 64 * 4)
    assert row.psum_in == "obuf" and row.ifmap_refetch == 1
    # not fetching padding: a 3-channel input padded to 16 rows moves 3 channels
    stem = Workload("stem", (Layer("c", "conv", 8, 8, 3, 1, 1, 16),))
    padded = simulate(stem, hw).layers.iloc[0]
    unpadded = simulate(stem, replace(hw, fetch_padding=False)).layers.iloc[0]
    assert padded.dram_ifmap_bytes == 8 * 8 * 16 and unpadded.dram_ifmap_bytes == 8 * 8 * 3
    assert unpadded.compute_cycles == padded.compute_cycles
    # the first tile waits for its input (8·8·16 -> 8·8·3 bytes on the 128-bit IBUF port: 64 -> 12 cycles)
    # or its weights + bias (16·16 -> 3·16 bytes + 16 biases: 16 + 4 -> 3 + 4 cycles): 64 -> 12
    assert padded.stall_cycles - unpadded.stall_cycles == 64 - 12


def test_output_tile_shrinks_until_it_fits_the_obuf():
    """SimDIT's generator halves the output tile (OW/i × OH/i, i dividing both) until C partial sums fit
    half the OBUF instead of spilling every reduction pass."""
    hw = HardwareConfig(array_rows=16, array_cols=16, dataflow="ws", array_mapping="genesys", tiling="genesys",
                        ibuf_kib=64, wbuf_kib=64, obuf_kib=16, bbuf_kib=4)
    net = Workload("one", (Layer("c", "conv", 28, 28, 64, 1, 1, 64),))
    row = simulate(net, hw).layers.iloc[0]
    # half the OBUF = 8 KiB = 65536 bits; 16 filters × 32 bits = 512 bits per pixel -> at most 128 pixels:
    # 28/2 = 14 → 196 too many; 28/4 = 7 → 49 fit
    assert (row.tile_ow, row.tile_oh) == (7, 7)
    assert row.psum_passes == 1 and row.dram_psum_bytes == 0


def test_search_moves_no_more_dram_bytes_than_simdits_tiling():
    """The searched tiling is never worse in DRAM bytes on any layer, and strictly better somewhere."""
    net = get_workload("resnet50")
    for name in ("design01", "h05_16x64_a8w8", "h10_32x32_a8w8_min"):
        hw = design(name)
        fixed = simulate(net, hw).layers
        searched = simulate(net, replace(hw, tiling="search")).layers
        dram = lambda frame: frame[[f"dram_{t}_bytes" for t in ("ifmap", "filter", "bias", "psum", "ofmap")]].sum(axis=1)  # noqa: E731
        assert (dram(searched) <= dram(fixed) * (1 + 1e-12)).all(), name
    assert (dram(searched) < dram(fixed)).any()


def test_batch_matches_single_runs_across_mappings():
    """simulate_batch groups configurations by (mapping, dataflow, tiling) and equals simulate per config."""
    net = get_workload("resnet18")
    configs = [design("design01"), replace(design("design03"), tiling="search"), HardwareConfig(dataflow="os"),
               replace(design("h07_24x24_a8w8"), dram_ports="shared"), HardwareConfig(dram_ports="per_buffer")]
    batch = simulate_batch(net, configs)
    for i, hw in enumerate(configs):
        totals = simulate(net, hw).totals
        for column in ("total_cycles", "stall_cycles", "dram_read_bytes", "dram_write_bytes", "sram_read_bytes"):
            assert batch[column].iloc[i] == pytest.approx(totals[column], rel=1e-12), (i, column)


def test_loop_dims_of_conv_and_fc():
    conv = loop_dims(Layer("c", "conv", 224, 224, 3, 7, 7, 64, 2, 2, 6, 6))
    assert (conv.ow, conv.oh, conv.kw, conv.ic, conv.oc, conv.n) == (112, 112, 7, 3, 64, 1)
    assert conv.candidates[:3] == ((112, 112, 1), (56, 56, 1), (38, 38, 1))  # ceil(112/i) for a 7×7 kernel
    fc = loop_dims(Layer("fc", "gemm", ifmap_h=1, ifmap_w=512, filter_w=512, num_filters=1000))
    assert (fc.n, fc.ic, fc.oc, fc.fc) == (1, 512, 1000, True)
    gemm = loop_dims(Layer("g", "gemm", ifmap_h=12, ifmap_w=64, filter_w=64, num_filters=8))
    assert [c[2] for c in gemm.candidates] == [12, 6, 4, 3, 2, 1] and not gemm.fc


@pytest.mark.parametrize("values, message", [
    (dict(array_mapping="genesys", tiling="genesys", dataflow="ws", obuf_kib=0.1),
     r"obuf_kib=0\.1: too small for any legal GeneSys tile; expected >= 0\.25 KiB"),
    (dict(array_mapping="genesys", tiling="genesys", dataflow="os"), r"dataflow='os': expected 'ws'"),
    (dict(array_mapping="im2col", tiling="genesys"),
     r"tiling='genesys': expected 'fixed' or 'search' with array_mapping='im2col'"),
    (dict(array_mapping="genesys", tiling="fixed", dataflow="ws"), r"tiling='fixed': expected 'genesys' or 'search'"),
])
def test_bad_combinations_stop_with_one_line(values, message):
    with pytest.raises(SimulatorInputError, match=message):
        HardwareConfig(**values)


def test_bad_hardware_files_name_file_field_and_least_value(tmp_path):
    base = json.loads((FIXTURES / "hardware" / "design01.json").read_text())
    small = tmp_path / "small.json"
    small.write_text(json.dumps(dict(base, WBUF_CAPACITY_BITS=1000)))
    # 16×16 weights of 4 bits, double-buffered: 2048 bits
    with pytest.raises(SimulatorInputError, match=r"small\.json: key 'WBUF_CAPACITY_BITS' = 1000 is too small .*"
                                                  r"expected >= 2048"):
        read_hardware_file(small)
    port = tmp_path / "port.json"
    port.write_text(json.dumps(dict(base, OBUF_AXI_DATA_WIDTH=0)))
    with pytest.raises(SimulatorInputError, match=r"port\.json: key 'OBUF_AXI_DATA_WIDTH' = 0; expected an integer >= 1"):
        read_hardware_file(port)
    ours = tmp_path / "ours.toml"
    ours.write_text('array_mapping = "genesys"\ntiling = "search"\ndataflow = "ws"\nibuf_kib = 0.01\n')
    with pytest.raises(SimulatorInputError, match=r"ours\.toml: ibuf_kib=0\.01: too small .* expected >= 0\.0625 KiB"):
        read_hardware_file(ours)


def test_batch_frames_with_bad_combinations_name_the_row():
    frame = pd.DataFrame({"array_rows": [16, 16], "array_cols": [16, 16], "dataflow": ["ws", "ws"],
                          "array_mapping": ["genesys", "genesys"], "tiling": ["genesys", "search"],
                          "obuf_kib": [64.0, 0.1]})
    with pytest.raises(SimulatorInputError, match=r"configs row 1: obuf_kib=0\.1: too small for any legal GeneSys "
                                                  r"tile; expected >= 0\.125 KiB"):
        simulate_batch(get_workload("resnet18"), frame)
    with pytest.raises(SimulatorInputError, match=r"configs row 0: dataflow='os': expected 'ws'"):
        simulate_batch(get_workload("resnet18"), frame.assign(dataflow=["os", "ws"], obuf_kib=64.0))


def test_output_tile_beyond_simdits_dividing_tiles():
    """An 8×7 output has no dividing tile but itself; where SimDIT's generator would loop forever, the
    tile goes on shrinking as ceil(OW/i) × ceil(OH/i)."""
    layer = Layer("c", "conv", 15, 17, 8, 3, 3, 20, 2, 2)
    assert loop_dims(layer).candidates == ((8, 7, 1), (4, 4, 1), (3, 3, 1), (2, 2, 1), (2, 1, 1), (1, 1, 1))
    hw = HardwareConfig(array_rows=32, array_cols=32, dataflow="ws", array_mapping="genesys", tiling="genesys",
                        obuf_kib=4)  # half = 16384 bits = 16 pixels of 32 filters × 32 bits
    row = simulate(Workload("one", (layer,)), hw).layers.iloc[0]
    assert (row.tile_ow, row.tile_oh) == (4, 4)
    assert row.folds == 4  # 2 × 2 output tiles
