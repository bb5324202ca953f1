"""Resumable sample store: one SQLite file, one row per finished (netlist, clock) sample.

Rows of one netlist are written in one transaction (``synchronous=FULL``), so a ``kill -9`` loses at
most the netlist being synthesised, never a finished sample; finished samples are never redone.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pandas as pd

from ppa.backend_flow.errors import BackendFlowError


class SampleStore:
    """SQLite table ``samples(key, netlist_key, row JSON)`` plus a ``failures`` log."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=60)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("CREATE TABLE IF NOT EXISTS samples (key TEXT PRIMARY KEY, netlist_key TEXT, "
                             "row TEXT NOT NULL, finished REAL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS failures (netlist_key TEXT, error TEXT, at REAL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS sessions (started REAL, updated REAL, info TEXT)")
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise BackendFlowError(f"sample store {self.path} is not a readable SQLite file: {exc}") from exc

    def keys(self) -> set[str]:
        """Keys of the finished samples."""
        return {k for (k,) in self._db.execute("SELECT key FROM samples")}

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM samples").fetchone()[0]

    def add(self, rows: list[dict]) -> None:
        """Insert the finished samples of one netlist atomically (existing keys are kept)."""
        now = time.time()
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO samples (key, netlist_key, row, finished) VALUES (?, ?, ?, ?)",
                [(r["sample_key"], r["netlist_key"], json.dumps(r), now) for r in rows])

    def update(self, rows: list[dict]) -> None:
        """Replace the stored values of finished samples (same keys, same order) atomically."""
        with self._db:
            self._db.executemany("UPDATE samples SET row = ? WHERE key = ?",
                                 [(json.dumps(r), r["sample_key"]) for r in rows])

    def start_session(self, info: dict) -> int:
        """Record the start of a sweep invocation; returns its id for :meth:`touch_session`."""
        with self._db:
            cur = self._db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (time.time(), time.time(), json.dumps(info)))
        return cur.lastrowid

    def touch_session(self, session: int, info: dict | None = None) -> None:
        """Record progress of a sweep invocation (and replace its settings/counts when ``info`` is given)."""
        with self._db:
            self._db.execute("UPDATE sessions SET updated = ? WHERE rowid = ?", (time.time(), session))
            if info is not None:
                self._db.execute("UPDATE sessions SET info = ? WHERE rowid = ?", (json.dumps(info), session))

    def sessions(self) -> list[dict]:
        """Sweep invocations: start/last-progress times (Unix s) and their settings."""
        return [{"started": a, "updated": b, **json.loads(c)}
                for a, b, c in self._db.execute("SELECT started, updated, info FROM sessions ORDER BY rowid")]

    def add_failure(self, netlist_key: str, error: str) -> None:
        with self._db:
            self._db.execute("INSERT INTO failures VALUES (?, ?, ?)", (netlist_key, error, time.time()))

    def failures(self) -> list[tuple[str, str]]:
        return list(self._db.execute("SELECT netlist_key, error FROM failures"))

    def to_frame(self) -> pd.DataFrame:
        """All finished samples in insertion order."""
        rows = [json.loads(r) for (r,) in self._db.execute("SELECT row FROM samples ORDER BY rowid")]
        return pd.DataFrame(rows)

    def close(self) -> None:
        self._db.close()
