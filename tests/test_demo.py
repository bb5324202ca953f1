"""The end-to-end demo on the bundled data: surrogates → ResNet-50 + BERT-base study → report."""
from __future__ import annotations

import json

import optuna
import pandas as pd
import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.demo import bundled_dataset, run_demo
from dse.errors import DSEInputError


def dataset_or_skip():
    try:
        return bundled_dataset()
    except DSEInputError as exc:
        pytest.skip(f"bundled dataset not built yet: {exc}")


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory):
    """The demo at a tiny size: 2 tuning trials per target, 8 search trials."""
    data = dataset_or_skip()
    out = tmp_path_factory.mktemp("demo") / "out"
    lines: list[str] = []
    summary = run_demo(out, n_trials=8, data=data, budget_s=5, tuning_trials=2, batch_size=4, say=lines.append)
    return out, summary, "\n".join(lines)


def test_tiny_demo_writes_the_report_of_a_two_workload_study(tiny_demo):
    out, summary, printed = tiny_demo
    for name in ("report.html", "pareto.csv", "pareto.json", "layers.csv", "layers_resnet50.png",
                 "layers_bert_base.png", "surrogate_parity.png", "surrogate_errors.csv", "demo_run.json"):
        assert (out / name).is_file(), name
    study = optuna.load_study(study_name="demo", storage=f"sqlite:///{out / 'study.db'}")
    finished = [t for t in study.trials if t.state.is_finished() and t.state != optuna.trial.TrialState.FAIL]
    assert len(finished) == 8
    assert set(study.user_attrs["workloads"]) == {"resnet50", "bert_base"}
    assert [o["name"] for o in study.user_attrs["objectives"]] == ["runtime_s", "energy_j", "area_um2"]
    assert set(pd.read_csv(out / "pareto.csv")["trial"]) == {t.number for t in study.best_trials}
    assert json.loads((out / "demo_run.json").read_text())["timings_s"]["total_s"] > 0
    assert summary["pareto_designs"] == len(study.best_trials)
    assert f"Pareto report: {out / 'report.html'}" in printed
    assert "role" in printed and "best runtime_s" in printed  # the printed top-designs table


def test_demo_surrogate_errors_reproduce_the_bundles_stored_error(tiny_demo):
    out, _, _ = tiny_demo
    errors = pd.read_csv(out / "surrogate_errors.csv")
    assert set(errors["target"]) == {"area_um2", "power_mw", "leakage_mw", "fmax_ghz"}
    assert errors["recomputed_mape_pct"].to_numpy() == pytest.approx(errors["mape_pct"].to_numpy(), rel=1e-6)


def test_demo_cli_reuses_a_bundle_and_prints_the_report_path(tiny_demo, tmp_path):
    out, _, _ = tiny_demo
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "again"), "--trials", "4",
                                       "--models", str(out / "models")])
    assert result.exit_code == 0, result.output
    assert "[1/3]" not in result.output  # no training with --models
    assert f"Pareto report: {tmp_path / 'again' / 'report.html'}" in result.output


def test_demo_refuses_a_bad_space_before_training(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--space", "no_such_space"])
    assert result.exit_code == 1
    assert "Error: cannot read space file no_such_space" in result.output and "bundled spaces:" in result.output
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
def test_full_size_demo(tmp_path):
    """``accel-dse demo`` exactly as the README runs it (300 trials, default tuning budget)."""
    dataset_or_skip()
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "demo" / "demo_run.json").read_text())
    assert summary["trials"] == 300 and summary["pareto_designs"] >= 5
