"""The one exception type of the PPA-surrogate layer (the CLI turns it into a one-line error)."""


class PPAInputError(ValueError):
    """Bad CSV, spec, query or model bundle; the message names the file, column/row or parameter."""
