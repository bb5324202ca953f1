"""Errors of the frontend simulator layer."""


class SimulatorInputError(ValueError):
    """Bad simulator input (hardware file, workload, topology row): the message names the culprit."""
