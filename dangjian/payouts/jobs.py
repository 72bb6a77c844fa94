"""Uploads that pay or list people run as background jobs: an imported beneficiary list, and the
bank's result file for a transfer batch (each success is a payment with its audit entry, a dividend's
batch is thousands). The upload is stored (encrypted); the worker reads, checks and writes all or
nothing, with progress on the programme page.

Every process imports this module at start (the app's ready() registers its job kinds), so the
services, which few of them ever call, are imported inside the functions that do."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core.actors import SYSTEM, Actor
from dangjian.core.scoping import require
from dangjian.jobs import files
from dangjian.jobs.models import ACTIVE, Job, JobStatus
from dangjian.jobs.registry import register_daily, register_kind
from dangjian.jobs.uploads import start_upload

from .models import BankBatch, ListStatus, Programme

LIST_KIND = "payouts.import_list"
BANK_KIND = "payouts.import_bank_result"


def start_list_import(*, actor: Actor, programme: Programme, data: bytes, filename: str) -> Job:
    from . import services

    require(actor, "payouts.prepare", programme.org)
    if programme.status != ListStatus.DRAFT:
        raise services.PayoutError("名单已提交或已审批冻结，不能重新导入。", code="frozen")
    return start_upload(
        actor=actor,
        org=programme.org,
        kind=LIST_KIND,
        data=data,
        filename=filename,
        step="run",
        params={"programme": programme.pk},
        obj=programme,
    )


def latest_list_job(programme: Programme) -> Job | None:
    return Job.objects.filter(kind=LIST_KIND, params__programme=programme.pk).order_by("-pk").first()


def _run_list_import(job: Job, step: str, progress: Callable[[int, int], None]) -> None:
    from . import services
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
    from . import services

    org = batch.programme.org
    require(actor, "payouts.pay", org)
    if batch.state != BankBatch.State.EXPORTED:
        raise services.PayoutError("该批次已回盘。", code="imported")
    with transaction.atomic():
        # Serialise uploads for one batch: the check for a running job and the new job are one step.
        BankBatch.objects.select_for_update().filter(pk=batch.pk).first()
        if Job.objects.filter(kind=BANK_KIND, params__batch=batch.pk, status__in=ACTIVE).exists():
            raise services.PayoutError("该批次的回盘文件正在处理，请稍候刷新页面。", code="running")
        return start_upload(
            actor=actor,
            org=org,
            kind=BANK_KIND,
            data=data,
            filename=filename,
            step="run",
            params={"batch": batch.pk, "programme": batch.programme_id},
            obj=batch,
        )


def latest_bank_job(programme: Programme) -> Job | None:
    return Job.objects.filter(kind=BANK_KIND, params__programme=programme.pk).order_by("-pk").first()


def _run_bank_result(job: Job, step: str, progress: Callable[[int, int], None]) -> None:
    from . import services
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
    from . import services

    return services.purge_expired_sheets(actor=SYSTEM)


register_daily("payouts.purge_expired_scans", purge_expired_scans)
