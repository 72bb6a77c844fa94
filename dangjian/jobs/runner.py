"""Running jobs: queueing a step, claiming it in the worker, progress, and reaping dead workers.

A job's row is claimed with the worker's ``host:pid``; progress writes move its heartbeat. When a
worker dies mid-step (kill -9, a lost server), the step's own transaction is rolled back by the
database, and ``reap`` finds the job (its process is gone, or its heartbeat is stale) and queues the
step again, or marks the job failed after ``JOBS_MAX_ATTEMPTS`` — never leaving it "running".
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from dangjian.core.importing import FileRejected

from .models import ACTIVE, Job, JobStatus
from .registry import handler_for

logger = logging.getLogger(__name__)

RUNNING_STATUS = {"check": JobStatus.CHECKING, "commit": JobStatus.COMMITTING, "run": JobStatus.RUNNING}
PROGRESS_INTERVAL = 0.5  # seconds between progress writes: the page polls every second


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def enqueue(job: Job, step: str, *, retry: bool = False) -> None:
    """Queue ``step`` of ``job`` once the current transaction commits (the worker must see the row).

    A retry (the reaper's) keeps the step's attempt count; a new step starts it again.
    """
    status = JobStatus.COMMITTING if step == "commit" else JobStatus.QUEUED
    fields = {"step": step, "status": status, "done": 0, "total": 0, "worker": ""}
    if not retry:
        fields["attempts"] = 0
    Job.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)

    def send() -> None:
        from .tasks import run_job

        run_job.enqueue(job.pk, step)

    if settings.TASKS_BACKEND == "immediate":
        send()  # same connection: the row is visible before the commit (tests, single-process use)
    else:
        transaction.on_commit(send)


class Progress:
    """``progress(done, total)``: throttled writes of the job's counters and heartbeat."""

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.last = 0.0

    def __call__(self, done: int, total: int = 0) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and not (total and done >= total):
            return
        self.last = now
        fields = {"done": done, "heartbeat_at": timezone.now()}
        if total:
            fields["total"] = total
        Job.objects.filter(pk=self.job_id).update(**fields)


def execute(job_id: int, step: str) -> None:
    """Run one step of a job in this process (called by the task backends' workers)."""
    me = worker_name()
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status__in=ACTIVE, step=step, worker="").update(
        status=RUNNING_STATUS.get(step, JobStatus.RUNNING),
        worker=me,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        # Delivered twice, cancelled, or already reaped and queued again: someone else owns it.
        logger.info("job %s step %s: not claimable, skipped", job_id, step)
        return
    job = Job.objects.select_related("org", "user").get(pk=job_id)
    try:
        handler_for(job.kind)(job, step, Progress(job))
    except ValidationError as exc:
        job.status = JobStatus.FAILED
        job.error = "；".join(exc.messages)
    except FileRejected as exc:  # a refused upload says why, like a refused row
        job.status = JobStatus.FAILED
        job.error = exc.message
    except Exception:
        logger.exception("job %s (%s) step %s failed", job.pk, job.kind, step)
        job.status = JobStatus.FAILED
        job.error = "任务执行出错，请稍后重试或联系管理员。"
    if job.status in ACTIVE:  # a handler that forgot to finish is a failure, not a hang
        job.status = JobStatus.FAILED
        job.error = job.error or "任务未正常结束。"
    job.worker = ""
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    job.done, job.total = Job.objects.filter(pk=job.pk).values_list("done", "total").get()
    if job.status != JobStatus.FAILED:
        job.done = job.total = max(job.total, job.done, 1)
    job.save(
        update_fields=[
            "status",
            "result",
            "error",
            "output",
            "output_name",
            "upload",
            "worker",
            "finished_at",
            "heartbeat_at",
            "done",
            "total",
        ]
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_dead(job: Job, host: str, stale_before: datetime) -> bool:
    worker_host, _, pid = job.worker.rpartition(":")
    if worker_host == host and pid.isdigit() and not _process_alive(int(pid)):
        return True
    return job.heartbeat_at is None or job.heartbeat_at < stale_before


def reap() -> int:
    """Retry or fail the jobs whose worker died; returns how many were found. Safe to run anywhere."""
    close_old_connections()
    host = socket.gethostname()
    stale_before = timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS)
    found = 0
    for job in Job.objects.filter(status__in=ACTIVE).exclude(worker=""):
        if not _is_dead(job, host, stale_before):
            continue
        with transaction.atomic():
            # Only the reaper that still sees the same worker on the row acts on it.
            if job.attempts < settings.JOBS_MAX_ATTEMPTS:
                claimed = Job.objects.filter(pk=job.pk, worker=job.worker).update(worker="reaped")
                if claimed:
                    logger.warning("job %s: worker %s is gone, queued again", job.pk, job.worker)
                    job.worker = "reaped"
                    enqueue(job, job.step, retry=True)
            else:
                claimed = Job.objects.filter(pk=job.pk, worker=job.worker).update(
                    status=JobStatus.FAILED,
                    worker="",
                    finished_at=timezone.now(),
                    error="任务执行中断（工作进程退出），未写入任何数据，请重新提交。",
                )
                if claimed:
                    logger.warning("job %s: worker %s is gone, marked failed", job.pk, job.worker)
        found += bool(claimed)
    found += _reap_db_task_results(host)
    return found


def _reap_db_task_results(host: str) -> int:
    """The database backend leaves a task RUNNING when its worker is killed; mark those failed."""
    from django_tasks_db.models import DBTaskResult

    try:
        from django_tasks import TaskResultStatus
    except ImportError:  # pragma: no cover
        return 0
    stuck = 0
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        ids = row.worker_ids or []
        worker = ids[-1] if ids else ""
        worker_host, _, pid = worker.rpartition(":")
        if worker_host == host and pid.isdigit() and not _process_alive(int(pid)):
            DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=timezone.now()
            )
            stuck += 1
    return stuck
