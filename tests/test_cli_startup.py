"""The command starts without the heavy libraries: importing dse.cli and every ``--help`` load click and
the command modules only (scikit-learn, SciPy, skops, Optuna and XGBoost are imported by the commands
that use them, when they run)."""
import json
import os
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "scipy", "skops", "optuna", "xgboost")


def loaded_after(code: str) -> list[str]:
    """The HEAVY top-level modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.getcwd()})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_dse_cli_loads_no_heavy_library():
    assert loaded_after("import dse.cli") == []


@pytest.mark.parametrize("args", [[], ["search"], ["train"], ["simulate"], ["report"], ["demo"]])
def test_help_loads_no_heavy_library(args):
    code = ("from click.testing import CliRunner\nfrom dse.cli import main\n"
            f"result = CliRunner().invoke(main, {args + ['--help']!r})\n"
            "assert result.exit_code == 0 and 'Usage:' in result.output, result.output")
    assert loaded_after(code) == []


def test_optuna_verbosity_is_set_when_optuna_is_imported_later():
    code = ("import logging\nfrom dse.cli import configure_logging\nconfigure_logging(0)\n"
            "import optuna\nassert optuna.logging.get_verbosity() == logging.WARNING, optuna.logging.get_verbosity()")
    assert "optuna" in loaded_after(code)
