"""HardwareConfig validation, presets and the SCALE-Sim / SimDIT / TOML / JSON readers."""
import json
from pathlib import Path

import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import (HardwareConfig, from_simdit, get_preset, load_hardware, preset_names,
                                   read_hardware_file, read_scalesim_cfg)

FIXTURES = Path(__file__).parent / "fixtures" / "scalesim"


@pytest.mark.parametrize("field, value, expected", [
    ("array_rows", 0, "integer >= 1"),
    ("array_cols", 2.5, "integer >= 1"),
    ("dataflow", "rs", "one of os, ws, is"),
    ("ibuf_kib", -1.0, "number > 0"),
    ("dram_bytes_per_cycle", float("nan"), "number > 0"),
    ("simd_lanes", -4, "integer >= 0"),
    ("act_bits", True, "integer >= 1"),
    ("array_mapping", "rowwise", "one of im2col, genesys"),
    ("tiling", "greedy", "one of fixed, genesys, search"),
    ("dram_ports", "per_port", "one of shared, per_buffer"),
    ("obuf_axi_bits", 0, "integer >= 1"),
    ("ofmap_write", "psum", "one of act, acc"),
    ("fetch_padding", "yes", "true or false"),
    ("vmem_buffers", 3, r"1 \(single\) or 2"),
    ("simd_write", "auto", "one of act, acc, act_if_next_gemm"),
])
def test_invalid_fields_name_the_field(field, value, expected):
    with pytest.raises(SimulatorInputError, match=rf"HardwareConfig\.{field}=.*expected .*{expected}"):
        HardwareConfig(**{field: value})


def test_simd_lanes_default_to_array_cols():
    assert HardwareConfig(array_cols=24).lanes == 24
    assert HardwareConfig(array_cols=24, simd_lanes=8).lanes == 8


def test_presets_load_and_are_distinct():
    names = preset_names()
    assert {"scalesim-32x32", "tpu-v1-like", "genesys-16x16", "edge-8x8"} <= set(names)
    assert get_preset("tpu-v1-like").array_rows == 256
    assert get_preset("edge-8x8") == HardwareConfig(array_rows=8, array_cols=8, dataflow="os", ibuf_kib=16,
                                                     wbuf_kib=16, obuf_kib=16, bbuf_kib=1,
                                                     dram_bytes_per_cycle=4, vmem_kib=8)
    assert len({get_preset(n) for n in names}) == len(names)
    with pytest.raises(SimulatorInputError, match="unknown hardware preset 'tpu-v9'.*edge-8x8"):
        load_hardware("tpu-v9")


def test_scalesim_cfg_mapping():
    hw = read_scalesim_cfg(FIXTURES / "conv_mix_16x64_ws" / "scalesim.cfg")
    assert (hw.array_rows, hw.array_cols, hw.dataflow) == (16, 64, "ws")
    assert (hw.ibuf_kib, hw.wbuf_kib, hw.obuf_kib) == (64, 64, 64)
    assert hw.dram_bytes_per_cycle == 10 and hw.act_bits == hw.wgt_bits == 8
    # SCALE-Sim's behaviour: im2col, one loop order per dataflow, one shared link, act-width outputs.
    assert (hw.array_mapping, hw.tiling, hw.dram_ports, hw.ofmap_write) == ("im2col", "fixed", "shared", "act")


def test_scalesim_cfg_errors_name_file_and_key(tmp_path):
    good = (FIXTURES / "conv_mix_8x8_os" / "scalesim.cfg").read_text()
    missing = tmp_path / "missing.cfg"
    missing.write_text(good.replace("ArrayWidth", "ArrayWide"))
    message = r"missing\.cfg: \[architecture_presets\] is missing key 'ArrayWidth'"
    with pytest.raises(SimulatorInputError, match=message):
        read_scalesim_cfg(missing)
    bad = tmp_path / "bad.cfg"
    bad.write_text(good.replace("ArrayHeight: 8", "ArrayHeight: eight"))
    with pytest.raises(SimulatorInputError, match=r"bad\.cfg: .*ArrayHeight = 'eight'; expected int"):
        read_scalesim_cfg(bad)
    flow = tmp_path / "flow.cfg"
    flow.write_text(good.replace("Dataflow : os", "Dataflow : rs"))
    with pytest.raises(SimulatorInputError, match=r"flow\.cfg: .*Dataflow = 'rs'; expected one of os, ws, is"):
        read_scalesim_cfg(flow)
    garbage = tmp_path / "garbage.cfg"
    garbage.write_text("no sections here\n")
    with pytest.raises(SimulatorInputError, match=r"garbage\.cfg: not a readable SCALE-Sim"):
        read_scalesim_cfg(garbage)


def test_simdit_json_mapping():
    hw = get_preset("genesys-16x16")
    # 524288 bits = 64 KiB; the OBUF key is one of two output buffers; VMEM1+VMEM2.
    assert (hw.array_rows, hw.array_cols, hw.dataflow) == (16, 16, "ws")
    assert (hw.ibuf_kib, hw.wbuf_kib, hw.obuf_kib, hw.bbuf_kib) == (64, 64, 128, 4)
    assert hw.vmem_kib == 64
    assert hw.dram_bytes_per_cycle == (128 + 128 + 128) / 8
    assert (hw.ibuf_axi_bits, hw.parambuf_axi_bits, hw.obuf_axi_bits, hw.simd_axi_bits) == (128, 128, 128, 512)
    # GeneSys behaviour comes with the file: its mapping, SimDIT's tiling search and per-buffer ports.
    assert (hw.array_mapping, hw.tiling, hw.dram_ports, hw.ofmap_write) == ("genesys", "genesys", "per_buffer", "acc")
    assert hw.fetch_padding and hw.vmem_buffers == 1 and hw.simd_write == "act_if_next_gemm"
    with pytest.raises(SimulatorInputError, match="SimDIT JSON: key 'SIMD_AXI_DATA_WIDTH' = 0; expected an integer >= 1"):
        from_simdit({"ARRAY_N": 4, "ARRAY_M": 4, "SIMD_AXI_DATA_WIDTH": 0})
    with pytest.raises(SimulatorInputError, match="SimDIT JSON: key 'ARRAY_M' = 0; expected an integer >= 1"):
        from_simdit({"ARRAY_N": 4, "ARRAY_M": 0})
    with pytest.raises(SimulatorInputError, match="missing key 'ARRAY_N'"):
        from_simdit({"ARRAY_M": 4})


def test_own_toml_and_json_round_trip(tmp_path):
    hw = HardwareConfig(array_rows=12, array_cols=20, dataflow="is", ibuf_kib=3.5, simd_lanes=4)
    as_json = tmp_path / "hw.json"
    as_json.write_text(json.dumps(hw.__dict__))
    assert read_hardware_file(as_json) == hw
    as_toml = tmp_path / "hw.toml"
    as_toml.write_text('array_rows = 12\narray_cols = 20\ndataflow = "is"\nibuf_kib = 3.5\nsimd_lanes = 4\n')
    assert load_hardware(str(as_toml)) == hw


def test_bad_hardware_files(tmp_path):
    unknown = tmp_path / "u.toml"
    unknown.write_text("array_rows = 8\narray_colz = 8\n")
    with pytest.raises(SimulatorInputError, match=r"u\.toml: unknown key 'array_colz'"):
        read_hardware_file(unknown)
    wrong = tmp_path / "w.json"
    wrong.write_text('{"array_rows": "eight"}')
    with pytest.raises(SimulatorInputError, match=r"w\.json: key 'array_rows' = 'eight'; expected an integer >= 1"):
        read_hardware_file(wrong)
    broken = tmp_path / "b.json"
    broken.write_text("{")
    with pytest.raises(SimulatorInputError, match=r"b\.json: not valid JSON"):
        read_hardware_file(broken)
    with pytest.raises(SimulatorInputError, match=r"nope\.toml: hardware file not found"):
        load_hardware(tmp_path / "nope.toml")
    other = tmp_path / "hw.yaml"
    other.write_text("a: 1")
    with pytest.raises(SimulatorInputError, match=r"unknown hardware file type '\.yaml'"):
        read_hardware_file(other)
