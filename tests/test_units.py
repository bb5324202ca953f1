"""One table per concept: the backend datasets' columns (inputs vs outputs; one unit each, no stale entry)
and the DSE's metric units."""
import pandas as pd

import accel_dse_datasets
from dse.metrics import METRIC_UNITS, WORKLOAD_METRICS, metric_names, metric_units
from ppa.backend_flow import characterise, sweep
from ppa.backend_flow.columns import COLUMN_UNITS, DESIGN_INPUTS, SAMPLE_OUTPUTS
from ppa.backend_flow.provenance import characterisation_provenance


def test_one_unit_table_covers_both_datasets_and_nothing_else():
    assert set(sweep.COLUMNS) | set(characterise.COLUMNS) == set(COLUMN_UNITS)
    for name in ("asap7/ppa_samples.csv", "gf180/ppa_samples.csv", "pe_characterisation.csv"):
        header = pd.read_csv(accel_dse_datasets.path(name), nrows=0).columns
        assert set(header) <= set(COLUMN_UNITS), name


def test_backend_samples_are_design_inputs_then_outputs():
    assert not set(DESIGN_INPUTS) & set(SAMPLE_OUTPUTS)
    assert sweep.COLUMNS == [*DESIGN_INPUTS, *SAMPLE_OUTPUTS]
    for pdk in ("asap7", "gf180"):
        assert list(pd.read_csv(accel_dse_datasets.path(f"{pdk}/ppa_samples.csv"), nrows=0).columns) == sweep.COLUMNS


def test_shared_columns_read_the_same_in_both_provenance_files(tmp_path):
    table = pd.DataFrame(columns=characterise.COLUMNS)
    text = characterisation_provenance(table, {}, tmp_path / "pe_characterisation.csv")
    for column in set(sweep.COLUMNS) & set(characterise.COLUMNS):
        assert f"| `{column}` | {COLUMN_UNITS[column]} |" in text


def test_per_workload_metrics_take_the_aggregate_metrics_unit():
    units = metric_units(["resnet18", "bert_base"])
    assert list(units) == metric_names(["resnet18", "bert_base"])
    assert list(units)[:len(METRIC_UNITS)] == list(METRIC_UNITS)
    assert len(units) == len(METRIC_UNITS) + 2 * len(WORKLOAD_METRICS)
    assert units["bert_base.edp_js"] == METRIC_UNITS["edp_js"] == "J·s (energy × runtime)"
    assert metric_units() == METRIC_UNITS
