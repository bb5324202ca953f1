"""Opening the stored study a report is made of: storage URLs, study names, the report's error type.

Reads any Optuna storage ``accel-dse search`` writes (SQLite, PostgreSQL URL, or a JournalStorage
file). Reading takes no lock, so a report can be made while a search is still running.
"""
from __future__ import annotations

import optuna

from dse.errors import DSEInputError
from dse.storage_url import redact


class ReportError(DSEInputError):
    """A report cannot be made: bad storage URL, unknown study, no completed trial, bad metric."""


def load_study(storage: str, study_name: str) -> optuna.Study:
    """Load ``study_name`` from ``storage`` (opened with ``dse.study.open_storage`` to read: a missing
    SQLite or journal file is refused, not created; no lock is taken); an unknown name lists the
    studies that exist."""
    from dse.study import open_storage

    try:
        backend = open_storage(storage, read_only=True).storage
    except DSEInputError as exc:
        raise ReportError(str(exc)) from None
    names = optuna.get_all_study_names(backend)
    if study_name not in names:
        available = ", ".join(sorted(names)) if names else "none"
        raise ReportError(
            f"no study named {study_name!r} in storage {redact(storage)!r}; available studies: {available}"
        )
    return optuna.load_study(study_name=study_name, storage=backend)
