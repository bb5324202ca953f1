"""CSV schema check: every kind of bad input is an error or warning naming the file, column and lines."""
import textwrap

import numpy as np
import pandas as pd
import pytest

from ppa.errors import PPAInputError
from ppa.schema import DataSpec, load_spec, read_queries, read_table

SPEC = DataSpec(targets=("area_um2",))


def write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def grid_csv(tmp_path, n=12, **overrides):
    """n rows of array_rows, dataflow, area_um2 (+ overridden cells: {(row, col): value})."""
    df = pd.DataFrame({"array_rows": np.arange(1, n + 1) * 2, "dataflow": ["os", "ws", "is"] * (n // 3),
                       "area_um2": np.arange(1, n + 1) * 100.0})
    df = df.astype(object)
    for (row, col), value in overrides.get("cells", {}).items():
        df.loc[row, col] = value
    path = tmp_path / "grid.csv"
    df.to_csv(path, index=False)
    return path


def test_valid_table_types_and_encodes_categoricals(tmp_path):
    table = read_table(grid_csv(tmp_path), SPEC)
    assert table.features == ["array_rows", "dataflow"]
    assert table.categorical == ["dataflow"]
    assert table.group_by == ["array_rows", "dataflow"]  # architectural columns
    assert table.X["array_rows"].dtype == float and table.warnings == []
    assert len(table.sha256) == 64


def test_missing_column_lists_what_exists(tmp_path):
    with pytest.raises(PPAInputError, match=r"target column\(s\) \['power_mw'\] not found; the file has: array_rows, dataflow, area_um2"):
        read_table(grid_csv(tmp_path), DataSpec(targets=("power_mw",)))
    with pytest.raises(PPAInputError, match=r"feature column\(s\) \['simd_lanes'\]"):
        read_table(grid_csv(tmp_path), DataSpec(targets=("area_um2",), features=("array_rows", "simd_lanes")))


def test_non_numeric_value_names_column_and_line(tmp_path):
    path = grid_csv(tmp_path, cells={(3, "array_rows"): "8x"})
    with pytest.raises(PPAInputError, match=r"grid.csv: column problems, all listed: mixed numbers and text: array_rows "
                                            r"\(1 non-numeric among numbers, e.g. '8x' at line\(s\) 5\) → fix the values or "
                                            r"declare the column\(s\) categorical \(--categorical array_rows\)$"):
        read_table(path, SPEC)
    path = grid_csv(tmp_path, cells={(6, "area_um2"): "n/a?"})
    with pytest.raises(PPAInputError, match=r"target column 'area_um2' has non-numeric values at line\(s\) 8"):
        read_table(path, SPEC)


def test_declared_categorical_accepts_mixed_column(tmp_path):
    path = grid_csv(tmp_path, cells={(3, "array_rows"): "none"})
    table = read_table(path, DataSpec(targets=("area_um2",), categorical=("array_rows",)))
    assert "array_rows" in table.categorical and table.X.loc[3, "array_rows"] == "none"


def test_nan_and_inf(tmp_path):
    with pytest.raises(PPAInputError, match=r"feature column 'array_rows' is empty/NaN at line\(s\) 3"):
        read_table(grid_csv(tmp_path, cells={(1, "array_rows"): ""}), SPEC)
    with pytest.raises(PPAInputError, match=r"'area_um2' has infinite values at line\(s\) 4"):
        read_table(grid_csv(tmp_path, cells={(2, "area_um2"): "inf"}), SPEC)
    with pytest.raises(PPAInputError, match=r"categorical feature 'dataflow' is empty at line\(s\) 6"):
        read_table(grid_csv(tmp_path, cells={(4, "dataflow"): ""}), SPEC)
    table = read_table(grid_csv(tmp_path, cells={(5, "area_um2"): ""}), SPEC)
    assert table.y["area_um2"].isna().sum() == 1
    assert any("target 'area_um2' is empty at line(s) 7" in w and "left out" in w for w in table.warnings)


def test_empty_and_header_only_files(tmp_path):
    with pytest.raises(PPAInputError, match="empty file"):
        read_table(write(tmp_path, ""), SPEC)
    with pytest.raises(PPAInputError, match="header only, no data rows"):
        read_table(write(tmp_path, "array_rows,area_um2\n"), SPEC)
    with pytest.raises(PPAInputError, match="file not found"):
        read_table(tmp_path / "nope.csv", SPEC)


def test_constant_target_and_too_few_rows(tmp_path):
    df = pd.DataFrame({"array_rows": range(12), "area_um2": 5.0})
    df.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(PPAInputError, match="target column 'area_um2' is constant"):
        read_table(tmp_path / "c.csv", SPEC)
    with pytest.raises(PPAInputError, match="only 3 data rows"):
        read_table(write(tmp_path, "array_rows,area_um2\n1,2\n2,3\n3,4\n"), SPEC)


def test_non_positive_and_duplicate_warnings(tmp_path):
    path = grid_csv(tmp_path, cells={(0, "area_um2"): 0.0, (2, "area_um2"): -5.0,
                                     (4, "array_rows"): 2, (4, "dataflow"): "os", (4, "area_um2"): 0.0})
    table = read_table(path, SPEC)
    nonpos = [w for w in table.warnings if "zero/negative" in w]
    assert nonpos and "line(s) 2, 4, 6" in nonpos[0] and "not fitted in log space" in nonpos[0]
    dup = [w for w in table.warnings if "duplicate rows" in w]
    assert dup and "line(s) 6" in dup[0]


def test_timing_column_must_be_boolean(tmp_path):
    df = pd.DataFrame({"array_rows": range(12), "fmax_ghz": np.linspace(1, 2, 12), "target_clock_ghz": 1.5,
                       "timing_met": ["True", "False"] * 5 + ["yes", "False"]})
    df.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(PPAInputError, match=r"'timing_met' must be true/false/1/0; bad at line\(s\) 12"):
        read_table(tmp_path / "t.csv", DataSpec(targets=("fmax_ghz",)))
    df.loc[10, "timing_met"] = "1"
    df.to_csv(tmp_path / "t.csv", index=False)
    table = read_table(tmp_path / "t.csv", DataSpec(targets=("fmax_ghz",)))
    assert table.features == ["array_rows", "target_clock_ghz"]  # timing_met is an output, not a feature
    assert table.column("timing_met").tolist()[:2] == [True, False]


def test_spec_file(tmp_path):
    spec = write(tmp_path, 'targets = ["area_um2"]\ncategorical = ["dataflow"]\ngroup_by = ["array_rows"]\n', "s.toml")
    loaded = load_spec(spec)
    assert loaded.targets == ("area_um2",) and loaded.group_by == ("array_rows",)
    assert load_spec(spec, targets=("power_mw",)).targets == ("power_mw",)
    with pytest.raises(PPAInputError, match=r"s.toml: unknown keys \['target'\]"):
        load_spec(write(tmp_path, 'target = ["area_um2"]\n', "s.toml"))
    with pytest.raises(PPAInputError, match="not valid TOML"):
        load_spec(write(tmp_path, 'targets = [area\n', "s.toml"))
    with pytest.raises(PPAInputError, match="group_by column"):
        read_table(grid_csv(tmp_path), DataSpec(targets=("area_um2",), group_by=("ibuf_kib",)))


def test_queries_typed_like_training(tmp_path):
    X = read_queries(write(tmp_path, "array_rows,dataflow\n4,os\n8,ws\n", "q.csv"), ["array_rows", "dataflow"], ["dataflow"])
    assert X["array_rows"].tolist() == [4.0, 8.0]
    with pytest.raises(PPAInputError, match=r"feature column\(s\) \['dataflow'\] not found"):
        read_queries(write(tmp_path, "array_rows\n4\n", "q.csv"), ["array_rows", "dataflow"], ["dataflow"])
