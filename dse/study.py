"""Optuna studies: storages, samplers, creating/resuming a study, and running batched trials.

A study's ``user_attrs`` describe it completely (space, objectives, constraints, workloads, model
bundle path + sha256, metric units, memory constants), and every trial's ``user_attrs`` hold all its
metrics, so reports never re-evaluate. ``--trials N`` is the study's target of finished (COMPLETE +
PRUNED) trials: a resumed or shared study stops when it holds N, whichever worker ran them.

Storages: ``sqlite:///file.db`` (embedded default; one worker at a time — a second process is refused
through an exclusive lock file ``file.db.lock``), ``journal:///path/file.log`` (Optuna's
JournalStorage with a file backend; several local processes may share it), ``postgresql://…``
(many workers and machines). On PostgreSQL/MySQL every worker records a heartbeat for the trials it
runs (Optuna's RDBStorage heartbeat): a trial left RUNNING by a killed worker is failed by the next
worker loop after ``GRACE_S`` seconds, so the study still reaches its trial count. Optuna 5's
JournalStorage has no heartbeat: a journal worker killed mid-batch leaves its trials RUNNING.
"""
from __future__ import annotations

import fcntl
import importlib.util
import json
import math
import time
import warnings
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import optuna
import sqlalchemy
from optuna.trial import TrialState
from tqdm import tqdm

from dse.errors import DSEInputError
from dse.evaluator import Assessment, Evaluator
from ppa.hashing import tree_sha256
from dse.space import SearchSpace

SAMPLERS = ("tpe", "nsga2", "random", "gp")
DEFAULT_STORAGE = "sqlite:///accel_dse_study.db"
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
#: Heartbeat of shared RDB storages: interval and the silence after which a RUNNING trial is stale, s.
#: A batch is evaluated in well under a second, so a live worker never comes near the grace period.
HEARTBEAT_S = 10
GRACE_S = 120


@dataclass
class StudyStorage:
    """An opened Optuna storage; ``exclusive`` when this process is its only worker (SQLite lock held)."""

    url: str
    storage: optuna.storages.BaseStorage
    exclusive: bool = False
    lock: object = None

    def close(self) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def open_storage(url: str) -> StudyStorage:
    """Open ``sqlite:///…``, ``journal:///…`` or ``postgresql://…``; errors name the URL."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if not path.parent.is_dir():
            raise DSEInputError(f"--storage {url}: directory {path.parent} does not exist")
        lock = open(f"{path}.lock", "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise DSEInputError(
                f"--storage {url}: the SQLite study file is in use by another accel-dse process; SQLite "
                f"takes one worker at a time — for parallel workers use --storage postgresql://… or "
                f"journal:///path/study.log") from None
        storage = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
        # Write-ahead log, fsync at checkpoints: a killed process loses nothing committed (an OS
        # crash or power cut may lose the last trials); ~5x fewer disk syncs per trial.
        sqlalchemy.event.listen(storage.engine, "connect", _sqlite_wal)
        storage.engine.dispose()
        return StudyStorage(url, storage, exclusive=True, lock=lock)
    if url.startswith("journal://"):
        path = Path(url[len("journal://"):])
        if not path.parent.is_dir():
            raise DSEInputError(f"--storage {url}: directory {path.parent} does not exist")
        backend = optuna.storages.journal.JournalFileBackend(str(path))
        return StudyStorage(url, optuna.storages.JournalStorage(backend))
    if url.startswith(("postgresql://", "postgresql+", "mysql://", "mysql+")):
        if url.startswith("postgresql://") and importlib.util.find_spec("psycopg") is None:
            url = "postgresql+psycopg2://" + url[len("postgresql://"):]  # SQLAlchemy 2.1 defaults to psycopg 3
        for attempt in range(3):
            try:
                with warnings.catch_warnings():  # the heartbeat arguments are "experimental" in Optuna 5
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    storage = optuna.storages.RDBStorage(url, engine_kwargs={"pool_pre_ping": True},
                                                         heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S)
                break
            except Exception as exc:  # SQLAlchemy/driver errors carry the reason
                if attempt == 2:
                    raise DSEInputError(f"--storage {_hide_password(url)}: cannot open the database: "
                                        f"{str(exc).splitlines()[0]}") from None
                time.sleep(1.0)  # e.g. workers started together race to create Optuna's tables: retry
        return StudyStorage(url, storage)
    raise DSEInputError(f"--storage {_hide_password(url)}: expected sqlite:///FILE.db, journal:///FILE.log or "
                        f"postgresql://USER:PASSWORD@HOST/DB")


def _sqlite_wal(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _hide_password(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
    return url


def make_sampler(name: str, seed: int | None) -> optuna.samplers.BaseSampler:
    """``tpe`` (multivariate, multi-objective capable), ``nsga2``, ``random`` or ``gp`` (Optuna's samplers).

    Constraints reach the samplers through ``Trial.set_constraint`` (Optuna 5 deprecates ``constraints_func``).
    """
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    raise DSEInputError(f"--sampler {name!r}: expected one of {SAMPLERS}")


def study_attributes(space: SearchSpace, evaluator: Evaluator, models: str) -> dict:
    """The study's user attributes (JSON-ready)."""
    return {
        "space": space.describe(),
        "objectives": [{"name": o.name, "direction": o.direction, "definition": o.describe(),
                        "combine": o.combine, "terms": dict(o.terms)} for o in space.objectives],
        "constraints": [c.text for c in space.constraints],
        "out_of_domain": space.out_of_domain,
        "uncertainty_threshold": space.uncertainty_threshold,
        "workloads": {key: weight for key, (_, weight) in evaluator.workloads.items()},
        "models": {"path": str(models), "sha256": tree_sha256(models),
                   "features": list(evaluator.bundle.features), "targets": list(evaluator.bundle.targets)},
        "metric_units": evaluator.metric_units(),
        "memory_constants": {pdk: vars(c) for pdk, c in evaluator.constants.items()},
        "accel_dse_version": version("accel-dse"),
    }


#: Study attributes that must match when a study is resumed.
_RESUME_KEYS = ("objectives", "constraints", "out_of_domain", "uncertainty_threshold", "workloads")


def open_study(space: SearchSpace, evaluator: Evaluator, models: str, storage: StudyStorage, study_name: str,
               sampler: str = "tpe", seed: int | None = None, resume: bool = False) -> optuna.Study:
    """Create the study, or with ``resume`` load it (creating it when absent, for shared workers)."""
    attributes = study_attributes(space, evaluator, models)
    existing = {s.study_name: s for s in optuna.get_all_study_summaries(storage.storage)}
    if study_name in existing and not resume and existing[study_name].n_trials:
        raise DSEInputError(f"study {study_name!r} already exists in {_hide_password(storage.url)} with "
                            f"{existing[study_name].n_trials} trials; pass --resume to continue it or "
                            f"--study NEW_NAME to start another")
    try:
        study = optuna.create_study(storage=storage.storage, study_name=study_name, directions=space.directions,
                                    sampler=make_sampler(sampler, seed))
        created = True
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=study_name, storage=storage.storage, sampler=make_sampler(sampler, seed))
        created = False
    if created:
        # "space" last: a worker that loads the study meanwhile waits for it (see below).
        for key, value in sorted(attributes.items(), key=lambda item: item[0] == "space"):
            study.set_user_attr(key, value)
    else:
        stored = _wait_for_attributes(study)
        _check_resumable(stored, attributes, space, study_name)
    if storage.exclusive:
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            # An exclusive (locked) storage has no other worker: a RUNNING trial is from a killed run.
            storage.storage.set_trial_user_attr(trial._trial_id, "stale", True)
            storage.storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    return study


def _wait_for_attributes(study: optuna.Study, timeout_s: float = 60.0) -> dict:
    """The study's attributes once its creator (maybe another worker, right now) has written them all."""
    deadline = time.monotonic() + timeout_s
    while "space" not in (stored := study.user_attrs) and not study.get_trials(deepcopy=False):
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return stored


def _check_resumable(stored: dict, attributes: dict, space: SearchSpace, study_name: str) -> None:
    if "space" not in stored:
        raise DSEInputError(f"study {study_name!r} was not created by accel-dse (no space in its user_attrs)")
    if stored["space"]["sha256"] != attributes["space"]["sha256"]:
        raise DSEInputError(f"study {study_name!r} was created from another space file (sha256 "
                            f"{stored['space']['sha256'][:12]}…, now {space.path} has "
                            f"{attributes['space']['sha256'][:12]}…); resume with the same file or use a new --study")
    if stored["models"]["sha256"] != attributes["models"]["sha256"]:
        raise DSEInputError(f"study {study_name!r} was created with other models ({stored['models']['path']}); "
                            f"resume with the same --models or use a new --study")
    for key in _RESUME_KEYS:
        if stored.get(key) != attributes[key]:
            raise DSEInputError(f"study {study_name!r}: {key} differ from the study's ({stored.get(key)!r} vs "
                                f"{attributes[key]!r}); resume with the same settings or use a new --study")


def finished_and_active(study: optuna.Study) -> tuple[int, int]:
    """Trials finished (COMPLETE + PRUNED) and running, over all workers."""
    trials = study.get_trials(deepcopy=False)
    finished = sum(t.state in FINISHED for t in trials)
    active = sum(t.state == TrialState.RUNNING for t in trials)
    return finished, active


def _is_surplus(study: optuna.Study, trial: optuna.Trial, n_trials: int) -> bool:
    """True when ``n_trials`` non-failed trials were already created before this one (by any worker)."""
    failed = sum(t.number < trial.number for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,)))
    return trial.number - failed >= n_trials


def run_trials(study: optuna.Study, space: SearchSpace, evaluator: Evaluator, n_trials: int,
               batch_size: int = 1, progress: bool = True) -> int:
    """Ask/evaluate/tell in batches until the study holds ``n_trials`` finished trials; returns how many ran here."""
    if n_trials < 1 or batch_size < 1:
        raise DSEInputError(f"--trials ({n_trials}) and --batch-size ({batch_size}) must be >= 1")
    distributions = space.distributions()
    shown = min(finished_and_active(study)[0], n_trials)
    ran = 0
    with tqdm(total=n_trials, initial=shown, disable=not progress, unit="trial", desc=study.study_name) as bar:
        while True:
            finished, active = _fail_stale(study)
            bar.update(min(finished, n_trials) - shown)
            shown = min(finished, n_trials)
            if finished >= n_trials:
                break
            if finished + active >= n_trials:
                if not _heartbeat_enabled(study):
                    break  # the rest runs in other workers
                time.sleep(1.0)  # wait for the other workers' trials: finished, or failed as stale
                continue
            trials = []
            for _ in range(min(batch_size, n_trials - finished - active)):
                trial = _ask(study, distributions)
                if _is_surplus(study, trial, n_trials):
                    study.tell(trial, state=TrialState.FAIL)
                    break
                trials.append(trial)
            if not trials:
                break
            try:
                assessment = evaluator.assess(space.designs([t.params for t in trials]))
            except DSEInputError:  # nothing left running: the asked trials fail, finished ones stay
                for trial in trials:
                    study.tell(trial, state=TrialState.FAIL)
                raise
            _tell(study, trials, assessment)
            ran += len(trials)
    return ran


def _fail_stale(study: optuna.Study) -> tuple[int, int]:
    """Fail trials whose worker stopped sending heartbeats (shared RDB storages only); then
    :func:`finished_and_active`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    return finished_and_active(study)


def _ask(study: optuna.Study, distributions: dict) -> optuna.Trial:
    """``study.ask``, with the heartbeat recorded where the storage keeps one."""
    with warnings.catch_warnings():  # Optuna warns that heartbeats are meant for optimize(); we record them
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with Study.optimize")
        trial = study.ask(distributions)
    if _heartbeat_enabled(study):
        study._storage.record_heartbeat(trial._trial_id)
    return trial


def _heartbeat_enabled(study: optuna.Study) -> bool:
    # Optuna's ask/tell API has no public heartbeat call (optimize() records it); the study's storage
    # (an RDBStorage, or Optuna's cache around it) has the BaseHeartbeat methods
    interval = getattr(study._storage, "get_heartbeat_interval", None)
    return interval is not None and interval() is not None


def _tell(study: optuna.Study, trials: list[optuna.Trial], assessment: Assessment) -> None:
    feasible = assessment.feasible
    records = assessment.metrics.to_dict(orient="records")
    names = assessment.constraint_names
    for i, trial in enumerate(trials):
        attrs = {}
        for name, value in records[i].items():
            if isinstance(value, (bool, np.bool_)):
                attrs[name] = bool(value)
            elif value is not None and not (isinstance(value, float) and math.isnan(value)):
                attrs[name] = float(value)
        attrs["feasible"] = bool(feasible[i])
        reason = assessment.rejected.iloc[i]
        if reason:
            attrs["rejected"] = reason
        write_trial_attrs(study, trial, attrs, dict(zip(names, assessment.constraints[i].tolist())))
        if reason:
            study.tell(trial, state=TrialState.PRUNED)
        else:
            values = [float(v) for v in assessment.objectives[i]]
            study.tell(trial, values if len(values) > 1 else values[0])


def write_trial_attrs(study: optuna.Study, trial: optuna.Trial, attrs: dict, constraints: dict) -> None:
    """Store a running trial's user attributes and constraint values (``Trial.set_constraint``).

    On an RDB storage everything goes in one transaction (one bulk INSERT per table, through Optuna's
    own table models): attribute by attribute costs ~5 ms each on SQLite here, i.e. ~0.3 s per trial.
    Other storages use the public per-attribute calls.
    """
    backend = getattr(study._storage, "_backend", study._storage)
    if not isinstance(backend, optuna.storages.RDBStorage):
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        for key, value in constraints.items():
            trial.set_constraint(key, value)
        return
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session
    from optuna.study._constrained_optimization import _CONSTRAINTS_KEY

    with _create_scoped_session(backend.scoped_session, True) as session:
        session.execute(sqlalchemy.insert(models.TrialUserAttributeModel), [
            {"trial_id": trial._trial_id, "key": key, "value_json": json.dumps(value)}
            for key, value in attrs.items()])
        if constraints:
            session.execute(sqlalchemy.insert(models.TrialSystemAttributeModel), [
                {"trial_id": trial._trial_id, "key": f"{_CONSTRAINTS_KEY}:{key}", "value_json": json.dumps(value)}
                for key, value in constraints.items()])
