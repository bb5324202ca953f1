"""The packed PE's measured cost in the PPA path (ppa.packing): closed forms on a small table, the bundled
measurement against the PE characterisation, and a packed design in the evaluator."""
import math

import numpy as np
import pandas as pd
import pytest

from dse.errors import DSEInputError
from dse.evaluator import Evaluator, load_model_bundle, load_workloads
from dse.space import load_space
from ppa.errors import PPAInputError
from ppa.packing import KEYS, packed_overhead, table_path
from tests.test_accuracy import models  # noqa: F401  (the module-scoped bundle fixture)
from tests.test_accuracy import write_space

PE = {"pdk": "asap7", "dataflow": "os", "act_bits": 8, "wgt_bits": 8, "acc_bits": 32, "mac_pipeline": 0,
      "mult_style": "star"}


def small_table(tmp_path):
    """Two delay targets of one PE: the packed PE +10 (+30) µm², +0.01 (+0.03) pJ, +1e-5 mW, 0.9 (0.8) x clock."""
    rows = [{**PE, "abc_delay_ps": d, "fixed_area_um2": 100.0, "packed_area_um2": 100.0 + da,
             "fixed_energy_pj": 0.1, "packed_energy_pj": 0.1 + de, "fixed_leakage_mw": 1e-4,
             "packed_leakage_mw": 1.1e-4, "fixed_fmax_ghz": 2.0, "packed_fmax_ghz": 2.0 * f}
            for d, da, de, f in ((100.0, 10.0, 0.01, 0.9), (400.0, 30.0, 0.03, 0.8))]
    path = tmp_path / "packed.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_overhead_is_per_pe_times_the_array_and_log_interpolated(tmp_path):
    path = small_table(tmp_path)
    designs = pd.DataFrame([{**PE, "abc_delay_ps": d, "array_rows": 4, "array_cols": 8, "precision_mode": mode,
                             "target_clock_ghz": 1.0}
                            for d, mode in ((100.0, "packed"), (200.0, "packed"), (400.0, "fixed"))])
    got = packed_overhead(designs, path)
    w = math.log(200 / 100) / math.log(400 / 100)  # 200 ps sits halfway in log between 100 and 400
    assert got.area_um2 == pytest.approx([32 * 10.0, 32 * (10.0 + 20.0 * w), 0.0])
    assert got.energy_pj == pytest.approx([32 * 0.01, 32 * (0.01 + 0.02 * w), 0.0])
    assert got.leakage_mw == pytest.approx([32 * 1e-5, 32 * 1e-5, 0.0])
    assert got.fmax_factor == pytest.approx([0.9, 0.9 - 0.1 * w, 1.0])
    assert packed_overhead(designs.drop(columns="precision_mode"), path).area_um2.tolist() == [0.0] * 3


def test_an_unmeasured_packed_pe_is_an_error_naming_it(tmp_path):
    designs = pd.DataFrame([{**PE, "act_bits": 4, "abc_delay_ps": 100.0, "array_rows": 2, "array_cols": 2,
                             "precision_mode": "packed", "target_clock_ghz": 1.0}])
    with pytest.raises(PPAInputError, match=r"packed PE area_um2.*no entry for pdk=asap7, dataflow=os, act_bits=4"):
        packed_overhead(designs, small_table(tmp_path))
    with pytest.raises(PPAInputError, match=r"packed designs need column\(s\) \['abc_delay_ps'\]"):
        packed_overhead(designs.drop(columns="abc_delay_ps"), small_table(tmp_path))


def test_bundled_measurement_fixed_pe_is_the_characterised_pe_and_packing_costs_area():
    """The fixed PE here is the netlist the surrogates' PE lookup measured (same flow): equal area to 1e-9."""
    packed = pd.read_csv(table_path())
    characterised = pd.read_csv(table_path().with_name("pe_characterisation.csv"))
    both = packed.merge(characterised, on=[*KEYS, "abc_delay_ps"])
    assert len(both) == len(packed) > 0
    np.testing.assert_allclose(both["fixed_area_um2"], both["pe_area_um2"], rtol=1e-9)
    # packing costs area and energy at every operand width (median over the variants: a few stationary 8-bit
    # PEs at the tightest delay target synthesised smaller packed than fixed, kept as measured)
    medians = packed.groupby(["act_bits", "wgt_bits"])[["area_ratio", "energy_ratio", "fmax_ratio"]].median()
    assert (medians["area_ratio"] > 1.1).all() and (medians["energy_ratio"] > 1.05).all()
    assert (medians["fmax_ratio"] < 1.0).all()
    ratios = packed[["packed_area_um2", "fixed_area_um2"]].to_numpy()
    np.testing.assert_allclose(packed["area_ratio"], ratios[:, 0] / ratios[:, 1], rtol=1e-12)


def test_evaluator_charges_a_packed_design(tmp_path, models):
    path = write_space(tmp_path, models, '"top1 >= 0"', 'net_act_bits = { values = [8] }')
    space = load_space(path)
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    fixed = space.designs([{"net_act_bits": 8}]).assign(precision_mode="fixed")
    packed = fixed.assign(precision_mode="packed")
    a, b = evaluator.evaluate(fixed).iloc[0], evaluator.evaluate(packed).iloc[0]
    extra = packed_overhead(packed)
    assert extra.area_um2[0] > 0
    assert b["area_um2"] == pytest.approx(a["area_um2"] + extra.area_um2[0])
    assert b["fmax_ghz"] == pytest.approx(a["fmax_ghz"] * extra.fmax_factor[0])
    assert b["power_target_mw"] == pytest.approx(a["power_target_mw"] + extra.energy_pj[0]
                                                 * fixed["target_clock_ghz"].iloc[0] + extra.leakage_mw[0])
    unmeasured = packed.assign(act_bits=4, wgt_bits=4, net_act_bits=4)
    with pytest.raises(DSEInputError, match=r"space.toml: lookup 'packed PE area_um2'.*act_bits=4"):
        evaluator.evaluate(unmeasured)
