"""Writes on key tasks, progress reports, supervision and the ledger catalogue: ``verb_noun(*, actor, …)``,
one transaction and one audit entry each. A broken rule raises ``ChecklistError`` (a ValidationError
with a Chinese message and a ``code``) before anything is written, files included."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangjian.core import figures
from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.images import ImageRejected, clean_image
from dangjian.core.ledgers import get_ledger, get_record_kind
from dangjian.core.scoping import OutOfScope, require
from dangjian.orgs.models import GRASSROOTS_LEVELS, Kind, Level, LiaisonGroup, Org

from .models import (
    ALL_EVIDENCE_KINDS,
    Assignment,
    AssignmentState,
    Category,
    Evidence,
    EvidenceKind,
    KeyTask,
    LedgerEntry,
    Milestone,
    Problem,
    ProblemState,
    Report,
    ReportState,
    SupervisionVisit,
    TaskStatus,
    VisitStatus,
)


class ChecklistError(ValidationError):
    pass


IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
OFFICE_TYPES = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
MAX_FILES = 10


# --- key tasks ----------------------------------------------------------------------------------------


@dataclass
class MilestoneIn:
    title: str
    due_on: date


def _zone_of(org: Org) -> Org:
    return org if org.depth == 1 else Org.objects.get(path=org.path[: Org.steplen])


def _check_task(
    zone: Org,
    year: int,
    title: str,
    category: str,
    start_on: date | None,
    due_on: date | None,
    evidence_kinds: Sequence[str],
    milestones: Sequence[MilestoneIn],
) -> None:
    if zone.level != Level.WORKING_COMMITTEE:
        raise ChecklistError("重点任务清单由党工委发布。", code="not_zone")
    if not title.strip():
        raise ChecklistError("请填写任务名称。", code="required")
    if category not in Category.values:
        raise ChecklistError("请选择任务类别。", code="category")
    if start_on is None or due_on is None:
        raise ChecklistError("请填写开始日期和完成时限。", code="required")
    if due_on < start_on:
        raise ChecklistError("完成时限不能早于开始日期。", code="due_before_start")
    if start_on.year != year:
        raise ChecklistError(f"开始日期应在{year}年内。", code="year")
    if not evidence_kinds or any(k not in ALL_EVIDENCE_KINDS for k in evidence_kinds):
        raise ChecklistError("请选择可提交的佐证类型。", code="evidence_kinds")
    for m in milestones:
        if not m.title.strip():
            raise ChecklistError("请填写节点名称。", code="required")
        if not (start_on <= m.due_on <= due_on):
            raise ChecklistError(f"节点“{m.title}”的时限应在开始日期和完成时限之间。", code="milestone")


def _check_owners(zone: Org, owners: Iterable[Org], owner_kinds: Sequence[str]) -> list[Org]:
    owners = list(owners)
    for org in owners:
        if not org.path.startswith(zone.path) or org.pk == zone.pk or org.level not in GRASSROOTS_LEVELS:
            raise ChecklistError(f"“{org.name}”不是本区的基层党组织。", code="owner")
    if any(k not in Kind.values for k in owner_kinds):
        raise ChecklistError("请选择组织类型。", code="owner_kinds")
    if not owners and not owner_kinds:
        raise ChecklistError("请选择责任单位。", code="owners")
    return owners


@transaction.atomic
def create_task(
    *,
    actor: Actor,
    zone: Org,
    year: int,
    category: str,
    title: str,
    start_on: date,
    due_on: date,
    owners: Iterable[Org] = (),
    owner_kinds: Sequence[str] = (),
    description: str = "",
    responsible=None,
    responsible_name: str = "",
    evidence_required: str = "",
    evidence_kinds: Sequence[str] = tuple(ALL_EVIDENCE_KINDS),
    milestones: Sequence[MilestoneIn] = (),
    publish: bool = False,
) -> KeyTask:
    """Add a task to the zone's list for ``year`` (a draft unless ``publish``); owners are orgs and/or
    "every grassroots org of these kinds", turned into assignments when the task is published."""
    require(actor, "checklists.manage", zone)
    _check_task(zone, year, title, category, start_on, due_on, evidence_kinds, milestones)
    owners = _check_owners(zone, owners, owner_kinds)
    if responsible is not None and not responsible.org.path.startswith(zone.path):
        raise ChecklistError("责任人不在本区。", code="responsible")
    number = (KeyTask.objects.filter(zone=zone, year=year).aggregate(n=Max("number"))["n"] or 0) + 1
    task = KeyTask.objects.create(
        zone=zone,
        year=year,
        number=number,
        category=category,
        title=title.strip(),
        description=description.strip(),
        responsible=responsible,
        responsible_name=(responsible.name if responsible is not None else responsible_name.strip()),
        start_on=start_on,
        due_on=due_on,
        evidence_required=evidence_required.strip(),
        evidence_kinds=list(dict.fromkeys(evidence_kinds)),
        owner_kinds=list(dict.fromkeys(owner_kinds)),
        created_by=acting_user(actor),
    )
    Milestone.objects.bulk_create(
        Milestone(task=task, title=m.title.strip(), due_on=m.due_on) for m in milestones
    )
    Assignment.objects.bulk_create(Assignment(task=task, org=org) for org in owners)
    figures.mark(Assignment, [org.path for org in owners])  # bulk writes send no signals
    if publish:
        _publish(task)
    log_action(
        actor=actor,
        action="checklists.create_task",
        obj=task,
        org=zone,
        data={"year": year, "title": task.title, "owners": [o.code for o in owners], "published": publish},
    )
    return task


def _publish(task: KeyTask) -> int:
    """Expand "every org of a kind" into assignments and mark the task published; returns owners added."""
    added = 0
    if task.owner_kinds:
        have = set(task.assignments.values_list("org_id", flat=True))
        orgs = (
            Org.objects.filter(
                path__startswith=task.zone.path, kind__in=task.owner_kinds, level=Level.BRANCH, active=True
            )
            .exclude(pk__in=have)
            .only("pk")
        )
        rows = [Assignment(task=task, org=org) for org in orgs.only("pk", "path")]
        Assignment.objects.bulk_create(rows, batch_size=2000)
        figures.mark(Assignment, [row.org.path for row in rows])
        added = len(rows)
    if not task.assignments.exists():
        raise ChecklistError("该任务没有责任单位，不能发布。", code="owners")
    task.status = TaskStatus.PUBLISHED
    task.published_at = timezone.now()
    task.version += 1
    task.save(update_fields=["status", "published_at", "version"])
    return added


@transaction.atomic
def publish_task(*, actor: Actor, task: KeyTask) -> KeyTask:
    require(actor, "checklists.manage", task.zone)
    if task.status == TaskStatus.PUBLISHED:
        raise ChecklistError("该任务已发布。", code="published")
    added = _publish(task)
    log_action(
        actor=actor, action="checklists.publish_task", obj=task, org=task.zone, data={"owners_added": added}
    )
    return task


@transaction.atomic
def update_task(
    *,
    actor: Actor,
    task: KeyTask,
    version: int,
    title: str,
    category: str,
    start_on: date,
    due_on: date,
    description: str = "",
    responsible=None,
    responsible_name: str = "",
    evidence_required: str = "",
    evidence_kinds: Sequence[str] = tuple(ALL_EVIDENCE_KINDS),
) -> KeyTask:
    """Edit a task's wording, deadline and evidence rules; a stale form (older ``version``) is refused."""
    require(actor, "checklists.manage", task.zone)
    task = KeyTask.objects.select_for_update().get(pk=task.pk)
    if version != task.version:
        raise ChecklistError("该任务已被他人修改，请刷新后重试。", code="stale")
    milestones = [MilestoneIn(m.title, m.due_on) for m in task.milestones.all()]
    _check_task(task.zone, task.year, title, category, start_on, due_on, evidence_kinds, milestones)
    before = {"title": task.title, "due_on": task.due_on}
    task.title, task.category, task.start_on, task.due_on = title.strip(), category, start_on, due_on
    task.description, task.evidence_required = description.strip(), evidence_required.strip()
    task.evidence_kinds = list(dict.fromkeys(evidence_kinds))
    task.responsible = responsible
    task.responsible_name = responsible.name if responsible is not None else responsible_name.strip()
    task.version += 1
    task.save()
    log_action(
        actor=actor,
        action="checklists.update_task",
        obj=task,
        org=task.zone,
        data={"before": before, "after": {"title": task.title, "due_on": task.due_on}},
    )
    return task


# --- progress reports and evidence ----------------------------------------------------------------------


@dataclass
class Upload:
    """A checked upload, ready to store: what ``_check_upload`` found it to be."""

    source: File
    kind: str
    content_type: str
    ext: str
    name: str
    size: int


def _sniff(upload) -> tuple[str, str, str, File]:
    """(evidence kind, content type, extension, what to store) from the file's bytes, never its name."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return EvidenceKind.FILE, "application/pdf", "pdf", upload
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            names = []
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            for prefix, (content_type, ext) in OFFICE_TYPES.items():
                if any(n.startswith(prefix) for n in names):
                    if any(n.lower().endswith("vbaproject.bin") for n in names):
                        break  # macros: refused like any unknown file
                    return EvidenceKind.FILE, content_type, ext, upload
    try:
        # Photos pass core's image gate: pixels capped, upright, stored without EXIF (GPS).
        image = clean_image(upload, what="照片", max_bytes=settings.EVIDENCE_MAX_BYTES)
    except ImageRejected as exc:
        if exc.code != "not_image":
            raise ChecklistError(f"“{upload.name}”：{exc.messages[0]}", code=f"evidence_{exc.code}") from None
        image = None
    if image is not None:
        content_type, ext = IMAGE_TYPES[image.format]
        return EvidenceKind.PHOTO, content_type, ext, ContentFile(image.content)
    raise ChecklistError(
        f"“{upload.name}”不是可接受的佐证材料：只接受 PDF、Word、Excel 文件或 JPEG、PNG、WebP 照片。",
        code="evidence_type",
    )


def _size_text(n: int) -> str:
    return f"{n // (1024 * 1024)}MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)}KB"


def _check_upload(task: KeyTask, upload) -> Upload:
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ChecklistError(
            f"“{upload.name}”超过{_size_text(limit)}，请压缩后再上传。", code="evidence_too_large"
        )
    kind, content_type, ext, source = _sniff(upload)
    if kind not in task.evidence_kinds:
        wanted = "、".join(task.evidence_kind_labels) or "无"
        raise ChecklistError(
            f"该任务的佐证材料只接受：{wanted}；“{upload.name}”是{EvidenceKind(kind).label}。",
            code="evidence_type",
        )
    return Upload(
        source, kind, content_type, ext, str(upload.name)[:200], getattr(source, "size", upload.size)
    )


def _check_link(actor: Actor, assignment: Assignment, record_kind: str, record_id) -> Evidence:
    if EvidenceKind.LINK not in assignment.task.evidence_kinds:
        raise ChecklistError("该任务的佐证材料不接受平台记录。", code="evidence_type")
    kind = get_record_kind(record_kind)
    if kind is None:
        raise ChecklistError("所引用的记录类型不存在。", code="record_kind")
    ref = kind.get(actor, record_id)
    if ref is None:
        raise ChecklistError(f"所引用的{kind.label}不存在或不在您的管理范围内。", code="record_missing")
    if not ref.org_path.startswith(assignment.org.path):
        raise ChecklistError(f"只能引用{assignment.org.name}自己的{kind.label}。", code="record_foreign")
    return Evidence(kind=EvidenceKind.LINK, record_kind=kind.key, record_id=ref.pk, label=ref.label[:200])


@transaction.atomic
def submit_report(
    *,
    actor: Actor,
    assignment: Assignment,
    text: str,
    final: bool = False,
    milestone: Milestone | None = None,
    uploads: Sequence = (),
    links: Sequence[tuple[str, int]] = (),
) -> Report:
    """An owner reports progress with evidence (files, photos, links to platform records). Every piece is
    checked first, so a bad one saves nothing; ``final`` asks the reviewer to close the task."""
    try:
        require(actor, "checklists.report", assignment.org)
    except OutOfScope:
        raise OutOfScope(
            "只能报送本组织的任务进展，该任务不是您所在组织的任务。", code="out_of_scope"
        ) from None
    task = assignment.task
    if task.status != TaskStatus.PUBLISHED:
        raise ChecklistError("任务尚未发布。", code="not_published")
    assignment = Assignment.objects.select_for_update().select_related("task", "org").get(pk=assignment.pk)
    if assignment.state == AssignmentState.DONE:
        raise ChecklistError("该任务已完成销号，不能再报送。", code="done")
    if final and assignment.state == AssignmentState.SUBMITTED:
        raise ChecklistError("已有一份销号申请待审核。", code="pending")
    if not text.strip():
        raise ChecklistError("请填写进展情况。", code="required")
    if milestone is not None and milestone.task_id != task.pk:
        raise ChecklistError("所选节点不属于该任务。", code="milestone")
    if len(uploads) + len(links) > MAX_FILES:
        raise ChecklistError(f"一次最多提交{MAX_FILES}份佐证材料。", code="too_many")
    # Every piece is checked before the first file is stored, so a refusal leaves nothing behind.
    checked = [_check_upload(task, u) for u in uploads]
    linked = [_check_link(actor, assignment, kind, pk) for kind, pk in links]
    if final and task.evidence_required and not (checked or linked or _has_evidence(assignment)):
        raise ChecklistError(f"申请销号须提交佐证材料：{task.evidence_required}", code="evidence_required")
    now = timezone.now()
    report = Report.objects.create(
        assignment=assignment,
        milestone=milestone,
        final=final,
        text=text.strip(),
        submitted_by=acting_user(actor),
        submitted_at=now,
    )
    for item in linked:
        item.report = report
        item.save()
    for up in checked:
        evidence = Evidence(
            report=report,
            kind=up.kind,
            filename=up.name,
            content_type=up.content_type,
            size=up.size,
            label=up.name,
        )
        evidence.file.save(
            f"{now:%Y%m%d%H%M%S%f}-{len(report.evidence.all())}.{up.ext}", up.source, save=False
        )
        evidence.save()
    if final:
        assignment.state = AssignmentState.SUBMITTED
        assignment.save(update_fields=["state"])
    log_action(
        actor=actor,
        action="checklists.submit_report",
        obj=report,
        org=assignment.org,
        data={"task": task.pk, "final": final, "files": len(checked), "links": len(linked)},
    )
    return report


def _has_evidence(assignment: Assignment) -> bool:
    return (
        Evidence.objects.filter(report__assignment=assignment)
        .exclude(report__state=ReportState.RETURNED)
        .exists()
    )


@transaction.atomic
def review_report(*, actor: Actor, report: Report, accept: bool, note: str = "") -> Report:
    """Accept or return a report. Nobody reviews their own report; a return needs a reason. Accepting a
    final report completes the task for that org, dated by when the report was submitted."""
    assignment = report.assignment
    require(actor, "checklists.review", assignment.org)
    report = Report.objects.select_for_update().select_related("assignment__task").get(pk=report.pk)
    if report.submitted_by_id is not None and report.submitted_by_id == getattr(actor, "pk", None):
        raise ChecklistError("不能审核自己报送的进展，请由其他审核人审核。", code="own_report")
    if report.state != ReportState.SUBMITTED:
        raise ChecklistError("该报送已审核。", code="reviewed")
    if not accept and not note.strip():
        raise ChecklistError("退回时请填写退回原因。", code="reason")
    report.state = ReportState.ACCEPTED if accept else ReportState.RETURNED
    report.reviewed_by = acting_user(actor)
    report.reviewed_at = timezone.now()
    report.review_note = note.strip()[:300]
    report.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    assignment = report.assignment
    if report.final:
        if accept:
            assignment.state = AssignmentState.DONE
            assignment.completed_on = timezone.localtime(report.submitted_at).date()
        else:
            assignment.state = AssignmentState.RETURNED
        assignment.save(update_fields=["state", "completed_on"])
    log_action(
        actor=actor,
        action="checklists.accept_report" if accept else "checklists.return_report",
        obj=report,
        org=assignment.org,
        data={"task": assignment.task_id, "final": report.final, "note": report.review_note},
    )
    return report


# --- supervision ----------------------------------------------------------------------------------------


def _check_group_covers(group: LiaisonGroup, org: Org) -> None:
    if not group.active:
        raise ChecklistError("该联络组已停用。", code="group_inactive")
    paths = group.orgs.values_list("path", flat=True)
    if not any(org.path.startswith(p) for p in paths):
        raise ChecklistError(f"“{org.name}”不在{group.name}的联系范围内。", code="not_covered")


@transaction.atomic
def plan_visit(
    *, actor: Actor, group: LiaisonGroup, org: Org, planned_on: date, topic: str, visitors: str = ""
) -> SupervisionVisit:
    require(actor, "orgs.supervise", org)
    _check_group_covers(group, org)
    if not topic.strip():
        raise ChecklistError("请填写督导内容。", code="required")
    visit = SupervisionVisit.objects.create(
        group=group,
        org=org,
        planned_on=planned_on,
        topic=topic.strip(),
        visitors=visitors.strip(),
        recorded_by=acting_user(actor),
    )
    log_action(actor=actor, action="checklists.plan_visit", obj=visit, org=org, data={"group": group.pk})
    return visit


@dataclass
class ProblemIn:
    description: str
    rectify_by: date
    responsible_name: str = ""


def _check_problem(p: ProblemIn, found_on: date) -> None:
    if not p.description.strip():
        raise ChecklistError("请填写发现的问题。", code="required")
    if p.rectify_by is None or p.rectify_by < found_on:
        raise ChecklistError(
            f"问题“{p.description[:20]}”的整改时限不能早于督导日期。", code="rectify_before_found"
        )


@transaction.atomic
def record_visit(
    *,
    actor: Actor,
    visit: SupervisionVisit,
    visited_on: date,
    summary: str,
    visitors: str | None = None,
    problems: Sequence[ProblemIn] = (),
) -> SupervisionVisit:
    """The visit took place: what was found, and the problems to rectify with their deadlines."""
    require(actor, "orgs.supervise", visit.org)
    if visited_on > timezone.localdate():
        raise ChecklistError("督导日期不能晚于今天。", code="future")
    if not summary.strip():
        raise ChecklistError("请填写督导情况。", code="required")
    for p in problems:
        _check_problem(p, visited_on)
    visit.visited_on, visit.summary, visit.status = visited_on, summary.strip(), VisitStatus.DONE
    if visitors is not None:
        visit.visitors = visitors.strip()
    visit.save()
    Problem.objects.bulk_create(
        Problem(
            visit=visit,
            description=p.description.strip(),
            rectify_by=p.rectify_by,
            responsible_name=p.responsible_name.strip(),
        )
        for p in problems
    )
    log_action(
        actor=actor,
        action="checklists.record_visit",
        obj=visit,
        org=visit.org,
        data={"visited_on": visited_on, "problems": len(problems)},
    )
    return visit


@transaction.atomic
def add_problem(*, actor: Actor, visit: SupervisionVisit, problem: ProblemIn) -> Problem:
    require(actor, "orgs.supervise", visit.org)
    if visit.status != VisitStatus.DONE or visit.visited_on is None:
        raise ChecklistError("请先登记督导情况。", code="not_visited")
    _check_problem(problem, visit.visited_on)
    row = Problem.objects.create(
        visit=visit,
        description=problem.description.strip(),
        rectify_by=problem.rectify_by,
        responsible_name=problem.responsible_name.strip(),
    )
    log_action(actor=actor, action="checklists.add_problem", obj=row, org=visit.org)
    return row


@transaction.atomic
def close_problem(*, actor: Actor, problem: Problem, rectified_on: date, rectification: str) -> Problem:
    """The group closes a problem once it is rectified (整改销号)."""
    visit = problem.visit
    require(actor, "orgs.supervise", visit.org)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.state == ProblemState.RECTIFIED:
        raise ChecklistError("该问题已整改销号。", code="closed")
    if not rectification.strip():
        raise ChecklistError("请填写整改情况。", code="required")
    if visit.visited_on and rectified_on < visit.visited_on:
        raise ChecklistError("整改完成日期不能早于督导日期。", code="before_found")
    if rectified_on > timezone.localdate():
        raise ChecklistError("整改完成日期不能晚于今天。", code="future")
    problem.state, problem.rectified_on = ProblemState.RECTIFIED, rectified_on
    problem.rectification = rectification.strip()[:300]
    problem.closed_by = acting_user(actor)
    problem.save()
    log_action(
        actor=actor,
        action="checklists.close_problem",
        obj=problem,
        org=visit.org,
        data={"rectified_on": rectified_on, "late": rectified_on > problem.rectify_by},
    )
    return problem


# --- ledger catalogue -------------------------------------------------------------------------------------


@transaction.atomic
def save_ledger_entry(
    *,
    actor: Actor,
    zone: Org,
    name: str,
    source: str = "",
    order: int = 0,
    active: bool = True,
    entry: LedgerEntry | None = None,
) -> LedgerEntry:
    """Add or change a ledger of the zone's catalogue; ``source`` is a registered ledger's key or blank
    (the registered ledger of the same name)."""
    require(actor, "checklists.manage", zone)
    if zone.level != Level.WORKING_COMMITTEE:
        raise ChecklistError("台账目录由党工委维护。", code="not_zone")
    name = name.strip()
    if not name:
        raise ChecklistError("请填写台账名称。", code="required")
    if source and get_ledger(source) is None:
        raise ChecklistError("所选数据来源不存在。", code="source")
    clash = LedgerEntry.objects.filter(zone=zone, name=name)
    if entry is not None:
        if entry.zone_id != zone.pk:
            raise OutOfScope("该台账不属于本区。", code="out_of_scope")
        clash = clash.exclude(pk=entry.pk)
    if clash.exists():
        raise ChecklistError(f"已有名为“{name}”的台账。", code="duplicate")
    entry = entry or LedgerEntry(zone=zone)
    entry.name, entry.source, entry.order, entry.active = name, source, order, active
    entry.save()
    log_action(
        actor=actor,
        action="checklists.save_ledger_entry",
        obj=entry,
        org=zone,
        data={"name": name, "source": source, "active": active},
    )
    return entry


def zone_of(org: Org) -> Org:
    return _zone_of(org)
