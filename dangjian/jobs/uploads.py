"""An uploaded file handed to the worker: stored encrypted, its job created, the upload audited and
the job queued, in one transaction, so a refused or failed upload leaves nothing behind. The
import services of the apps (the 花名册, a payout list, a bank's result file) each check the actor's
right and their target's state, then call ``start_upload``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action

from . import files
from .models import Job
from .runner import enqueue

if TYPE_CHECKING:
    from dangjian.orgs.models import Org  # an annotation only: jobs imports no domain app


def start_upload(
    *,
    actor: Actor,
    org: Org,
    kind: str,
    data: bytes,
    filename: str,
    step: str,
    params: dict[str, Any] | None = None,
    obj: models.Model | None = None,
) -> Job:
    """Queue ``step`` of a ``kind`` job on the upload ``data``; the audit entry ``<kind>.upload``
    names ``obj`` (the job itself when none is given), the file and its SHA-256."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            f"文件超过{settings.IMPORT_MAX_BYTES // (1024 * 1024)}MB上限。", code="too_large"
        )
    if not data:
        raise ValidationError("文件为空。", code="empty")
    name = Path(filename).name[:200]
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            user=acting_user(actor),
            org=org,
            params={**(params or {}), "filename": name},
            upload=files.save(data, folder="uploads", suffix=Path(filename).suffix),
            step=step,
        )
        log_action(
            actor=actor,
            action=f"{kind}.upload",
            obj=obj if obj is not None else job,
            org=org,
            data={"job": job.pk, "file": name, "sha256": hashlib.sha256(data).hexdigest()},
        )
        enqueue(job, step)
    return job
