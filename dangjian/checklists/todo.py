"""What the year's key tasks ask of an owner and a reviewer (the 待办 page, ``register_todo``)."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.core.dates import add_months, month_start
from dangjian.core.registry import TodoItem
from dangjian.core.scoping import has_capability
from dangjian.orgs.models import Org

from .models import AssignmentState, TaskStatus
from .selectors import assignments_visible_to, pending_reviews

# Above this many tasks, one line counts the rest (a zone office owns none but sees them all).
LISTED = 5


def task_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """Published tasks of ``org``'s subtree not yet done whose deadline has passed or falls this month
    (one line each for an owner who reports, a count for one who only watches), and progress reports
    waiting for the actor's review. Three queries."""
    if not has_capability(actor, "checklists.view"):
        return []
    month_end = add_months(month_start(today), 1) - timedelta(days=1)
    pending = (
        assignments_visible_to(actor)
        .filter(org__path__startswith=org.path, task__status=TaskStatus.PUBLISHED)
        .filter(state__in=(AssignmentState.OPEN, AssignmentState.RETURNED), task__due_on__lte=month_end)
        .order_by("task__due_on", "task__number", "org__path")
    )
    items = []
    reporter = has_capability(actor, "checklists.report")
    rows = list(pending[: LISTED + 1]) if reporter else []
    for a in rows[:LISTED]:
        returned = a.state == AssignmentState.RETURNED
        items.append(
            TodoItem(
                label=("修改后重新报送：" if returned else "报送任务进展：") + a.task.title,
                url=reverse("checklists:assignment", args=[a.task_id, a.org.code]),
                due=a.task.due_on,
                overdue=a.task.due_on < today,
                org=a.org.name,
                detail="审核退回，请按意见补充" if returned else (a.task.evidence_required or ""),
            )
        )
    if len(rows) > LISTED or not reporter:
        counts = pending.order_by().aggregate(
            n=Count("pk"), late=Count("pk", filter=Q(task__due_on__lt=today)), first=Min("task__due_on")
        )
        if counts["n"] and (not reporter or counts["n"] > LISTED):
            items.append(
                TodoItem(
                    label="重点任务未完成" if not reporter else "还有重点任务待报送",
                    url=reverse("checklists:matrix") + "?" + urlencode({"org": org.code}),
                    count=counts["n"] - (LISTED if reporter else 0),
                    unit="项",
                    due=counts["first"],
                    overdue=bool(counts["late"]),
                    detail=f"其中已超期{counts['late']}项" if counts["late"] else "",
                )
            )
    if has_capability(actor, "checklists.review"):
        reviews = pending_reviews(actor, org).order_by().aggregate(n=Count("pk"), first=Min("submitted_at"))
        if reviews["n"]:
            items.append(
                TodoItem(
                    label="任务进展待审核", url=reverse("checklists:reviews"), count=reviews["n"], unit="份"
                )
            )
    return items
