"""A zone's ledgers in one zip, written by the worker (a zone's ten ledgers over a year are too much
for a request): one xlsx per catalogue entry the requester may print, with the same print settings
as the single downloads."""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import ValidationError

from dangjian.core.actors import Actor
from dangjian.core.scoping import require
from dangjian.jobs.exports import finish_export, start_export
from dangjian.jobs.models import Job
from dangjian.jobs.registry import register_kind

from . import ledgers

LEDGERS_ZIP_KIND = "checklists.ledgers_zip"


def start_ledgers_zip(*, actor: Actor, org, year: int) -> Job:
    require(actor, "checklists.view", org)
    return start_export(
        actor=actor, org=org, kind=LEDGERS_ZIP_KIND, title=f"{org.name}{year}年台账", params={"year": year}
    )


def _file_name(number: int, name: str) -> str:
    safe = "".join("_" if ch in '/\\:*?"<>|' else ch for ch in name)
    return f"{number:02d} {safe}.xlsx"


def _run_ledgers_zip(job: Job, step: str, progress) -> None:
    # The requester's rights as they are now: a grant withdrawn since the click prints nothing.
    if job.user is None or not job.user.is_active:
        raise ValidationError("导出人的账号已停用。", code="inactive")
    year = int(job.params["year"])
    entries = ledgers.printable_entries(job.user, job.org, year)
    if not entries:
        raise ValidationError("没有可以导出的台账。", code="empty")
    buffer = io.BytesIO()
    rows = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (entry, ledger) in enumerate(entries, 1):
            progress(number - 1, len(entries))
            printed = ledgers.draw(ledger, job.user, job.org, year, entry.name)
            rows += printed.rows_total
            archive.writestr(_file_name(number, printed.title), ledgers.to_xlsx(printed))
    job.result = {"rows": rows, "files": len(entries)}
    finish_export(job, buffer.getvalue(), f"{job.params['title']}.zip")


register_kind(LEDGERS_ZIP_KIND, _run_ledgers_zip)
