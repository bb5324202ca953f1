"""The streaming SIMD model (SCALE-Sim presets, our own configs) honours the SIMD hardware fields."""
import pytest

from frontend_sim.hardware import HardwareConfig
from frontend_sim.simulator import simulate
from frontend_sim.workloads import Layer, Workload

# relu on 16x16x32 (8192 elements), then a conv that reads it: 16 lanes -> 512 SIMD cycles.
WORK = Workload("w", (Layer("r", "relu", 16, 16, 32, num_filters=32), Layer("c", "conv", 16, 16, 32, 1, 1, 8)))
BASE = dict(array_rows=16, array_cols=16, act_bits=8, acc_bits=32, dram_bytes_per_cycle=4.0)


def relu(**fields):
    return simulate(WORK, HardwareConfig(**BASE, **fields)).layers.set_index("layer").loc["r"]


def test_defaults_keep_the_streaming_model():
    row = relu()
    assert row["simd_cycles"] == 8192 // 16
    # 8192 B in + 8192 B out at act width over the shared 4 B/cycle link, overlapped with 512 cycles
    assert (row["dram_ifmap_bytes"], row["dram_ofmap_bytes"]) == (8192, 8192)
    assert row["stall_cycles"] == 16384 / 4 - 512


def test_single_buffered_vmem_does_not_overlap():
    assert relu(vmem_buffers=1)["stall_cycles"] == 16384 / 4
    assert relu(vmem_buffers=1)["simd_cycles"] == relu()["simd_cycles"]


def test_per_buffer_ports_use_the_simd_port():
    row = relu(dram_ports="per_buffer", simd_axi_bits=64)  # 8 B/cycle
    assert row["stall_cycles"] == 16384 / 8 - 512
    assert relu(dram_ports="per_buffer", simd_axi_bits=2048)["stall_cycles"] == 0


@pytest.mark.parametrize("ofmap_write, simd_write, read, write", [
    ("acc", "acc", 4 * 8192, 4 * 8192),
    ("acc", "act_if_next_gemm", 4 * 8192, 8192),  # the conv reads it next: quantised to act
    ("act", "act", 8192, 8192),
])
def test_widths_follow_ofmap_write_and_simd_write(ofmap_write, simd_write, read, write):
    row = relu(ofmap_write=ofmap_write, simd_write=simd_write)
    assert (row["dram_ifmap_bytes"], row["dram_ofmap_bytes"]) == (read, write)
    assert row["stall_cycles"] == (read + write) / 4 - 512
