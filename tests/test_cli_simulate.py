"""``accel-dse simulate``: table, totals, CSV output and one-line errors."""
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from dse.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "scalesim" / "conv_mix_8x8_os"


def invoke(*args):
    return CliRunner().invoke(main, ["simulate", *args])


def test_simulate_prints_table_and_totals_and_writes_csv(tmp_path):
    out = tmp_path / "layers.csv"
    result = invoke("--workload", str(FIXTURE / "conv_mix.csv"), "--hw", str(FIXTURE / "scalesim.cfg"),
                    "--csv", str(out))
    assert result.exit_code == 0, result.output
    assert "compute_cycles" in result.output and "dram_read_bytes" in result.output
    assert "Stem7x7s2" in result.output and "total:" in result.output
    layers = pd.read_csv(out)
    assert layers.loc[0, "compute_cycles"] == 8050  # SCALE-Sim's 8049 is the last cycle's index
    assert f"compute {layers['compute_cycles'].sum():,}" in result.output
    # DRAM bytes print as whole bytes: the first layer's row ends with its read and write byte counts
    row = next(line for line in result.output.splitlines() if line.split()[:1] == ["Stem7x7s2"])
    assert row.split()[-2:] == [str(round(layers.loc[0, "dram_read_bytes"])),
                                str(round(layers.loc[0, "dram_write_bytes"]))]


def test_dataflow_override_and_preset():
    os_run = invoke("-w", "resnet18", "--hw", "edge-8x8")
    ws_run = invoke("-w", "resnet18", "--hw", "edge-8x8", "--dataflow", "ws")
    assert os_run.exit_code == ws_run.exit_code == 0
    assert "8x8 os" in os_run.output and "8x8 ws" in ws_run.output
    assert os_run.output.splitlines()[-1] != ws_run.output.splitlines()[-1]


def test_errors_are_one_line(tmp_path):
    bad_topology = tmp_path / "bad.csv"
    bad_topology.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                            "Num Filter, Strides,\nc1, 8, 8, 3, x, 3, 4, 1,\n")
    bad_hw = tmp_path / "hw.toml"
    bad_hw.write_text("array_rows = -2\n")
    cases = [
        (["-w", "resnet99"], "unknown workload 'resnet99'"),
        (["-w", "resnet18", "--hw", "tpu-v9"], "unknown hardware preset 'tpu-v9'"),
        (["-w", str(bad_topology)], "bad.csv: line 2, column 5 (Filter Width): expected a positive integer"),
        (["-w", "resnet18", "--hw", str(bad_hw)], "hw.toml: key 'array_rows' = -2; expected an integer >= 1"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.output


def _save_onnx(path, nodes, initializers):
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, save

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    inits = [numpy_helper.from_array(np.zeros(shape, np.float32), name) for name, shape in initializers]
    graph = helper.make_graph(nodes, "net", [x], [y], inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def test_onnx_model_through_the_cli(tmp_path):
    from onnx import helper

    model = tmp_path / "tiny.onnx"
    _save_onnx(model, [helper.make_node("Conv", ["x", "w"], ["c"], "conv", pads=[1, 1, 1, 1]),
                       helper.make_node("Relu", ["c"], ["y"], "relu")], [("w", (8, 3, 3, 3))])
    result = invoke("-w", str(model), "--hw", "edge-8x8")
    assert result.exit_code == 0, result.output
    assert "conv" in result.output and "relu" in result.output
    assert f"{16 * 16 * 8 * 27:,} MACs" in result.output

    unsupported = tmp_path / "lrn.onnx"
    _save_onnx(unsupported, [helper.make_node("LRN", ["x"], ["y"], "norm1", size=3)], [])
    result = invoke("-w", str(unsupported))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "LRN" in result.output and "norm1" in result.output


def test_mapping_option_selects_the_model(tmp_path):
    """--mapping fixed / genesys / search: the header names the model, GeneSys runs print the tiles, and a
    SimDIT file gives GeneSys's mapping by default."""
    default = invoke("-w", "resnet18", "--hw", "genesys-16x16")
    fixed = invoke("-w", "resnet18", "--hw", "genesys-16x16", "--mapping", "fixed")
    search = invoke("-w", "resnet18", "--hw", "edge-8x8", "--mapping", "search", "--csv", str(tmp_path / "s.csv"))
    assert default.exit_code == fixed.exit_code == search.exit_code == 0, default.output + fixed.output + search.output
    assert "ws, genesys mapping, genesys tiling" in default.output and "tile_ic" in default.output
    assert "im2col mapping, fixed tiling" in fixed.output and "tile_ic" not in fixed.output
    assert "8x8 ws, genesys mapping, search tiling" in search.output
    layers = pd.read_csv(tmp_path / "s.csv")
    assert (layers.loc[layers.op == "conv", "tile_ic"] % 8 == 0).all()
    assert set(layers.loc[layers.op == "conv", "loop_order"]) == {"ow,oh,n,kw,kh,ic,oc"}
    bad = invoke("-w", "resnet18", "--hw", "edge-8x8", "--mapping", "genesys", "--dataflow", "os")
    assert bad.exit_code != 0 and len(bad.output.strip().splitlines()) == 1
    assert "dataflow='os': expected 'ws' with array_mapping='genesys'" in bad.output


def test_im2col_search_mapping_keeps_the_dataflow_and_prints_the_tiles(tmp_path):
    """--mapping im2col-search: the file's dataflow (here ws) with the searched tiling; the table shows the
    GEMM tile, the loop order and the refetches, the CSV the same per layer."""
    result = invoke("-w", "resnet18", "--hw", "scalesim-32x32", "--mapping", "im2col-search",
                    "--csv", str(tmp_path / "s.csv"))
    assert result.exit_code == 0, result.output
    assert "32x32 ws, im2col mapping, search tiling" in result.output  # the preset's dataflow
    assert "tile_m" in result.output and "loop_order" in result.output
    fixed = invoke("-w", "resnet18", "--hw", "scalesim-32x32", "--csv", str(tmp_path / "f.csv"))
    assert fixed.exit_code == 0 and "tile_m" not in fixed.output
    layers, before = pd.read_csv(tmp_path / "s.csv"), pd.read_csv(tmp_path / "f.csv")
    conv = layers.op == "conv"
    assert layers[conv].loop_order.str.fullmatch(r"[mnk],[mnk],[mnk]").all() and (layers[conv].tile_m > 0).all()
    moved = lambda t: t.dram_read_bytes + t.dram_write_bytes  # noqa: E731
    assert (moved(layers) <= moved(before) * (1 + 1e-12)).all() and moved(layers).sum() < moved(before).sum()
