"""Uploads that pay or list people run as background jobs: an imported beneficiary list, and the
bank's result file for a transfer batch (each success is a payment with its audit entry, a dividend's
batch is thousands). The upload is stored (encrypted); the worker reads, checks and writes all or
nothing, with progress on the programme page."""

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
from dangjian.jobs.models import ACTIVE, Job, JobStatus
from dangjian.jobs.registry import register_daily, register_kind
from dangjian.jobs.runner import enqueue

from . import services
from .models import BankBatch, ListStatus, Programme

LIST_KIND = "payouts.import_list"
BANK_KIND = "payouts.import_bank_result"


def _check_upload(data: bytes) -> None:
    if not data:
        raise ValidationError("文件为空。", code="empty")
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            f"文件超过{settings.IMPORT_MAX_BYTES // (1024 * 1024)}MB上限。", code="too_large"
        )


def start_list_import(*, actor: Actor, programme: Programme, data: bytes, filename: str) -> Job:
    require(actor, "payouts.prepare", programme.org)
    if programme.status != ListStatus.DRAFT:
        raise services.PayoutError("名单已提交或已审批冻结，不能重新导入。", code="frozen")
    _check_upload(data)
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


def start_bank_result_import(*, actor: Actor, batch: BankBatch, data: bytes, filename: str) -> Job:
    """Queue the bank's result file for ``batch``. A second upload while one is being applied is
    refused here; one after it was applied is refused by the service (the batch is no longer out)."""
    org = batch.programme.org
    require(actor, "payouts.pay", org)
    if batch.state != BankBatch.State.EXPORTED:
        raise services.PayoutError("该批次已回盘。", code="imported")
    _check_upload(data)
    with transaction.atomic():
        # Serialise uploads for one batch: the check for a running job and the new job are one step.
        BankBatch.objects.select_for_update().filter(pk=batch.pk).first()
        if Job.objects.filter(kind=BANK_KIND, params__batch=batch.pk, status__in=ACTIVE).exists():
            raise services.PayoutError("该批次的回盘文件正在处理，请稍候刷新页面。", code="running")
        upload = files.save(data, folder="uploads", suffix=Path(filename).suffix)
        job = Job.objects.create(
            kind=BANK_KIND,
            user=acting_user(actor),
            org=org,
            params={
                "batch": batch.pk,
                "programme": batch.programme_id,
                "filename": Path(filename).name[:200],
            },
            upload=upload,
            step="run",
        )
        log_action(
            actor=actor,
            action="payouts.import_bank_result.upload",
            obj=batch,
            org=org,
            data={"job": job.pk, "file": job.params["filename"], "sha256": hashlib.sha256(data).hexdigest()},
        )
        enqueue(job, "run")
    return job


def latest_bank_job(programme: Programme) -> Job | None:
    return Job.objects.filter(kind=BANK_KIND, params__programme=programme.pk).order_by("-pk").first()


def _run_bank_result(job: Job, step: str, progress: Callable[[int, int], None]) -> None:
    from .importers import read_bank_result

    if not job.upload:
        raise ValidationError("上传的文件已过期并已删除，请重新上传。", code="expired")
    batch = BankBatch.objects.select_related("programme__org").get(pk=job.params["batch"])
    results = read_bank_result(files.read(job.upload), job.params.get("filename", "回盘.xlsx"))
    with transaction.atomic():
        outcome = services.import_bank_result(actor=job.user or SYSTEM, batch=batch, results=results)
    job.status = JobStatus.DONE
    job.result = {**outcome, "batch": batch.pk}
    files.delete(job.upload)
    job.upload = ""


register_kind(BANK_KIND, _run_bank_result)


def purge_expired_scans() -> int:
    """Daily: scans of signed sheets (fingerprints are biometric data, PIPL Art. 28) are kept only as
    long as their programme's retention setting says."""
    return services.purge_expired_sheets(actor=SYSTEM)


register_daily("payouts.purge_expired_scans", purge_expired_scans)
