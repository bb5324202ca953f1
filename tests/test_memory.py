"""Closed-form traffic and stall checks of frontend_sim.memory (through the simulator's arrays)."""
import numpy as np
import pytest

from frontend_sim.hardware import HardwareConfig
from frontend_sim.simulator import simulate
from frontend_sim.workloads import Layer, Workload

GEMM = Workload("g", (Layer("mm", "gemm", ifmap_h=64, ifmap_w=64, filter_w=64, num_filters=64),))


def run(workload=GEMM, **hw):
    return simulate(workload, HardwareConfig(**{"array_rows": 8, "array_cols": 8, **hw})).layers.iloc[0]


@pytest.mark.parametrize("df", ["os", "ws", "is"])
def test_everything_fits_means_each_tensor_once(df):
    row = run(dataflow=df, dram_bytes_per_cycle=1e9)
    # 64×64 int8 operands, 64×64 int8 outputs, 64 int32 biases.
    assert row["dram_ifmap_bytes"] == 4096
    assert row["dram_filter_bytes"] == 4096
    assert row["dram_ofmap_bytes"] == 4096
    assert row["dram_bias_bytes"] == 64 * 4
    assert row["dram_psum_bytes"] == 0
    assert row["dram_read_bytes"] == 4096 + 4096 + 256
    assert row["sram_ibuf_write_bytes"] == row["dram_ifmap_bytes"]


def test_sram_reads_follow_the_loop_order():
    # 8×8 array: 8 row folds and 8 column folds of the 64×64×64 GEMM.
    os_, ws, is_ = (run(dataflow=df) for df in ("os", "ws", "is"))
    assert os_["sram_ibuf_read_bytes"] == 8 * 64 * 64  # ifmap re-read per column fold
    assert os_["sram_wbuf_read_bytes"] == 8 * 64 * 64  # filter re-read per row fold
    assert ws["sram_wbuf_read_bytes"] == 64 * 64  # each weight loaded once
    assert is_["sram_ibuf_read_bytes"] == 64 * 64  # each input loaded once
    # ws/is accumulate 8 K-passes of 32-bit partial sums in the OBUF, os one.
    assert ws["sram_obuf_write_bytes"] == 8 * 64 * 64 * 4
    assert os_["sram_obuf_write_bytes"] == 64 * 64 * 4


def test_ifmap_that_does_not_fit_is_refetched_per_column_fold():
    # 4 KiB ifmap, 4 KiB IBUF -> 2 KiB usable half: refetched for each of the 8 column folds.
    assert run(dataflow="os", ibuf_kib=4)["dram_ifmap_bytes"] == 8 * 4096
    assert run(dataflow="os", ibuf_kib=8)["dram_ifmap_bytes"] == 4096


def test_filter_that_does_not_fit_is_refetched():
    # os keeps a K×C filter tile (512 B); a 0.5 KiB WBUF (256 B half) forces one refetch per row fold.
    assert run(dataflow="os", wbuf_kib=0.5)["dram_filter_bytes"] == 8 * 4096
    assert run(dataflow="is", wbuf_kib=4)["dram_filter_bytes"] == 8 * 4096
    assert run(dataflow="ws", wbuf_kib=0.5)["dram_filter_bytes"] == 4096  # ws never refetches weights


def test_partial_sums_spill_when_the_obuf_is_too_small():
    # ws keeps an M×C = 64×8 tile of int32 sums (2 KiB); a 2 KiB OBUF (1 KiB half) spills them:
    # 7 extra K-passes write and read back all 64×64×4 bytes.
    spilled = run(dataflow="ws", obuf_kib=2)
    assert spilled["dram_psum_bytes"] == 2 * 7 * 64 * 64 * 4
    assert spilled["dram_write_bytes"] == 4096 + 7 * 64 * 64 * 4
    assert run(dataflow="ws", obuf_kib=4)["dram_psum_bytes"] == 0


def test_stalls_fall_with_bandwidth_and_vanish_apart_from_the_fill():
    stalls = [run(dataflow="os", dram_bytes_per_cycle=bw)["stall_cycles"] for bw in (0.25, 1, 4, 16, 1e6)]
    assert all(a >= b for a, b in zip(stalls, stalls[1:]))
    assert stalls[0] > stalls[-2]
    assert stalls[-1] == 1  # the first fold's tiles (1 KiB) take a fraction of a cycle, rounded up


def test_stall_closed_form_bandwidth_bound_layer():
    # os, 1 byte/cycle: 12544 bytes of traffic over 64 folds of 78 cycles. The first fold's tiles
    # (8×64 ifmap + 64×8 filter = 1024 B) are the fill; the rest, 11520 B = 180 cycles per fold,
    # overlaps 78 compute cycles per fold.
    row = run(dataflow="os", dram_bytes_per_cycle=1)
    total = 4096 * 3 + 256
    assert row["compute_cycles"] == 64 * 78
    assert row["stall_cycles"] == np.ceil(1024 + 64 * ((total - 1024) / 64 - 78))


def test_simd_layer_streams_through_dram():
    relu = Workload("r", (Layer("relu", "relu", 16, 16, 8),))
    row = simulate(relu, HardwareConfig(array_cols=16, dram_bytes_per_cycle=4)).layers.iloc[0]
    assert row["dram_ifmap_bytes"] == 2048 and row["dram_ofmap_bytes"] == 2048
    assert row["simd_cycles"] == 2048 // 16
    assert row["stall_cycles"] == 4096 / 4 - 128


def test_softmax_rereads_rows_that_miss_the_vmem():
    # 64 rows of 4096 elements: a row is 16 KiB of 32-bit words; it fits half of a 64 KiB VMEM, not of 16 KiB.
    softmax = Workload("s", (Layer("sm", "softmax", 64, 4096, 1),))
    fits = simulate(softmax, HardwareConfig(vmem_kib=64)).layers.iloc[0]
    misses = simulate(softmax, HardwareConfig(vmem_kib=16)).layers.iloc[0]
    assert fits["dram_ifmap_bytes"] == 64 * 4096
    assert misses["dram_ifmap_bytes"] == 3 * 64 * 4096  # max, exp-sum and normalise passes
    assert misses["simd_cycles"] == fits["simd_cycles"] and misses["stall_cycles"] > fits["stall_cycles"]


def test_strided_1x1_conv_fetches_only_the_pixels_it_uses():
    # ResNet downsample: 1×1/2 on 56×56×256 touches every other row and column: 28·28·256 elements.
    downsample = Workload("d", (Layer("ds", "conv", 56, 56, 256, 1, 1, 512, 2, 2),))
    row = simulate(downsample, HardwareConfig(ibuf_kib=1024, dram_bytes_per_cycle=1e6)).layers.iloc[0]
    assert row["dram_ifmap_bytes"] == 28 * 28 * 256
    # A 3×3/1 conv with 'same' padding touches the whole input once (padding is not fetched).
    same = Workload("s", (Layer("c", "conv", 14, 14, 8, 3, 3, 8, pad_h=2, pad_w=2),))
    assert simulate(same, HardwareConfig()).layers.loc[0, "dram_ifmap_bytes"] == 14 * 14 * 8


def test_per_buffer_ports_take_as_long_as_the_slowest_port():
    """os, 64×64×64 GEMM: with one AXI port per buffer the per-fold transfer time is the slowest port's
    (IBUF 4096 B, PARAMBUF 4096 + 256 B, OBUF 4096 B), not the shared link's sum."""
    ports = dict(dram_ports="per_buffer", ibuf_axi_bits=4, parambuf_axi_bits=4, obuf_axi_bits=4)
    row = run(dataflow="os", **ports)
    # 0.5 B/cycle per port. Fill: the first fold's 512 B ifmap and 512 B filter tiles load in parallel
    # (1024 cycles); then the PARAMBUF port is slowest: 4352 B in 8704 cycles, less the fill, over 64 folds
    # of 78 compute cycles
    assert row["stall_cycles"] == 1024 + 64 * ((8704 - 1024) / 64 - 78)
    wide = run(dataflow="os", **dict(ports, parambuf_axi_bits=8 * 1024))
    assert wide["stall_cycles"] == 1024 + 64 * ((8192 - 1024) / 64 - 78)  # now IBUF/OBUF bound
    shared = run(dataflow="os", dram_bytes_per_cycle=1.5)  # one link as wide as the three ports
    assert shared["dram_read_bytes"] == row["dram_read_bytes"]
    assert shared["stall_cycles"] == np.ceil(1024 / 1.5 + 64 * ((12544 - 1024) / 1.5 / 64 - 78))


def test_output_width_and_padding_are_stated_parameters():
    """Outputs written at acc_bits when ofmap_write='acc'; zero padding fetched when fetch_padding."""
    assert run(ofmap_write="acc", dram_bytes_per_cycle=1e9)["dram_ofmap_bytes"] == 64 * 64 * 4
    conv = Workload("c", (Layer("c", "conv", 8, 8, 16, 3, 3, 16, pad_h=2, pad_w=2),))
    plain = run(conv, ibuf_kib=64, dram_bytes_per_cycle=1e9)
    padded = run(conv, ibuf_kib=64, dram_bytes_per_cycle=1e9, fetch_padding=True)
    assert plain["dram_ifmap_bytes"] == 8 * 8 * 16 and padded["dram_ifmap_bytes"] == 10 * 10 * 16
    assert plain["compute_cycles"] == padded["compute_cycles"]
