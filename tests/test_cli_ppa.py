"""accel-dse train → predict → evaluate on a real external table (hgbo gemm, MIT; see its PROVENANCE)."""
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dse.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "external" / "hgbo_dse" / "hgbo_impl_gemm_ncubed.csv"
CATEGORICAL = "loop.gemm_outer.unroll.factor,loop.gemm_inner.unroll.factor"
EXCLUDE = "sample_id,latency_cycles,impl_ff,impl_dsp,impl_bram,impl_power_w,hls_lut,hls_ff,hls_dsp,hls_bram,hls_cp_ns"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "gemm"
    spec = out.parent / "spec.toml"
    spec.write_text(f'targets = ["impl_lut", "impl_cp_ns"]\nexclude = {EXCLUDE.split(",")!r}\n'.replace("'", '"'))
    result = CliRunner().invoke(main, ["train", "--data", str(FIXTURE), "--spec", str(spec), "--categorical",
                                       CATEGORICAL, "--trials", "2", "--budget-s", "30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_train_prints_held_out_error_and_writes_bundle(bundle):
    out, output = bundle
    assert "held-out error (unseen split, 5-fold, auto" in output
    assert "of --budget-s 30)" in output
    # the roles table: every column with its role and why; the split in words
    assert "sample_id" in output and "excluded   --exclude" in output and "target     given as a target" in output
    assert ("unseen split: a group is one distinct combination of the 26 columns loop.gemm_outer.unroll.factor, "
            "loop.gemm_outer.flatten.state, loop.gemm_middle.unroll.factor, loop.gemm_middle.pipeline.state, … (no "
            "configuration key found: no architecture columns, no --group-by); 90 groups in 100 rows") in output
    assert "impl_lut" in output and "impl_cp_ns" in output and "mape_pct" in output
    assert "10 duplicate rows" in output  # the warning reaches the user
    assert (out / "manifest.json").is_file()


def test_predict_and_evaluate(bundle, tmp_path):
    out, _ = bundle
    queries = pd.read_csv(FIXTURE).drop(columns=["impl_lut", "impl_cp_ns"]).head(5)
    queries.loc[4, "loop.gemm_outer.flatten.state"] = "-maybe"  # unseen category
    qpath = tmp_path / "q.csv"
    queries.to_csv(qpath, index=False)
    preds = tmp_path / "p.csv"
    result = CliRunner().invoke(main, ["predict", "--model", str(out), "--data", str(qpath), "--out", str(preds)])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(preds)
    assert {"impl_lut", "impl_lut_std", "impl_cp_ns", "impl_cp_ns_std", "in_domain"} <= set(df.columns)
    assert df["in_domain"].tolist() == [True, True, True, True, False]
    assert "1 of 5 rows are outside the training domain" in result.output
    truth = pd.read_csv(FIXTURE).head(4)
    assert ((df["impl_lut"][:4] - truth["impl_lut"]).abs() / truth["impl_lut"]).max() < 0.5
    result = CliRunner().invoke(main, ["evaluate", "--model", str(out), "--data", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "training error" in result.output and "held-out error stored at training" in result.output
    labelled = tmp_path / "few.csv"
    pd.read_csv(FIXTURE).head(3).to_csv(labelled, index=False)  # a short labelled file is fine to evaluate
    result = CliRunner().invoke(main, ["evaluate", "--model", str(out), "--data", str(labelled)])
    assert result.exit_code == 0, result.output
    assert "training error" not in result.output


def test_bad_input_is_one_line_error(bundle, tmp_path):
    out, _ = bundle
    runner = CliRunner()
    result = runner.invoke(main, ["train", "--data", str(FIXTURE), "--targets", "impl_lut", "--out", str(tmp_path / "m")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    message = result.output.strip().splitlines()[-1]  # one line naming every problem column and the flags
    assert len(result.output.strip().splitlines()) == 1
    assert ("column problems, all listed: mixed numbers and text: loop.gemm_outer.unroll.factor (1 non-numeric among "
            "numbers, e.g. 'none' at line(s) 2); loop.gemm_inner.unroll.factor") in message
    assert "identifier-like: sample_id (a different value in every row, id-like name)" in message
    assert ("looks like another measured output: hls_lut (measures what target impl_lut does: lut); impl_ff (named "
            "like target impl_lut: prefix impl_)") in message
    assert "hls_ff (named like hls_lut: prefix hls_)" in message
    assert message.endswith("--exclude sample_id,hls_lut,impl_ff,impl_cp_ns,impl_power_w,hls_ff,hls_cp_ns to drop, or "
                            "--keep sample_id,hls_lut,impl_ff,impl_cp_ns,impl_power_w,hls_ff,hls_cp_ns to use as "
                            "features anyway")
    result = runner.invoke(main, ["train", "--data", str(FIXTURE), "--targets", "area_um2", "--out", str(tmp_path / "m")])
    assert result.exit_code == 1 and "target column(s) ['area_um2'] not found" in result.output
    q = tmp_path / "q.csv"
    q.write_text("a,b\n1,2\n")
    result = runner.invoke(main, ["predict", "--model", str(out), "--data", str(q)])
    assert result.exit_code == 1 and "feature column(s)" in result.output and "not found" in result.output
    result = runner.invoke(main, ["predict", "--model", str(tmp_path), "--data", str(q)])
    assert result.exit_code == 1 and "not a model bundle" in result.output


def test_train_on_a_bundled_dataset_without_spec_points_to_the_spec(bundle, tmp_path):
    """The bundled dataset without --spec: the output says the bundled spec does far better, and how to use it;
    a dataset of one's own (the bundle fixture, trained with a spec) gets no such note."""
    import accel_dse_datasets

    data = accel_dse_datasets.path("asap7/ppa_samples.csv")
    result = CliRunner().invoke(main, ["train", "--data", str(data), "--targets", "area_um2,power_mw", "--model",
                                       "loglinear", "--trials", "1", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    note = result.output.split("note: ")[1]
    assert "bundled asap7 dataset" in note and "area_um2 0.3 %, power_mw 0.3 %" in note
    assert f"--spec {accel_dse_datasets.path('ppa_spec.toml')}" in note
    assert "note: " not in bundle[1]
