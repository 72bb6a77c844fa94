"""Big exports as jobs: a city's 花名册 or a zone's ledgers are written by the worker, not by a request.

The request that asks for a big export queues it (``start_export``) and sends the user to the job's
page, which shows the progress bar and then the download. The worker runs the app's handler, which
writes the file and hands it to ``finish_export``: the bytes are stored encrypted through the storage
API (so any app server can serve the download) and deleted by the daily purge after
``UPLOAD_MAX_AGE_HOURS``. Small exports (a branch's roster) stay immediate: the caller decides with
``is_big``.

Contract for an app: register the handler like any job kind (``jobs.registry.register_kind``) in
``AppConfig.ready()``; the handler re-checks the requester's scope in the worker (rights may have
changed since the request), calls ``progress(done, total)`` as it writes, and ends with
``finish_export(job, data, filename)``. Only the user who asked may open the job's page or its file:
an export carries the personal data that was chosen for them (masked, or in full with ``pii.reveal``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action

from . import files
from .models import Job, JobStatus
from .runner import enqueue

if TYPE_CHECKING:
    from dangjian.orgs.models import Org  # an annotation only: jobs imports no domain app


def is_big(rows: int) -> bool:
    """More rows than a request may write while the user waits (``EXPORT_INLINE_MAX_ROWS``)."""
    return rows > settings.EXPORT_INLINE_MAX_ROWS


def start_export(*, actor: Actor, org: Org, kind: str, title: str, params: dict[str, Any]) -> Job:
    """Queue the export ``kind`` of ``org`` for ``actor``; the caller has checked the actor's scope."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            user=acting_user(actor),
            org=org,
            params={**params, "title": title[:100], "export": True},
            step="run",
        )
        log_action(
            actor=actor, action="jobs.export.queue", org=org, obj=job, data={"job": job.pk, "title": title}
        )
        enqueue(job, "run")
    return job


def finish_export(job: Job, data: bytes, filename: str) -> None:
    """Store the finished file for its download (the runner saves the job's fields)."""
    suffix = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
    job.output = files.save(data, folder="output", suffix=suffix)
    job.output_name = filename
    job.status = JobStatus.DONE


@transaction.atomic
def record_download(*, actor: Actor, job: Job) -> bytes:
    """The export's file for its download, the download audited (who took which personal data out)."""
    data = files.read(job.output)
    log_action(actor=actor, action="jobs.export.download", org=job.org, obj=job, data={"job": job.pk})
    return data
