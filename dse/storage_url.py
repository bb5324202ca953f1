"""Storage URLs as users see them: the one way a URL is shown in messages and reports."""
from __future__ import annotations


def redact(storage: str) -> str:
    """The storage URL with any password hidden (safe to print and to write into reports)."""
    if "://" not in storage:
        return storage
    from sqlalchemy.engine import make_url

    try:
        return make_url(storage).render_as_string(hide_password=True)
    except Exception:  # not an SQLAlchemy URL: keep only the scheme
        return storage.split("://", 1)[0] + "://…"
