"""optuna-dashboard serves a study written by ``accel-dse search``: objective names, the accel-dse record
(user attribute ``accel_dse``) and every trial's metrics (user attribute ``metrics``)."""
import json
import wsgiref.util

import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.surrogate_cache import CACHE_ENV

optuna_dashboard = pytest.importorskip("optuna_dashboard", reason="optuna-dashboard (the test extra) not installed")


def get(app, path: str) -> tuple[int, dict]:
    """(HTTP status, JSON body) of GET ``path`` on the WSGI ``app`` (the stdlib's WSGI test environ)."""
    environ: dict = {}
    wsgiref.util.setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING="")
    status = []
    body = b"".join(app(environ, lambda line, headers, exc_info=None: status.append(line)))
    return int(status[0].split()[0]), json.loads(body)


def test_dashboard_api_serves_a_searched_study(surrogate_cache, monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(surrogate_cache))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["search", "--workload", "resnet18", "--trials", "4", "--quiet",
                                       "--study", "live"])
    assert result.exit_code == 0, result.output
    app = optuna_dashboard.wsgi(f"sqlite:///{tmp_path / 'accel_dse_study.db'}")

    status, listing = get(app, "/api/studies")
    assert status == 200
    (study,) = [s for s in listing["study_summaries"] if s["study_name"] == "live"]
    assert study["directions"] == ["minimize", "minimize", "minimize"]

    status, body = get(app, f"/api/studies/{study['study_id']}")
    assert status == 200
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
