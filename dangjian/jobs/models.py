"""A background job as users see it: what it does, for which org, how far it is, what it found.

The task backend (database or RQ) only carries ``run_job(job_id, step)``; this row is the truth the
pages and the API read, so it stays the same whichever backend runs the work.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    CHECKING = "checking", "检查中"
    CHECKED = "checked", "检查完成"
    COMMITTING = "committing", "导入中"
    COMMITTED = "committed", "已导入"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


ACTIVE = (JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.COMMITTING, JobStatus.RUNNING)
FINISHED = (JobStatus.CHECKED, JobStatus.COMMITTED, JobStatus.DONE, JobStatus.FAILED)


class Job(models.Model):
    kind = models.CharField("类型", max_length=60)
    # Who asked (None: the system, e.g. the schedule); the worker acts as this user, re-checking scope.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    status = models.CharField("状态", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    step = models.CharField(max_length=12, default="run")  # the step queued or running: check/commit/run
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    upload = models.CharField(max_length=255, blank=True)  # storage name of the encrypted upload
    output = models.CharField(max_length=255, blank=True)  # storage name of the encrypted result file
    output_name = models.CharField(max_length=255, blank=True)  # the file name users download
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=120, blank=True)  # host:pid of the process running it
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    SCOPE_PATH = "org__path"

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        indexes = [
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(fields=["kind", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))


class ScheduleRun(models.Model):
    """One row per (daily item, day): the first worker to insert it runs the item; the others skip."""

    name = models.CharField(max_length=80)
    day = models.DateField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="jobs_schedule_once_a_day")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"
