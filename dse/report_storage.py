"""Opening the stored study a report is made of: storage URLs, study names, the report's error type.

Reads any Optuna storage ``accel-dse search`` writes (SQLite, PostgreSQL URL, or a JournalStorage
file). Reading takes no lock, so a report can be made while a search is still running.
"""
from __future__ import annotations

from pathlib import Path

import optuna

from dse.errors import DSEInputError


class ReportError(DSEInputError):
    """A report cannot be made: bad storage URL, unknown study, no completed trial, bad metric."""


def redact(storage: str) -> str:
    """The storage URL with any password hidden (safe to print and to write into reports)."""
    if "://" not in storage:
        return storage
    from sqlalchemy.engine import make_url

    try:
        return make_url(storage).render_as_string(hide_password=True)
    except Exception:  # not an SQLAlchemy URL: keep only the scheme
        return storage.split("://", 1)[0] + "://…"


def open_storage(storage: str) -> optuna.storages.BaseStorage:
    """An Optuna storage to read a study from: ``sqlite:///FILE.db``, ``journal:///FILE.log`` or a
    server URL (``postgresql://…``), as ``accel-dse search`` writes them.

    Raises ReportError naming the storage when it cannot be opened; a SQLite or journal file that
    does not exist is refused instead of silently creating an empty one.
    """
    from dse.study import open_storage as open_search_storage

    for scheme in ("sqlite:///", "journal:///"):
        if storage.startswith(scheme):
            path = Path(storage[len(scheme) - 1:] if scheme == "journal:///" else storage[len(scheme):])
            if not path.is_file():
                raise ReportError(f"--storage {storage}: {scheme.split(':')[0]} file {str(path)!r} does not exist")
            if scheme == "journal:///":
                break
            try:
                return optuna.storages.RDBStorage(storage)
            except Exception as exc:  # SQLAlchemy errors carry the reason
                raise ReportError(f"--storage {storage}: cannot read it as an Optuna study database: "
                                  f"{str(exc).strip().splitlines()[0]}") from None
    try:
        return open_search_storage(storage).storage
    except DSEInputError as exc:
        raise ReportError(str(exc)) from None


def load_study(storage: str, study_name: str) -> optuna.Study:
    """Load ``study_name`` from ``storage``; an unknown name lists the studies that exist."""
    backend = open_storage(storage)
    names = optuna.get_all_study_names(backend)
    if study_name not in names:
        available = ", ".join(sorted(names)) if names else "none"
        raise ReportError(
            f"no study named {study_name!r} in storage {redact(storage)!r}; available studies: {available}"
        )
    return optuna.load_study(study_name=study_name, storage=backend)
