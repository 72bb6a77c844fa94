"""An imported beneficiary list as a background job: the upload is stored (encrypted) and the worker
reads, checks and writes the draft list all or nothing, with progress on the programme page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core.actors import SYSTEM, Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.scoping import require
from dangjian.jobs import files
from dangjian.jobs.models import Job, JobStatus
from dangjian.jobs.registry import register_kind
from dangjian.jobs.runner import enqueue

from . import services
from .models import ListStatus, Programme

LIST_KIND = "payouts.import_list"


def start_list_import(*, actor: Actor, programme: Programme, data: bytes, filename: str) -> Job:
    require(actor, "payouts.prepare", programme.org)
    if programme.status != ListStatus.DRAFT:
        raise services.PayoutError("名单已提交或已审批冻结，不能重新导入。", code="frozen")
    if not data:
        raise ValidationError("文件为空。", code="empty")
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            f"文件超过{settings.IMPORT_MAX_BYTES // (1024 * 1024)}MB上限。", code="too_large"
        )
    with transaction.atomic():
        upload = files.save(data, folder="uploads", suffix=Path(filename).suffix)
        job = Job.objects.create(
            kind=LIST_KIND,
            user=acting_user(actor),
            org=programme.org,
            params={"programme": programme.pk, "filename": Path(filename).name[:200]},
            upload=upload,
            step="run",
        )
        log_action(
            actor=actor,
            action="payouts.import_list.upload",
            obj=programme,
            org=programme.org,
            data={"job": job.pk, "file": job.params["filename"], "sha256": hashlib.sha256(data).hexdigest()},
        )
        enqueue(job, "run")
    return job


def latest_list_job(programme: Programme) -> Job | None:
    return Job.objects.filter(kind=LIST_KIND, params__programme=programme.pk).order_by("-pk").first()


def _run_list_import(job: Job, step: str, progress: Callable[[int, int], None]) -> None:
    from .importers import read_list

    if not job.upload:
        raise ValidationError("上传的文件已过期并已删除，请重新上传。", code="expired")
    programme = Programme.objects.select_related("org").get(pk=job.params["programme"])
    lines = read_list(programme, files.read(job.upload), job.params.get("filename", "名单.xlsx"), progress)
    with transaction.atomic():
        count = services.generate_list(actor=job.user or SYSTEM, programme=programme, lines=lines)
    job.status = JobStatus.DONE
    job.result = {"lines": count}
    files.delete(job.upload)
    job.upload = ""


register_kind(LIST_KIND, _run_list_import)
