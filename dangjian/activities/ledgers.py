"""What organizational life contributes to the ledger registry (core.ledgers): the 组织生活台账 of an org's
subtree and year, and meetings as records a key-task report can cite."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.core.exporting import labels
from dangjian.core.ledgers import Column, RecordRef, Section
from dangjian.core.scoping import scoped

from . import selectors
from .models import Activity, Appraisal, Grade, Kind, Status

MEETING_COLUMNS = (
    Column("日期", 11),
    Column("组织", 18),
    Column("类型", 12),
    Column("主题", 30),
    Column("地点", 14),
    Column("主持人", 8),
    Column("记录人", 8),
    Column("应到", 6),
    Column("实到", 6),
    Column("备注", 16),
)
COMPLIANCE_STATES = {"gap": "缺", "due": "待", "ok": "✓"}


def _year_range(year: int) -> Q:
    return Q(date__gte=date(year, 1, 1), date__lt=date(year + 1, 1, 1))


def _meeting_rows(actor: Actor, org, year: int):
    activities = selectors.with_counts(
        scoped(Activity.objects.all(), actor, "activities.view")
        .filter(_year_range(year), org__path__startswith=org.path)
        .exclude(status=Status.CANCELLED)
        .select_related("org")
    ).order_by("date", "org__path", "id")
    kinds = labels(Kind.choices)
    for a in activities.iterator(chunk_size=2000):
        note = "计划" if a.status == Status.PLANNED else ""
        if selectors.quorate(a) is False:
            note = "未达法定人数，表决无效"
        yield [
            a.date,
            a.org.short_name or a.org.name,
            kinds[a.kind],
            a.title,
            a.place,
            a.host,
            a.recorder,
            a.expected,
            a.present,
            note,
        ]


def _compliance_rows(org, year: int):
    for row in selectors.compliance_matrix(org, year).rows:
        yield [row.name, *[COMPLIANCE_STATES.get(c.state, "") for c in row.cells]]


def _appraisal_rows(actor: Actor, org, year: int):
    grades = labels(Grade.choices)
    for short_name, name, person, grade in (
        scoped(Appraisal.objects.all(), actor, "activities.view")
        .filter(org__path__startswith=org.path, year=year)
        .order_by("org__path", "member__person__name")
        .values_list("org__short_name", "org__name", "member__person__name", "grade")
    ):
        yield [short_name or name, person, grades[grade]]


def org_life_sections(actor: Actor, org, year: int) -> list[Section]:
    return [
        Section("会议活动一览", MEETING_COLUMNS, _meeting_rows(actor, org, year)),
        Section(
            "组织生活合规情况",
            (Column("党支部", 22), *[Column(f"{m}月", 5) for m in range(1, 13)]),
            _compliance_rows(org, year),
            note="✓ 按规定召开；缺 应开未开；待 本期尚未召开",
        ),
        Section(
            "民主评议党员",
            (Column("支部", 22), Column("姓名", 10), Column("评议等次", 10)),
            _appraisal_rows(actor, org, year),
        ),
    ]


def _ref(a: Activity) -> RecordRef:
    return RecordRef(
        pk=a.pk,
        label=f"{a.date:%Y-%m-%d} {a.get_kind_display()} {a.title}",
        org_path=a.org.path,
        url=reverse("activities:detail", args=[a.pk]),
    )


def search_meetings(actor: Actor, org, text: str, year: int | None = None) -> list[RecordRef]:
    """Held meetings of ``org``'s subtree (and those it took part in) the actor may see, newest first."""
    qs = scoped(Activity.objects.select_related("org"), actor, "activities.view").filter(
        org__path__startswith=org.path, status=Status.HELD
    )
    if year:
        qs = qs.filter(_year_range(year))
    if text.strip():
        qs = qs.filter(title__contains=text.strip())
    return [_ref(a) for a in qs.order_by("-date", "-id")[:20]]


def get_meeting(actor: Actor, pk) -> RecordRef | None:
    a = scoped(Activity.objects.select_related("org"), actor, "activities.view").filter(pk=pk).first()
    return _ref(a) if a is not None else None
