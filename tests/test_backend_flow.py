"""The Yosys + OpenSTA flow on tiny designs (real tools; skipped when they are not installed)."""
from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import replace

import pytest
from click.testing import CliRunner

from dse.cli import main
from ppa.backend_flow import sweep as sweep_module
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.liberty import bundled_paths, merge_liberty, prepare_liberty, quote_expressions
from ppa.backend_flow.rtl import CoreConfig
from ppa.backend_flow.sampling import DesignPoint, design
from ppa.backend_flow.store import SampleStore
from ppa.backend_flow.synth import SynthKnobs, abc_delay_for_clock, synthesize

TOOLS = shutil.which("yosys") and shutil.which("sta")
needs_tools = pytest.mark.skipif(not TOOLS, reason="yosys and OpenSTA (sta) not installed (apt-get install yosys opensta)")
CLOCKS = (0.5, 1.0, 5.0)  # GHz: met, met, failing for a 4-bit MAC in ASAP7


def _point(cols: int) -> DesignPoint:
    core = CoreConfig(array_rows=1, array_cols=cols, dataflow="os", act_bits=4, wgt_bits=4, acc_bits=16,
                      simd_lanes=1)
    return DesignPoint(pdk="asap7", core=core, knobs=SynthKnobs(abc_delay_ps=1000.0), clocks_ghz=CLOCKS)


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    """1×1 and 1×2 arrays, each timed at three clocks: six real samples."""
    out = tmp_path_factory.mktemp("sweep")
    df = sweep_module.sweep_backend_samples("asap7", 6, out, points=[_point(1), _point(2)], progress=False)
    return out, df


@needs_tools
def test_area_grows_with_pe_count(tiny_sweep):
    _, df = tiny_sweep
    area = df.groupby("array_cols")["area_um2"].first()
    cells = df.groupby("array_cols")["cell_count"].first()
    pe = df.groupby("array_cols")["pe_area_um2"].first()
    assert area[2] > area[1] and cells[2] > cells[1]
    # one more PE instance (same PE netlist): the area grows by one PE's area
    assert area[2] - area[1] == pytest.approx(pe[1], rel=0.02)


@needs_tools
def test_tighter_clock_gives_more_power_and_less_slack(tiny_sweep):
    _, df = tiny_sweep
    one = df[df.array_cols == 1].sort_values("target_clock_ghz")
    assert one.power_mw.is_monotonic_increasing and one.power_mw.iloc[-1] > one.power_mw.iloc[0]
    assert one.wns_ps.is_monotonic_decreasing
    # slack = period − arrival: the slack difference is exactly the period difference
    periods = 1e3 / one.target_clock_ghz
    assert (one.wns_ps.iloc[0] - one.wns_ps.iloc[1]) == pytest.approx(periods.iloc[0] - periods.iloc[1], abs=0.01)
    assert (one.internal_mw + one.switching_mw + one.leakage_mw).to_numpy() == pytest.approx(one.power_mw.to_numpy(), rel=1e-4)


@needs_tools
def test_failing_clock_is_reported_failing_and_fmax_is_clock_independent(tiny_sweep):
    _, df = tiny_sweep
    fail = df[df.target_clock_ghz == 5.0]
    met = df[df.target_clock_ghz == 0.5]
    assert not fail.timing_met.any() and (fail.wns_ps < 0).all() and (fail.tns_ps < 0).all()
    assert (fail.fmax_ghz < 5.0).all()
    assert met.timing_met.all() and (met.fmax_ghz > 0.5).all()
    # 1/(period − WNS) is the same achievable clock whether the target is met or not
    for cols in (1, 2):
        f = df[df.array_cols == cols].fmax_ghz
        assert f.max() == pytest.approx(f.min(), rel=1e-3)


@needs_tools
def test_resume_skips_finished_samples(tiny_sweep, monkeypatch):
    out, df = tiny_sweep

    def must_not_run(*args, **kwargs):
        raise AssertionError("a finished sample was synthesised again")

    monkeypatch.setattr(sweep_module, "synthesize", must_not_run)
    again = sweep_module.sweep_backend_samples("asap7", 6, out, points=[_point(1), _point(2)], progress=False)
    assert again.sample_key.tolist() == df.sample_key.tolist()
    assert (out / "runs" / _point(1).netlist_key / "yosys.log").exists()
    assert (out / "runs" / _point(1).netlist_key / "sta.log").exists()
    # a fresh output directory continues a published dataset CSV without redoing its samples
    fresh = sweep_module.sweep_backend_samples("asap7", 6, out.parent / "fresh", points=[_point(1), _point(2)],
                                               progress=False, seed_csv=out / "ppa_samples.csv")
    sweep_module.pd.testing.assert_frame_equal(fresh, df)


@needs_tools
def test_corrupted_liberty_gives_a_clear_error_and_keeps_the_store(tiny_sweep, tmp_path):
    out, df = tiny_sweep
    text = gzip.open(bundled_paths("asap7")[0], "rt").read()
    cut = text.index("  cell (", 100_000)
    broken = tmp_path / "broken.lib"
    broken.write_text(text[:cut] + "  cell (BROKEN { area : ;;\n" + text[cut:])
    # continue the same store with a new design point and the broken library
    with pytest.raises(BackendFlowError, match=r"sample \w+ .*failed: yosys failed .*log: .*yosys\.log"):
        sweep_module.sweep_backend_samples("asap7", 3, out, liberty=broken, points=[_point(3)], progress=False)
    store = SampleStore(out / "samples.sqlite")
    assert store.keys() == set(df.sample_key) and len(store.failures()) == 1
    store.close()
    assert len(sweep_module.pd.read_csv(out / "ppa_samples.csv")) == len(df)


@needs_tools
def test_booth_pipelined_netlist_is_readable_by_opensta(tmp_path):
    """This core made Yosys write `assign {a[7:4], a[2:0]} = ...` (a part-select concatenation on
    the left), which OpenSTA rejects; the flow splits nets to single bits, so STA reads it."""
    core = CoreConfig(array_rows=1, array_cols=1, dataflow="is", act_bits=8, wgt_bits=8, acc_bits=16,
                      simd_lanes=1, mac_pipeline=1, mult_style="booth")
    point = DesignPoint(pdk="asap7", core=core, knobs=SynthKnobs(abc_delay_ps=2896.3), clocks_ghz=(1.0,))
    lib = prepare_liberty("asap7", tmp_path / "liberty")
    rows = sweep_module.run_point(point, lib, tmp_path / "run")
    assert "assign {" not in (tmp_path / "run" / "netlist.v").read_text()
    assert rows[0]["fmax_ghz"] > 0.3 and rows[0]["area_um2"] > 0


def test_not_a_liberty_file_is_rejected_by_name(tmp_path):
    bad = tmp_path / "notes.lib"
    bad.write_text("hello\n")
    with pytest.raises(BackendFlowError, match="notes.lib has no library group"):
        prepare_liberty("asap7", tmp_path / "work", bad)


def test_asap7_merge_keeps_every_cell_and_the_seq_templates():
    paths = bundled_paths("asap7")
    merged = merge_liberty(paths)
    n_cells = sum(gzip.open(p, "rt").read().count("\n  cell (") for p in paths)
    assert merged.count("\n  cell (") == n_cells == 202
    assert "lu_table_template (delay_template_7x7) {" in merged  # only SEQ defines it
    assert merged.count("lu_table_template (delay_template_7x7_x1) {") == 1


def test_gf180_bare_clear_expressions_are_quoted():
    assert quote_expressions("        clear : !RN ;\n        preset : !SETN ;\n") == \
        '        clear : "!RN" ;\n        preset : "!SETN" ;\n'
    assert quote_expressions('      clear : "(!RN)" ;\n') == '      clear : "(!RN)" ;\n'


def test_design_is_space_filling_prefix_stable_and_spans_the_grid():
    small, large = design("asap7", 60), design("asap7", 300)
    sobol_small = [p.netlist_key for p in small[:-8]]
    assert sobol_small == [p.netlist_key for p in large[:len(sobol_small)]]  # a larger run extends a smaller one
    dims = {(p.core.array_rows, p.core.array_cols) for p in large}
    assert (16, 16) in dims and (1, 1) in dims and any(r != c for r, c in dims)
    assert sum(len(p.clocks_ghz) for p in large) >= 300
    assert {p.core.dataflow for p in large} == {"os", "ws", "is"}
    assert all(p.core.acc_bits >= p.core.act_bits + p.core.wgt_bits for p in large)
    assert abc_delay_for_clock(1.0) == 1024.0 and abc_delay_for_clock(0.04) == pytest.approx(2 ** (58 / 4), abs=0.1)


def test_cli_reports_bad_input_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["sample", "--pdk", "asap7", "--n", "0", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--n must be >= 1, got 0" in result.output
    assert "Traceback" not in result.output


@needs_tools
@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog not installed (apt-get install iverilog)")
def test_synthesized_netlist_computes_the_products(tiny_sweep, tmp_path):
    """Gate-level simulation: the mapped 1×2 netlist + the liberty cells' functions (Yosys
    read_liberty → Verilog models) accumulates A·B like the RTL."""
    import subprocess

    import numpy as np

    out, _ = tiny_sweep
    lib = next((out / "liberty").glob("asap7_*.lib"))
    cells = tmp_path / "cells.v"
    subprocess.run(["yosys", "-q", "-p", f"read_liberty -ignore_miss_func -ignore_miss_dir {lib}; "
                    f"write_verilog -noattr {cells}"], check=True, capture_output=True)
    netlist = out / "runs" / _point(2).netlist_key / "netlist.v"
    K, C = 6, 2
    rng = np.random.default_rng(11)
    a = rng.integers(-8, 8, size=K)
    b = rng.integers(-8, 8, size=(K, C))
    steps = []
    for t in range(K + C + 3):
        ctl = 1 if t == 0 else 0
        w = [int(b[t - c, c]) & 15 if 0 <= t - c < K else 0 for c in range(C)]
        steps.append(f"    a_left = 4'h{int(a[t]) & 15 if t < K else 0:x}; ctl_left = 2'd{ctl}; "
                     f"w_top = 8'h{w[0] | (w[1] << 4):02x}; @(posedge clk); #1;")
    bench = tmp_path / "tb.v"
    bench.write_text(f"""`timescale 1ns/1ps
module tb;
  reg clk = 0; always #5 clk = ~clk;
  reg [3:0] a_left = 0; reg [1:0] ctl_left = 0; reg [7:0] w_top = 0;
  wire [31:0] array_out; wire [15:0] simd_z;
  accel_core dut (.clk(clk), .a_left(a_left), .ctl_left(ctl_left), .w_top(w_top), .psum_top(32'd0),
                  .array_out(array_out), .simd_op(2'd0), .simd_x(16'd0), .simd_y(16'd0), .simd_z(simd_z));
  initial begin
    @(posedge clk); #1;
{chr(10).join(steps)}
    $display("R %0d %0d", $signed(array_out[15:0]), $signed(array_out[31:16]));
    $finish;
  end
endmodule
""")
    sim = tmp_path / "sim.vvp"
    subprocess.run(["iverilog", "-g2005", "-o", str(sim), str(bench), str(netlist), str(cells)],
                   check=True, capture_output=True, text=True)
    line = [ln for ln in subprocess.run(["vvp", "-n", str(sim)], check=True, capture_output=True,
                                        text=True).stdout.splitlines() if ln.startswith("R ")][0]
    assert [int(v) for v in line.split()[1:]] == (a @ b).tolist()


@needs_tools
def test_a_module_maps_the_same_in_every_core(tmp_path):
    """Each module is synthesised alone, so the SIMD lane of two different cores (other PE widths,
    array sizes and lane counts) gets the same netlist in fresh runs without a shared cache."""
    lib = prepare_liberty("asap7", tmp_path / "liberty")
    small = CoreConfig(array_rows=1, array_cols=1, dataflow="os", act_bits=4, wgt_bits=4, acc_bits=16, simd_lanes=1)
    other = CoreConfig(array_rows=2, array_cols=3, dataflow="ws", act_bits=8, wgt_bits=4, acc_bits=16, simd_lanes=2)
    knobs = SynthKnobs(abc_delay_ps=1000.0)
    a = synthesize(small, knobs, lib, "asap7", tmp_path / "a")
    b = synthesize(other, knobs, lib, "asap7", tmp_path / "b")
    lane = [next((tmp_path / d / "modules").glob("simd_lane-*/netlist.v")).read_text() for d in ("a", "b")]
    assert lane[0] == lane[1]
    pe_a = next((tmp_path / "a" / "modules").glob("pe-*/netlist.v")).read_text()
    # the linked netlist holds each module once; its area is the instances' sum (the top is wiring only)
    assert a.netlist.read_text().count("module pe(") == 1 and a.netlist.read_text().startswith(pe_a)
    lane_area = a.area_um2 - a.pe_area_um2
    assert b.area_um2 == pytest.approx(6 * b.pe_area_um2 + 2 * lane_area, rel=1e-6)


@needs_tools
def test_module_cache_is_reused_and_keeps_the_first_runs_time(tmp_path, monkeypatch):
    from ppa.backend_flow import synth as synth_module

    lib = prepare_liberty("asap7", tmp_path / "liberty")
    core = CoreConfig(array_rows=1, array_cols=1, dataflow="os", act_bits=4, wgt_bits=4, acc_bits=16, simd_lanes=1)
    first = synthesize(core, SynthKnobs(abc_delay_ps=1000.0), lib, "asap7", tmp_path / "one",
                       module_cache=tmp_path / "cache")
    runs = []
    real = synth_module._yosys
    monkeypatch.setattr(synth_module, "_yosys", lambda text, *a: runs.append(text) or real(text, *a))
    again = synthesize(replace(core, array_cols=2), SynthKnobs(abc_delay_ps=1000.0), lib, "asap7", tmp_path / "two",
                       module_cache=tmp_path / "cache")
    assert len(runs) == 2 and not any("abc" in r for r in runs)  # only the top's wiring and the area report
    made = sum(json.loads(p.read_text())["synth_s"] for p in (tmp_path / "cache").glob("*/synth.json"))
    assert again.pe_area_um2 == first.pe_area_um2 and again.synth_s > made > 0  # reused modules keep their time
    assert again.area_um2 == pytest.approx(first.area_um2 + first.pe_area_um2, rel=1e-6)


def test_a_dataset_of_an_earlier_flow_is_not_continued(tmp_path):
    """Rows whose netlist key is not this flow's key for their design are refused, naming the CSV lines."""
    core = CoreConfig(array_rows=1, array_cols=2, dataflow="os", act_bits=4, wgt_bits=4, acc_bits=16, simd_lanes=1)
    point = DesignPoint(pdk="asap7", core=core, knobs=SynthKnobs(abc_delay_ps=1000.0), clocks_ghz=(1.0,))
    row = {c: 0 for c in sweep_module.COLUMNS} | core.as_dict() | {
        "pdk": "asap7", "abc_delay_ps": 1000.0, "target_clock_ghz": 1.0, "sample_key": point.sample_key(1.0),
        "netlist_key": point.netlist_key, "critical_path": "pe", "timing_met": True}
    old = dict(row, netlist_key="b97385f9ec22143d", sample_key="b97385f9ec22143d@1")
    csv = tmp_path / "ppa_samples.csv"
    sweep_module.pd.DataFrame([row]).to_csv(csv, index=False)
    store = SampleStore(tmp_path / "samples.sqlite")
    assert sweep_module.import_csv(store, csv, "asap7") == 1
    sweep_module.pd.DataFrame([row, old]).to_csv(csv, index=False)
    with pytest.raises(BackendFlowError, match=r"ppa_samples.csv: 1 of 2 rows were not made by this flow .*CSV lines 3\)"):
        sweep_module.import_csv(store, csv, "asap7")
    store.close()


@needs_tools
def test_module_clocks_bound_the_core_clock(tiny_sweep):
    """The core's clock is its slowest module's: fmax = min(pe_fmax, lane_fmax), critical_path names it."""
    _, df = tiny_sweep
    slowest = df[["pe_fmax_ghz", "lane_fmax_ghz"]].min(axis=1)
    assert df.fmax_ghz.to_numpy() == pytest.approx(slowest.to_numpy(), rel=1e-6)
    which = (df.pe_fmax_ghz < df.lane_fmax_ghz).map({True: "pe", False: "simd_lane"})
    assert (which == df.critical_path).all()
    assert (df[["pe_fmax_ghz", "lane_fmax_ghz"]].max(axis=1) > df.fmax_ghz * 1.01).all()  # the other one is faster


@needs_tools
def test_retime_adds_module_clocks_and_checks_the_stored_values(tiny_sweep, tmp_path):
    """A store made before module timing is re-timed to the same values; a store whose netlists no
    longer give its fmax is refused by netlist; an old CSV is not continued without re-timing."""
    out, df = tiny_sweep
    old = tmp_path / "old"
    shutil.copytree(out, old)
    store = SampleStore(old / "samples.sqlite")
    rows = store.to_frame().drop(columns=sweep_module.MODULE_TIMING).to_dict("records")
    store.update(rows)
    store.close()
    df.drop(columns=sweep_module.MODULE_TIMING).to_csv(tmp_path / "old.csv", index=False)
    with pytest.raises(BackendFlowError, match=r"old.csv: made before the per-module timing .*--retime"):
        sweep_module.import_csv(SampleStore(tmp_path / "s.sqlite"), tmp_path / "old.csv", "asap7")
    again = sweep_module.retime("asap7", old, progress=False)
    sweep_module.pd.testing.assert_frame_equal(again[df.columns], df, rtol=1e-6)
    store = SampleStore(old / "samples.sqlite")
    rows = store.to_frame().drop(columns=sweep_module.MODULE_TIMING)
    rows.loc[rows.array_cols == 2, "fmax_ghz"] *= 1.01
    store.update(rows.to_dict("records"))
    store.close()
    with pytest.raises(BackendFlowError, match=rf"netlist {_point(2).netlist_key}: re-timing does not reproduce"):
        sweep_module.retime("asap7", old, progress=False)


@needs_tools
def test_retime_names_a_missing_netlist(tiny_sweep, tmp_path):
    out, _ = tiny_sweep
    old = tmp_path / "old"
    shutil.copytree(out, old)
    store = SampleStore(old / "samples.sqlite")
    store.update(store.to_frame().drop(columns=sweep_module.MODULE_TIMING).to_dict("records"))
    store.close()
    (old / "runs" / _point(1).netlist_key / "netlist.v").unlink()
    with pytest.raises(BackendFlowError, match=rf"netlist {_point(1).netlist_key}: .*netlist.v is missing"):
        sweep_module.retime("asap7", old, progress=False)
    with pytest.raises(BackendFlowError, match="no sample store"):
        sweep_module.retime("asap7", tmp_path / "nowhere", progress=False)
