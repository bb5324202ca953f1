"""Optuna studies: storages, samplers, creating/resuming a study, and running batched trials.

A study holds one accel-dse record (``dse.record``: space, objectives, constraints, workloads, model
bundle path + sha256, metric units, memory constants) and every evaluated trial one JSON attribute
with all its metrics, so reports never re-evaluate. Only Optuna's public API is used. ``--trials N``
is the study's target of finished (COMPLETE + PRUNED) trials: a resumed or shared study stops when
it holds N, whichever worker ran them.

Storages: ``sqlite:///file.db`` (embedded default; one worker at a time — a second process is refused
through an exclusive lock on ``file.db.lock`` next to the real file, symlinks resolved, via
``filelock``), ``journal:///path/file.log`` (Optuna's JournalStorage with a file backend; several local
processes may share it), ``postgresql://…`` (many workers and machines). On PostgreSQL/MySQL every
worker records a heartbeat for the trials it runs (Optuna's RDBStorage heartbeat): a trial left
RUNNING by a killed worker is failed by the next worker loop after ``GRACE_S`` seconds, so the study
still reaches its trial count. Optuna 5's JournalStorage has no heartbeat: a journal worker killed
mid-batch leaves its trials RUNNING.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import time
import warnings
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import filelock
import optuna
import sqlalchemy
from optuna.trial import TrialState
from tqdm import tqdm

from dse.errors import DSEInputError
from dse.evaluator import Assessment, Evaluator
from dse.record import (ModelsRecord, ObjectiveRecord, SpaceRecord, StudyRecord, read_study_record,
                        write_study_record, write_trial_metrics)
from dse.space import SearchSpace
from dse.storage_url import redact
from ppa.hashing import tree_sha256

logger = logging.getLogger(__name__)

SAMPLERS = ("tpe", "nsga2", "random", "gp")
DEFAULT_STORAGE = "sqlite:///accel_dse_study.db"
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
#: Heartbeat of shared RDB storages: interval and the silence after which a RUNNING trial is stale, s.
#: A batch is evaluated in well under a second, so a live worker never comes near the grace period.
HEARTBEAT_S = 10
GRACE_S = 120
#: Seconds a PostgreSQL server may take to answer a connection (libpq's connect_timeout).
CONNECT_TIMEOUT_S = 10
#: Seconds one SQL statement may run on PostgreSQL before the server cancels it (statement_timeout).
STATEMENT_TIMEOUT_S = 300


@dataclass
class StudyStorage:
    """An opened Optuna storage; ``exclusive`` when this process is its only worker (SQLite lock held)."""

    url: str
    storage: optuna.storages.BaseStorage
    exclusive: bool = False
    lock: filelock.BaseFileLock | None = None

    @property
    def heartbeat(self) -> bool:
        """True when the storage records heartbeats (shared RDB storages opened by :func:`open_storage`)."""
        return (isinstance(self.storage, optuna.storages.RDBStorage)
                and self.storage.get_heartbeat_interval() is not None)

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def open_storage(url: str, read_only: bool = False) -> StudyStorage:
    """Open ``sqlite:///…``, ``journal:///…`` or ``postgresql://…``; errors name the URL.

    ``read_only``: open a stored study to read it (reports). The SQLite or journal file must exist (it
    is never created) and no writer lock is taken, so a report can be made while a search runs.
    """
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if not path.parent.is_dir():
            raise DSEInputError(f"--storage {url}: directory {path.parent} does not exist")
        real = path.resolve()  # one lock per file, whichever (symlinked) path names it
        if read_only:
            if not real.is_file():
                raise DSEInputError(f"--storage {url}: sqlite file {str(path)!r} does not exist")
            return StudyStorage(url, _sqlite_storage(url, real, wal=False))
        lock = filelock.FileLock(f"{real}.lock", timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise DSEInputError(
                f"--storage {url}: the SQLite study file is in use by another accel-dse process; SQLite "
                f"takes one worker at a time — for parallel workers use --storage postgresql://… or "
                f"journal:///path/study.log") from None
        except OSError as exc:  # after Timeout, which is an OSError too
            raise DSEInputError(f"--storage {url}: cannot create the lock file {real.name}.lock beside the study "
                                f"file ({exc.strerror or exc}); a search writes its study, so {real.parent} must "
                                f"be writable") from None
        try:
            storage = _sqlite_storage(url, real, wal=True)
        except DSEInputError:
            lock.release()
            raise
        return StudyStorage(url, storage, exclusive=True, lock=lock)
    if url.startswith("journal://"):
        path = Path(url[len("journal://"):])
        if not path.parent.is_dir():
            raise DSEInputError(f"--storage {url}: directory {path.parent} does not exist")
        if read_only and not path.is_file():
            raise DSEInputError(f"--storage {url}: journal file {str(path)!r} does not exist")
        _check_journal(url, path)
        backend = optuna.storages.journal.JournalFileBackend(str(path))
        return StudyStorage(url, optuna.storages.JournalStorage(backend))
    if url.startswith(("postgresql://", "postgresql+", "mysql://", "mysql+")):
        if url.startswith("postgresql://") and importlib.util.find_spec("psycopg") is None:
            url = "postgresql+psycopg2://" + url[len("postgresql://"):]  # SQLAlchemy 2.1 defaults to psycopg 3
        engine = {"pool_pre_ping": True}
        if url.startswith("postgresql"):  # a host that accepts TCP but never answers must not hang us
            engine["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S,
                                      "options": f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}"}
        for attempt in range(3):
            try:
                with warnings.catch_warnings():  # the heartbeat arguments are "experimental" in Optuna 5
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    storage = optuna.storages.RDBStorage(url, engine_kwargs=engine,
                                                         heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S)
                break
            except Exception as exc:  # SQLAlchemy/driver errors carry the reason
                if "timeout expired" in str(exc):
                    where = sqlalchemy.engine.make_url(url)
                    raise DSEInputError(f"--storage {redact(url)}: the database server {where.host}:"
                                        f"{where.port or 5432} did not answer within {CONNECT_TIMEOUT_S} s") from None
                if attempt == 2:
                    raise DSEInputError(f"--storage {redact(url)}: cannot open the database: "
                                        f"{str(exc).splitlines()[0]}") from None
                time.sleep(1.0)  # e.g. workers started together race to create Optuna's tables: retry
        return StudyStorage(url, storage)
    raise DSEInputError(f"--storage {redact(url)}: expected sqlite:///FILE.db, journal:///FILE.log or "
                        f"postgresql://USER:PASSWORD@HOST/DB")


def _check_journal(url: str, path: Path) -> None:
    """Every complete line of a journal file is a JSON object (Optuna's log records), else one line naming
    the file and line: Optuna skips a bad last line as a write in progress and appends after it, which
    corrupts the journal for good. A last line without its newline may be another worker's write."""
    if not path.exists():
        return
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.endswith(b"\n"):
                break
            try:
                record = json.loads(line)
            except ValueError:  # JSONDecodeError and UnicodeDecodeError
                record = None
            if not isinstance(record, dict):
                raise DSEInputError(f"--storage {url}: journal file {str(path)!r} is not an Optuna journal "
                                    f"(line {number} is not a JSON log record)")


def _sqlite_storage(url: str, real: Path, wal: bool) -> optuna.storages.RDBStorage:
    """Optuna's RDBStorage on the SQLite file ``real`` (``url`` as given, for messages)."""
    try:
        storage = optuna.storages.RDBStorage(f"sqlite:///{real}", engine_kwargs={"connect_args": {"timeout": 60}})
    except Exception as exc:  # SQLAlchemy errors carry the reason (e.g. not a database)
        reason = str(exc).strip().splitlines()[0]
        if _in_wal_mode(real) and "unable to open database file" in reason:
            raise DSEInputError(
                f"--storage {url}: the study file is in SQLite's WAL mode, which needs to open or create its "
                f"shared-memory file {real.name}-shm beside it, and SQLite could not ({reason}); is "
                f"{real.parent} read-only? Make it writable, or copy {real.name} to a writable directory") from None
        raise DSEInputError(f"--storage {url}: cannot open it as an Optuna study database: {reason}") from None
    if wal:
        # Write-ahead log, fsync at checkpoints: a killed process loses nothing committed (an OS
        # crash or power cut may lose the last trials); ~5x fewer disk syncs per trial.
        sqlalchemy.event.listen(storage.engine, "connect", _sqlite_wal)
        storage.engine.dispose()
    return storage


def _in_wal_mode(path: Path) -> bool:
    """True when the SQLite file ``path`` is in WAL mode (its header's read and write versions are 2)."""
    try:
        with path.open("rb") as file:
            header = file.read(20)
    except OSError:
        return False
    return header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"


def _sqlite_wal(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


def study_record(space: SearchSpace, evaluator: Evaluator, models: str | Path) -> StudyRecord:
    """The record a study searched with this space, evaluator and model bundle holds."""
    models = Path(models).resolve()
    return StudyRecord(
        space=SpaceRecord(**space.describe()),
        objectives=tuple(ObjectiveRecord.of(o) for o in space.objectives),
        constraints=tuple(c.text for c in space.constraints),
        out_of_domain=space.out_of_domain,
        uncertainty_threshold=space.uncertainty_threshold,
        workloads={key: weight for key, (_, weight) in evaluator.workloads.items()},
        models=ModelsRecord(path=str(models), sha256=tree_sha256(models), features=tuple(evaluator.bundle.features),
                            targets=tuple(evaluator.bundle.targets)),
        metric_units=evaluator.metric_units(),
        memory_constants={pdk: vars(c) for pdk, c in evaluator.constants.items()},
        accel_dse_version=version("accel-dse"),
    )


#: Record fields that must match when a study is resumed (besides the space and model sha256).
_RESUME_FIELDS = ("objectives", "constraints", "out_of_domain", "uncertainty_threshold", "workloads")


def open_study(space: SearchSpace, evaluator: Evaluator, models: str, storage: StudyStorage, study_name: str,
               sampler: str = "tpe", seed: int | None = None, resume: bool = False) -> optuna.Study:
    """Create the study, or with ``resume`` load it (creating it when absent, for shared workers)."""
    record = study_record(space, evaluator, models)
    existing = {s.study_name: s for s in optuna.get_all_study_summaries(storage.storage)}
    if study_name in existing and not resume and existing[study_name].n_trials:
        raise DSEInputError(f"study {study_name!r} already exists in {redact(storage.url)} with "
                            f"{existing[study_name].n_trials} trials; pass --resume to continue it or "
                            f"--study NEW_NAME to start another")
    try:
        study = optuna.create_study(storage=storage.storage, study_name=study_name, directions=space.directions,
                                    sampler=make_sampler(sampler, seed))
        write_study_record(study, record)
        with warnings.catch_warnings():  # set_metric_names is "experimental" in Optuna 5
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names([o.name for o in space.objectives])  # shown by optuna-dashboard
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=study_name, storage=storage.storage, sampler=make_sampler(sampler, seed))
        _wait_for_record(study)
        _check_resumable(read_study_record(study), record, space, study_name)
    if storage.exclusive:
        # An exclusive (locked) storage has no other worker: a RUNNING trial is from a killed run.
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if running:
            study_id = storage.storage.get_study_id_from_name(study_name)
            for trial in running:
                trial_id = storage.storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
                storage.storage.set_trial_state_values(trial_id, TrialState.FAIL)
            logger.warning("study %r: failed %d trial(s) left RUNNING by a killed run: %s", study_name,
                           len(running), ", ".join(str(t.number) for t in running))
    return study


def _wait_for_record(study: optuna.Study, timeout_s: float = 60.0) -> None:
    """Return once the study holds its record: its creator (maybe another worker, right now) writes it
    just after creating the study. A study with other attributes or trials but no record (or still
    none after ``timeout_s``) is left to :func:`~dse.record.read_study_record` to refuse."""
    deadline = time.monotonic() + timeout_s
    while not study.user_attrs and not study.get_trials(deepcopy=False) and time.monotonic() < deadline:
        time.sleep(0.2)


def _check_resumable(stored: StudyRecord, record: StudyRecord, space: SearchSpace, study_name: str) -> None:
    if stored.space.sha256 != record.space.sha256:
        raise DSEInputError(f"study {study_name!r} was created from another space file (sha256 "
                            f"{stored.space.sha256[:12]}…, now {space.path} has "
                            f"{record.space.sha256[:12]}…); resume with the same file or use a new --study")
    if stored.models.sha256 != record.models.sha256:
        raise DSEInputError(f"study {study_name!r} was created with other models ({stored.models.path}); "
                            f"resume with the same --models or use a new --study")
    for name in _RESUME_FIELDS:
        if getattr(stored, name) != getattr(record, name):
            raise DSEInputError(f"study {study_name!r}: {name} differ from the study's ({getattr(stored, name)!r} vs "
                                f"{getattr(record, name)!r}); resume with the same settings or use a new --study")


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


#: User attribute of a trial told FAIL because its evaluation raised: the exception's type and first line.
FAIL_REASON_KEY = "fail_reason"


def run_trials(study: optuna.Study, space: SearchSpace, evaluator: Evaluator, n_trials: int,
               batch_size: int = 1, progress: bool = True, storage: StudyStorage | None = None) -> int:
    """Ask/evaluate/tell in batches until the study holds ``n_trials`` finished trials; returns how many ran here.

    ``storage`` is the storage the study was opened on (:func:`open_storage`): on a shared RDB storage
    each asked trial gets a heartbeat and the loop waits for other workers' trials. None for a study
    not opened through it (e.g. in memory).
    """
    if n_trials < 1 or batch_size < 1:
        raise DSEInputError(f"--trials ({n_trials}) and --batch-size ({batch_size}) must be >= 1")
    heartbeat = storage is not None and storage.heartbeat
    study_id = storage.storage.get_study_id_from_name(study.study_name) if heartbeat else None
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
                if not heartbeat:
                    break  # the rest runs in other workers
                time.sleep(1.0)  # wait for the other workers' trials: finished, or failed as stale
                continue
            trials = []
            for _ in range(min(batch_size, n_trials - finished - active)):
                trial = _ask(study, distributions, (storage.storage, study_id) if heartbeat else None)
                if _is_surplus(study, trial, n_trials):
                    study.tell(trial, state=TrialState.FAIL)
                    break
                trials.append(trial)
            if not trials:
                break
            try:
                assessment = evaluator.assess(space.designs([t.params for t in trials]))
            except BaseException as exc:  # nothing left running: the asked trials fail with the reason, finished ones stay
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
                for trial in trials:
                    trial.set_user_attr(FAIL_REASON_KEY, reason)
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


def _ask(study: optuna.Study, distributions: dict,
         heartbeat: tuple[optuna.storages.RDBStorage, int] | None) -> optuna.Trial:
    """``study.ask``, with the trial's first heartbeat recorded when ``heartbeat`` = (the study's RDB
    storage, the study's id in it) is given.

    Optuna's ask/tell API records no heartbeat itself (``optimize`` does); the storage's public
    ``record_heartbeat`` takes the trial's storage id, looked up from the study id and trial number.
    """
    with warnings.catch_warnings():  # Optuna warns that heartbeats are meant for optimize(); we record them
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with Study.optimize")
        trial = study.ask(distributions)
    if heartbeat is not None:
        backend, study_id = heartbeat
        backend.record_heartbeat(backend.get_trial_id_from_study_id_trial_number(study_id, trial.number))
    return trial


def _tell(study: optuna.Study, trials: list[optuna.Trial], assessment: Assessment) -> None:
    """Store each trial's metrics (one JSON attribute) and constraints, then tell it: PRUNED when the
    design was rejected, else its objective values."""
    feasible = assessment.feasible
    records = assessment.metrics.to_dict(orient="records")
    for i, trial in enumerate(trials):
        reason = assessment.rejected.iloc[i]
        metrics = {**records[i], "feasible": bool(feasible[i]), "rejected": reason}
        write_trial_metrics(trial, metrics, dict(zip(assessment.constraint_names, assessment.constraints[i].tolist())))
        if reason:
            study.tell(trial, state=TrialState.PRUNED)
        else:
            values = [float(v) for v in assessment.objectives[i]]
            study.tell(trial, values if len(values) > 1 else values[0])
