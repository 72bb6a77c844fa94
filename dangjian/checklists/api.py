"""The checklists API: key tasks and their owners, progress reports and review, the task matrix,
supervision visits and problems. Same services and selectors as the pages; out of scope is 404."""

from datetime import date

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Reply

from dangjian.api.common import ErrorOut, limit_param, offset_param, page, requires_api, year_param
from dangjian.core.scoping import get_scoped_or_404
from dangjian.core.years import default_year, parse_year
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import orgs_visible_to

from . import selectors, services
from .models import ALL_EVIDENCE_KINDS, Assignment, KeyTask, Problem, Report, SupervisionVisit

router = Router(tags=["重点任务与督导"])


class MilestoneSchema(Schema):
    title: str
    due_on: date


class TaskOut(Schema):
    id: int
    zone: str
    year: int
    number: int
    category: str
    category_display: str
    title: str
    responsible: str
    start_on: date
    due_on: date
    evidence_required: str
    evidence_kinds: list[str]
    status: str
    milestones: list[MilestoneSchema]


class TaskPage(Schema):
    items: list[TaskOut]
    count: int


class TaskIn(Schema):
    zone: str
    category: str
    title: str
    start_on: date
    due_on: date
    owners: list[str] = []
    owner_kinds: list[str] = []
    description: str = ""
    responsible_name: str = ""
    evidence_required: str = ""
    evidence_kinds: list[str] = list(ALL_EVIDENCE_KINDS)
    milestones: list[MilestoneSchema] = []
    publish: bool = False


class AssignmentOut(Schema):
    task_id: int
    task: str
    org: str
    org_name: str
    state: str
    state_display: str
    due_on: date
    completed_on: date | None
    overdue: bool


class AssignmentPage(Schema):
    items: list[AssignmentOut]
    count: int


class LinkIn(Schema):
    kind: str
    id: int


class ReportIn(Schema):
    org: str
    text: str
    final: bool = False
    milestone_id: int | None = None
    links: list[LinkIn] = []


class EvidenceOut(Schema):
    kind: str
    label: str
    record_kind: str
    record_id: int | None


class ReportOut(Schema):
    id: int
    task_id: int
    org: str
    text: str
    final: bool
    state: str
    submitted_at: str
    review_note: str
    evidence: list[EvidenceOut]


class ReportPage(Schema):
    items: list[ReportOut]
    count: int


class ReviewIn(Schema):
    accept: bool
    note: str = ""


class CellOut(Schema):
    total: int
    done: int
    late: int
    submitted: int


class MatrixRowOut(Schema):
    task_id: int
    number: int
    title: str
    total: CellOut
    cells: list[CellOut]


class MatrixOut(Schema):
    org: str
    year: int
    columns: list[str]
    column_names: list[str]
    rows: list[MatrixRowOut]
    totals: list[CellOut]
    grand: CellOut


class ProblemIn(Schema):
    description: str
    rectify_by: date
    responsible_name: str = ""


class ProblemOut(Schema):
    id: int
    visit_id: int
    org: str
    description: str
    rectify_by: date
    responsible_name: str
    state: str
    rectified_on: date | None
    rectification: str


class ProblemPage(Schema):
    items: list[ProblemOut]
    count: int


class VisitOut(Schema):
    id: int
    group: str
    org: str
    org_name: str
    planned_on: date
    visited_on: date | None
    status: str
    topic: str
    visitors: str
    summary: str
    problems: int


class VisitPage(Schema):
    items: list[VisitOut]
    count: int


class VisitIn(Schema):
    group_id: int
    org: str
    planned_on: date
    topic: str
    visitors: str = ""


class RecordVisitIn(Schema):
    visited_on: date
    summary: str
    visitors: str | None = None
    problems: list[ProblemIn] = []


class CloseIn(Schema):
    rectified_on: date
    rectification: str


def _task_out(t: KeyTask) -> dict:
    return {
        "id": t.pk,
        "zone": t.zone.code,
        "year": t.year,
        "number": t.number,
        "category": t.category,
        "category_display": t.get_category_display(),
        "title": t.title,
        "responsible": t.responsible_name,
        "start_on": t.start_on,
        "due_on": t.due_on,
        "evidence_required": t.evidence_required,
        "evidence_kinds": t.evidence_kinds,
        "status": t.status,
        "milestones": [{"title": m.title, "due_on": m.due_on} for m in t.milestones.all()],
    }


def _assignment_out(a: Assignment, today: date) -> dict:
    return {
        "task_id": a.task_id,
        "task": a.task.title,
        "org": a.org.code,
        "org_name": a.org.name,
        "state": a.state,
        "state_display": a.get_state_display(),
        "due_on": a.task.due_on,
        "completed_on": a.completed_on,
        "overdue": a.overdue_on(today),
    }


def _report_out(r: Report) -> dict:
    return {
        "id": r.pk,
        "task_id": r.assignment.task_id,
        "org": r.assignment.org.code,
        "text": r.text,
        "final": r.final,
        "state": r.state,
        "submitted_at": r.submitted_at.isoformat(),
        "review_note": r.review_note,
        "evidence": [
            {"kind": e.kind, "label": e.label, "record_kind": e.record_kind, "record_id": e.record_id}
            for e in r.evidence.all()
        ],
    }


def _visit_out(v: SupervisionVisit) -> dict:
    return {
        "id": v.pk,
        "group": v.group.name,
        "org": v.org.code,
        "org_name": v.org.name,
        "planned_on": v.planned_on,
        "visited_on": v.visited_on,
        "status": v.status,
        "topic": v.topic,
        "visitors": v.visitors,
        "summary": v.summary,
        "problems": v.problems.count(),
    }


def _problem_out(p: Problem) -> dict:
    return {
        "id": p.pk,
        "visit_id": p.visit_id,
        "org": p.visit.org.code,
        "description": p.description,
        "rectify_by": p.rectify_by,
        "responsible_name": p.responsible_name,
        "state": p.state,
        "rectified_on": p.rectified_on,
        "rectification": p.rectification,
    }


def _root(request, code: str | None, capability: str = "checklists.view") -> Org | None:
    if not code:
        return None
    return get_scoped_or_404(Org.objects.all(), request.auth, capability, code=code)


def _task(request, task_id: int) -> KeyTask:
    try:
        return selectors.tasks_visible_to(request.auth).prefetch_related("milestones").get(pk=task_id)
    except KeyTask.DoesNotExist:
        raise Http404 from None


# --- tasks --------------------------------------------------------------------------------------------


@router.get("/checklists/tasks", response={200: TaskPage, 401: ErrorOut}, summary="重点任务清单")
@requires_api("checklists.view")
def list_tasks(
    request, limit: int = limit_param(50), offset: int = offset_param(), year: int | None = year_param()
):
    qs = selectors.tasks_visible_to(request.auth).prefetch_related("milestones")
    qs = qs.filter(year=parse_year(year) or default_year()).order_by("zone__path", "number")
    return page(qs, limit, offset, _task_out)


@router.post(
    "/checklists/tasks",
    response={201: TaskOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="添加重点任务",
)
@requires_api("checklists.manage")
def create_task(request, body: TaskIn):
    zone = get_scoped_or_404(Org.objects.all(), request.auth, "checklists.manage", code=body.zone)
    owners = list(orgs_visible_to(request.auth, "checklists.manage").filter(code__in=body.owners))
    if len(owners) != len(set(body.owners)):
        raise Http404
    task = services.create_task(
        actor=request.auth,
        zone=zone,
        year=body.start_on.year,
        category=body.category,
        title=body.title,
        start_on=body.start_on,
        due_on=body.due_on,
        owners=owners,
        owner_kinds=body.owner_kinds,
        description=body.description,
        responsible_name=body.responsible_name,
        evidence_required=body.evidence_required,
        evidence_kinds=body.evidence_kinds,
        milestones=[services.MilestoneIn(m.title, m.due_on) for m in body.milestones],
        publish=body.publish,
    )
    return Reply(201, _task_out(_task(request, task.pk)))


@router.get(
    "/checklists/tasks/{task_id}", response={200: TaskOut, 401: ErrorOut, 404: ErrorOut}, summary="重点任务"
)
@requires_api("checklists.view")
def get_task(request, task_id: int):
    return _task_out(_task(request, task_id))


@router.post(
    "/checklists/tasks/{task_id}/publish",
    response={200: TaskOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="发布重点任务",
)
@requires_api("checklists.manage")
def publish_task(request, task_id: int):
    task = _task(request, task_id)
    services.publish_task(actor=request.auth, task=task)
    return _task_out(_task(request, task_id))


@router.get(
    "/checklists/assignments",
    response={200: AssignmentPage, 401: ErrorOut, 404: ErrorOut},
    summary="任务责任单位",
)
@requires_api("checklists.view")
def list_assignments(
    request,
    limit: int = limit_param(100),
    offset: int = offset_param(),
    year: int | None = year_param(),
    org: str | None = Query(None, description="只列出该组织及其下级"),
    overdue: bool = False,
):
    today = timezone.localdate()
    qs = selectors.assignments_visible_to(request.auth).filter(
        task__year=parse_year(year) or default_year(), task__status="published"
    )
    root = _root(request, org)
    if root is not None:
        qs = qs.filter(org__path__startswith=root.path)
    if overdue:
        qs = qs.filter(selectors.open_overdue_q(today))
    return page(qs.order_by("task__number", "org__path"), limit, offset, lambda a: _assignment_out(a, today))


@router.get(
    "/checklists/matrix", response={200: MatrixOut, 401: ErrorOut, 404: ErrorOut}, summary="任务×组织矩阵"
)
@requires_api("checklists.view")
def matrix(request, org: str, year: int | None = year_param()):
    root = _root(request, org)
    if root is None:
        raise Http404
    m = selectors.task_matrix(request.auth, root, parse_year(year) or default_year())

    def cell(c) -> dict:
        return {"total": c.total, "done": c.done, "late": c.late, "submitted": c.submitted}

    return {
        "org": root.code,
        "year": m.year,
        "columns": [c.org.code if c.org else root.code for c in m.columns],
        "column_names": [c.name for c in m.columns],
        "rows": [
            {
                "task_id": r.task.pk,
                "number": r.task.number,
                "title": r.task.title,
                "total": cell(r.total),
                "cells": [cell(c) for c in r.cells],
            }
            for r in m.rows
        ],
        "totals": [cell(c) for c in m.totals],
        "grand": cell(m.grand),
    }


# --- reports --------------------------------------------------------------------------------------------


@router.get("/checklists/reports", response={200: ReportPage, 401: ErrorOut}, summary="任务进展")
@requires_api("checklists.view")
def list_reports(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    state: str | None = None,
    task_id: int | None = None,
):
    qs = selectors.reports_visible_to(request.auth).prefetch_related("evidence")
    if state:
        qs = qs.filter(state=state)
    if task_id:
        qs = qs.filter(assignment__task_id=task_id)
    return page(qs.order_by("-submitted_at", "-id"), limit, offset, _report_out)


@router.post(
    "/checklists/tasks/{task_id}/reports",
    response={201: ReportOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="报送任务进展（佐证可引用平台记录）",
)
@requires_api("checklists.report")
def submit_report(request, task_id: int, body: ReportIn):
    task = _task(request, task_id)
    a = Assignment.objects.select_related("task", "org").filter(task=task, org__code=body.org).first()
    if a is None or not orgs_visible_to(request.auth, "checklists.view").filter(pk=a.org_id).exists():
        raise Http404
    milestone = task.milestones.filter(pk=body.milestone_id).first() if body.milestone_id else None
    report = services.submit_report(
        actor=request.auth,
        assignment=a,
        text=body.text,
        final=body.final,
        milestone=milestone,
        links=[(link.kind, link.id) for link in body.links],
    )
    return Reply(201, _report_out(report))


@router.post(
    "/checklists/reports/{report_id}/review",
    response={200: ReportOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="审核任务进展：通过或退回",
)
@requires_api("checklists.review")
def review_report(request, report_id: int, body: ReviewIn):
    report = get_scoped_or_404(
        Report.objects.select_related("assignment__task", "assignment__org"),
        request.auth,
        "checklists.review",
        pk=report_id,
    )
    report = services.review_report(actor=request.auth, report=report, accept=body.accept, note=body.note)
    return _report_out(report)


# --- supervision ------------------------------------------------------------------------------------------


@router.get("/checklists/visits", response={200: VisitPage, 401: ErrorOut}, summary="督导记录")
@requires_api("checklists.view")
def list_visits(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    year: int | None = year_param(),
    group_id: int | None = None,
):
    qs = selectors.visits_visible_to(request.auth)
    if year:
        qs = qs.filter(planned_on__year=year)
    if group_id:
        qs = qs.filter(group_id=group_id)
    return page(qs.order_by("-planned_on", "-id"), limit, offset, _visit_out)


@router.post(
    "/checklists/visits",
    response={201: VisitOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="安排督导",
)
@requires_api("orgs.supervise")
def plan_visit(request, body: VisitIn):
    group = selectors.groups_for(request.auth).filter(pk=body.group_id).first()
    if group is None:
        raise Http404
    org = get_scoped_or_404(Org.objects.all(), request.auth, "orgs.supervise", code=body.org)
    visit = services.plan_visit(
        actor=request.auth,
        group=group,
        org=org,
        planned_on=body.planned_on,
        topic=body.topic,
        visitors=body.visitors,
    )
    return Reply(201, _visit_out(visit))


@router.post(
    "/checklists/visits/{visit_id}/record",
    response={200: VisitOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="登记督导情况与发现的问题",
)
@requires_api("orgs.supervise")
def record_visit(request, visit_id: int, body: RecordVisitIn):
    visit = get_scoped_or_404(
        SupervisionVisit.objects.select_related("group", "org"), request.auth, "orgs.supervise", pk=visit_id
    )
    visit = services.record_visit(
        actor=request.auth,
        visit=visit,
        visited_on=body.visited_on,
        summary=body.summary,
        visitors=body.visitors,
        problems=[services.ProblemIn(p.description, p.rectify_by, p.responsible_name) for p in body.problems],
    )
    return _visit_out(visit)


@router.get("/checklists/problems", response={200: ProblemPage, 401: ErrorOut}, summary="督导发现的问题")
@requires_api("checklists.view")
def list_problems(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    state: str | None = None,
    year: int | None = year_param(),
):
    qs = selectors.problems_visible_to(request.auth)
    if state:
        qs = qs.filter(state=state)
    if year:
        qs = qs.filter(visit__visited_on__year=year)
    return page(qs.order_by("rectify_by", "id"), limit, offset, _problem_out)


@router.post(
    "/checklists/problems/{problem_id}/close",
    response={200: ProblemOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="问题整改销号",
)
@requires_api("orgs.supervise")
def close_problem(request, problem_id: int, body: CloseIn):
    problem = get_scoped_or_404(
        Problem.objects.select_related("visit__org"), request.auth, "orgs.supervise", pk=problem_id
    )
    problem = services.close_problem(
        actor=request.auth, problem=problem, rectified_on=body.rectified_on, rectification=body.rectification
    )
    return _problem_out(problem)
