"""The 待办 page's list: every app's ``register_todo`` items for one org, ordered by urgency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dangjian.core import registry
from dangjian.core.actors import Actor
from dangjian.core.dates import add_months, month_start
from dangjian.core.registry import TodoItem
from dangjian.orgs.models import Org

OVERDUE, THIS_MONTH, LATER = "overdue", "month", "later"


@dataclass(frozen=True)
class Entry:
    """An item with its source's label and its urgency (overdue, due this month, later or undated)."""

    item: TodoItem
    source: str
    urgency: str


@dataclass
class TodoList:
    org: Org
    today: date
    entries: list[Entry]

    def _count(self, urgency: str) -> int:
        return sum(1 for e in self.entries if e.urgency == urgency)

    @property
    def groups(self) -> list[tuple[str, str, list[Entry]]]:
        """(urgency, heading, entries) for each urgency that has any, most urgent first."""
        headings = {OVERDUE: "已逾期", THIS_MONTH: "本月到期", LATER: "近期待办"}
        return [
            (u, headings[u], [e for e in self.entries if e.urgency == u])
            for u in (OVERDUE, THIS_MONTH, LATER)
            if any(e.urgency == u for e in self.entries)
        ]

    @property
    def overdue(self) -> int:
        return self._count(OVERDUE)

    @property
    def this_month(self) -> int:
        return self._count(THIS_MONTH)

    @property
    def later(self) -> int:
        return self._count(LATER)


def _urgency(item: TodoItem, today: date, month_end: date) -> str:
    if item.overdue or (item.due is not None and item.due < today):
        return OVERDUE
    if item.due is not None and item.due <= month_end:
        return THIS_MONTH
    return LATER


def todo_list(actor: Actor, org: Org, today: date) -> TodoList:
    """Overdue first, then what falls due this month, then the rest; within each, the earliest date
    first and undated items after dated ones, sources in their registered order."""
    month_end = add_months(month_start(today), 1) - timedelta(days=1)
    rank = {OVERDUE: 0, THIS_MONTH: 1, LATER: 2}
    keyed = []
    for n, source in enumerate(registry.todos()):
        for m, item in enumerate(source.items(actor, org, today)):
            urgency = _urgency(item, today, month_end)
            keyed.append(
                (
                    (rank[urgency], item.due is None, item.due or today, n, m),
                    Entry(item, source.label, urgency),
                )
            )
    keyed.sort(key=lambda pair: pair[0])
    return TodoList(org, today, [entry for _, entry in keyed])


def home_for(user) -> str | None:
    """Where a signed-in user with figures to see lands: a grassroots secretary (one who records the
    work of a 党委, 党总支 or 党支部) on 待办; a zone office, a liaison group or a leader who reads on the
    工作台. None for users without ``reports.view`` (core falls back to the tree or 我的)."""
    from django.urls import reverse

    from dangjian.core.scoping import has_capability
    from dangjian.orgs.models import GRASSROOTS_LEVELS
    from dangjian.orgs.selectors import top_orgs_for

    if not has_capability(user, "reports.view"):
        return None
    top = top_orgs_for(user, "reports.view").first()
    if top is not None and top.level in GRASSROOTS_LEVELS and has_capability(user, "activities.edit", top):
        return reverse("reports:todo")
    return reverse("reports:dashboard")
