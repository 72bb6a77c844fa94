"""What organizational life asks of a secretary this month (the 待办 page, ``core.registry.register_todo``).

Due and missed meetings are read from the compliance calendar (``selectors.compliance_for``), the one
place the 组织生活 rules are applied, so the 待办 page and the compliance table can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.core.registry import TodoItem
from dangjian.core.scoping import has_capability
from dangjian.orgs.models import Org

from .models import Period, Status
from .selectors import activities_visible_to, compliance_for

# Above this many branches with the same gap, one line counts them instead of naming each.
NAMED_BRANCHES = 3
# Meetings held this long ago or less whose attendance is still blank are listed.
ATTENDANCE_WITHIN_DAYS = 62
ATTENDANCE_LISTED = 5


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _period_text(period: str, number: int, year: int) -> str:
    if period == Period.MONTH:
        return f"{number}月"
    if period == Period.QUARTER:
        return f"第{number}季度"
    return f"{year}年"


def meeting_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """Required meetings not yet held in the periods running now (due at the period's end), and those
    missed earlier this year (one line per branch and kind, naming the periods)."""
    if not has_capability(actor, "activities.view"):
        return []
    matrix = compliance_for(actor, [org], today.year, today)
    may_record = has_capability(actor, "activities.edit", org)
    due: dict[tuple, list] = defaultdict(list)  # (kind, label, period text, last day) -> branches
    missed: dict[tuple, list] = defaultdict(list)  # (kind, label) -> [(branch, [period texts])]
    for row in matrix.rows:
        gaps: dict[tuple, list[tuple[str, int]]] = defaultdict(list)
        for cell in row.cells:
            if cell.state not in ("gap", "due"):
                continue
            for r in cell.requirements:
                if r.state == "due":
                    _, end = _bounds(today.year, r.period, r.period_no)
                    text = _period_text(r.period, r.period_no, today.year)
                    due[(r.kind, r.label, text, end - timedelta(days=1))].append((row, r))
                elif r.state == "missed":
                    gaps[(r.kind, r.label)].append((r.period, r.period_no))
        for key, periods in gaps.items():
            missed[key].append((row, periods))
    items = []
    for (kind, label, text, last_day), rows in due.items():
        if len(rows) <= NAMED_BRANCHES:
            for row, r in rows:
                items.append(
                    TodoItem(
                        label=f"{text}{label}尚未召开",
                        url=_url("activities:new", org=row.code, kind=kind)
                        if may_record
                        else _url("activities:compliance", org=row.code),
                        due=last_day,
                        org=row.name,
                        detail=f"已开{r.held}次，至少{r.min_count}次",
                    )
                )
        else:
            items.append(
                TodoItem(
                    label=f"{text}{label}尚未召开",
                    url=_url("activities:compliance", org=org.code),
                    count=len(rows),
                    unit="个支部",
                    due=last_day,
                    detail=_names([row.name for row, _ in rows]),
                )
            )
    # What was missed cannot be held any more: one line per branch says so, the kinds and periods below.
    by_branch: dict[int, tuple] = {}
    for (_kind, label), rows in missed.items():
        for row, periods in rows:
            entry = by_branch.setdefault(row.org_id, (row, []))
            entry[1].append((label, periods))
    if len(by_branch) <= NAMED_BRANCHES:
        for row, gaps in by_branch.values():
            items.append(
                TodoItem(
                    label=f"{today.year}年组织生活有缺开",
                    url=_url("activities:compliance", org=row.code, year=today.year),
                    count=sum(len(periods) for _, periods in gaps),
                    unit="次",
                    overdue=True,
                    org=row.name,
                    detail="；".join(
                        f"{label}缺{len(periods)}次（{_spans(periods)}）" for label, periods in gaps
                    ),
                )
            )
    elif by_branch:
        items.append(
            TodoItem(
                label=f"{today.year}年组织生活有缺开",
                url=_url("activities:compliance", org=org.code, year=today.year, gaps=1),
                count=len(by_branch),
                unit="个支部",
                overdue=True,
                detail=_names([row.name for row, _ in by_branch.values()]),
            )
        )
    return items


def _spans(periods: list[tuple[str, int]]) -> str:
    """(month, 1), (month, 2), (month, 3), (month, 5) → "1—3月、5月": runs of periods read as spans."""
    runs: list[list] = []
    for period, number in sorted(periods):
        if runs and runs[-1][0] == period and runs[-1][2] == number - 1:
            runs[-1][2] = number
        else:
            runs.append([period, number, number])
    out = []
    for period, first, last in runs:
        if period == Period.MONTH:
            out.append(f"{first}月" if first == last else f"{first}—{last}月")
        elif period == Period.QUARTER:
            out.append(f"第{first}季度" if first == last else f"第{first}—{last}季度")
        else:
            out.append("全年")
    return "、".join(out)


def _bounds(year: int, period: str, number: int) -> tuple[date, date]:
    from .selectors import _period_bounds

    return _period_bounds(year, period, number)


def _names(names: list[str], shown: int = 3) -> str:
    head = "、".join(names[:shown])
    return f"{head}等{len(names)}个支部" if len(names) > shown else head


def attendance_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """Meetings of the last two months held (or dated) on or before today whose attendance nobody has
    recorded: 应到/实到 and the quorum are derived from it. One query."""
    if not has_capability(actor, "activities.edit"):
        return []
    blank = list(
        activities_visible_to(actor, "activities.edit")
        .filter(org__path__startswith=org.path, date__lte=today)
        .filter(date__gte=today - timedelta(days=ATTENDANCE_WITHIN_DAYS))
        .exclude(status=Status.CANCELLED)
        .annotate(marked=Count("attendance"))
        .filter(marked=0)
        .order_by("date", "id")
        .values("pk", "title", "date", "org__name")[: ATTENDANCE_LISTED + 1]
    )
    items = [
        TodoItem(
            label=f"登记出席：{a['title']}",
            url=reverse("activities:attendance", args=[a["pk"]]),
            due=a["date"],
            org=a["org__name"],
            detail=f"会议日期 {a['date'].month}月{a['date'].day}日，尚未登记出席",
        )
        for a in blank[:ATTENDANCE_LISTED]
    ]
    if len(blank) > ATTENDANCE_LISTED:
        items.append(
            TodoItem(
                label="还有会议未登记出席",
                url=_url("activities:index", org=org.code),
                detail="请在组织生活列表中逐一登记",
            )
        )
    return items
