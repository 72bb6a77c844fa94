"""What members, dues, transfers and 发展党员 ask of a secretary (the 待办 page, ``register_todo``).

Each source reads through this app's scoped selectors, in a fixed number of queries (counts, not
one query per member or branch).
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.core.dates import add_months, month_start
from dangjian.core.registry import TodoItem
from dangjian.core.scoping import has_capability
from dangjian.orgs.models import Org

from . import selectors
from .development import APPROVAL_WITHIN_MONTHS, TALK_WITHIN_MONTHS
from .models import DevelopmentStep, DuesPayment, DuesWaiver, Stage, TransferState

# 转正 is listed this many days before it falls due (the branch meeting has to be called).
CONVERSION_AHEAD_DAYS = 31
# An activist is reviewed every half year (细则第十二条).
REVIEW_EVERY_MONTHS = 6
REVIEW_AHEAD_DAYS = 31
# Above this many people at one step, one line counts them (a zone office sees the whole zone).
NAMED_CASES = 5
STEP_GROUPS = {
    "talk": "与入党申请人谈话",
    "review": "考察入党积极分子",
    "approve": "报上级党委审批预备党员",
    "conversion": "召开支部党员大会讨论转正",
}


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _month_end(today: date) -> date:
    return add_months(month_start(today), 1) - timedelta(days=1)


def dues_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """This month's dues not yet paid (months under an approved 免交/少交 excepted), and the members
    flagged under 党章 Article 9 (six months without paying, six without organizational life)."""
    if not has_capability(actor, "members.view"):
        return []
    month = month_start(today)
    paid = DuesPayment.objects.filter(member=OuterRef("pk"), month=month)
    waived = DuesWaiver.objects.filter(member=OuterRef("pk"), from_month__lte=month).filter(
        Q(to_month__isnull=True) | Q(to_month__gte=month)
    )
    members = selectors.members_visible_to(actor).filter(org__path__startswith=org.path)
    unpaid = members.exclude(Exists(paid)).exclude(Exists(waived)).count()
    months = settings.LAPSE_MONTHS
    under = Q(org__path__startswith=org.path)
    lapsed = selectors.unpaid_dues(actor, months=months, today=today).filter(under).count()
    lifeless = selectors.without_organizational_life(actor, months=months, today=today).filter(under).count()
    dues_url = _url("people:dues", month=f"{month:%Y-%m}")
    items = []
    if unpaid:
        items.append(
            TodoItem(
                label=f"{today.month}月党费未缴",
                url=dues_url,
                count=unpaid,
                unit="人",
                due=_month_end(today),
                detail="按月收缴，已批准免交、少交的不计",
            )
        )
    if lapsed:
        items.append(
            TodoItem(
                label=f"连续{months}个月未缴党费",
                url=dues_url,
                count=lapsed,
                unit="人",
                overdue=True,
                detail="党章第九条：无正当理由的，视为自行脱党，请及时谈话了解情况",
            )
        )
    if lifeless:
        items.append(
            TodoItem(
                label=f"连续{months}个月未参加组织生活",
                url=dues_url,
                count=lifeless,
                unit="人",
                overdue=True,
                detail="党章第九条：无正当理由的，视为自行脱党，请及时谈话了解情况",
            )
        )
    return items


def transfer_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """Transfers waiting for this side: to approve or issue (the sending branch), to receive (the
    receiving branch), and letters past their validity still 在途. One query."""
    if not has_capability(actor, "members.edit"):
        return []
    sending = Q(from_org__path__startswith=org.path)
    receiving = Q(to_org__path__startswith=org.path)
    counts = (
        selectors.transfers_visible_to(actor, "members.edit")
        .filter(sending | receiving)
        .aggregate(
            approve=Count("pk", filter=sending & Q(state=TransferState.APPLIED)),
            issue=Count("pk", filter=sending & Q(state=TransferState.APPROVED)),
            receive=Count("pk", filter=receiving & Q(state=TransferState.IN_TRANSIT)),
            first_applied=Min("applied_on", filter=sending & Q(state=TransferState.APPLIED)),
            first_issued=Min("issued_on", filter=receiving & Q(state=TransferState.IN_TRANSIT)),
        )
    )
    url = reverse("people:transfers")
    items = []
    if counts["approve"]:
        items.append(
            TodoItem(
                label="组织关系转出待审批",
                url=url,
                count=counts["approve"],
                unit="人",
                detail=f"最早于{_day(counts['first_applied'])}申请",
            )
        )
    if counts["issue"]:
        items.append(TodoItem(label="组织关系介绍信待开具", url=url, count=counts["issue"], unit="人"))
    if counts["receive"]:
        items.append(
            TodoItem(
                label="转入本支部的组织关系待接收",
                url=url,
                count=counts["receive"],
                unit="人",
                detail=f"最早于{_day(counts['first_issued'])}开出",
            )
        )
    return items


def _day(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def development_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """发展党员 steps with a time limit falling due: the talk within a month of the application, the
    half-yearly review of an activist, the higher committee's approval within three months of the
    vote, and 转正 at the end of probation. Two queries; one line per person (they are few)."""
    if not has_capability(actor, "members.view"):
        return []
    reviewed = (
        DevelopmentStep.objects.filter(case=OuterRef("pk"), step="review")
        .order_by()
        .values("case")
        .annotate(last=Max("on"))
        .values("last")
    )
    cases = (
        selectors.development_visible_to(actor)
        .filter(org__path__startswith=org.path)
        .filter(
            Q(stage=Stage.APPLICANT, talked_on__isnull=True)
            | Q(stage=Stage.ACTIVIST)
            | Q(stage=Stage.PROBATIONARY, voted_on__isnull=False)
        )
        .annotate(last_review=Subquery(reviewed[:1]))
        .order_by("applied_on", "pk")
    )
    url = reverse("people:development")
    by_step: dict[str, list[TodoItem]] = {}
    for case in cases:
        name = case.person.name
        if case.stage == Stage.APPLICANT:
            due = add_months(case.applied_on, TALK_WITHIN_MONTHS)
            step, label, rule = "talk", f"与入党申请人{name}谈话", "细则第七条：一个月内谈话"
        elif case.stage == Stage.ACTIVIST:
            since = case.last_review or case.activist_on
            if since is None:
                continue
            due = add_months(since, REVIEW_EVERY_MONTHS)
            if due - today > timedelta(days=REVIEW_AHEAD_DAYS):
                continue
            step, label, rule = "review", f"考察入党积极分子{name}", "细则第十二条：每半年考察一次"
        elif case.approved_on is None and case.voted_on is not None:
            due = add_months(case.voted_on, APPROVAL_WITHIN_MONTHS)
            step, label, rule = "approve", f"报上级党委审批预备党员{name}", "细则第二十五条：三个月内审批"
        else:
            conversion = case.conversion_due_on
            if conversion is None or conversion - today > timedelta(days=CONVERSION_AHEAD_DAYS):
                continue
            due = conversion
            step, label, rule = (
                "conversion",
                f"召开支部党员大会讨论{name}转正",
                "党章第七条：预备期满讨论转正",
            )
        # The list's row of this person (the page scrolls to it and marks it).
        item = TodoItem(
            label=label,
            url=f"{url}#case-{case.pk}",
            due=due,
            overdue=due < today,
            org=case.org.name,
            detail=rule,
        )
        by_step.setdefault(step, []).append(item)
    items = []
    for step, listed in by_step.items():
        if len(listed) <= NAMED_CASES:
            items.extend(listed)
            continue
        first = min(listed, key=lambda i: i.due or today)
        items.append(
            TodoItem(
                label=STEP_GROUPS[step],
                url=url,
                count=len(listed),
                unit="人",
                due=first.due,
                overdue=any(i.overdue for i in listed),
                detail=f"最早一项{_day(first.due)}到期",
            )
        )
    return items
