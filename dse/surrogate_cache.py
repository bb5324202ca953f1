"""The bundled surrogates of a PDK, trained once with the bundled spec and kept in the user's cache directory.

``accel-dse search`` without ``--models`` uses them: the first run trains the PDK's surrogates on the
bundled dataset (``datasets/<pdk>/ppa_samples.csv``) with the bundled spec (``datasets/ppa_spec.toml``),
exactly as ``accel-dse demo`` does (seeded, tuning stopped by a trial count, so every install trains the
same models), and later runs reuse them.

The cache directory is ``$ACCEL_DSE_CACHE`` if set, else ``platformdirs.user_cache_dir("accel-dse")``
(``~/.cache/accel-dse`` on Linux). A bundle lives in ``surrogates-<pdk>-<key>/`` where ``key`` is the
sha256 of the dataset, the spec file, the spec's lookup tables, the training settings and the accel-dse
version: changing any of them trains a new bundle (and removes the PDK's stale ones). Concurrent
processes are safe: training holds a file lock (``filelock``), writes into a temporary directory in the
cache and renames it into place, so a bundle directory is either complete or absent.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from dse.errors import DSEInputError

logger = logging.getLogger(__name__)

#: Environment variable naming the cache directory (overrides the platform's user cache directory).
CACHE_ENV = "ACCEL_DSE_CACHE"
#: PDKs with a bundled dataset and a bundled default space (``dse/spaces/<pdk>.toml``).
PDKS = ("asap7", "gf180")
#: Training settings of the cached bundles (the demo's): Optuna trials per target and family, and the seed.
TUNING_TRIALS = 15
SEED = 0


def cache_dir() -> Path:
    """The accel-dse cache directory (not created): ``$ACCEL_DSE_CACHE``, else the user cache directory."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("accel-dse", appauthor=False))


def bundle_key(pdk: str) -> str:
    """sha256 (hex) of what the PDK's cached bundle is trained from: dataset, spec, lookup tables, settings,
    accel-dse version."""
    from dse.demo import bundled_file
    from ppa.hashing import file_sha256
    from ppa.schema import load_spec

    spec_path = bundled_file("ppa_spec.toml")
    spec = load_spec(spec_path)
    inputs = {
        "accel_dse": version("accel-dse"),
        "data": file_sha256(bundled_file(f"{pdk}/ppa_samples.csv")),
        "spec": file_sha256(spec_path),
        "lookup": {name: table.sha256 for name, table in sorted((spec.lookup or {}).items())},
        "tuning_trials": TUNING_TRIALS,
        "seed": SEED,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def cached_surrogates(pdk: str, say=logger.info) -> Path:
    """The directory of the PDK's bundled surrogates, trained into the cache first if needed.

    ``say`` receives the progress lines of a training run (none when the bundle is cached)."""
    if pdk not in PDKS:
        raise DSEInputError(f"--pdk {pdk!r}: no bundled surrogates; choose from {', '.join(PDKS)}")
    key = bundle_key(pdk)
    root = cache_dir()
    final = root / f"surrogates-{pdk}-{key[:16]}"
    if (final / "manifest.json").is_file():
        return final
    import filelock

    from dse.demo import bundled_file, train_surrogates

    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DSEInputError(f"cache directory {root}: cannot create it ({exc.strerror}); "
                            f"set {CACHE_ENV} to a writable directory") from None
    with filelock.FileLock(str(root / f"surrogates-{pdk}.lock")):
        if (final / "manifest.json").is_file():  # trained by another process while this one waited
            return final
        say(f"training the bundled {pdk} surrogates once (cached in {final})")
        scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=root))
        try:
            trained = train_surrogates(bundled_file(f"{pdk}/ppa_samples.csv"), scratch / "bundle", math.inf,
                                       TUNING_TRIALS, SEED, say)
            trained.rename(final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for stale in root.glob(f"surrogates-{pdk}-*"):
            if stale.is_dir() and stale != final:
                logger.info("removing stale cached surrogates %s", stale)
                shutil.rmtree(stale, ignore_errors=True)
    return final
