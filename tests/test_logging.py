"""Logging: the library only logs; the ``accel-dse`` command decides what is shown (and Optuna's verbosity)."""
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pytest
from click.testing import CliRunner

from dse.cli import LIBRARY_LOGGERS, EchoHandler, configure_logging, main
from ppa.splits import make_folds
from ppa.tuning import tune

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "external" / "hgbo_dse" / "hgbo_impl_gemm_ncubed.csv"


@pytest.fixture
def restore_logging():
    """Undo what configure_logging and the tests change in the process-wide logging state."""
    verbosity = optuna.logging.get_verbosity()
    yield
    for name in LIBRARY_LOGGERS:
        library_logger = logging.getLogger(name)
        for handler in [h for h in library_logger.handlers if isinstance(h, EchoHandler)]:
            library_logger.removeHandler(handler)
        library_logger.setLevel(logging.NOTSET)
    optuna.logging.disable_propagation()
    optuna.logging.enable_default_handler()
    optuna.logging.set_verbosity(verbosity)


def test_importing_the_library_leaves_optuna_logging_alone():
    code = ("import optuna, dse.cli, dse.demo, ppa.tuning, ppa.surrogate, ppa.bundle; "
            "print(optuna.logging.get_verbosity())")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == optuna.logging.INFO  # Optuna's own default


def test_tuning_quiets_optuna_only_while_it_runs(caplog, restore_logging):
    optuna.logging.set_verbosity(optuna.logging.DEBUG)
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="ppa.tuning")  # an earlier `accel-dse` call may have set ppa's level
    # a study outside tuning logs its trials at this verbosity (the capture below sees them)
    optuna.create_study().optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=1)
    assert any(r.name.startswith("optuna") and "Trial 0 finished" in r.getMessage() for r in caplog.records)
    caplog.clear()
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(60, 2))
    y = 1.0 + X[:, 0] + 0.3 * rng.standard_normal(60) ** 2
    result = tune("loglinear", X, y, "none", make_folds("unseen", np.arange(60) % 10, 3, 0), budget_s=60, n_trials=3)
    assert result.n_trials == 3
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("optuna") and r.levelno < logging.WARNING]
    assert [r.getMessage() for r in caplog.records if r.name == "ppa.tuning"] == [
        f"tuned loglinear: 3 trials (3 complete) in {result.seconds:.1f} s, best CV error {result.error:.4g}"]
    assert optuna.logging.get_verbosity() == optuna.logging.DEBUG  # the caller's setting is back


def test_configure_logging_levels_and_one_handler(capsys, restore_logging):
    log = logging.getLogger("ppa.surrogate")
    configure_logging(0)
    log.info("progress line")
    log.warning("something to know")
    assert capsys.readouterr().err == "warning: something to know\n"
    assert optuna.logging.get_verbosity() == optuna.logging.WARNING
    configure_logging(1)
    configure_logging(1)  # again: still one line per record
    log.info("progress line")
    log.debug("detail")
    assert capsys.readouterr().err == "progress line\n"
    assert optuna.logging.get_verbosity() == optuna.logging.WARNING
    configure_logging(2)
    log.debug("detail")
    assert capsys.readouterr().err == "detail\n"
    assert optuna.logging.get_verbosity() == optuna.logging.INFO


def test_verbose_train_shows_each_targets_held_out_error(tmp_path, restore_logging):
    spec = tmp_path / "spec.toml"
    spec.write_text('targets = ["impl_lut"]\nexclude = ["sample_id", "latency_cycles", "impl_cp_ns", "impl_ff", '
                    '"impl_dsp", "impl_bram", "hls_lut", "hls_ff", "hls_dsp", "hls_bram", "hls_cp_ns", "impl_power_w"]\n')
    args = ["train", "--data", str(FIXTURE), "--spec", str(spec), "--model", "loglinear", "--trials", "1",
            "--budget-s", "5", "--categorical", "loop.gemm_outer.unroll.factor,loop.gemm_inner.unroll.factor"]
    quiet = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a")])
    verbose = CliRunner().invoke(main, ["-v", *args, "--out", str(tmp_path / "b")])
    assert quiet.exit_code == 0 and verbose.exit_code == 0, quiet.output + verbose.output
    line = "impl_lut: loglinear on "
    assert line not in quiet.output
    assert line in verbose.output and "(unseen split, " in verbose.output
