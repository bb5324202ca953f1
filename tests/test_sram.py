"""SRAM macros: the bundled table against the shipped GF180 files, the organiser's closed forms, the
sram_macros memory model (area = Σ macro areas, energy from per-buffer traffic), CACTI output parsing and
scaling, and one-line errors for bad nodes, buffers, liberty/LEF files and user tables."""
import gzip
import math
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dse.cost.protocols import BUFFERS, Performance
from dse.cost.sram_macros import DRAM_PJ_PER_BYTE, SramMacroMemory, buffer_words
from dse.errors import DSEInputError
from ppa.backend_flow.cacti import area_factor, energy_factor, run_cacti
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.macro_files import read_macro
from ppa.backend_flow.memory_characterise import GF180_MACROS, characterise_memory, gf180_files
from ppa.errors import PPAInputError
from ppa.sram import bundled_macro_table, organise, read_macro_table

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "datasets" / "sram_macros.csv"
#: From the GF180 macro README (../shared/pdk/gf180_sram): LEF SIZE, READ/WRITE pJ, min_period ns.
README = {64: (431.86, 232.88, 310.2, 342.144, 8.26017), 512: (431.86, 484.88, 369.6, 408.606, 9.24063)}


def _liberty_numbers(text: str) -> dict:
    """The numbers the table takes, found by plain text search (independent of ppa.backend_flow.macro_files)."""
    read = re.search(r'when : "!CEN & GWEN";\s*rise_power\(power_template\) \{\s*index_1 \([^)]*\);\s*'
                     r'values\s*\("([^,"]+)', text)
    write = re.search(r'when : "!CEN & !GWEN[^"]*";\s*rise_power\(power_template\) \{\s*index_1 \([^)]*\);\s*'
                      r'values\s*\("([^,"]+)', text)
    return {"read_pj": float(read.group(1)), "write_pj": float(write.group(1)),
            "min_period_ns": float(re.search(r"(?<!\w)min_period\s*:\s*([\d.]+)", text).group(1)),
            "leakage_mw": float(re.search(r"(?<!\w)cell_leakage_power\s*:\s*([\d.eE+-]+)", text).group(1))}


def test_bundled_gf180_rows_equal_the_lef_area_and_liberty_values_exactly():
    table = read_macro_table(TABLE)
    gf = table[table.pdk == "gf180"].set_index("macro")
    assert sorted(gf.index) == sorted(GF180_MACROS) and set(gf.source) == {"macro"}
    for lib, lef in gf180_files():
        name = lef.name.removesuffix(".lef.gz")
        w, h = map(float, re.search(r"SIZE\s+(\S+)\s+BY\s+(\S+)\s*;", gzip.open(lef, "rt").read()).groups())
        row = gf.loc[name]
        assert row.area_um2 == w * h and (row.width_um, row.height_um) == (w, h)
        for column, value in _liberty_numbers(gzip.open(lib, "rt").read()).items():
            assert row[column] == value, (name, column)
    for words, (w, h, read, write, period) in README.items():
        row = gf.loc[f"gf180mcu_fd_ip_sram__sram{words}x8m8wm1"]
        assert (row.words, row.bits, row.area_um2, row.read_pj, row.write_pj, row.min_period_ns) == \
            (words, 8, w * h, read, write, period)
    assert set(table[table.pdk == "asap7"].source) == {"modelled"}


def test_macro_view_takes_one_access_per_table_value_not_both_edges():
    lib, lef = gf180_files()[0]
    view = read_macro(lib, lef)
    assert (view.words, view.bits, view.read_pj, view.write_pj) == (64, 8, 310.2, 342.144)
    assert view.clk_to_q_ns == 6.417  # fall edge at the first table point is the worse one
    assert view.leakage_mw == pytest.approx(5.74068e-05, rel=0)


def test_the_organiser_chooses_the_least_area_macro_grid():
    table = read_macro_table(TABLE)
    area = table[table.pdk == "gf180"].set_index("words").area_um2
    # 16 KiB, 128 bits/cycle, ping-pong: 1024 words, 512 per half; 16 macros side by side;
    # sram512: 2 rows (32 macros), sram256: 4 rows (64), sram128: 8, sram64: 16 → sram512 is the smallest
    o = organise(table, "gf180", "ibuf", 16 * 8192, 128, ports=2)
    assert (o.macro_words, o.width_banks, o.depth_banks, o.macros) == (512, 16, 2, 32)
    assert o.area_um2 == 32 * area[512] and o.capacity_bits == 16 * 8192
    assert o.read_pj == 16 * 369.6 and o.write_pj == 16 * 408.606 and o.min_period_ns == 9.24063
    # 1 KiB at 64 bits, two halves of 64 words: one row of sram64 per half beats one of sram512
    o = organise(table, "gf180", "bbuf", 1024 * 8, 64, ports=2)
    assert (o.macro_words, o.width_banks, o.depth_banks) == (64, 8, 2) and o.area_um2 == 16 * area[64]
    # depth rounded up to whole macros: 5 KiB of 8-bit words in one array = 5120 words = 10 × sram512
    o = organise(table, "gf180", "x", 5 * 8192, 8, ports=1)
    assert (o.macro_words, o.depth_banks, o.capacity_bits) == (512, 10, 5 * 8192)
    # a 4-bit word uses half of each 8-bit macro word
    o = organise(table, "gf180", "x", 512 * 4, 4, ports=1)
    assert (o.macro_words, o.width_banks, o.depth_banks, o.capacity_bits) == (512, 1, 1, 2048)


def _gf180_designs():
    rows = [dict(array_rows=16, array_cols=16, act_bits=8, wgt_bits=8, acc_bits=32, bias_bits=32, simd_lanes=0,
                 ibuf_kib=16.0, wbuf_kib=8.0, obuf_kib=16.0, bbuf_kib=2.0, vmem_kib=8.0, pdk="gf180"),
            dict(array_rows=4, array_cols=8, act_bits=4, wgt_bits=16, acc_bits=24, bias_bits=32, simd_lanes=4,
                 ibuf_kib=3.5, wbuf_kib=12.0, obuf_kib=4.0, bbuf_kib=1.0, vmem_kib=2.0, pdk="gf180")]
    return pd.DataFrame(rows)


def _expected_area(table, design) -> float:
    """Closed form: per buffer, the least area over macros of ceil(word/8) × 2·ceil(ceil(bits/word)/2/words) macros."""
    macros = table[table.pdk == "gf180"]
    lanes = design.simd_lanes or design.array_cols
    words = {"ibuf": design.array_rows * design.act_bits, "wbuf": design.array_cols * design.wgt_bits,
             "obuf": design.array_cols * design.acc_bits, "bbuf": design.array_cols * design.bias_bits,
             "vmem": lanes * design.acc_bits}
    total = 0.0
    for buffer, word in words.items():
        per_half = math.ceil(math.ceil(design[f"{buffer}_kib"] * 8192 / word) / 2)
        total += min(math.ceil(word / m.bits) * 2 * math.ceil(per_half / m.words) * m.area_um2
                     for m in macros.itertuples())
    return total


def test_a_gf180_designs_sram_area_is_the_sum_of_its_banks_macro_areas():
    table = bundled_macro_table()
    model = SramMacroMemory(table, "bundled")
    designs = _gf180_designs()
    memory = model.design(designs)
    org = model.organisations(designs)
    for i, design in designs.iterrows():
        banks = sum(o[i].macros * table.set_index("macro").area_um2[o[i].macro] for o in org.values())
        assert memory.area_um2[i] == pytest.approx(banks, rel=1e-12)
        assert memory.area_um2[i] == pytest.approx(_expected_area(table, design), rel=1e-12)
        assert memory.leakage_mw[i] == pytest.approx(
            sum(o[i].macros * table.set_index("macro").leakage_mw[o[i].macro] for o in org.values()), rel=1e-12)
        assert memory.fmax_ghz[i] == 1 / max(o[i].min_period_ns for o in org.values())
    # design 0: 16·8 = 128-bit IBUF of 16 KiB → 32 × sram512 (see the organiser test)
    assert org["ibuf"][0].macros == 32 and org["ibuf"][0].macro_words == 512


def test_energy_converts_each_buffers_bytes_to_full_word_accesses():
    table = bundled_macro_table()
    model = SramMacroMemory(table, "bundled", dram_pj_per_byte=7.0)
    designs = _gf180_designs()
    n = len(designs)
    reads = {b: np.array([1000.0 * (k + 1), 64.0]) for k, b in enumerate(BUFFERS)}
    writes = {b: np.array([10.0, 640.0 * (k + 1)]) for k, b in enumerate(BUFFERS)}
    perf = Performance(total_cycles=np.ones(n), utilization=np.ones(n), macs=np.ones(n),
                       dram_read_bytes=np.array([100.0, 0.0]), dram_write_bytes=np.array([1.0, 5.0]),
                       sram_read_bytes=reads, sram_write_bytes=writes)
    energy = model.energy(designs, perf)
    words = buffer_words(designs)
    org = model.organisations(designs)
    for i in range(n):
        expected = sum(reads[b][i] * 8 / words[b][i] * org[b][i].read_pj
                       + writes[b][i] * 8 / words[b][i] * org[b][i].write_pj for b in BUFFERS) * 1e-12
        assert energy.sram_j[i] == pytest.approx(expected, rel=1e-12)
    # design 0's IBUF: 1000 bytes = 62.5 reads of 128 bits, each 16 macros × 369.6 pJ
    assert org["ibuf"][0].read_pj == 16 * 369.6
    np.testing.assert_allclose(energy.dram_j, [101 * 7e-12, 5 * 7e-12], rtol=1e-12)
    assert DRAM_PJ_PER_BYTE == 20.0


def test_the_bundled_spaces_use_the_macro_model_and_fit_the_area_limit():
    from dse.space import bundled_spaces, load_space

    for name in bundled_spaces():
        space = load_space(name)
        assert space.cost_models["memory"]["name"] == "sram_macros", name


def test_cacti_output_is_parsed_and_scaled_by_the_stillmaker_baas_factors(tmp_path):
    fake = tmp_path / "cacti"
    fake.mkdir()
    binary = fake / "cacti"
    binary.write_text("#!/bin/sh\nexit 1\n")
    binary.chmod(0o755)
    (fake / "tech_params").mkdir()
    (fake / "tech_params" / "22nm.dat").write_text("-Vdd (V) 0.8 0.8 0.6 0 0.9\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    for out in (ROOT / "tests" / "fixtures" / "cacti").glob("*.out"):
        shutil.copy(out, cache / out.name)
    r = run_cacti(binary, 22, 64, 8, cache)  # the cached output: the binary is not run
    assert (r.access_ns, r.cycle_ns, r.read_pj, r.write_pj, r.vdd) == (0.0566729, 0.0411843, 6.58065e-05 * 1e3,
                                                                       5.9737e-05 * 1e3, 0.8)
    assert r.area_um2 == pytest.approx(0.0158459 * 0.00489173 * 1e6, rel=1e-12)
    assert r.leakage_mw == pytest.approx(0.00907427 + 0.000129518, rel=1e-12)
    # 22 nm lies 10/12 of the way from 32 to 20 nm; area to 7 nm: 0.13 and 0.28 interpolated (a shrink)
    assert area_factor(22, 7) == pytest.approx(0.13 / 6 + 0.28 * 5 / 6, rel=1e-12)
    assert area_factor(20, 7) == pytest.approx(0.28, rel=1e-12) and area_factor(45, 20) == pytest.approx(0.059 / 0.28)
    assert area_factor(7, 20) * area_factor(20, 7) == pytest.approx(1.0) and energy_factor(45, 0.9, 45, 0.9) == 1.0
    e7 = 0.1776 * 0.49 - 0.09097 * 0.7 + 0.02447
    e20 = 0.373 * 0.64 - 0.1582 * 0.8 + 0.04104
    assert energy_factor(20, 0.8, 7, 0.7) == pytest.approx(e7 / e20, rel=1e-12)
    with pytest.raises(BackendFlowError, match=r"CACTI 64x8 at 32 nm failed \(exit 1\)"):
        run_cacti(binary, 32, 64, 8, cache)


# ---- bad input: one-line errors ----

def _one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_unknown_node_and_unbuildable_buffers_are_one_line_errors():
    table = bundled_macro_table()
    with pytest.raises(PPAInputError) as exc:
        organise(table, "sky130", "ibuf", 8192, 8)
    assert _one_line(exc) == "unknown node 'sky130' for buffer ibuf: the macro table has the nodes ['asap7', 'gf180']"
    with pytest.raises(PPAInputError) as exc:
        organise(table, "gf180", "obuf", 64 * 8192, 2048, ports=2, max_macros=256)
    assert _one_line(exc) == ("buffer obuf: 64 KiB at 2048 bits per access needs at least 512 gf180 macros; the limit "
                              "is 256 per buffer (too wide or too large)")
    with pytest.raises(PPAInputError) as exc:
        organise(table, "gf180", "wbuf", 100, 64, ports=2)
    assert "buffer wbuf: 0.012207 KiB is too small: it must hold at least one 64-bit word per port" in _one_line(exc)
    with pytest.raises(PPAInputError, match="buffer vmem: 3 ports; single-port macros build 1"):
        organise(table, "gf180", "vmem", 8192, 8, ports=3)
    model = SramMacroMemory(table, "bundled", max_macros=64)
    with pytest.raises(DSEInputError) as exc:
        model.design(_gf180_designs())
    assert _one_line(exc).startswith("sram_macros: design 0 (obuf_kib = 16): buffer obuf: 16 KiB at 512 bits")


def _corrupt(tmp_path: Path, name: str, edit) -> Path:
    """A copy of the shipped GF180 macro files with one file edited by ``edit(text) -> text``."""
    d = tmp_path / "gf180"
    shutil.copytree(gf180_files()[0][0].parent, d)
    path = d / name
    path.write_bytes(gzip.compress(edit(gzip.open(path, "rt").read()).encode()))
    return d


LIB64 = f"{GF180_MACROS[0]}__tt_025C_3v30.lib.gz"
LEF64 = f"{GF180_MACROS[0]}.lef.gz"


@pytest.mark.parametrize("name, edit, message", [
    (LIB64, lambda t: t[: t.index("/* READ POWER */")],
     r"\.lib\.gz:\d+: expected '}' closing the group pin\(CLK\) opened on line \d+, found 'end of file'"),
    (LIB64, lambda t: t.replace('when : "!CEN & GWEN";', 'when : "!CEN & GWEN;'), r"\.lib\.gz:\d+: unterminated string"),
    (LIB64, lambda t: t.replace("min_period           : 8.26017;", ""), r"clock pin CLK has no min_period"),
    (LIB64, lambda t: t.replace('values  ("310.2, 310.2', 'values  ("3x0.2, 310.2'),
     r"\.lib\.gz: read rise_power is '3x0\.2', not a number"),
    (LIB64, lambda t: t.replace("342.144, 342.144, 342.144, 342.144, 342.144, 342.144, 342.144\");\n              }\n             }",
                                "342.144, 342.144, 342.144, 342.144, 342.144, 342.144, 684.288\");\n              }\n             }", 1),
     r"write rise_power and fall_power differ"),
    (LIB64, lambda t: t.replace("cell(gf180", "cell{gf180", 1), r"\.lib\.gz:\d+: expected ':' or '\(' after 'cell', found '\{'"),
    (LEF64, lambda t: t.replace("SIZE 431.86 BY 232.88 ;", "SIZE 431.86 232.88 ;"),
     r"\.lef\.gz: MACRO gf180mcu_fd_ip_sram__sram64x8m8wm1 has no 'SIZE <w> BY <h> ;' line"),
    (LEF64, lambda t: t.replace("END gf180mcu_fd_ip_sram__sram64x8m8wm1", "END"), r"no complete 'MACRO"),
    (LEF64, lambda t: t.replace("SIZE 431.86 BY 232.88 ;", "SIZE 431.86 BY 484.88 ;"),
     r"\.lib\.gz: cell area 100572 µm² differs from the LEF SIZE 431\.86 × 484\.88 = 209400 µm²"),
])
def test_a_corrupted_liberty_or_lef_is_a_one_line_error_and_no_table_is_written(tmp_path, name, edit, message):
    d = _corrupt(tmp_path, name, edit)
    lib, lef = d / LIB64, d / LEF64
    with pytest.raises(BackendFlowError) as exc:
        read_macro(lib, lef)
    assert re.search(message, _one_line(exc)), str(exc.value)
    publish = tmp_path / "pub" / "sram_macros.csv"
    publish.parent.mkdir()
    with pytest.raises(BackendFlowError):
        characterise_memory(tmp_path / "out", sys.executable, publish, "test", gf180_dir=d)
    assert list(publish.parent.iterdir()) == [] and not (tmp_path / "out" / "sram_macros.csv").exists()


def test_a_gzip_that_is_not_gzip_is_a_one_line_error(tmp_path):
    d = tmp_path / "gf180"
    shutil.copytree(gf180_files()[0][0].parent, d)
    (d / LEF64).write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(BackendFlowError) as exc:
        read_macro(d / LIB64, d / LEF64)
    assert _one_line(exc).startswith(f"{d / LEF64}: cannot read")


@pytest.mark.parametrize("edit, message", [
    (lambda rows: rows.__setitem__(1, rows[1].replace(",8,", ",eight,", 1)), r"t\.csv:2: column 'bits' is 'eight'; expected an integer >= 1"),
    (lambda rows: rows.__setitem__(3, rows[3].replace(",modelled", ",modelled,extra", 1)), r"t\.csv: not a readable CSV"),
    (lambda rows: rows.__setitem__(4, rows[4].split(",", 4)[0] + ",x,1,8,-3,1,1,0,1"), r"t\.csv:5: column 'area_um2' is '-3'; expected a number > 0"),
    (lambda rows: rows.__setitem__(1, rows[1].replace("asap7", "", 1)), r"t\.csv:2: column 'pdk' is empty"),
    (lambda rows: rows.append(rows[1]), r"t\.csv:\d+: macro 'cacti_ram64x8' of 'asap7' is listed twice"),
    (lambda rows: rows.__setitem__(0, rows[0].replace("area_um2", "area")), r"t\.csv: missing column\(s\) \['area_um2'\]"),
])
def test_a_bad_user_macro_table_names_the_line_and_column(tmp_path, edit, message):
    rows = TABLE.read_text().splitlines()
    edit(rows)
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(PPAInputError) as exc:
        read_macro_table(path)
    assert re.search(message, _one_line(exc)), str(exc.value)


def test_a_user_table_replaces_the_bundled_one(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("pdk,macro,words,bits,area_um2,read_pj,write_pj,leakage_mw,min_period_ns\n"
                    "gf180,big,1024,32,1e6,10,20,0.5,4\n")
    table = read_macro_table(path)
    o = organise(table, "gf180", "ibuf", 16 * 8192, 128, ports=2)
    assert (o.macro, o.width_banks, o.depth_banks, o.area_um2, o.source) == ("big", 4, 2, 8e6, "user")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from tests.dse_helpers import bundle_dir

    return bundle_dir(tmp_path_factory)


def test_the_evaluator_reports_the_macro_area_energy_and_clock_of_gf180_designs(tmp_path, models):
    """A GF180 design evaluated with [cost_models] memory = "sram_macros": area_sram_um2 = Σ macro areas,
    the clock is capped by the slowest macro, SRAM energy = access energy + leakage × runtime."""
    from dse.evaluator import Evaluator, load_model_bundle, load_workloads
    from dse.space import load_space
    from frontend_sim.loader import load_workload
    from frontend_sim.simulator import simulate_batch
    from ppa.bundle import read_manifest
    from tests.dse_helpers import space_text

    params = "array_rows = { values = [4, 16] }\narray_cols = { values = [8, 16] }\nibuf_kib = { values = [3.5, 16] }"
    text = space_text(read_manifest(models)["features"], params,
                      extra='[cost_models]\nmemory = "sram_macros"\n[search]\nworkloads = { resnet18 = 1.0 }\n')
    path = tmp_path / "g.toml"
    path.write_text(text.replace('pdk = "asap7"', 'pdk = "gf180"\nwbuf_kib = 8\nobuf_kib = 16\nbbuf_kib = 1\n'
                                 'vmem_kib = 2'))
    space = load_space(path)
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    designs = space.designs([{"array_rows": 16, "array_cols": 16, "ibuf_kib": 16},
                             {"array_rows": 4, "array_cols": 8, "ibuf_kib": 3.5}])
    got = evaluator.evaluate(designs)
    table = bundled_macro_table()
    for i, design in designs.iterrows():
        assert got["area_sram_um2"][i] == pytest.approx(_expected_area(table, design), rel=1e-12)
    np.testing.assert_allclose(got["area_um2"], got["area_logic_um2"] + got["area_sram_um2"], rtol=1e-12)
    model = SramMacroMemory(table, "bundled")
    memory = model.design(designs)
    clock = np.minimum(np.minimum(designs["target_clock_ghz"], got["fmax_ghz"]), memory.fmax_ghz)
    np.testing.assert_allclose(got["clock_ghz"], clock, rtol=1e-12)
    sim = simulate_batch(load_workload("resnet18"), designs)
    runtime = sim["total_cycles"].to_numpy() / (clock * 1e9)
    org, words = model.organisations(designs), buffer_words(designs)
    access = sum(sim[f"sram_{b}_read_bytes"].to_numpy() * 8 / words[b] * np.array([o.read_pj for o in org[b]])
                 + sim[f"sram_{b}_write_bytes"].to_numpy() * 8 / words[b] * np.array([o.write_pj for o in org[b]])
                 for b in BUFFERS) * 1e-12
    np.testing.assert_allclose(got["energy_sram_j"], access + memory.leakage_mw * 1e-3 * runtime, rtol=1e-12)
    np.testing.assert_allclose(got["energy_dram_j"], (sim["dram_read_bytes"] + sim["dram_write_bytes"]) * 20e-12,
                               rtol=1e-12)
    assert evaluator.constants["gf180"].source == "macro" and evaluator.constants["asap7"].source == "modelled"


def test_the_genesys_mapping_widens_the_wbuf_and_a_single_buffered_vmem_is_one_array():
    from dse.cost.sram_macros import buffer_ports

    designs = _gf180_designs().assign(array_mapping=["genesys", "im2col"], vmem_buffers=[1, 2])
    words, ports = buffer_words(designs), buffer_ports(designs)
    assert list(words["wbuf"]) == [16 * 16 * 8, 8 * 16] and list(ports["vmem"]) == [1, 2]
    org = SramMacroMemory(bundled_macro_table(), "bundled").organisations(designs)
    # 8 KiB of 2048-bit words = 32 words, two halves of 16: one row of 256 sram64 macros
    assert (org["wbuf"][0].width_banks, org["wbuf"][0].depth_banks, org["wbuf"][0].macro_words) == (256, 2, 64)
    # VMEM 8 KiB of 512-bit words, one array: 128 words → 64 × sram128 (one row)
    assert (org["vmem"][0].width_banks, org["vmem"][0].depth_banks, org["vmem"][0].macro_words) == (64, 1, 128)
