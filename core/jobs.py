"""Background jobs: long work (large imports and exports, survey e-mails, the daily work)
run outside the request, with a record its user follows on the "My jobs" page.

One mechanism, on an existing engine: every job is a ``core.models.Job`` row (what the
user sees: state, progress, messages, the report or result file) and one django-tasks
task, ``run_job(job_id)``, that the database backend's workers run (``manage.py
jobs_worker``; in tests the immediate backend runs it at once). A kind of job is a
function registered with ``@handler(kind)``; it receives a ``JobContext`` to report
progress, read its upload and write its result file.

Rules:
- A handler either finishes its writes in one transaction or writes nothing (the imports
  already do: ``consultations.imports``), so a job killed midway leaves nothing behind
  and running it again is safe. Such handlers are registered ``retry_safe``.
- A transient database error (a lock, a lost connection) of a retry-safe job is retried
  up to ``JOB_MAX_ATTEMPTS`` times, a minute apart; a worker that died (killed, server
  restarted) is noticed by ``sweep_stale`` and its retry-safe job queued again. Any other
  failure is reported to the user in plain words, with a "Try again" button where safe.
- Files (the upload a job reads, the file it makes) live under ``MEDIA_ROOT/jobs/<pk>/``,
  which is never served directly: the job's own page hands them to its user only, and
  ``delete_expired_files`` removes them ``JOB_FILE_RETENTION_DAYS`` after the job ended.
"""

import datetime
import logging
import os
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from core.models import Job, JobState

logger = logging.getLogger(__name__)

# How often progress is written at most (seconds), unless the percentage jumps.
PROGRESS_INTERVAL = 1.0
RETRY_DELAY = datetime.timedelta(minutes=1)


# --- Kinds of job -------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    kind: str
    func: Callable
    retry_safe: bool


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, retry_safe: bool):
    """Register the function that does the work of jobs of ``kind``: ``func(ctx)``."""

    def register(func):
        HANDLERS[kind] = Handler(kind, func, retry_safe)
        return func

    return register


# --- Files --------------------------------------------------------------------------


def jobs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs"


def job_dir(job_id: int) -> Path:
    return jobs_root() / str(int(job_id))


def _safe_name(name: str) -> str:
    name = Path(name or "file").name
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[-100:] or "file"


def save_upload(job: Job, upload) -> None:
    """Store an uploaded file (Django's UploadedFile) for the job to read, in chunks."""
    folder = job_dir(job.pk) / "upload"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(upload.name)
    upload.seek(0)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job.upload = str(path.relative_to(jobs_root()))
    job.params = {**job.params, "upload_name": upload.name}
    job.save(update_fields=["upload", "params"])


def upload_path(job: Job) -> Path:
    return jobs_root() / job.upload


def result_path(job: Job) -> Path | None:
    return jobs_root() / job.result_file if job.result_file else None


# --- Creating and running -----------------------------------------------------------


def create(*, user, kind: str, title: str, params=None, upload=None, language=None) -> Job:
    """A new job for ``user``, its upload stored, queued for a worker."""
    spec = HANDLERS[kind]
    job = Job.objects.create(
        user=user,
        kind=kind,
        title=str(title)[:255],
        params={**(params or {}), "language": language or translation.get_language()},
        retry_safe=spec.retry_safe,
        stage=_("Waiting for a worker…"),
    )
    if upload is not None:
        save_upload(job, upload)
    enqueue(job)
    return job


def enqueue(job: Job, *, delay: datetime.timedelta | None = None) -> None:
    work = run_job
    if delay and run_job.get_backend().supports_defer:
        work = run_job.using(run_after=timezone.now() + delay)
    result = work.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)


def retry(job: Job) -> bool:
    """Queue a failed, retry-safe job again (the user's "Try again")."""
    updated = Job.objects.filter(pk=job.pk, state=JobState.FAILED, retry_safe=True).update(
        state=JobState.QUEUED,
        progress=0,
        error="",
        report={},
        finished_at=None,
        attempts=0,
        stage=_("Waiting for a worker…"),
    )
    if updated:
        job.refresh_from_db()
        _append_message(job, "info", _("Started again at the user's request."))
        enqueue(job)
    return bool(updated)


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobContext:
    """What a handler uses: progress, messages, its upload, its result file."""

    def __init__(self, job: Job):
        self.job = job
        self._last_write = 0.0
        self._last_percent = -1
        self._side = None  # a second connection for progress inside a transaction

    @property
    def params(self) -> dict:
        return self.job.params

    @property
    def user(self):
        return self.job.user

    def upload_path(self) -> Path:
        return upload_path(self.job)

    def result_path(self, name: str) -> Path:
        """Where to write the result file; it is offered to the user as ``name``."""
        folder = job_dir(self.job.pk) / "result"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _safe_name(name)
        self.job.result_file = str(path.relative_to(jobs_root()))
        self.job.result_name = name[:255]
        return path

    def progress(self, percent: float, stage: str | None = None, *, force: bool = False) -> None:
        """Record progress (0–100) and what is being done. Throttled; inside a transaction
        it is written through a second connection where the database allows (PostgreSQL),
        and skipped on SQLite, whose one writer is the transaction itself."""
        percent = max(0, min(100, int(percent)))
        now = time.monotonic()
        if not force and percent == self._last_percent and now - self._last_write < 10:
            return
        if not force and now - self._last_write < PROGRESS_INTERVAL:
            return
        self._last_write, self._last_percent = now, percent
        values = {"progress": percent, "heartbeat_at": timezone.now()}
        if stage is not None:
            values["stage"] = str(stage)[:255]
        self.job.progress = percent
        if stage is not None:
            self.job.stage = values["stage"]
        if not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(**values)
            return
        if connection.vendor != "postgresql":
            return
        try:
            if self._side is None:
                self._side = connections.create_connection("default")
                with self._side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            sets = ", ".join(f"{name} = %s" for name in values)
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Job._meta.db_table} SET {sets} WHERE id = %s",  # noqa: S608
                    [*values.values(), self.job.pk],
                )
        except DatabaseError:
            logger.warning("job %s: progress not written", self.job.pk, exc_info=True)

    def message(self, text: str, level: str = "info") -> None:
        _append_message(self.job, level, text)

    def close(self):
        if self._side is not None:
            self._side.close()
            self._side = None


def _append_message(job: Job, level: str, text: str) -> None:
    job.messages = [*job.messages, {"level": level, "text": str(text)}]
    Job.objects.filter(pk=job.pk).update(messages=job.messages)


def is_transient(exc: BaseException) -> bool:
    """A database error that may well pass: a lock, a deadlock, a lost connection."""
    return isinstance(exc, OperationalError | InterfaceError)


class JobFailed(Exception):
    """A handler's failure with a message for the user (no traceback is kept);
    ``retry=False`` when trying again cannot help (the file itself is unreadable)."""

    def __init__(self, message: str, *, retry: bool = True):
        super().__init__(message)
        self.retry = retry


@task()
def run_job(job_id: int) -> str:
    """The one task: run job ``job_id`` with its kind's handler and record the outcome."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        worker=this_worker(),
        progress=0,
    )
    if not claimed:  # done, or taken by another worker meanwhile
        return "skipped"
    job = Job.objects.select_related("user").get(pk=job_id)
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    job.attempts += 1
    spec = HANDLERS.get(job.kind)
    context = JobContext(job)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            if spec is None:
                raise JobFailed(_("This kind of job is no longer known."))
            context.progress(0, _("Started."), force=True)
            spec.func(context)
        except JobFailed as exc:
            if not exc.retry:
                job.retry_safe = False
                Job.objects.filter(pk=job_id).update(retry_safe=False)
            _fail(job, str(exc))
            return "failed"
        except Exception as exc:
            if is_transient(exc) and not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()  # a lost connection: a new one
            if spec and spec.retry_safe and is_transient(exc) and job.attempts < _max_attempts():
                logger.warning("job %s: transient failure, retried", job_id, exc_info=True)
                _requeue(
                    job,
                    _(
                        "The database was busy; nothing was saved. The job starts again in "
                        "a minute (attempt %(attempt)s of %(max)s)."
                    )
                    % {"attempt": job.attempts + 1, "max": _max_attempts()},
                    delay=RETRY_DELAY,
                )
                return "retried"
            logger.exception("job %s (%s) failed", job_id, job.kind)
            _fail(job, failure_message(job))
            raise
        finally:
            context.close()
        Job.objects.filter(pk=job_id).update(
            state=JobState.SUCCEEDED,
            progress=100,
            stage=_("Finished."),
            finished_at=timezone.now(),
            report=job.report,
            result_file=job.result_file,
            result_name=job.result_name,
            result_rows=job.result_rows,
        )
    return "succeeded"


def _max_attempts() -> int:
    return getattr(settings, "JOB_MAX_ATTEMPTS", 3)


def failure_message(job: Job) -> str:
    if job.retry_safe:
        return _(
            "The job stopped because of an error on the server. Nothing was saved. The error "
            "has been recorded for the administrators; you can try again with the button "
            "below, and if it fails again, please contact the administrator."
        )
    return _(
        "The job stopped because of an error on the server. The error has been recorded for "
        "the administrators; please contact the administrator."
    )


def _fail(job: Job, message: str) -> None:
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED,
        error=message,
        stage=_("Failed."),
        finished_at=timezone.now(),
        report=job.report,
    )
    job.state, job.error = JobState.FAILED, message


def _requeue(job: Job, message: str, *, delay=None) -> None:
    Job.objects.filter(pk=job.pk).update(
        state=JobState.QUEUED, progress=0, stage=_("Waiting to try again…"), worker=""
    )
    job.state = JobState.QUEUED
    _append_message(job, "warning", message)
    enqueue(job, delay=delay)


# --- Housekeeping ---------------------------------------------------------------------


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_is_gone(job: Job, now=None) -> bool:
    """Whether the worker running ``job`` has died: on this machine, its process is gone;
    on another, its progress has not moved for ``JOB_STALE_SECONDS``."""
    host, _sep, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdecimal():
        return not _process_alive(int(pid))
    now = now or timezone.now()
    seen = job.heartbeat_at or job.started_at or job.created_at
    return seen < now - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)


def sweep_stale(now=None) -> int:
    """Jobs whose worker died (killed, machine restarted): what they wrote was rolled back
    with their transaction; a retry-safe one is queued again, any other reported failed."""
    from django_tasks_db.models import DBTaskResult

    count = 0
    for job in Job.objects.filter(state=JobState.RUNNING).exclude(worker=""):
        if not worker_is_gone(job, now):
            continue
        count += 1
        DBTaskResult.objects.filter(id=job.task_id or None, status="RUNNING").update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="core.jobs.WorkerLost",
            traceback="The worker running this task stopped (core.jobs.sweep_stale).",
        )
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            if job.retry_safe and job.attempts < _max_attempts():
                _requeue(
                    job,
                    _(
                        "The job was interrupted (the server running it stopped); nothing "
                        "was saved. It starts again."
                    ),
                )
            else:
                _fail(
                    job,
                    _(
                        "The job was interrupted (the server running it stopped). Nothing "
                        "was saved; you can try again."
                    )
                    if job.retry_safe
                    else _("The job was interrupted (the server running it stopped)."),
                )
        logger.warning("job %s: its worker %s is gone", job.pk, job.worker)
    return count


def delete_expired_files(now=None, *, dry_run: bool = False) -> int:
    """Delete the files of jobs that ended more than JOB_FILE_RETENTION_DAYS ago."""
    now = now or timezone.now()
    before = now - datetime.timedelta(days=settings.JOB_FILE_RETENTION_DAYS)
    expired = Job.objects.filter(finished_at__lt=before, files_deleted=False)
    count = 0
    for job in expired:
        count += 1
        if not dry_run:
            shutil.rmtree(job_dir(job.pk), ignore_errors=True)
            Job.objects.filter(pk=job.pk).update(files_deleted=True)
    return count
