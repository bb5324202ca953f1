"""The ``accel-dse`` command: one group, with the commands each layer contributes."""
from __future__ import annotations

import importlib

import click

#: Modules that export ``COMMANDS``, a list of click commands.
COMMAND_MODULES = ("frontend_sim.cli", "ppa.cli", "dse.commands", "dse.report_commands")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="accel-dse")
def main() -> None:
    """ML-accelerator design space exploration: simulate, train surrogates, search, report."""


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).COMMANDS:
        main.add_command(_command)
