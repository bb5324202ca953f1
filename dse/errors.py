"""Errors of the DSE layer."""


class DSEInputError(ValueError):
    """Bad DSE input (space file, workload, model bundle, storage, study); the message names the file and key."""
