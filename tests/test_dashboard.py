"""optuna-dashboard serves a study written by ``accel-dse search``: objective names, the accel-dse record
(user attribute ``accel_dse``) and every trial's metrics (user attribute ``metrics``)."""
import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.surrogate_cache import CACHE_ENV

optuna_dashboard = pytest.importorskip("optuna_dashboard", reason="optuna-dashboard (the test extra) not installed")
werkzeug_test = pytest.importorskip("werkzeug.test", reason="werkzeug (a dependency of the test extra) not installed")


def test_dashboard_api_serves_a_searched_study(surrogate_cache, monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(surrogate_cache))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["search", "--workload", "resnet18", "--trials", "4", "--quiet",
                                       "--study", "live"])
    assert result.exit_code == 0, result.output
    client = werkzeug_test.Client(optuna_dashboard.wsgi(f"sqlite:///{tmp_path / 'accel_dse_study.db'}"))

    listing = client.get("/api/studies")
    assert listing.status_code == 200
    (study,) = [s for s in listing.get_json()["study_summaries"] if s["study_name"] == "live"]
    assert study["directions"] == ["minimize", "minimize", "minimize"]

    detail = client.get(f"/api/studies/{study['study_id']}")
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["objective_names"] == ["runtime_s", "energy_j", "area_um2"]  # from study.set_metric_names
    # The record and the trial metrics are user attributes; the dashboard shows each value's first 1,024
    # characters (the full JSON: `accel-dse report` or optuna.load_study(...).user_attrs).
    attrs = {a["key"]: a["value"] for a in body["user_attrs"]}
    assert set(attrs) == {"accel_dse"} and attrs["accel_dse"].startswith('{"version": 1, "space": {"path": ')
    assert len(body["trials"]) == 4
    for trial in body["trials"]:
        assert len(trial["values"]) == 3
        assert [a["key"] for a in trial["user_attrs"]] == ["metrics"]
        assert trial["user_attrs"][0]["value"].startswith('{"area_logic_um2": ')
