"""The ``accel-dse`` command: one group, with the commands each layer contributes.

The library logs through module loggers and never configures logging; this command does: records of
the ``frontend_sim``, ``ppa`` and ``dse`` loggers go to stderr (warnings by default, ``-v`` adds INFO,
``-vv`` DEBUG and Optuna's per-trial lines).

Importing this module (and ``accel-dse --help``) loads click and the command modules only: every
command imports its heavy libraries (scikit-learn, XGBoost, Optuna, SciPy, skops) when it runs, and
Optuna's verbosity is set when Optuna is first imported (:class:`OnImport`).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import logging
import sys
from collections.abc import Callable

import click

from dse.errors import DSEInputError
from frontend_sim.atomic import OutputError
from frontend_sim.errors import SimulatorInputError
from ppa.errors import PPAInputError

#: Modules that export ``COMMANDS``, a list of click commands.
COMMAND_MODULES = ("frontend_sim.cli", "ppa.cli", "dse.commands", "dse.report_commands")
#: The library's top-level loggers, whose records the command shows.
LIBRARY_LOGGERS = ("frontend_sim", "ppa", "dse")


class EchoHandler(logging.Handler):
    """A record as one stderr line through ``click.echo`` (the stream current when it is written);
    warnings and errors start with their level, e.g. ``warning: ...``."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            if record.levelno >= logging.WARNING:
                message = f"{record.levelname.lower()}: {message}"
            click.echo(message, err=True)
        except Exception:  # logging's contract: a failing handler reports and does not raise
            self.handleError(record)


class OnImport(importlib.abc.MetaPathFinder):
    """Run ``action(module)`` right after ``name`` is first imported (once; the finder then removes itself)."""

    def __init__(self, name: str, action: Callable) -> None:
        self.name, self.action = name, action

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            execute = spec.loader.exec_module

            def exec_module(module):
                execute(module)
                self.action(module)

            spec.loader.exec_module = exec_module
        return spec


def _set_optuna_verbosity(level: int) -> None:
    """Optuna's verbosity now if it is imported, else right after its import (it resets it then)."""
    for finder in [f for f in sys.meta_path if isinstance(f, OnImport) and f.name == "optuna"]:
        sys.meta_path.remove(finder)
    if "optuna" in sys.modules:
        sys.modules["optuna"].logging.set_verbosity(level)
    else:
        sys.meta_path.insert(0, OnImport("optuna", lambda optuna: optuna.logging.set_verbosity(level)))


def configure_logging(verbose: int) -> None:
    """Show the library's log records on stderr: WARNING and above, INFO for ``verbose`` 1, DEBUG for 2+.

    Replaces the handler an earlier call added (one line per record however often it runs). Optuna
    logs each trial at INFO; it is shown from ``verbose`` 2 on (the commands show a progress bar)."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    for name in LIBRARY_LOGGERS:
        library_logger = logging.getLogger(name)
        for old in [h for h in library_logger.handlers if isinstance(h, EchoHandler)]:
            library_logger.removeHandler(old)
        library_logger.addHandler(EchoHandler())
        library_logger.setLevel(level)
    _set_optuna_verbosity(logging.INFO if verbose >= 2 else logging.WARNING)


#: Errors whose message is written for the user (one line naming the file, key or row and what was
#: expected): wherever a command meets one, it is that line, never a traceback.
USER_ERRORS = (OutputError, SimulatorInputError, PPAInputError, DSEInputError)


class Commands(click.Group):
    """The command group: a :data:`USER_ERRORS` error raised anywhere in a command (e.g. an output that
    cannot be written, a workload row met during a search) is its first line as the command's error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="accel-dse")
@click.option("-v", "--verbose", count=True,
              help="More log lines on stderr: -v progress (INFO), -vv details (DEBUG) and Optuna's trials.")
def main(verbose: int) -> None:
    """ML-accelerator design space exploration: simulate, train surrogates, search, report."""
    configure_logging(verbose)


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).COMMANDS:
        main.add_command(_command)
