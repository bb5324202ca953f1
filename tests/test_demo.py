"""The end-to-end demo on the bundled data: surrogates → ResNet-50 + BERT-base study → report."""
from __future__ import annotations

import json

import numpy as np
import optuna
import pandas as pd
import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.demo import bundled_file, train_surrogates
from dse.record import read_study_record, trial_metrics


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory):
    """``accel-dse demo`` at a tiny size: 2 surrogate tuning trials per target and family, 8 search trials."""
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--trials", "8", "--tuning-trials", "2"])
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "demo_run.json").read_text()), result.output


def test_tiny_demo_writes_the_report_of_a_two_workload_study(tiny_demo):
    out, summary, printed = tiny_demo
    for name in ("report.html", "pareto.csv", "pareto.json", "layers.csv", "layers_resnet50.png",
                 "layers_bert_base.png", "surrogate_parity.png", "surrogate_errors.csv", "demo_run.json"):
        assert (out / name).is_file(), name
    study = optuna.load_study(study_name="demo", storage=f"sqlite:///{out / 'study.db'}")
    finished = [t for t in study.trials if t.state.is_finished() and t.state != optuna.trial.TrialState.FAIL]
    assert len(finished) == 8
    record = read_study_record(study)
    assert set(record.workloads) == {"resnet50", "bert_base"}
    assert [o.name for o in record.objectives] == ["runtime_s", "energy_j", "area_um2"]
    # the Pareto CSV against a brute-force non-dominated filter of every completed, feasible trial
    feasible = {t.number: np.array(t.values) for t in study.trials
                if t.state == optuna.trial.TrialState.COMPLETE and all(v <= 0 for v in t.constraints.values())}
    expected = {n for n, v in feasible.items()
                if not any((w <= v).all() and (w < v).any() for m, w in feasible.items() if m != n)}
    assert expected, "the tiny demo should find at least one feasible design"
    assert set(pd.read_csv(out / "pareto.csv")["trial"]) == expected
    assert json.loads((out / "demo_run.json").read_text())["timings_s"]["total_s"] > 0
    assert summary["pareto_designs"] == len(expected)
    assert f"Pareto report: {out / 'report.html'}" in printed
    assert "role" in printed and "best runtime_s" in printed  # the printed top-designs table


def test_demo_surrogate_section_reads_the_bundles_heldout_predictions(tiny_demo):
    """The parity data are the bundle's stored out-of-fold predictions, and the stored errors follow from them."""
    from ppa.bundle import read_heldout
    from ppa.metrics import regression_metrics

    out, _, _ = tiny_demo
    errors = pd.read_csv(out / "surrogate_errors.csv").set_index("target")
    heldout = pd.read_csv(out / "surrogate_heldout.csv")
    assert set(errors.index) == {"area_um2", "power_mw", "leakage_mw", "fmax_ghz", "pe_fmax_ghz", "lane_fmax_ghz"}
    assert errors.loc["fmax_ghz", "model"] == "min(pe_fmax_ghz, lane_fmax_ghz)"  # composed from the module models
    for target, part in heldout.groupby("target"):
        mape = regression_metrics(part["actual"].to_numpy(), part["predicted"].to_numpy())["mape_pct"]
        assert mape == pytest.approx(errors.loc[target, "mape_pct"], rel=1e-9), target
    _, stored = read_heldout(out / "models")
    pd.testing.assert_frame_equal(heldout, stored, check_exact=False, rtol=1e-12)


def test_demo_reuses_a_bundle_trained_on_the_same_data(tiny_demo, tmp_path):
    import shutil

    out, _, printed = tiny_demo
    assert "[1/3] surrogates: training" in printed
    lines: list[str] = []
    assert train_surrogates(bundled_file("asap7/ppa_samples.csv"), out / "models", 5, 2, 0, lines.append) == out / "models"
    assert lines == [f"[1/3] surrogates: reusing {out / 'models'} (trained on the same ppa_samples.csv with the same spec and tuning)"]
    retrained: list[str] = []
    shutil.copytree(out / "models", tmp_path / "models")
    train_surrogates(bundled_file("asap7/ppa_samples.csv"), tmp_path / "models", 5, 3, 0, retrained.append)
    assert retrained[0].startswith("[1/3] surrogates: training")  # other tuning trials: not reused


def test_demo_retrains_when_the_spec_changed(tiny_demo, tmp_path, monkeypatch):
    """A bundle of the same data but another spec (e.g. an upgraded package's) is not reused."""
    import shutil

    from dse import demo as demo_module

    out, _, _ = tiny_demo
    shutil.copytree(out / "models", tmp_path / "models")
    spec = tmp_path / "ppa_spec.toml"
    spec.write_text(bundled_file("ppa_spec.toml").read_text().replace('fmax_ghz = "auto"', 'fmax_ghz = "xgboost"'))
    shutil.copy(bundled_file("pe_characterisation.csv"), tmp_path)  # the spec's [lookup] table, beside it
    monkeypatch.setattr(demo_module, "bundled_file", lambda name: spec if name == "ppa_spec.toml" else bundled_file(name))
    lines: list[str] = []
    train_surrogates(bundled_file("asap7/ppa_samples.csv"), tmp_path / "models", 5, 2, 0, lines.append)
    assert lines[0].startswith("[1/3] surrogates: training") and "fmax_ghz xgboost" in lines[0]
    assert json.loads((tmp_path / "models" / "manifest.json").read_text())["settings"]["model"]["fmax_ghz"] == "xgboost"


def test_demo_is_reproducible(tiny_demo, tmp_path):
    """A second run with the same options (surrogates trained again: tuning stops on trial counts) gives the
    same surrogates' errors and the same Pareto set."""
    out, _, _ = tiny_demo
    again = tmp_path / "again"
    result = CliRunner().invoke(main, ["demo", "--out", str(again), "--trials", "8", "--tuning-trials", "2"])
    assert result.exit_code == 0, result.output
    assert "[1/3] surrogates: training" in result.output and "2 tuning trials per target and family" in result.output
    pd.testing.assert_frame_equal(pd.read_csv(again / "surrogate_errors.csv"), pd.read_csv(out / "surrogate_errors.csv"))
    assert (again / "pareto.csv").read_text() == (out / "pareto.csv").read_text()


def test_demo_writes_outside_the_checkout_by_default():
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert "[default: accel-dse-demo]" in result.output and "--out reports/demo" in result.output


def test_demo_refuses_a_bad_space_before_training(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--space", "no_such_space"])
    assert result.exit_code == 1
    assert "Error: cannot read space file no_such_space" in result.output and "bundled spaces:" in result.output
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
def test_full_size_demo(tmp_path):
    """``accel-dse demo`` exactly as the README runs it (300 trials, default tuning budget)."""
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "demo" / "demo_run.json").read_text())
    assert summary["trials"] == 300 and summary["pareto_designs"] >= 5


def test_demo_per_layer_view_matches_the_studys_cycles(tiny_demo):
    """The per-layer re-simulation completes each design from the study's space file (fixed and
    derived values), so its cycles add up to what the search recorded per workload."""
    out, _, _ = tiny_demo
    study = optuna.load_study(study_name="demo", storage=f"sqlite:///{out / 'study.db'}")
    layers = pd.read_csv(out / "layers.csv")
    assert set(layers["workload"]) == {"resnet50", "bert_base"}
    for (trial, workload), part in layers.groupby(["trial", "workload"]):
        recorded = trial_metrics(study.trials[trial])[f"{workload}.total_cycles"]
        assert part["total_cycles"].sum() == pytest.approx(recorded, rel=1e-9)


def test_a_space_asking_for_an_unmeasured_pe_stops_with_one_line_and_no_running_trial(tiny_demo, tmp_path):
    """The demo bundle reads the PE from its measured table: a 20-bit accumulator was never characterised."""
    out, _, _ = tiny_demo
    from dse.space import BUNDLED_SPACES

    space = tmp_path / "acc20.toml"
    space.write_text((BUNDLED_SPACES / "asap7.toml").read_text().replace("acc_bits = 32", "acc_bits = 20")
                     .replace('acc_holds_product = "acc_bits >= act_bits + wgt_bits"', ""))
    storage = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(main, ["search", "--space", str(space), "--models", str(out / "models"),
                                       "--workload", "resnet50", "--trials", "4", "--storage", storage, "--quiet"])
    assert result.exit_code == 1
    assert "acc20.toml: the model bundle cannot evaluate these designs: lookup 'pe_area_ref'" in result.output
    assert "acc_bits=20" in result.output and "Traceback" not in result.output
    study = optuna.load_study(study_name="acc20", storage=storage)
    assert study.trials and all(t.state == optuna.trial.TrialState.FAIL for t in study.trials)
