"""Bundled real backend PPA samples (CSV) with their provenance files.

Installed as the package ``accel_dse_datasets``; :func:`path` gives a file's location.
"""
from importlib.resources import files
from pathlib import Path


def path(name: str) -> Path:
    """Absolute path of a bundled dataset file, e.g. ``path("asap7/ppa_samples.csv")``."""
    p = Path(str(files(__name__) / name))
    if not p.exists():
        available = sorted(str(q.relative_to(p.parents[len(Path(name).parts) - 1]))
                           for q in Path(str(files(__name__))).rglob("*.csv"))
        raise FileNotFoundError(f"no bundled dataset {name!r}; available: {available}")
    return p
