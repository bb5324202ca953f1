"""Space files: parsing to Optuna distributions, validity rules, objectives/constraints, and every
kind of error named before any trial runs."""
import numpy as np
import optuna
import pandas as pd
import pytest

from dse.errors import DSEInputError
from ppa.expression_language import Expression
from dse.objectives import constraint_matrix, objective_matrix
from dse.space import load_space

GOOD = """
[parameters]
array_rows = { low = 4, high = 16, step = 4 }
array_cols = { values = [8, 16] }
ibuf_kib = { low = 8, high = 512, log = true }
target_clock_ghz = { low = 0.5, high = 2.0, step = 0.5 }
dataflow = { values = ["os", "ws"] }

[fixed]
pdk = "asap7"
wgt_bits = 8

[rules]
weight_tile_fits = "wbuf_kib * 1024 >= array_rows * array_cols * wgt_bits / 8"
ws_needs_rows = "dataflow != 'ws' or array_rows >= 8"

[search]
workloads = { resnet50 = 1.0 }
constraints = ["area_um2 <= 2e6", "throughput_ips >= 100"]

[[objectives]]
metric = "runtime_s"

[[objectives]]
name = "energy_x_area"
product = { energy_j = 1, area_um2 = 1 }
direction = "minimize"
"""


def write(tmp_path, text, name="space.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_parameters_become_optuna_distributions(tmp_path):
    space = load_space(write(tmp_path, GOOD))
    d = space.distributions()
    assert d["array_rows"] == optuna.distributions.IntDistribution(4, 16, step=4)
    assert d["array_cols"] == optuna.distributions.CategoricalDistribution((8, 16))
    assert d["ibuf_kib"] == optuna.distributions.IntDistribution(8, 512, log=True)
    assert d["target_clock_ghz"] == optuna.distributions.FloatDistribution(0.5, 2.0, step=0.5)
    assert space.directions == ["minimize", "minimize"]
    assert [c.text for c in space.constraints] == ["area_um2 <= 2e+06", "throughput_ips >= 100"]


def test_grid_is_the_product_of_discrete_values(tmp_path):
    text = GOOD.replace("ibuf_kib = { low = 8, high = 512, log = true }", "ibuf_kib = { values = [32, 64, 128] }")
    space = load_space(write(tmp_path, text))
    assert space.grid_size() == 4 * 2 * 3 * 4 * 2
    grid = space.grid()
    assert len(grid) == 192 and len(grid.drop_duplicates()) == 192
    assert sorted(grid["target_clock_ghz"].unique()) == [0.5, 1.0, 1.5, 2.0]


def test_continuous_float_cannot_be_swept(tmp_path):
    text = GOOD.replace("{ low = 0.5, high = 2.0, step = 0.5 }", "{ low = 0.5, high = 2.0 }")
    space = load_space(write(tmp_path, text))
    with pytest.raises(DSEInputError, match=r"target_clock_ghz is a continuous float"):
        space.grid()


def test_designs_fill_fixed_values_and_hardware_defaults(tmp_path):
    space = load_space(write(tmp_path, GOOD))
    designs = space.designs([{"array_rows": 4, "array_cols": 8, "ibuf_kib": 16, "target_clock_ghz": 1.0,
                              "dataflow": "os"}])
    row = designs.iloc[0]
    assert row["pdk"] == "asap7" and row["wgt_bits"] == 8
    assert row["wbuf_kib"] == 64.0 and row["acc_bits"] == 32  # HardwareConfig defaults


def test_rules_flag_the_first_violated_rule(tmp_path):
    space = load_space(write(tmp_path, GOOD))
    designs = space.designs([
        {"array_rows": 4, "array_cols": 8, "ibuf_kib": 16, "target_clock_ghz": 1.0, "dataflow": "ws"},
        {"array_rows": 16, "array_cols": 16, "ibuf_kib": 16, "target_clock_ghz": 1.0, "dataflow": "ws"},
    ])
    designs.loc[1, "wbuf_kib"] = 0.1  # 16*16 bytes = 0.25 KiB needed
    assert list(space.rule_violations(designs)) == ["ws_needs_rows", "weight_tile_fits"]


def test_expression_language_is_vectorized_and_whitelisted():
    rule = Expression("max(a, 2) * 2 >= log2(b) and not a == 3", "here")
    values = {"a": np.array([1, 3, 5]), "b": np.array([16, 2, 2 ** 10])}
    assert rule.evaluate(values).tolist() == [True, False, True]
    assert rule.names == {"a", "b"}
    for bad in ("__import__('os').system('true')", "a.b > 1", "open('x')", "[1][0]", "lambda: 1"):
        with pytest.raises(DSEInputError, match="does not allow|cannot parse"):
            Expression(bad, "space.toml: [rules].x", DSEInputError)


def test_objectives_and_constraints_compute_from_metrics(tmp_path):
    space = load_space(write(tmp_path, GOOD.replace(
        'product = { energy_j = 1, area_um2 = 1 }', 'sum = { energy_j = 2.0, area_um2 = 1e-6 }')))
    metrics = pd.DataFrame({"runtime_s": [1e-3, 2e-3], "energy_j": [1.0, 3.0], "area_um2": [1e6, 3e6],
                            "throughput_ips": [1000, 50]})
    values = objective_matrix(space.objectives, metrics)
    assert values.tolist() == [[1e-3, 2 * 1.0 + 1.0], [2e-3, 2 * 3.0 + 3.0]]
    cons = constraint_matrix(space.constraints, metrics)
    np.testing.assert_allclose(cons, [[(1e6 - 2e6) / 2e6, (100 - 1000) / 100], [0.5, 0.5]])
    product = load_space(write(tmp_path, GOOD)).objectives[1]
    assert product.values(metrics).tolist() == [1e6, 9e6]


def test_cli_workloads_override_and_enable_per_workload_metrics(tmp_path):
    text = GOOD.replace('metric = "runtime_s"', 'metric = "bert_base.runtime_s"')
    with pytest.raises(DSEInputError, match=r"unknown metric 'bert_base.runtime_s'"):
        load_space(write(tmp_path, text))
    space = load_space(write(tmp_path, text), workloads={"resnet50": 1.0, "bert_base": 0.5})
    assert space.workloads == {"resnet50": 1.0, "bert_base": 0.5}


@pytest.mark.parametrize("old, new, message", [
    ("array_rows = { low = 4, high = 16, step = 4 }", "array_rows = { low = 16, high = 4 }",
     r"\[parameters\].array_rows: impossible range low = 16 > high = 4"),
    ("ibuf_kib = { low = 8, high = 512, log = true }", "ibuf_kib = { low = 0, high = 512, log = true }",
     r"\[parameters\].ibuf_kib: log = true needs low > 0"),
    ('dataflow = { values = ["os", "ws"] }', "dataflow = { values = [] }",
     r"\[parameters\].dataflow: 'values' must be a non-empty list"),
    ('dataflow = { values = ["os", "ws"] }', 'dataflow = { values = ["os", "xs"] }',
     r"\[parameters\].dataflow: value 'xs' is not valid for HardwareConfig.dataflow"),
    ("array_rows = { low = 4, high = 16, step = 4 }", "array_rows = { low = 4, high = 15, step = 4 }",
     r"array_rows: high - low = 11 is not a multiple of step = 4"),
    ("array_rows = { low = 4, high = 16, step = 4 }", "array_rows = { low = 0, high = 16 }",
     r"\[parameters\].array_rows: value 0 is not valid for HardwareConfig.array_rows; expected an integer >= 1"),
    ("array_rows = { low = 4, high = 16, step = 4 }", "array_rows = { lo = 4, high = 16 }",
     r"array_rows: unknown key\(s\) \['lo'\]"),
    ('metric = "runtime_s"', 'metric = "latency"',
     r"\[\[objectives\]\] #1.metric: unknown metric 'latency'; metrics are: area_um2, "),
    ('metric = "runtime_s"', 'metric = "runtime_s"\ndirection = "lower"', r"direction: 'lower' is not one of"),
    ('"area_um2 <= 2e6"', '"area_mm3 <= 2"', r"\[search\].constraints\[0\]: unknown metric 'area_mm3'"),
    ('"area_um2 <= 2e6"', '"area_um2 < 2e6"', r"is not a constraint of the form"),
    ('ws_needs_rows = "dataflow', 'ws_needs_rows = "frobs > 1 or dataflow',
     r"\[rules\].ws_needs_rows reads \['frobs'\]"),
    ('ws_needs_rows = "dataflow', 'ws_needs_rows = "__import__(1) or dataflow', r"does not allow"),
    ('pdk = "asap7"', 'pdk = "tsmc5"', r"pdk 'tsmc5' is not one of"),
    ('pdk = "asap7"', '', r"no 'pdk'; set \[fixed\].pdk"),
    ("[search]", "[serch]", r"unknown section\(s\) \['serch'\]"),
    ("workloads = { resnet50 = 1.0 }", "workloads = { resnet50 = 0 }", r"workload 'resnet50' has weight 0"),
])
def test_space_errors_name_the_file_and_key(tmp_path, old, new, message):
    assert old in GOOD
    text = GOOD.replace(old, new)
    path = write(tmp_path, text)
    with pytest.raises(DSEInputError, match=message) as info:
        load_space(path)
    assert str(path) in str(info.value)


def test_no_objectives(tmp_path):
    text = GOOD[:GOOD.index("[[objectives]]")]
    with pytest.raises(DSEInputError, match=r"space.toml: no \[\[objectives\]\]; add at least one"):
        load_space(write(tmp_path, text))


def test_unknown_parameter_and_missing_model_feature(tmp_path):
    space = load_space(write(tmp_path, GOOD.replace("[fixed]", "[fixed]\nmult_style = 'booth'").replace(
        "[parameters]", "[parameters]\nmac_pipelin = { values = [0, 1] }")))
    features = ["array_rows", "array_cols", "target_clock_ghz", "mac_pipeline", "mult_style", "act_bits"]
    with pytest.raises(DSEInputError, match=r"unknown parameter \[parameters\].mac_pipelin: not a HardwareConfig "
                                            r"field .* not a feature of the model bundle models/x"):
        space.check_model_features(features, "models/x")
    space = load_space(write(tmp_path, GOOD.replace("[fixed]", "[fixed]\nmult_style = 'booth'")))
    with pytest.raises(DSEInputError, match=r"needs the feature\(s\) mac_pipeline, act_bits, which the space"):
        space.check_model_features(features, "models/x")


def test_missing_or_invalid_file(tmp_path):
    with pytest.raises(DSEInputError, match="cannot read space file"):
        load_space(tmp_path / "nope.toml")
    with pytest.raises(DSEInputError, match="not valid TOML"):
        load_space(write(tmp_path, "[parameters\n"))


def test_derived_values(tmp_path):
    text = GOOD.replace("[rules]", '[derived]\nsimd_lanes = "array_cols"\nabc_delay_ps = "round(1000 / target_clock_ghz)"\n'
                                   '\n[rules]')
    space = load_space(write(tmp_path, text))
    designs = space.designs([{"array_rows": 4, "array_cols": 16, "ibuf_kib": 16, "target_clock_ghz": 1.5,
                              "dataflow": "os"}])
    assert designs.loc[0, "simd_lanes"] == 16 and designs.loc[0, "abc_delay_ps"] == 667
    space.check_model_features(["array_rows", "abc_delay_ps", "simd_lanes"], "models/x")
    with pytest.raises(DSEInputError, match=r"\[derived\].simd_lanes reads \['colz'\]"):
        load_space(write(tmp_path, text.replace('"array_cols"', '"colz"')))


def test_bundled_spaces_load_by_name():
    from dse.space import bundled_spaces

    assert {"asap7", "gf180", "bench_asap7"} <= set(bundled_spaces())
    for name in ("asap7", "gf180", "bench_asap7"):
        assert load_space(name).path.endswith(f"dse/spaces/{name}.toml")
    assert load_space("bench_asap7").grid_size() == 18_900
    with pytest.raises(DSEInputError, match=r"cannot read space file nope.*bundled spaces: .*asap7"):
        load_space("nope")
