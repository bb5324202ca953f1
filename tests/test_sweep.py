"""Exhaustive sweep (against a brute-force dominance check and the evaluator) and the Pareto /
hypervolume helpers (closed-form cases; moocore computes them, tests/test_pareto.py checks more)."""
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dse.cli import main
from dse.errors import DSEInputError
from dse.evaluator import Evaluator, load_model_bundle, load_workloads
from dse.pareto import hypervolume, pareto_mask
from dse.space import load_space
from dse.sweep import sweep_design_space
from tests.dse_helpers import bundle_dir, space_text

PARAMS = """array_rows = { values = [2, 4, 8] }
array_cols = { values = [2, 4, 8] }
target_clock_ghz = { low = 0.5, high = 2.0, step = 0.5 }
dataflow = { values = ["os", "ws"] }"""
SEARCH = '[search]\nworkloads = { resnet18 = 1.0 }\nconstraints = [{}]\nout_of_domain = "allow"\n'
OBJECTIVES = '[[objectives]]\nmetric = "runtime_s"\n\n[[objectives]]\nmetric = "ips_per_mm2"\ndirection = "maximize"\n'


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from ppa.bundle import read_manifest

    models = bundle_dir(tmp_path_factory)
    features = read_manifest(models)["features"]
    path = tmp_path_factory.mktemp("sweep") / "space.toml"
    path.write_text(space_text(features, PARAMS, extra=SEARCH.replace("{}", ""), objectives=OBJECTIVES))
    space = load_space(path)
    evaluator = Evaluator(space, load_model_bundle(models, space), load_workloads(space.workloads, space.path))
    # An area bound at the grid's median area, so the constraint cuts the space in two.
    bound = float(np.median(evaluator.evaluate(space.designs(space.grid().to_dict(orient="records")))["area_um2"]))
    path.write_text(space_text(features, PARAMS, extra=SEARCH.replace("{}", f'"area_um2 <= {bound!r}"'),
                               objectives=OBJECTIVES))
    space = load_space(path)
    evaluator = Evaluator(space, evaluator.bundle, evaluator.workloads)
    return path, models, space, evaluator, bound


def brute_force_front(values: np.ndarray) -> np.ndarray:
    """Rows no other row dominates (values as losses)."""
    front = []
    for i, v in enumerate(values):
        dominated = np.any(np.all(values <= v, axis=1) & np.any(values < v, axis=1))
        front.append(not dominated)
    return np.array(front)


def test_sweep_covers_the_grid_and_marks_the_front(setup):
    _, _, space, evaluator, bound = setup
    table = sweep_design_space(space, evaluator, progress=False)
    assert len(table) == 3 * 3 * 4 * 2 == len(table[list(space.parameters)].drop_duplicates())
    feasible = table["feasible"].to_numpy()
    assert feasible.any() and not feasible.all(), "the area constraint should cut the space"
    assert (feasible == (table["area_um2"] <= bound).to_numpy()).all()
    losses = np.column_stack([table["runtime_s"], -table["ips_per_mm2"]])[feasible]
    assert (table.loc[feasible, "pareto"].to_numpy() == brute_force_front(losses)).all()
    assert not table.loc[~feasible, "pareto"].any()
    rows = table.sample(5, random_state=0)
    direct = evaluator.evaluate(space.designs(rows[list(space.parameters)].to_dict(orient="records")))
    np.testing.assert_allclose(rows["edp_js"].to_numpy(), direct["edp_js"].to_numpy())
    assert (table["objective:ips_per_mm2"] == table["ips_per_mm2"]).all()


def test_sweep_refuses_large_or_continuous_spaces(setup, tmp_path):
    _, _, space, evaluator, _ = setup
    with pytest.raises(DSEInputError, match=r"the space has 72 points \(array_rows=3, array_cols=3, "
                                            r"target_clock_ghz=4, dataflow=2\), above the sweep limit of 50"):
        sweep_design_space(space, evaluator, max_points=50, progress=False)
    path = tmp_path / "c.toml"
    path.write_text(setup[0].read_text().replace("low = 0.5, high = 2.0, step = 0.5", "low = 0.5, high = 2.0"))
    with pytest.raises(DSEInputError, match=r"target_clock_ghz is a continuous float; an exhaustive sweep needs"):
        sweep_design_space(load_space(path), evaluator, progress=False)


def test_sweep_cli_writes_table_front_and_summary(setup, tmp_path):
    path, models, _, _, _ = setup
    result = CliRunner().invoke(main, ["sweep", "--space", str(path), "--models", str(models), "--out",
                                       str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "sweep.csv")
    front = pd.read_csv(tmp_path / "out" / "pareto.csv")
    summary = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert len(table) == summary["points"] == 72 and len(front) == summary["pareto"] == table["pareto"].sum()
    assert f"72 points, {summary['feasible']} feasible, {summary['pareto']} on the Pareto front" in result.output
    assert summary["metric_units"]["ips_per_mm2"].startswith("inferences/s/mm²")


def test_pareto_and_hypervolume_closed_form():
    points = np.array([[1, 3], [2, 2], [3, 1], [3, 3], [2, 2]], dtype=float)
    assert pareto_mask(points, ["minimize", "minimize"]).tolist() == [True, True, True, False, True]
    assert hypervolume(points, ["minimize", "minimize"], np.array([4, 4])) == pytest.approx(6.0)
    flipped = points * [1, -1]
    assert pareto_mask(flipped, ["minimize", "maximize"]).tolist() == [True, True, True, False, True]
    assert hypervolume(flipped, ["minimize", "maximize"], np.array([4, -4])) == pytest.approx(6.0)
    # Points beyond the reference add nothing; a 3-D box is its volume.
    assert hypervolume(np.array([[5.0, 0.0]]), ["minimize", "minimize"], np.array([4, 4])) == 0.0
    assert hypervolume(np.array([[1.0, 2.0, 3.0]]), ["minimize"] * 3, np.array([2, 4, 6])) == pytest.approx(6.0)
