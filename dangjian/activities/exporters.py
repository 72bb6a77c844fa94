"""The 组织生活台账 of an organization and year: print-friendly HTML, xlsx (xlsxwriter) and PDF (the same
HTML printed by Debian's headless Chromium, which renders the CJK fonts of fonts-noto-cjk offline)."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q
from django.template.loader import render_to_string

from dangjian.core.actors import Actor
from dangjian.core.exporting import labels
from dangjian.core.printing import html_to_pdf, setup_sheet_printing
from dangjian.core.scoping import scoped
from dangjian.orgs.models import Org

from . import selectors
from .models import Activity, Appraisal, Attendance, Grade, Kind, Participation, Status


def ledger_data(org: Org, year: int, *, actor: Actor) -> dict:
    """Everything the ledger shows, in a fixed number of queries whatever the number of meetings.

    Only people in the actor's scope appear: a zone-wide meeting's absentees (with their reasons) are
    listed in each branch's ledger for that branch's members alone, and a grant on a node without its
    subtree shows that node's people and row only.
    """
    # The org's meetings and the zone-wide ones it took part in, by their ids first (one query): with
    # the two as an OR in the counting query, PostgreSQL walked every meeting of a city in id order
    # for one branch's ledger (2.5 s of 2.6).
    held_here = Activity.objects.filter(org=org, date__year=year).values_list("pk", flat=True).order_by()
    took_part = (
        Activity.participants.through.objects.filter(org=org).values_list("activity_id", flat=True).order_by()
    )
    ids = list(held_here.union(took_part))
    activities = list(
        selectors.with_counts(
            Activity.objects.filter(pk__in=ids, date__year=year)
            .exclude(status=Status.CANCELLED)
            .select_related("org", "theme_category", "lecturer", "training_base")
        ).order_by("date", "id")
    )
    missing: dict[int, list[Attendance]] = defaultdict(list)
    for row in (
        scoped(
            Attendance.objects.filter(activity__in=[a.pk for a in activities]),
            actor,
            "activities.view",
            "member__org__path",
        )
        .exclude(status=Participation.PRESENT)
        .select_related("member__person", "member__org")
        .order_by("activity_id", "status", "member__person__name")
    ):
        missing[row.activity_id].append(row)
    # A zone-wide activity (organized above this org, joined as a participant) counts every
    # participating branch's people; this org's ledger shows its own people's rows instead. Nothing
    # else is recorded per participant: with no rows for them, the ledger says 未登记, not 0/0.
    joined = [a.pk for a in activities if not a.org.path.startswith(org.path)]
    own: dict[int, Mapping[str, Any]] = {}
    if joined:
        for counted in (
            scoped(
                Attendance.objects.filter(activity__in=joined, member__org__path__startswith=org.path),
                actor,
                "activities.view",
                "member__org__path",
            )
            .values("activity_id")
            .annotate(
                expected=Count("id"),
                present=Count("id", filter=Q(status=Participation.PRESENT)),
                on_leave=Count("id", filter=Q(status=Participation.LEAVE)),
            )
        ):
            own[counted["activity_id"]] = counted
    for a in activities:
        zone_wide = a.pk in joined
        # Display-only attributes for the template, outside the model's fields (hence vars()).
        vars(a).update(
            missing_rows=[
                row
                for row in missing.get(a.pk, [])
                if a.pk not in joined or row.member.org.path.startswith(org.path)
            ],
            quorate=selectors.quorate(a),
            zone_wide=zone_wide,
            unrecorded=zone_wide and a.pk not in own,
        )
        if zone_wide:
            counts = own.get(a.pk, {})
            a.expected, a.present, a.on_leave = (
                counts.get(k, 0) for k in ("expected", "present", "on_leave")
            )
    appraisals = list(
        scoped(Appraisal.objects.filter(org=org, year=year), actor, "activities.view", "member__org__path")
        .select_related("member__person")
        .order_by("member__person__name")
    )
    grade_counts = Counter(a.grade for a in appraisals)
    matrix = selectors.compliance_for(actor, [org], year)
    return {
        "org": org,
        "year": year,
        "activities": activities,
        # A list, not the Counter: templates look ``.items`` up as a key first, and a Counter answers 0.
        "by_kind": list(Counter(a.get_kind_display() for a in activities if a.status == Status.HELD).items()),
        "matrix": matrix,
        "months": range(1, 13),
        "appraisals": appraisals,
        "grade_counts": [(label, grade_counts.get(value, 0)) for value, label in Grade.choices],
    }


def _turnout(a) -> str:
    if a.kind == Kind.PARTY_CONGRESS and a.quorate is False:
        return "未达法定人数，表决无效"
    return ""


def _note(a) -> str:
    if _turnout(a):
        return _turnout(a)
    if a.status == Status.PLANNED:
        return "计划"
    if a.zone_wide:
        return f"{a.org.name}组织，本组织参加"
    return ""


def ledger_xlsx(org: Org, year: int, *, actor: Actor) -> bytes:
    # Imported here, not at the top: every process loads this module at start (the app's ready()),
    # few ever write a workbook.
    import xlsxwriter

    data = ledger_data(org, year, actor=actor)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    day = book.add_format({"border": 1, "num_format": "yyyy-mm-dd", "valign": "top"})

    def sheet(name: str, headers: list[str], widths: list[int]):
        ws = book.add_worksheet(name)
        ws.write_string(0, 0, f"{org.name} {year}年组织生活台账 · {name}", title)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True)):
            ws.write_string(2, i, h, head)
            ws.set_column(i, i, w)
        ws.freeze_panes(3, 0)
        setup_sheet_printing(ws, repeat_to_row=2, landscape=True)
        return ws

    def put(ws, r: int, values: list) -> None:
        for c, v in enumerate(values):
            if v is None or v == "":
                ws.write_blank(r, c, None, cell)
            elif isinstance(v, int):
                ws.write_number(r, c, v, cell)
            elif hasattr(v, "year"):
                ws.write_datetime(r, c, v, day)
            else:
                # Always a string cell: text starting with "=" never becomes a formula.
                ws.write_string(r, c, str(v), cell)

    ws = sheet(
        "会议活动",
        [
            "日期",
            "类型",
            "主题",
            "主题大类",
            "地点",
            "主持人",
            "记录人",
            "主讲人",
            "受众",
            "应到",
            "实到",
            "请假",
            "缺席",
            "备注",
            "议程",
            "会议记录",
        ],
        # Fitted to one landscape page wide: every character of width here shrinks the print.
        [11, 12, 26, 10, 14, 8, 8, 8, 6, 6, 6, 6, 6, 16, 20, 30],
    )
    kinds, states, grades = labels(Kind.choices), labels(Participation.choices), labels(Grade.choices)
    for r, a in enumerate(data["activities"], start=3):
        # 应到 of a 支委会 is the committee on file: with no committee recorded it is 0, never a negative absence.
        absent = max(0, a.expected - a.present - a.on_leave)
        counts = ["未登记", None, None, None] if a.unrecorded else [a.expected, a.present, a.on_leave, absent]
        put(
            ws,
            r,
            [
                a.date,
                kinds[a.kind],
                a.title,
                a.theme_category.name if a.theme_category else "",
                a.place,
                a.host,
                a.recorder,
                a.speaker,
                a.audience or None,
                *counts,
                _note(a),
                a.agenda,
                a.minutes,
            ],
        )
    ws = sheet("缺席请假", ["日期", "会议", "姓名", "情况", "原因"], [11, 30, 10, 8, 20])
    r = 3
    for a in data["activities"]:
        for row in a.missing_rows:
            put(ws, r, [a.date, a.title, row.member.person.name, states[row.status], row.reason])
            r += 1
    ws = sheet("合规日历", ["组织", *[f"{m}月" for m in range(1, 13)]], [24] + [12] * 12)
    marks = {"ok": "✓", "gap": "缺", "due": "待", "future": "", "none": ""}
    for r, row in enumerate(data["matrix"].rows, start=3):
        put(
            ws,
            r,
            [row.name]
            + [
                marks[c.state] + ("：" + "、".join(c.missing) if c.missing and c.state == "gap" else "")
                for c in row.cells
            ],
        )
    ws = sheet("民主评议", ["姓名", "评议等次"], [12, 12])
    for r, a in enumerate(data["appraisals"], start=3):
        put(ws, r, [a.member.person.name, grades[a.grade]])
    book.close()
    return buffer.getvalue()


def ledger_pdf(org: Org, year: int, *, actor: Actor) -> bytes:
    html = render_to_string(
        "activities/ledger.html", {**ledger_data(org, year, actor=actor), "screen": False}
    )
    return html_to_pdf(html)
