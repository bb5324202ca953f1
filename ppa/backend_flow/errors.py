"""Errors of the backend flow layer."""


class BackendFlowError(ValueError):
    """Bad flow input (parameter, liberty file) or a failed tool run; the message names the sample and log."""
