"""Column roles: every problem column of a CSV is named at once, with the flag that resolves it."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dse.cli import main
from ppa.errors import PPAInputError
from ppa.roles import identifier_reason, quantity
from ppa.schema import DataSpec, load_spec, read_table

ROOT = Path(__file__).resolve().parents[1]
STENCIL = ROOT / "tests" / "fixtures" / "external" / "hlsyn" / "hlsyn_v18_stencil.csv"
TARGETS = ("perf_cycles", "total_lut", "total_ff", "total_dsp", "total_bram")


def design(n=60, seed=0) -> pd.DataFrame:
    """A small sweep: two numeric knobs with few levels, one category; area is their product."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"rows": rng.choice([2, 4, 8, 16], n), "bits": rng.choice([4, 8, 16], n),
                       "style": rng.choice(["a", "b"], n)})
    df["area_um2"] = df["rows"] * df["bits"] * np.where(df["style"] == "a", 1.0, 1.3) * (1 + 0.2 * rng.random(n))
    return df


def test_a_clean_sweep_passes_and_every_column_has_a_role(tmp_path):
    df = design()
    df["note"] = "x"  # constant: kept, with a warning
    df.to_csv(tmp_path / "d.csv", index=False)
    table = read_table(tmp_path / "d.csv", DataSpec(targets=("area_um2",)))
    assert table.features == ["rows", "bits", "style", "note"]
    roles = {r.column: (r.role, r.reason) for r in table.roles}
    assert roles["area_um2"] == ("target", "given as a target")
    assert roles["rows"] == ("feature", "numeric, 2…16") and roles["style"][1] == "categorical, 2 values"
    assert roles["note"] == ("feature", "categorical, 1 values, constant")
    assert any("constant column(s) note: no information to learn from here" in w for w in table.warnings)


def test_every_problem_column_is_reported_at_once(tmp_path):
    df = design()
    n = len(df)
    df.insert(0, "run", np.arange(100, 100 + n))  # integer sequence
    df["design_name"] = [f"d{i:03d}x" for i in range(n)]  # unique text
    df["netlist"] = [f"{i:016x}" for i in 10**12 + 7919 * np.arange(n)]  # hashes
    df["prefix_graph"] = [f"g{i % 55}" for i in range(n)]  # 55 distinct strings
    df["unroll"] = df["rows"].astype(str).where(np.arange(n) % 7 > 0, "none")  # numbers and words
    df["depth"] = df["bits"].astype(str).where(np.arange(n) != 3, "4?")
    df["valid"] = "True"
    df.loc[::5, "valid"] = "False"
    df["hls_area_um2"] = df["area_um2"] * 0.9  # another tool's estimate of the target
    df["total_power_mw"] = df["area_um2"] * 0.01 + 1  # prefix shared with a target below
    df["total_area"] = df["area_um2"]
    df.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(PPAInputError) as err:
        read_table(tmp_path / "d.csv", DataSpec(targets=("total_area",), exclude=("area_um2",)))
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{tmp_path / 'd.csv'}: column problems, all listed: ")
    assert ("mixed numbers and text: unroll (9 non-numeric among numbers, e.g. 'none' at line(s) 2, 9, 16, 23, 30, 37, "
            "44, 51, … (9 rows)); depth (1 non-numeric among numbers, e.g. '4?' at line(s) 5) → fix the values or "
            "declare the column(s) categorical (--categorical unroll,depth)") in message
    assert ("identifier-like: run (integer sequence 100…159, a different value in every row); design_name (a different "
            "text in every row (e.g. 'd000x')); netlist (hash-like values (e.g. '000000e8d4a51000'))") in message
    assert ("high-cardinality text: prefix_graph (55 distinct values in 60 rows: one-hot would add 55 columns) → "
            "exclude, or derive a few numeric features from it") in message
    assert ("looks like another measured output: valid (named like a tool outcome); hls_area_um2 (measures what "
            "target total_area does: area); total_power_mw (named like target total_area: prefix total_)") in message
    assert message.endswith("--exclude run,design_name,netlist,prefix_graph,valid,hls_area_um2,total_power_mw to drop, "
                            "or --keep run,design_name,netlist,prefix_graph,valid,hls_area_um2,total_power_mw to use as "
                            "features anyway")


def test_leakage_probe_flags_an_unnamed_output_but_not_the_design(tmp_path):
    df = design(200)
    rng = np.random.default_rng(1)
    df["zq"] = np.round(df["area_um2"] * 3.1 + rng.normal(0, 0.5, len(df)), 3)  # a measured output, odd name
    df.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(PPAInputError, match=r"column problems, all listed: looks like another measured output: zq "
                                            r"\((alone explains \d+\.\d% of area_um2's variance, the design columns "
                                            r"\d+\.\d%|\d+% of its variance follows from the targets)\) \| --exclude zq"):
        read_table(tmp_path / "d.csv", DataSpec(targets=("area_um2",)))
    table = read_table(tmp_path / "d.csv", DataSpec(targets=("area_um2",), keep=("zq",)))  # the user's call
    assert "zq" in table.features
    assert dict((r.column, r.reason) for r in table.roles)["zq"].endswith("kept by --keep despite the column checks")
    table = read_table(tmp_path / "d.csv", DataSpec(targets=("area_um2",), features=("rows", "bits", "zq")))
    assert table.features == ["rows", "bits", "zq"]  # listed features are the user's explicit choice


def test_real_tables_flag_only_their_outputs():
    """hlsyn stencil: the tool's validity flag is an outcome; the pragma columns are design."""
    with pytest.raises(PPAInputError) as err:
        read_table(STENCIL, DataSpec(targets=TARGETS))
    assert str(err.value).split("all listed: ")[1] == (
        "looks like another measured output: valid (named like a tool outcome) | --exclude valid to drop, or --keep "
        "valid to use as features anyway")
    table = read_table(STENCIL, DataSpec(targets=TARGETS, exclude=("valid",)))
    assert table.features == ["para_l0", "para_l1", "pipe_l0", "pipe_l1", "pipe_l2", "tile_l0", "tile_l1"]
    # the bundled datasets pass as documented (the flow's outputs are known by name)
    bundled = read_table(ROOT / "datasets" / "asap7" / "ppa_samples.csv", load_spec(ROOT / "datasets" / "ppa_spec.toml"))
    assert "abc_delay_ps" in bundled.features and "target_clock_ghz" in bundled.features


def test_identifier_rules_and_quantities():
    assert identifier_reason(pd.Series([str(v) for v in range(30)], name="x")).startswith("integer sequence 0…29")
    assert identifier_reason(pd.Series([str(v) for v in np.random.default_rng(0).permutation(np.arange(0, 3000, 100))],
                                       name="size")) is None  # a one-per-row sweep of sizes is not an id
    assert identifier_reason(pd.Series([str(v) for v in range(12)], name="sample_id")) == \
        "a different value in every row, id-like name"
    assert quantity("impl_lut") == "lut" and quantity("pe_area_um2") == "area" and quantity("tns_ns") == "tns"


def test_duplicate_header_names_are_named_with_positions(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("rows,area_um2,rows,bits,bits\n" + "\n".join(f"{i},{i},{i},{i},{i}" for i in range(12)) + "\n")
    with pytest.raises(PPAInputError, match=r"dup.csv: duplicate column names in the header: 'bits' in columns \[4, 5\]; "
                                            r"'rows' in columns \[1, 3\]; rename or delete the copies$"):
        read_table(path, DataSpec(targets=("area_um2",)))


def test_cli_prints_roles_and_a_one_line_error(tmp_path):
    df = design()
    df.insert(0, "sample_id", range(len(df)))
    df.to_csv(tmp_path / "d.csv", index=False)
    runner = CliRunner()
    result = runner.invoke(main, ["train", "--data", str(tmp_path / "d.csv"), "--targets", "area_um2",
                                  "--out", str(tmp_path / "m")])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "identifier-like: sample_id" in result.output and "--exclude sample_id" in result.output
    result = runner.invoke(main, ["train", "--data", str(tmp_path / "d.csv"), "--targets", "area_um2", "--exclude",
                                  "sample_id", "--group-by", "sample_id", "--model", "random_forest", "--trials", "1",
                                  "--budget-s", "60", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "sample_id  group key  configuration key of the unseen split, not a feature" in result.output
    assert ("unseen split, but every one of the 60 rows is its own group (one distinct combination of sample_id), so "
            "this is a row-wise (mixed) error") in result.output
