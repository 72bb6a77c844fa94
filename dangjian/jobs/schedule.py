"""The daily schedule, which no task package gives: the worker ticks it every minute.

Each registered daily item runs once per local day across all workers (the ``ScheduleRun`` row is
the claim), as a task on the same queue, so it runs on whichever worker is free. The tick also
reaps jobs whose worker died. The platform's own items are registered here; apps add theirs with
``registry.register_daily`` in ``AppConfig.ready()`` (the platform's own: purging expired job files and the
daily audit checkpoint).
"""

from __future__ import annotations

import logging
from datetime import date
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import files
from .models import ScheduleRun
from .registry import daily_items, register_daily

logger = logging.getLogger(__name__)


def tick(today: date | None = None) -> list[str]:
    """Reap dead jobs and queue the daily items not yet claimed today; returns the names queued."""
    from .runner import reap
    from .tasks import run_daily

    reap()
    today = today or timezone.localdate()
    queued = []
    for name in daily_items():
        try:
            with transaction.atomic():
                ScheduleRun.objects.create(name=name, day=today)
                transaction.on_commit(partial(run_daily.enqueue, name, today.isoformat()))
        except IntegrityError:
            continue  # another worker claimed it today
        queued.append(name)
    return queued


def run_item(name: str, day: str) -> None:
    func = daily_items().get(name)
    if func is None:
        outcome = "未注册"
    else:
        try:
            outcome = str(func())
        except Exception as exc:
            logger.exception("daily item %s failed", name)
            outcome = f"失败：{type(exc).__name__}"
    ScheduleRun.objects.filter(name=name, day=day).update(finished_at=timezone.now(), outcome=outcome[:2000])


def purge_expired_files() -> int:
    """Uploads never committed and export files never fetched go after ``UPLOAD_MAX_AGE_HOURS``."""
    from datetime import timedelta

    from .models import Job

    removed = files.purge_older_than(settings.UPLOAD_MAX_AGE_HOURS)
    cutoff = timezone.now() - timedelta(hours=settings.UPLOAD_MAX_AGE_HOURS)
    Job.objects.filter(created_at__lt=cutoff).exclude(upload="").update(upload="")
    Job.objects.filter(created_at__lt=cutoff).exclude(output="").update(output="")
    return removed


register_daily("jobs.purge_expired_files", purge_expired_files)


def audit_checkpoint() -> str:
    """Sign the newest audit entry into the file outside the database (core.checkpoints), daily at
    least; ``manage.py audit_checkpoint`` from cron can add hourly ones."""
    from dangjian.core.checkpoints import write_checkpoint

    checkpoint = write_checkpoint()
    return f"entry {checkpoint.entry_id}" if checkpoint else "empty"


register_daily("core.audit_checkpoint", audit_checkpoint)
