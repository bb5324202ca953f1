"""Atomic outputs: a file or a whole directory appears complete or not at all.

Every output of accel-dse (simulate's per-layer CSV, predict/evaluate tables, model bundles, reports,
sweeps, characterisation tables, published datasets) is written through this module: the content goes
to a temporary name in the same directory (same file system, so the final ``os.replace`` is atomic),
is flushed to disk with ``fsync``, and only then takes the final name. A failure at any point — a full
disk, a read-only location, an exception of the writer — removes the temporary and leaves whatever
was at the final name before untouched.

It lives in ``frontend_sim``, the lowest layer, because all three layers write outputs and
``frontend_sim`` may import nothing of ours (``ppa`` and ``dse`` import it from here).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


class OutputError(OSError):
    """An output could not be written; ``str()`` is one line naming the path and the reason."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file, or a directory's entries) to disk; file systems that cannot sync a
    directory (some network mounts) are tolerated."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _parent(path: Path) -> Path:
    """The directory that will hold ``path``, created; a one-line :class:`OutputError` if it cannot be."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create its directory {parent} ({_reason(exc)})") from None
    if not parent.is_dir():
        raise OutputError(f"{path}: {parent} is not a directory")
    return parent


def check_writable(path: str | Path) -> Path:
    """Make sure an output can be created at ``path`` before any long computation: its parent directory
    is created, a probe file is written and removed there, and the directories this created are removed
    again (a command refused later leaves nothing behind); returns ``path``."""
    path = Path(path)
    missing = [d for d in path.parents if not d.exists()]  # deepest first
    parent = _parent(path)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {parent} ({_reason(exc)})") from None
    finally:
        for directory in missing:
            try:
                directory.rmdir()
            except OSError:  # not empty any more (another process wrote there) or already gone
                break
    return path


def write_file(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` for a temporary file beside ``path``, fsync it and rename it to ``path``.

    On any failure the temporary is removed and the previous ``path`` (if any) is left as it was; an
    ``OSError`` becomes one-line :class:`OutputError` naming ``path``."""
    path = Path(path)
    parent = _parent(path)
    tmp = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        os.close(fd)
        tmp = Path(name)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make every output private
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
        tmp = None
        _fsync(parent)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({_reason(exc)}); any previous file is unchanged") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return path


def write_text(path: str | Path, text: str) -> Path:
    """:func:`write_file` of a UTF-8 text."""
    return write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@contextmanager
def replace_directory(path: str | Path) -> Iterator[Path]:
    """Build a directory in a temporary sibling (yielded) and swap it in whole for ``path`` on success.

    The old directory is renamed aside, the new one renamed to ``path``, then the old one deleted, so
    at every moment ``path`` is either the complete old or the complete new directory (between the two
    renames it is briefly absent; a crash there leaves the old one beside it as ``.NAME.old-*``). On
    failure the partial directory is removed and ``path`` is untouched."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: exists and is not a directory")
    parent = _parent(path)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would make the output private
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {parent} ({_reason(exc)})") from None
    try:
        try:
            yield staging
            for file in staging.rglob("*"):
                if file.is_file():
                    _fsync(file)
            old = None
            if path.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=parent))
                os.replace(path, old / path.name)
            try:
                os.replace(staging, path)
            except OSError:
                if old is not None:
                    os.replace(old / path.name, path)
                    old.rmdir()
                raise
            _fsync(parent)
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise OutputError(f"{path}: cannot write ({_reason(exc)}); any previous directory is "
                              "unchanged") from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def output_files(directory: str | Path) -> Iterator[Path]:
    """Several files that make one output in ``directory`` (a report, a sweep), all or none.

    Yields a staging directory inside ``directory``; the caller writes the output's files there. Only
    when it is done are they moved into ``directory``, by renames, each replacing the previous file of
    that name. A failure while writing (a full disk, a crashing writer) removes the staging directory and
    leaves ``directory`` exactly as it was; files of ``directory`` the output does not name are never
    touched (``directory`` may be shared, unlike a bundle's, see :func:`replace_directory`)."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory}: exists and is not a directory")
    _parent(directory / "output")
    try:
        staging = Path(tempfile.mkdtemp(prefix=".accel-dse-output.", suffix=".tmp", dir=directory))
        os.chmod(staging, 0o777 & ~_umask())
    except OSError as exc:
        raise OutputError(f"{directory}: cannot write in it ({_reason(exc)})") from None
    try:
        yield staging
        files = sorted(file for file in staging.iterdir() if file.is_file())
        try:
            for file in files:
                _fsync(file)
            for file in files:
                os.replace(file, directory / file.name)
            _fsync(directory)
        except OSError as exc:
            raise OutputError(f"{directory}: cannot write ({_reason(exc)})") from None
    except OutputError as exc:  # a writer's message names its staged file: name the final one
        raise OutputError(str(exc).replace(str(staging), str(directory))) from None
    except OSError as exc:
        raise OutputError(f"{directory}: cannot write ({_reason(exc)}); its previous files are unchanged") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
