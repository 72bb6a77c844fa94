"""A whole zone's 花名册 in one batch: a zip of the branches' files (or several files at once).

Each file is matched to its branch by its title row or its file name ("姬庄村第一党支部党员花名册");
files that match no branch, or several equally well, are listed for the user to pick. The check job
dry-runs every matched file and gives one report; the commit job commits each clean file in its own
transaction (all or nothing per branch) and leaves the others untouched, listed with their issues.
All of it runs in the worker: a request only stores the uploads.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core.actors import SYSTEM, Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.importing import (
    MAX_UNCOMPRESSED,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_RATIO,
    SPREADSHEET_EXTENSIONS,
    FileRejected,
    check_file,
    normalize_header,
    read_table,
)
from dangjian.core.scoping import require, scoped
from dangjian.jobs import files
from dangjian.jobs.models import Job, JobStatus
from dangjian.jobs.registry import register_kind
from dangjian.jobs.runner import enqueue
from dangjian.orgs.models import Level, Org

BATCH_KIND = "people.import_batch"
ISSUES_PER_FILE = 50
TITLE_ROWS = 3


def start_batch_import(*, actor: Actor, org: Org, uploads: list[tuple[str, bytes]]) -> Job:
    """Store the uploaded files (zips as they are) and queue the matching and checking."""
    require(actor, "members.import", org)
    if not uploads:
        raise ValidationError("请选择文件。", code="empty")
    with transaction.atomic():
        stored = []
        for name, data in uploads:
            if not data:
                raise ValidationError(f"文件“{name}”为空。", code="empty")
            stored.append(
                {
                    "name": Path(name).name[:200],
                    "upload": files.save(data, folder="uploads", suffix=Path(name).suffix),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        job = Job.objects.create(
            kind=BATCH_KIND,
            user=acting_user(actor),
            org=org,
            params={"uploads": stored, "assign": {}},
            step="check",
        )
        log_action(
            actor=actor,
            action="people.import_batch.upload",
            org=org,
            obj=job,
            data={"job": job.pk, "files": [{"name": s["name"], "sha256": s["sha256"]} for s in stored]},
        )
        enqueue(job, "check")
    return job


def assign_branch(*, actor: Actor, job: Job, name: str, code: str) -> Job:
    """The user's pick for a file the batch could not match; the batch is checked again."""
    require(actor, "members.import", job.org)
    branch = (
        scoped(Org.objects.filter(level=Level.BRANCH), actor, "members.import")
        .filter(code=code.strip().upper(), path__startswith=job.org.path)
        .first()
    )
    if branch is None:
        raise ValidationError("请选择本组织下的党支部。", code="not_a_branch")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.CHECKED, JobStatus.FAILED):
            raise ValidationError("检查尚未结束。", code="busy")
        job.params["assign"][name] = branch.code
        job.save(update_fields=["params"])
        log_action(
            actor=actor,
            action="people.import_batch.assign",
            org=job.org,
            obj=job,
            data={"file": name, "org": code},
        )
        enqueue(job, "check")
    return job


def commit_batch_import(*, actor: Actor, job: Job) -> Job:
    require(actor, "members.import", job.org)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        ready = [f for f in job.result.get("files", []) if f.get("clean")]
        if job.kind != BATCH_KIND or job.status != JobStatus.CHECKED or not ready:
            raise ValidationError("没有检查无误、可以导入的文件。", code="not_clean")
        log_action(
            actor=actor, action="people.import_batch.confirm", org=job.org, obj=job, data={"job": job.pk}
        )
        enqueue(job, "commit")
    return job


# ---------------------------------------------------------------- matching


def expand(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The spreadsheets in an upload: the file itself, or a zip's entries (checked like xlsx packages)."""
    if Path(name).suffix.lower() != ".zip":
        return [(name, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRejected("压缩包已损坏", "corrupt") from None
    infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX")]
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRejected("压缩包中的文件过多", "zip_entries")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNCOMPRESSED or unpacked / max(1, sum(i.compress_size for i in infos)) > MAX_ZIP_RATIO:
        raise FileRejected("压缩包解压后异常庞大（疑似压缩炸弹），已拒绝", "zip_bomb")
    found = []
    for info in infos:
        # Windows' built-in zip writes names in the local code page (GBK here) without the UTF-8 flag.
        entry = info.filename
        if not info.flag_bits & 0x800:
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                entry = info.filename.encode("cp437").decode("gbk")
        if Path(entry).suffix.lower() in SPREADSHEET_EXTENSIONS:
            found.append((Path(entry).name, archive.read(info)))
    return found


def title_of(name: str, data: bytes) -> str:
    """The text of the first rows above the header: where a 花名册 names its branch."""
    try:
        ext = check_file(data, name)
        texts: list[str] = []
        for n, row in enumerate(read_table(data, ext)):
            if n >= TITLE_ROWS:
                break
            texts.extend(str(c) for c in row if c not in (None, ""))
        return " ".join(texts)
    except FileRejected:
        return ""


def match_branch(text: str, branches: list[Org]) -> list[Org]:
    """The branches whose full name the text contains; the longest names win (第一党支部 over 党支部)."""
    key = normalize_header(text)
    hits = [b for b in branches if normalize_header(b.name) in key]
    if not hits:
        return []
    longest = max(len(b.name) for b in hits)
    return [b for b in hits if len(b.name) == longest]


def _entries(job: Job) -> list[tuple[str, bytes]]:
    entries: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for upload in job.params.get("uploads", []):
        if not upload.get("upload"):
            raise ValidationError("上传的文件已过期（超过24小时）并已删除，请重新上传。", code="expired")
        for name, data in expand(upload["name"], files.read(upload["upload"])):
            unique = name
            n = 2
            while unique in seen:  # two zips may both hold 花名册.xlsx
                unique = f"{Path(name).stem}({n}){Path(name).suffix}"
                n += 1
            seen.add(unique)
            entries.append((unique, data))
    return entries


def _run_batch(job: Job, step: str, progress) -> None:
    from .importers import import_members, stage_code_for
    from .jobs import report_result

    actor = job.user or SYSTEM
    branches = list(
        scoped(Org.objects.filter(level=Level.BRANCH, path__startswith=job.org.path), actor, "members.import")
        if actor is not SYSTEM
        else Org.objects.filter(level=Level.BRANCH, path__startswith=job.org.path)
    )
    by_code = {b.code: b for b in branches}
    try:
        entries = _entries(job)
    except FileRejected as exc:
        raise ValidationError(exc.message, code=exc.code) from None
    previous = {f["name"]: f for f in job.result.get("files", [])} if step == "commit" else {}
    assign = job.params.get("assign", {})
    report: list[dict[str, Any]] = []
    totals = {"added": 0, "updated": 0, "unchanged": 0}
    for index, (name, data) in enumerate(entries):
        progress(index, len(entries))
        if name in assign and assign[name] in by_code:
            matched, how = [by_code[assign[name]]], "picked"
        else:
            matched, how = match_branch(title_of(name, data), branches), "title"
            if not matched:
                matched, how = match_branch(Path(name).stem, branches), "name"
        entry: dict[str, Any] = {"name": name, "matched_by": how}
        if len(matched) != 1:
            entry.update(
                state="ambiguous" if matched else "unmatched",
                candidates=[{"code": b.code, "name": b.name} for b in matched],
                clean=False,
            )
            report.append(entry)
            continue
        branch = matched[0]
        entry.update(org=branch.code, org_name=branch.name)
        if step == "commit" and not previous.get(name, {}).get("clean"):
            entry.update(previous.get(name, {}), state="skipped", clean=False)
            report.append(entry)
            continue
        try:
            result = report_result(
                import_members(
                    actor=actor,
                    org=branch,
                    data=data,
                    filename=name,
                    dry_run=step != "commit",
                    progress=None,
                    stage_code=stage_code_for(job.pk, branch),
                )
            )
        except ValidationError as exc:
            result = {"clean": False, "issues": [], "issue_count": 1, "error": "；".join(exc.messages)}
        result["issues"] = result.get("issues", [])[:ISSUES_PER_FILE]
        entry.update(result)
        if step == "commit":
            entry["state"] = "committed" if result.get("clean") else "failed"
            # A file that still had issues at commit time was not written: no longer ready.
            entry["clean"] = False
        else:
            entry["state"] = "checked"
        if step != "commit" or entry["state"] == "committed":
            for key in totals:
                totals[key] += result.get("counts", {}).get(key, 0)
        report.append(entry)
    progress(len(entries), len(entries))
    job.result = {
        "files": report,
        "counts": totals,
        "clean": bool(report) and all(f["clean"] for f in report),
    }
    if step == "commit":
        job.status = JobStatus.COMMITTED
        for upload in job.params.get("uploads", []):
            files.delete(upload.get("upload", ""))
            upload["upload"] = ""
        Job.objects.filter(pk=job.pk).update(params=job.params)
    else:
        job.status = JobStatus.CHECKED


register_kind(BATCH_KIND, _run_batch)
