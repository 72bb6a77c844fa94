"""Roster imports and big roster exports as background jobs.

Upload → ``start_member_import`` stores the file (encrypted) and queues the check; the worker fills
the report in with progress; ``commit_member_import`` queues the commit of a clean check, which
checks the file again inside its own run and writes all or nothing. The pages and the import API
both go through these services.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core.actors import SYSTEM, Actor
from dangjian.core.audit import log_action
from dangjian.core.importing import Report
from dangjian.core.scoping import require
from dangjian.jobs import files
from dangjian.jobs.models import Job, JobStatus
from dangjian.jobs.registry import register_daily, register_kind
from dangjian.jobs.runner import enqueue
from dangjian.jobs.uploads import start_upload
from dangjian.orgs.models import Level, Org

IMPORT_KIND = "people.import_members"
EXPORT_KIND = "people.export_roster"
MAX_STORED_ISSUES = 1000  # a 100,000-row file of errors keeps the first thousand; the xlsx has them all


def start_member_import(*, actor: Actor, org: Org, data: bytes, filename: str) -> Job:
    """Store the upload and queue its check; the job is what pages and the API follow."""
    require(actor, "members.import", org)
    if org.level != Level.BRANCH:
        raise ValidationError("花名册只能导入到党支部。", code="not_a_branch")
    return start_upload(
        actor=actor,
        org=org,
        kind=IMPORT_KIND,
        data=data,
        filename=filename,
        step="check",
    )


def is_clean(job: Job) -> bool:
    return job.status == JobStatus.CHECKED and bool(job.result.get("clean"))


def commit_member_import(*, actor: Actor, job: Job) -> Job:
    """Queue the commit of a clean check; anything else is refused with code ``not_clean``."""
    require(actor, "members.import", job.org)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.kind != IMPORT_KIND or not is_clean(job):
            raise ValidationError("只有检查无误的文件才能导入。", code="not_clean")
        log_action(
            actor=actor, action="people.import_members.confirm", org=job.org, obj=job, data={"job": job.pk}
        )
        enqueue(job, "commit")
    return job


def report_result(report: Report) -> dict[str, Any]:
    issues = report.issues
    counts = report.counts or {}
    return {
        "clean": report.ok,
        "issues": [
            {"row": i.row, "column": i.column, "code": i.code, "message": i.message}
            for i in issues[:MAX_STORED_ISSUES]
        ],
        "issue_count": len(issues),
        "bad_rows": len(report.bad_rows),
        "warnings": [],
        "rows": counts.get("rows", len(report.rows)),
        "counts": {k: counts.get(k, 0) for k in ("added", "updated", "unchanged")},
    }


def _run_import(job: Job, step: str, progress) -> None:
    from .exporters import RejectedRowsExporter
    from .importers import import_members, stage_code_for

    if not job.upload:
        raise ValidationError("上传的文件已过期（超过24小时）并已删除，请重新上传。", code="expired")
    actor = job.user or SYSTEM
    data = files.read(job.upload)
    filename = job.params.get("filename", "花名册.xlsx")
    report = import_members(
        actor=actor,
        org=job.org,
        data=data,
        filename=filename,
        dry_run=step != "commit",
        progress=progress,
        stage_code=stage_code_for(job.pk, job.org),
    )
    job.result = report_result(report)
    if step != "commit":
        job.status = JobStatus.CHECKED
        if not report.ok:
            # The rows to fix, as an xlsx made now: a request must never re-read a big file.
            job.output = files.save(
                RejectedRowsExporter(actor=actor, report=report).xlsx_bytes(), folder="output", suffix=".xlsx"
            )
            job.output_name = "问题行.xlsx"
        return
    if not report.committed:
        job.status = JobStatus.FAILED
        job.error = "再次检查时发现问题，未导入任何数据；请查看问题并重新上传。"
        return
    job.status = JobStatus.COMMITTED
    files.delete(job.upload)
    job.upload = ""


register_kind(IMPORT_KIND, _run_import)


# ---------------------------------------------------------------- the roster export


def roster_export_plan(actor: Actor, params: dict[str, str]) -> tuple[Any, str, bool, Org | None]:
    """What an export of the roll with these filters holds, for this actor: (members, title, reveal, org).

    The request and the worker both ask here, so a background export is scoped exactly as an
    immediate one, with the actor's rights as they are when the file is written. Full data only
    when asked for and held on every org of the export; else masked."""
    from dangjian.core.scoping import has_capability
    from dangjian.orgs.selectors import orgs_visible_to

    from .selectors import RosterFilter, members_visible_to, roster

    f = RosterFilter.from_params(params)
    members = roster(actor, f)
    reveal = params.get("full") == "1" and has_capability(actor, "pii.reveal")
    if reveal:
        in_reveal_scope = members_visible_to(actor, "pii.reveal")
        reveal = not members.exclude(pk__in=in_reveal_scope.values("pk")).exists()
    org = orgs_visible_to(actor, "members.view").filter(code=f.org_code).first() if f.org_code else None
    return members, f"{org.name if org else '党员'}花名册", reveal, org


def _run_roster_export(job: Job, step: str, progress) -> None:
    from dangjian.jobs.exports import finish_export

    from .exporters import RosterExporter

    if job.user is None or not job.user.is_active:
        raise ValidationError("导出人的账号已停用。", code="inactive")
    members, title, reveal, _org = roster_export_plan(job.user, job.params.get("filters", {}))
    total = members.count()
    progress(0, total)
    exporter = RosterExporter(actor=job.user, members=members, title=title, reveal=reveal)
    buffer = io.BytesIO()
    rows = exporter.write_xlsx(buffer, progress=lambda done: progress(done, total))
    job.result = {"rows": rows}
    finish_export(job, buffer.getvalue(), f"{title}.xlsx")


register_kind(EXPORT_KIND, _run_roster_export)


def purge_import_stages() -> int:
    """Daily: remove what imports killed for good had staged (``importers.stage``)."""
    from dangjian.jobs.models import ACTIVE

    from .batch import BATCH_KIND
    from .importers import purge_stages

    active = set(
        Job.objects.filter(kind__in=[IMPORT_KIND, BATCH_KIND], status__in=ACTIVE).values_list("pk", flat=True)
    )
    return purge_stages(active)


register_daily("people.purge_import_stages", purge_import_stages)
