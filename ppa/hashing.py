"""Content hashes (sha256, hex) of the files a result depends on: one name per behaviour.

* :func:`file_sha256` — the bytes of one file (a dataset CSV, a bundle's model file, a liberty file).
  Equal bytes give equal digests whatever the file is called.
* :func:`tree_sha256` — a directory tree (a model bundle): every file's path relative to the
  directory and its bytes, in sorted path order, so renaming, adding or editing any file changes it.

They live in ``ppa``, the lowest layer that records hashes; ``dse`` imports them from here.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ppa.errors import PPAInputError


def file_sha256(path: str | Path) -> str:
    """sha256 hex digest of a file's bytes (its name is not part of it)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_sha256(path: str | Path) -> str:
    """sha256 hex digest of a directory tree: for every file below ``path``, sorted by path, its
    POSIX path relative to ``path`` then its bytes. Raises :class:`PPAInputError` when ``path`` is
    not a directory."""
    root = Path(path)
    if not root.is_dir():
        raise PPAInputError(f"{root}: not a directory; tree_sha256 hashes a directory tree "
                            f"(use file_sha256 for one file)")
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
