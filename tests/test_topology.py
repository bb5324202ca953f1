"""SCALE-Sim topology CSV reader: SCALE-Sim's own parse of its bundled topologies as the reference."""
import json
import math
from pathlib import Path

import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.topology import read_topology

FIXTURES = Path(__file__).parent / "fixtures" / "scalesim"
BUNDLED = FIXTURES / "topologies" / "bundled"
REFERENCE = json.loads((FIXTURES / "topology_reference.json").read_text())["topologies"]


def _spatio_temporal(layer):
    m, n, k = layer.gemm_m, layer.gemm_n, layer.gemm_k
    return {"os": [m, n, k], "ws": [k, n, m], "is": [k, m, n]}


def test_every_bundled_topology_is_read():
    files = sorted(str(p.relative_to(BUNDLED)) for p in BUNDLED.rglob("*.csv"))
    assert files == sorted(REFERENCE) and len(files) == 32
    for rel in files:
        workload = read_topology(BUNDLED / rel)
        assert workload.layers and workload.name == Path(rel).stem
        assert all(layer.macs > 0 for layer in workload.layers)


@pytest.mark.parametrize("rel", sorted(k for k, v in REFERENCE.items() if "layers" in v))
def test_layers_match_scalesim_parse(rel):
    """Name, ofmap size, MACs and (S_r, S_c, T) per dataflow equal SCALE-Sim's, layer by layer."""
    expected = REFERENCE[rel]["layers"]
    layers = read_topology(BUNDLED / rel, expand_depthwise=True).layers
    assert [layer.name for layer in layers] == [e["name"] for e in expected]
    for layer, ref in zip(layers, expected):
        assert [layer.ofmap_h, layer.ofmap_w] == ref["ofmap"], layer.name
        assert layer.macs == ref["macs"], layer.name
        for df, dims in _spatio_temporal(layer).items():
            assert dims == ref[df], (layer.name, df)


def test_files_scalesim_cannot_parse_are_read_leniently():
    """Missing trailing comma, annotation columns, all-empty rows, tabs: read, not guessed."""
    broken = sorted(k for k, v in REFERENCE.items() if "error" in v)
    assert broken == ["conv_nets/MobileNet_4k_non_dw.csv", "conv_nets/Resnet50.csv",
                      "conv_nets/UNet_maestro.csv", "conv_nets/mobilnet_4k.csv",
                      "conv_nets/mobilnet_reduce_run.csv"]
    resnet50 = read_topology(BUNDLED / "conv_nets/Resnet50.csv")
    assert len(resnet50.layers) == 54 and resnet50.layers[0].ofmap_h == 110  # its "Eh" note says 110
    conv11 = [l for l in read_topology(BUNDLED / "conv_nets/mobilnet_4k.csv").layers
              if l.name == "Conv11"][0]
    assert (conv11.ifmap_h, conv11.channels, conv11.num_filters, conv11.stride_h) == (270, 256, 256, 1)
    maestro = read_topology(BUNDLED / "conv_nets/UNet_maestro.csv")  # tab-separated
    assert maestro.layers[0].name == "Conv1_1" and maestro.layers[0].ofmap_h == 570


def test_scalesim_output_size_is_a_padded_partial_window():
    """ofmap = ceil((H − F)/S) + 1: ResNet stem 224, 7×7/2 gives 110 (PyTorch with pad 3: 112)."""
    stem = read_topology(BUNDLED / "conv_nets/Resnet18.csv").layers[0]
    assert (stem.pad_h, stem.ofmap_h, stem.ofmap_w) == (1, 110, 110)
    assert stem.gemm_m == math.ceil((224 - 7) / 2 + 1) ** 2


def test_gemm_form_conv_view(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("Layer, M, N, K,\nQK, 128, 64, 768,\n")
    (layer,) = read_topology(path).layers
    assert (layer.op, layer.ifmap_h, layer.ifmap_w, layer.filter_h, layer.filter_w) == ("gemm", 128, 768, 1, 768)
    assert (layer.channels, layer.num_filters, layer.gemm_m, layer.gemm_n, layer.gemm_k) == (1, 64, 128, 64, 768)


def test_depthwise_dp_rows(tmp_path):
    path = tmp_path / "dw.csv"
    path.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                    "Num Filter, Strides,\nConv2DP, 10, 10, 3, 3, 4, 2, 1,\nConv2dw, 10, 10, 3, 3, 4, 2, 1,\n")
    grouped, plain = read_topology(path).layers
    assert (grouped.groups, grouped.channels, grouped.num_filters) == (4, 4, 8)
    assert (grouped.gemm_m, grouped.gemm_n, grouped.gemm_k) == (64, 2, 9)
    assert plain.groups == 1 and plain.gemm_k == 36  # only "DP" (case-sensitive) means depthwise
    expanded = read_topology(path, expand_depthwise=True).layers
    assert [l.name for l in expanded[:4]] == [f"Conv2DPChannel_{i}" for i in range(4)]
    assert sum(l.macs for l in expanded[:4]) == grouped.macs


HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"


@pytest.mark.parametrize("row, message", [
    ("C1, 56, 56, 3, 3, 64, x, 1,", r"line 3, column 7 \(Num Filter\): expected a positive integer, got 'x'"),
    ("C1, 56, 56, 3, 3, 64, 64,", r"line 3, column 8 \(Strides\): missing value; expected 8 columns"),
    ("C1, 56, 56, 3, 3, 64, 0, 1,", r"column 7 \(Num Filter\): expected a positive integer, got '0'"),
    ("C1, 2, 2, 3, 3, 64, 8, 1,", r"line 3: filter 3x3 is larger than the IFMAP 2x2"),
    (", 56, 56, 3, 3, 64, 8, 1,", r"line 3, column 1 \(Layer name\): missing layer name"),
])
def test_malformed_rows_name_file_line_and_column(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "ok, 8, 8, 1, 1, 4, 4, 1,\n" + row + "\n")
    with pytest.raises(SimulatorInputError, match=message) as info:
        read_topology(path)
    assert str(path) in str(info.value)


def test_bad_sparsity_missing_and_empty_files(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Layer, M, N, K, Sparsity,\nG, 3, 5, 16, half,\n")
    with pytest.raises(SimulatorInputError, match=r"column 5 \(Sparsity\): expected N:M"):
        read_topology(path)
    with pytest.raises(SimulatorInputError, match="topology file not found"):
        read_topology(tmp_path / "nope.csv")
    (tmp_path / "h.csv").write_text(HEADER)
    with pytest.raises(SimulatorInputError, match="no layer rows"):
        read_topology(tmp_path / "h.csv")


RUNS = sorted(p.parent for p in FIXTURES.glob("*/manifest.json"))


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_fixture_runs_are_complete_and_consistent(run):
    """Each stored SCALE-Sim run: its reports, config and topology agree with its manifest."""
    import configparser

    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["scalesim_version"] == "3.0.0" and "scalesim" in manifest["command"]
    cfg = configparser.ConfigParser()
    cfg.read(FIXTURES.parents[2] / manifest["config"])
    arch = cfg["architecture_presets"]
    assert (int(arch["ArrayHeight"]), int(arch["ArrayWidth"]), arch["Dataflow"].strip()) == (
        manifest["array_rows"], manifest["array_cols"], manifest["dataflow"])
    layers = read_topology(FIXTURES.parents[2] / manifest["topology"], form=manifest["input_type"],
                           expand_depthwise=True).layers
    for report in ("COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"):
        rows = (run / report).read_text().strip().splitlines()[1:]
        assert len(rows) == len(layers), report
