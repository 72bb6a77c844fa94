from datetime import date, time
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from dangjian.api.common import (
    MAX_ID,
    MAX_LIMIT,
    ErrorOut,
    limit_param,
    offset_param,
    requires_api,
    year_param,
)
from dangjian.core.scoping import get_scoped_or_404
from dangjian.core.years import default_year, parse_year
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import orgs_visible_to

from . import selectors, services
from .models import Activity, Decision, Lecturer, Status, ThemeCategory, TrainingBase
from .services import Mark

if TYPE_CHECKING:
    from .selectors import CountedActivity

router = Router(tags=["组织生活"])
LONG_TEXT = settings.LONG_TEXT_MAX_CHARS


class ActivityOut(Schema):
    id: int
    org_code: str
    kind: str
    kind_display: str
    status: str
    title: str
    date: date
    place: str
    host: str
    recorder: str
    theme_category: str | None
    lecturer: str | None
    audience: int
    expected: int
    present: int
    quorate: bool | None


class ActivityDetailOut(ActivityOut):
    agenda: str
    minutes: str
    start_time: time | None
    participants: list[str]
    training_base: str | None
    days: int | None
    hours: int | None
    trainees: int
    photos: list[int]


class ActivityPage(Schema):
    items: list[ActivityOut]
    count: int


class ActivityIn(Schema):
    # Bounds as the columns hold them: out-of-range input is a 422 naming the field, never a 500.
    org: str = Field(max_length=32)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=200)
    date: date
    status: str = Field(Status.HELD, max_length=12)
    start_time: time | None = None
    minutes_long: int | None = Field(None, ge=1, le=24 * 60)
    place: str = Field("", max_length=200)
    host: str = Field("", max_length=50)
    recorder: str = Field("", max_length=50)
    agenda: str = Field("", max_length=LONG_TEXT)
    minutes: str = Field("", max_length=LONG_TEXT)
    theme_category_id: int | None = Field(None, ge=1, le=MAX_ID)
    lecturer_id: int | None = Field(None, ge=1, le=MAX_ID)
    lecturer_name: str = Field("", max_length=50)
    audience: int = Field(0, ge=0, le=1_000_000)
    training_base_id: int | None = Field(None, ge=1, le=MAX_ID)
    days: int | None = Field(None, ge=1, le=366)
    hours: int | None = Field(None, ge=1, le=10_000)
    series: str = Field("", max_length=50)
    participants: list[str] = Field([], max_length=1000)


class MarkIn(Schema):
    member_id: int
    status: str
    reason: str = ""


class AttendanceOut(Schema):
    member_id: int
    name: str
    status: str
    reason: str
    voting: bool
    checked_in: bool


class AttendanceResult(Schema):
    added: int
    changed: int
    expected: int
    present: int
    quorate: bool | None


class CellOut(Schema):
    month: int
    state: str
    held: int
    missing: list[str]


class ComplianceRowOut(Schema):
    code: str
    name: str
    cells: list[CellOut]
    missed: int


class ComplianceOut(Schema):
    org: str
    year: int
    branches: int
    overdue: list[str]
    rows: list[ComplianceRowOut]


def _out(a: "CountedActivity") -> dict:
    return {
        "id": a.pk,
        "org_code": a.org.code,
        "kind": a.kind,
        "kind_display": a.get_kind_display(),
        "status": a.status,
        "title": a.title,
        "date": a.date,
        "place": a.place,
        "host": a.host,
        "recorder": a.recorder,
        "theme_category": a.theme_category.name if a.theme_category else None,
        "lecturer": a.lecturer_name or (a.lecturer.name if a.lecturer else None),
        "audience": a.audience,
        "expected": a.expected,
        "present": a.present,
        "quorate": selectors.quorate(a),
    }


def _one(request, activity_id: int, capability: str = "activities.view") -> "CountedActivity":
    qs = selectors.with_counts(Activity.objects.select_related("org", "theme_category", "lecturer"))
    return get_scoped_or_404(qs, request.auth, capability, pk=activity_id)


def _detail(a: "CountedActivity") -> dict:
    return {
        **_out(a),
        "agenda": a.agenda,
        "minutes": a.minutes,
        "start_time": a.start_time,
        "participants": list(a.participants.order_by("path").values_list("code", flat=True)),
        "training_base": a.training_base.name if a.training_base else None,
        "days": a.days,
        "hours": a.hours,
        "trainees": a.trainees.count(),
        "photos": list(a.photos.values_list("pk", flat=True)),
    }


@router.get("/activities", response={200: ActivityPage, 401: ErrorOut}, summary="组织生活列表")
@requires_api("activities.view")
def list_activities(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    year: int | None = year_param(),
    kind: str | None = None,
    org: str | None = Query(None, description="只列出该组织代码及其下级组织的活动"),
):
    qs = selectors.activities_visible_to(request.auth)
    if org:
        root = orgs_visible_to(request.auth, "activities.view").filter(code=org).first()
        if root is None:
            raise Http404
        qs = qs.filter(org__path__startswith=root.path)
    if year:
        qs = qs.filter(date__year=year)
    if kind:
        qs = qs.filter(kind=kind)
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    items, count = selectors.page_with_counts(qs.order_by("-date", "-id"), limit, offset)
    return {"items": [_out(a) for a in items], "count": count}


@router.get(
    "/activities/compliance", response={200: ComplianceOut, 401: ErrorOut, 404: ErrorOut}, summary="合规日历"
)
@requires_api("activities.view")
def compliance(request, org: str, year: int | None = year_param()):
    root = get_scoped_or_404(Org.objects.all(), request.auth, "activities.view", code=org)
    year = parse_year(year) or default_year()
    matrix = selectors.compliance_for(request.auth, [root], year)
    return {
        "org": root.code,
        "year": year,
        "branches": len(matrix.rows),
        "overdue": [r.code for r in matrix.overdue],
        "rows": [
            {
                "code": r.code,
                "name": r.name,
                "missed": len(r.missed),
                "cells": [
                    {"month": c.month, "state": c.state, "held": c.held, "missing": c.missing}
                    for c in r.cells
                ],
            }
            for r in matrix.rows
        ],
    }


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="活动详情",
)
@requires_api("activities.view")
def get_activity(request, activity_id: int):
    return _detail(_one(request, activity_id))


def _ref(model, pk: int | None, org: Org):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, zone__path=org.path[: Org.steplen]).first()
    if obj is None:
        raise services.ActivityError("所选主题大类、讲师或培训基地不存在。", code="foreign")
    return obj


@router.post(
    "/activities",
    response={201: ActivityDetailOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="记录活动",
)
@requires_api("activities.edit")
def create_activity(request, body: ActivityIn):
    org = get_scoped_or_404(Org.objects.all(), request.auth, "activities.edit", code=body.org)
    participants = list(orgs_visible_to(request.auth, "activities.view").filter(code__in=body.participants))
    if len(participants) != len(set(body.participants)):
        raise Http404
    data = body.dict(exclude={"org", "participants", "theme_category_id", "lecturer_id", "training_base_id"})
    activity = services.record_activity(
        actor=request.auth,
        org=org,
        participants=participants,
        theme_category=_ref(ThemeCategory, body.theme_category_id, org),
        lecturer=_ref(Lecturer, body.lecturer_id, org),
        training_base=_ref(TrainingBase, body.training_base_id, org),
        **data,
    )
    return Reply(201, _detail(_one(request, activity.pk)))


@router.get(
    "/activities/{activity_id}/attendance",
    response={200: list[AttendanceOut], 401: ErrorOut, 404: ErrorOut},
    summary="出席名单",
)
@requires_api("activities.view")
def get_attendance(request, activity_id: int):
    activity = _one(request, activity_id)
    rows = activity.attendance.select_related("member__person").order_by("member__person__name")
    return [
        {
            "member_id": r.member_id,
            "name": r.member.person.name,
            "status": r.status,
            "reason": r.reason,
            "voting": r.voting,
            "checked_in": r.checked_in_at is not None,
        }
        for r in rows
    ]


@router.put(
    "/activities/{activity_id}/attendance",
    response={200: AttendanceResult, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="登记出席",
)
@requires_api("activities.edit")
def put_attendance(request, activity_id: int, marks: list[MarkIn]):
    activity = _one(request, activity_id, "activities.edit")
    counts = services.set_attendance(
        actor=request.auth, activity=activity, marks=[Mark(m.member_id, m.status, m.reason) for m in marks]
    )
    t = selectors.turnout(activity)
    return {**counts, "expected": t.expected, "present": t.present, "quorate": t.quorate}


class DecisionIn(Schema):
    kind: str = Field(
        description="admit 接收预备党员 / convert 转正 / extend 延长预备期 / cancel 取消预备党员资格 / other 其他事项"
    )
    case_id: int | None = Field(None, description="发展党员记录编号（kind 不是 other 时必填）")
    subject: str = Field("", description="其他事项的内容（kind 为 other 时必填）")
    months: int | None = Field(None, description="延长预备期的月数（6至12）")
    reason: str = Field("", description="取消预备党员资格的原因")
    note: str = Field("", description="说明（会议在一个月以前的补录须填写）")
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0


class DecisionOut(Schema):
    id: int
    kind: str
    kind_display: str
    subject: str
    person_id: int | None
    voting_expected: int
    voting_present: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool


def _decision_out(d: Decision) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_display": d.get_kind_display(),
        "subject": d.subject,
        "person_id": d.person_id,
        "voting_expected": d.voting_expected,
        "voting_present": d.voting_present,
        "votes_for": d.votes_for,
        "votes_against": d.votes_against,
        "votes_abstain": d.votes_abstain,
        "passed": d.passed,
    }


@router.get(
    "/activities/{activity_id}/decisions",
    response={200: list[DecisionOut], 401: ErrorOut, 404: ErrorOut},
    summary="支部党员大会表决事项",
)
@requires_api("activities.view")
def list_decisions(request, activity_id: int):
    activity = _one(request, activity_id)
    return [_decision_out(d) for d in Decision.objects.filter(activity=activity).order_by("id")]


@router.post(
    "/activities/{activity_id}/decisions",
    response={201: DecisionOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="登记支部党员大会表决结果",
    description="应到、实到有表决权党员由名册和出席登记得出；大会未达法定人数时拒绝（400）。"
    "赞成票未超过应到会有表决权党员半数的，记录为未通过。",
)
@requires_api("activities.edit")
def post_decision(request, activity_id: int, body: DecisionIn):
    from dangjian.people.selectors import development_visible_to

    activity = _one(request, activity_id, "activities.edit")
    case = None
    if body.case_id is not None:
        case = development_visible_to(request.auth, "members.edit").filter(pk=body.case_id).first()
        if case is None:
            raise Http404
    decision = services.record_meeting_decision(
        actor=request.auth,
        activity=activity,
        kind=body.kind,
        case=case,
        subject=body.subject,
        months=body.months,
        reason=body.reason,
        note=body.note,
        votes_for=body.votes_for,
        votes_against=body.votes_against,
        votes_abstain=body.votes_abstain,
    )
    return Reply(201, _decision_out(decision))
