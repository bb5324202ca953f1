"""Save and load a fitted PPASurrogate as a directory that loads without executing code.

Layout of ``models/NAME/``::

    manifest.json             format + version, features, encoder (categories, training ranges),
                              targets (transform, family, tuned params, held-out metrics, files),
                              training data sha256, library versions, sha256 of every model file
    <target>/model.json       xgboost family: xgboost's own JSON model format
    <target>/member_<k>.json  the fold models that give <target>_std
    <target>/model.skops      other families: skops.io, loaded only with the explicit
    <target>/member_<k>.skops trusted-type list TRUSTED_TYPES (no pickle); tree ensembles packed
    heldout.csv               the out-of-fold predictions of the cross-validation (``heldout_``:
                              target, row, configuration key, fold, actual, predicted), which the
                              held-out metrics were computed from and parity plots draw

Tree ensembles (forests, boosting, and those in a blend) are stored packed by :mod:`ppa.tree_packing`: their
trees as a few arrays, not one skops object each, which makes a bundle of blends ~7x faster to write and read;
model files are deflated (level 1, ~5x smaller).

A bundle whose files do not match the manifest's sha256, whose manifest lacks a field or has
another format version, or whose skops files hold a type outside TRUSTED_TYPES is refused.
Format 2 added ``heldout.csv``; format 3 the column roles (``roles``: every CSV column's role and why,
:mod:`ppa.roles`) and the split's description (``split``). Older bundles are refused with a request to retrain.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict
import platform
import zipfile
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import skops.io as sio
import xgboost as xgb

from frontend_sim.atomic import replace_directory
from ppa.encoding import FeatureEncoder
from ppa.errors import PPAInputError
from ppa.hashing import file_sha256
from ppa.json_values import json_value
from ppa.lookup import LookupTable
from ppa.roles import Role
from ppa.surrogate import PPASurrogate
from ppa.tree_packing import pack, unpack

logger = logging.getLogger(__name__)

FORMAT = "accel-dse-ppa-surrogate"
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
HELDOUT = "heldout.csv"
#: Columns of heldout.csv, in order.
HELDOUT_COLUMNS = ("target", "row", "key", "fold", "actual", "predicted")
#: Types (beyond skops' defaults) a scikit-learn model file may contain. The xgboost member of a
#: stacked ensemble is stored by skops as xgboost's own raw model buffer, not a pickle.
TRUSTED_TYPES = (
    # a GradientBoostingRegressor (the gbr family; auto's gbr_l1 candidate) keeps its loss objects on
    # scikit-learn 1.6
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.Interval",
    "sklearn._loss.loss.AbsoluteError",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn.model_selection._split.KFold",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.tree._tree.Tree",
    "sklearn.utils._bunch.Bunch",
    "xgboost.core.Booster",
    "xgboost.sklearn.XGBRegressor",
    "ppa.additive.AdditiveCostRegressor",
    "ppa.models.BlendRegressor",
    "ppa.tree_packing.PackedModel",
    "ppa.tree_packing.PackedTrees",
)
#: PPASurrogate constructor parameters stored in (and restored from) the manifest.
SETTINGS = ("model", "split", "budget_s", "n_trials", "cv_folds", "tune_folds", "clock_column", "seed", "derived", "terms", "inputs", "min_of")
#: Libraries whose version can change what a loaded model predicts; another version than the bundle's is warned about.
MODEL_LIBRARIES = ("scikit-learn", "xgboost", "skops", "numpy")
REQUIRED = ("format", "format_version", "features", "encoder", "targets", "settings", "files", "heldout", "roles",
            "split")


def _save_model(model, family: str, path_stem: Path) -> Path:
    if family == "xgboost":
        path = path_stem.with_suffix(".json")
        model.save_model(path)
    else:
        path = path_stem.with_suffix(".skops")
        # deflate at level 1: a packed forest's node arrays shrink ~5x for ~30 % more write time
        sio.dump(pack(model), path, compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    return path


def _load_model(path: Path, family: str):
    if family == "xgboost":
        if path.suffix != ".json":
            raise PPAInputError(f"{path}: an xgboost model must be a .json file")
        model = xgb.XGBRegressor()
        try:
            model.load_model(path)
        except xgb.core.XGBoostError as exc:
            raise PPAInputError(f"{path}: not a valid xgboost JSON model ({str(exc).splitlines()[0]})") from None
        return model
    if path.suffix != ".skops":
        raise PPAInputError(f"{path}: a {family} model must be a .skops file")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a corrupt zip/schema: skops raises many kinds
        raise PPAInputError(f"{path}: not a readable skops file ({exc})") from None
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise PPAInputError(f"{path}: refused, it contains types outside the trusted list: {unexpected}")
    stored = sio.load(path, trusted=list(TRUSTED_TYPES))
    try:
        return unpack(stored)
    except ValueError as exc:
        raise PPAInputError(f"{path}: refused, its packed trees do not rebuild ({exc})") from None


def save_bundle(surrogate: PPASurrogate, path: str | Path, *, data_sha256: str | None = None,
                data_path: str | None = None, roles: list[Role] | None = None) -> Path:
    """Write a fitted surrogate to directory ``path``: built whole in a temporary sibling and swapped in
    (:func:`frontend_sim.atomic.replace_directory`), so an existing bundle there is replaced only by a
    complete one and a failure (full disk, read-only location) leaves it intact. ``roles``: the training
    CSV's column roles (:attr:`ppa.schema.Table.roles`), if it came from one."""
    surrogate._check_fitted()
    with replace_directory(path) as staging:
        _write_bundle(surrogate, staging, data_sha256, data_path, roles)
    return Path(path)


def _write_bundle(surrogate: PPASurrogate, root: Path, data_sha256: str | None, data_path: str | None,
                  roles: list[Role] | None) -> None:
    """The bundle's files into the empty directory ``root``."""
    files, targets = {}, {}
    for i, target in enumerate(surrogate.targets_):
        if target in (surrogate.min_of or {}):
            targets[target] = {**surrogate.transforms_[target], "min_of": list(surrogate.min_of[target]),
                               "cv_metrics": surrogate.cv_metrics_.loc[target].to_dict()}
            continue
        family = surrogate.family(target)
        sub = root / f"t{i}"
        sub.mkdir()
        main = _save_model(surrogate.models_[target], family, sub / "model")
        members = [_save_model(m, family, sub / f"member_{k}") for k, m in enumerate(surrogate.members_[target])]
        for p in [main, *members]:
            files[p.relative_to(root).as_posix()] = file_sha256(p)
        targets[target] = {
            **surrogate.transforms_[target],
            "family": family,
            "model_file": main.relative_to(root).as_posix(),
            "member_files": [p.relative_to(root).as_posix() for p in members],
            "tuning": surrogate.tuning_[target],
            "cv_metrics": surrogate.cv_metrics_.loc[target].to_dict(),
        }
    heldout = root / HELDOUT
    surrogate.heldout_[list(HELDOUT_COLUMNS)].to_csv(heldout, index=False)
    files[HELDOUT] = file_sha256(heldout)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "features": surrogate.features_,
        "encoder": surrogate.encoder_.to_json(),
        "group_by": surrogate.group_by_,
        "split": surrogate.split_description_,
        "roles": [asdict(r) for r in roles or []],
        "targets": targets,
        "settings": {**{k: getattr(surrogate, k) for k in SETTINGS},
                     "lookup": {n: t.to_json() for n, t in (surrogate.lookup or {}).items()} or None},
        "heldout": {"file": HELDOUT, "rows": len(surrogate.heldout_)},
        "fit_seconds": surrogate.fit_seconds_,
        "training_data": {"path": data_path, "sha256": data_sha256},
        "library_versions": {"python": platform.python_version(),
                             # xgboost's own version: the module comes from the xgboost or xgboost-cpu distribution
                             "xgboost": xgb.__version__,
                             **{lib: version(lib) for lib in ("accel-dse", "scikit-learn", "optuna", "skops", "numpy",
                                                               "pandas")}},
        "files": files,
    }
    (root / MANIFEST).write_text(json.dumps(json_value(manifest), indent=2, allow_nan=False) + "\n")


def read_manifest(path: str | Path) -> dict:
    """The manifest of bundle ``path`` after checking its format and every file's sha256."""
    root = Path(path)
    mpath = root / MANIFEST
    if not mpath.is_file():
        raise PPAInputError(f"{root}: not a model bundle (no {MANIFEST})")
    try:
        manifest = json.loads(mpath.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PPAInputError(f"{mpath}: not valid JSON ({exc})") from None
    if isinstance(manifest, dict) and manifest.get("format") == FORMAT and manifest.get("format_version") in (1, 2):
        raise PPAInputError(f"{mpath}: refused, format v{manifest['format_version']} predates v{FORMAT_VERSION}, which "
                            "stores the held-out predictions and the column roles; retrain the bundle with this "
                            "version of accel-dse")
    missing = [k for k in REQUIRED if not isinstance(manifest, dict) or k not in manifest]
    if missing:
        raise PPAInputError(f"{mpath}: refused, manifest lacks {missing}")
    if manifest["format"] != FORMAT or manifest["format_version"] != FORMAT_VERSION:
        raise PPAInputError(f"{mpath}: refused, format {manifest['format']!r} v{manifest['format_version']} "
                            f"is not {FORMAT!r} v{FORMAT_VERSION}")
    listed = set(manifest["files"])
    heldout = manifest["heldout"]
    if not isinstance(heldout, dict) or heldout.get("file") not in listed:
        raise PPAInputError(f"{mpath}: refused, the held-out predictions file has no checksum")
    for target, info in manifest["targets"].items():
        if "min_of" in info:
            continue
        for rel in [info.get("model_file"), *info.get("member_files", [])]:
            if rel not in listed:
                raise PPAInputError(f"{mpath}: refused, model file {rel!r} of target {target!r} has no checksum")
    for rel, digest in manifest["files"].items():
        f = (root / rel).resolve()
        if root.resolve() not in f.parents:
            raise PPAInputError(f"{mpath}: refused, file {rel!r} lies outside the bundle")
        if not f.is_file():
            raise PPAInputError(f"{root}: refused, {rel} is missing")
        if file_sha256(f) != digest:
            raise PPAInputError(f"{root}: refused, {rel} does not match its sha256 in the manifest "
                                "(modified or corrupt)")
    return manifest


def load_bundle(path: str | Path) -> PPASurrogate:
    """Load a bundle written by :func:`save_bundle`: a fitted PPASurrogate (``.features``,
    ``.targets``, ``.predict(df)``) with ``.manifest`` holding the manifest."""
    root = Path(path)
    manifest = read_manifest(root)
    _warn_versions(root, manifest)
    s = manifest["settings"]
    try:
        lookup = {n: LookupTable.from_json(t, str(root / MANIFEST)) for n, t in (s.get("lookup") or {}).items()}
        surrogate = PPASurrogate(**{k: s.get(k) for k in SETTINGS}, lookup=lookup or None, progress=False)
        surrogate.encoder_ = FeatureEncoder.from_json(manifest["encoder"])
        surrogate.features_ = list(manifest["features"])
        if surrogate.encoder_.features != surrogate.features_ + list(lookup) + list(surrogate.derived or {}):
            raise PPAInputError(f"{root / MANIFEST}: refused, the encoder's columns are not the features "
                                "followed by the looked-up and the derived features")
        surrogate.targets_ = list(manifest["targets"])
        surrogate.group_by_ = list(manifest.get("group_by") or [])
        surrogate.split_description_ = manifest["split"]
        surrogate.transforms_, surrogate.tuning_, surrogate.models_, surrogate.members_ = {}, {}, {}, {}
        rows = []
        for target, info in manifest["targets"].items():
            surrogate.transforms_[target] = {"transform": info["transform"], "reason": info["reason"]}
            rows.append({"target": target, **info["cv_metrics"]})
            stated = (surrogate.min_of or {}).get(target)
            if info.get("min_of") != (list(stated) if stated is not None else None):
                raise PPAInputError(f"{root / MANIFEST}: refused, target {target!r} is min_of {info.get('min_of')} "
                                    f"but the settings say {stated}")
            if stated is not None:
                surrogate.tuning_[target] = {}
                continue
            surrogate.tuning_[target] = info["tuning"]
            family = info.get("family", s["model"])
            surrogate.models_[target] = _load_model(root / info["model_file"], family)
            surrogate.members_[target] = [_load_model(root / f, family) for f in info["member_files"]]
    except (KeyError, TypeError) as exc:
        raise PPAInputError(f"{root / MANIFEST}: refused, manifest does not match the schema ({exc!r})") from None
    surrogate.cv_metrics_ = pd.DataFrame(rows).set_index("target").astype(
        {c: float for c in ("mape_pct", "ape_std_pct", "ape_max_pct", "r2", "mae", "rmse", "timing_accuracy")}, errors="ignore")
    surrogate.heldout_ = _heldout_table(root, manifest)
    surrogate.fit_seconds_ = manifest.get("fit_seconds")
    surrogate.manifest = manifest
    return surrogate


def _installed_version(library: str) -> str:
    """The installed version of ``library``; xgboost's from its module (the xgboost or xgboost-cpu distribution)."""
    if library == "xgboost":
        import xgboost

        return xgboost.__version__
    return version(library)


def _warn_versions(root: Path, manifest: dict) -> None:
    """One warning line when the bundle was written with other versions of :data:`MODEL_LIBRARIES`."""
    stored = manifest.get("library_versions") or {}
    installed = {lib: _installed_version(lib) for lib in MODEL_LIBRARIES}
    differ = [f"{lib} {stored[lib]} (installed {installed[lib]})" for lib in MODEL_LIBRARIES
              if lib in stored and stored[lib] != installed[lib]]
    if differ:
        logger.warning("%s: written with other library versions: %s; its predictions may differ, retrain it "
                       "to be sure", root, ", ".join(differ))


def read_heldout(path: str | Path) -> tuple[dict, pd.DataFrame]:
    """(manifest, held-out predictions) of bundle ``path``, without loading its models: every file
    is checked against its sha256 as by :func:`read_manifest`. The table has one row per (target,
    training row) with ``key``, ``fold``, ``actual`` and ``predicted``; the manifest's
    ``targets[t]["cv_metrics"]`` are the errors computed from it."""
    manifest = read_manifest(path)
    return manifest, _heldout_table(Path(path), manifest)


def _heldout_table(root: Path, manifest: dict) -> pd.DataFrame:
    """The bundle's held-out predictions, checked against the manifest (columns, rows, targets)."""
    path = root / manifest["heldout"]["file"]
    # the stored floats exactly: pandas < 3 parses with "high" precision unless told; pandas 3 deprecates the option
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    table = pd.read_csv(path, dtype={"target": str, "key": str}, keep_default_na=False, na_values=[""], **exact)
    if tuple(table.columns) != HELDOUT_COLUMNS:
        raise PPAInputError(f"{path}: refused, columns {list(table.columns)} are not {list(HELDOUT_COLUMNS)}")
    if len(table) != manifest["heldout"].get("rows"):
        raise PPAInputError(f"{path}: refused, {len(table)} rows where the manifest says {manifest['heldout'].get('rows')}")
    unknown = sorted(set(table["target"]) - set(manifest["targets"]))
    if unknown:
        raise PPAInputError(f"{path}: refused, targets {unknown} are not the bundle's")
    return table
