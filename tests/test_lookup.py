"""Lookup features: a measured table read by key, interpolated in log over one column, carried in bundles."""
import json

import numpy as np
import pandas as pd
import pytest

from ppa.bundle import load_bundle, save_bundle
from ppa.errors import PPAInputError
from ppa.lookup import LookupTable
from ppa.schema import load_spec, read_table
from ppa.surrogate import PPASurrogate

#: Unit area by (style, bits) at delays 100 and 400 ps (tighter delay: bigger cells).
TABLE = pd.DataFrame({"style": ["a", "a", "a", "a", "b", "b"], "bits": [4, 4, 8, 8, 4, 8],
                      "delay_ps": [100.0, 400.0, 100.0, 400.0, 100.0, 100.0],
                      "unit_area": [12.0, 10.0, 30.0, 20.0, 7.0, 15.0]})


def table() -> LookupTable:
    return LookupTable("unit_area", ("style", "bits"), "delay_ps", TABLE, source="units.csv")


def test_values_by_key_and_log_interpolation():
    X = pd.DataFrame({"style": ["a", "a", "a", "a", "b", "b"], "bits": [4.0, 4.0, 8.0, 8.0, 8.0, 8.0],
                      "delay_ps": [100.0, 200.0, 50.0, 800.0, 100.0, 1000.0]})
    got = table().values(X, "unit")
    # 200 ps is halfway between 100 and 400 in log: the mean; beyond the table's delays: the end values;
    # one point only (style b): that value at any delay; 8 bits as float matches the table's int 8
    np.testing.assert_allclose(got, [12.0, 11.0, 30.0, 20.0, 15.0, 15.0])


def test_a_key_the_table_lacks_is_named():
    X = pd.DataFrame({"style": ["a", "c", "c"], "bits": [4, 16, 16], "delay_ps": [100.0, 100.0, 200.0]})
    with pytest.raises(PPAInputError, match=r"lookup 'unit' \(units.csv\) has no entry for style=c, bits=16 "
                                            r"\(rows 1, 2\): measure it"):
        table().values(X, "unit")
    with pytest.raises(PPAInputError, match=r"lookup 'unit' reads column\(s\) \['delay_ps'\], which are not features"):
        table().values(X.drop(columns="delay_ps"), "unit")


def _write_spec(tmp_path, table_text: str, entry: str | None = None):
    (tmp_path / "units.csv").write_text(table_text)
    spec = tmp_path / "s.toml"
    spec.write_text('targets = ["area_um2"]\nmodel = "additive"\n'
                    '[terms]\narea_um2 = ["n * unit_ref", "n"]\n'
                    + (entry or '[lookup.unit_ref]\nfile = "units.csv"\nkeys = ["style", "bits"]\n'
                                'value = "unit_area"\ninterpolate = "delay_ps"\n'))
    return spec


@pytest.mark.parametrize("table_text, entry, match", [
    ("style,bits,delay_ps,unit_area\na,4,100,12\n", '[lookup.unit_ref]\nfile = "units.csv"\nkeys = "style"\nvalue = "unit_area"\n',
     r"s.toml: \[lookup.unit_ref\]: keys must be a list"),
    ("style,bits,delay_ps,unit_area\na,4,100,12\n", '[lookup.unit_ref]\nfile = "units.csv"\nvalue = "unit_area"\n',
     r"s.toml: \[lookup.unit_ref\] must be a table with file"),
    ("style,bits,delay_ps,unit_area\na,4,100,12\n", '[lookup.unit_ref]\nfile = "nope.csv"\nkeys = ["style"]\nvalue = "unit_area"\n',
     r"\[lookup.unit_ref\]: table file .*nope.csv not found"),
    ("style,bits,delay,unit_area\na,4,100,12\n", None, r"units.csv: lookup 'unit_ref' needs column\(s\) \['delay_ps'\]"),
    ("style,bits,delay_ps,unit_area\na,4,100,12\na,8,100,big\n", None,
     r"units.csv: column 'unit_area' must hold finite numbers; bad at line\(s\) 3"),
    ("style,bits,delay_ps,unit_area\na,4,0,12\n", None, r"column 'delay_ps' must hold finite numbers > 0; bad at line\(s\) 2"),
    ("style,bits,delay_ps,unit_area\na,4,100,12\nb,4,100,7\na,4,100,13\n", None,
     r"more than one row for the same style, bits, delay_ps at line\(s\) 2, 4"),
    ("style,bits,delay_ps,unit_area\na,4,100,12\n,8,100,7\n", None,
     r"units.csv: lookup 'unit_ref' has empty key cells \(style, bits\) at line\(s\) 3"),
])
def test_bad_lookup_entries_and_tables_are_named(tmp_path, table_text, entry, match):
    with pytest.raises(PPAInputError, match=match):
        load_spec(_write_spec(tmp_path, table_text, entry))


def _data(seed=0):
    """area = n · unit(style, bits, delay) + 5 n (wiring): exact in the looked-up unit area."""
    rng = np.random.default_rng(seed)
    rows = []
    for style, bits in [("a", 4), ("a", 8)]:
        for delay in (100.0, 200.0, 400.0):
            for n in (1, 2, 4, 8, 16):
                rows.append({"style": style, "bits": bits, "delay_ps": delay, "n": float(n)})
    X = pd.DataFrame(rows)
    unit = table().values(X, "unit")
    y = pd.DataFrame({"area_um2": X.n * (unit + 5.0) * (1 + 1e-3 * rng.standard_normal(len(X)))})
    return X, y


def test_spec_lookup_feeds_terms_and_round_trips_in_a_bundle(tmp_path):
    spec = load_spec(_write_spec(tmp_path, TABLE.to_csv(index=False)))
    assert list(spec.lookup) == ["unit_ref"] and spec.lookup["unit_ref"].source == "units.csv"
    X, y = _data()
    s = PPASurrogate(model="additive", terms=spec.terms, lookup=spec.lookup, group_by=["style", "bits", "n"],
                     budget_s=20, n_trials=2, cv_folds=3, tune_folds=2, progress=False).fit(X, y)
    assert s.encoder_.features == ["style", "bits", "delay_ps", "n", "unit_ref"]
    assert s.cv_metrics_.loc["area_um2", "mape_pct"] < 0.5  # the table makes the target a sum of known terms
    save_bundle(s, tmp_path / "b")
    loaded = load_bundle(tmp_path / "b")
    pd.testing.assert_frame_equal(loaded.predict(X), s.predict(X))
    with pytest.raises(PPAInputError, match=r"has no entry for style=c, bits=4 \(query rows 0, 1,"):
        loaded.predict(X.assign(style="c"))
    # the rows travel in the manifest; edited rows are refused
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    manifest["settings"]["lookup"]["unit_ref"]["rows"]["unit_area"][0] = 99.0
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PPAInputError, match=r"refused, lookup rows from 'units.csv' do not match their sha256"):
        load_bundle(tmp_path / "b")


def test_a_training_row_outside_the_table_is_an_error(tmp_path):
    X, y = _data()
    X.loc[3, "bits"] = 16
    with pytest.raises(PPAInputError, match=r"no entry for style=a, bits=16 \(rows 3\)"):
        PPASurrogate(model="additive", terms={"area_um2": ["n * unit_ref"]}, lookup={"unit_ref": table()},
                     budget_s=5, n_trials=1, cv_folds=3, tune_folds=2, progress=False).fit(X, y)


def test_bundled_pe_table_is_the_pe_area_of_the_dataset_cores():
    """The PE synthesised alone (accel-dse characterise) has the area of the PE inside every core of the
    datasets built with it at that ABC delay (same module run, same netlist); every core's PE is in it."""
    from accel_dse_datasets import path as dataset_path
    spec = load_spec(dataset_path("ppa_spec.toml"))
    pe = spec.lookup["pe_area_ref"]
    chars = pd.read_csv(dataset_path("pe_characterisation.csv"))
    for pdk in ("asap7", "gf180"):
        data = read_table(dataset_path(f"{pdk}/ppa_samples.csv"), spec)
        raw = pd.read_csv(dataset_path(f"{pdk}/ppa_samples.csv"))
        looked_up = pe.values(data.X, "pe_area_ref")  # every key present (else an error)
        at_table_delay = raw.abc_delay_ps.isin(chars[chars.pdk == pdk].abc_delay_ps).to_numpy()
        assert at_table_delay.sum() >= 50
        np.testing.assert_allclose(looked_up[at_table_delay], raw.pe_area_um2[at_table_delay], rtol=1e-9)
        # between the table's delays the interpolation is close, not exact
        off = np.abs(looked_up[~at_table_delay] / raw.pe_area_um2[~at_table_delay] - 1)
        assert 0 < off.mean() < 0.02, off.mean()


def test_a_csv_row_outside_the_table_is_named_by_its_line_before_training(tmp_path):
    spec_path = _write_spec(tmp_path, TABLE.to_csv(index=False))
    X, y = _data()
    X.loc[4, "style"] = "c"
    pd.concat([X, y], axis=1).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(PPAInputError, match=r"has no entry for style=c, bits=4 \(d.csv lines 6\)"):
        read_table(tmp_path / "d.csv", load_spec(spec_path))
