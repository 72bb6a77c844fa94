"""What residents' requests ask of a secretary (the 待办 page, ``core.registry.register_todo``)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.core.registry import TodoItem
from dangjian.core.scoping import has_capability
from dangjian.orgs.models import Org

from .selectors import queue_for


def _url(org: Org, tab: str) -> str:
    # The queue's org filter is its picker's value, the org's id (casework.views._org_param).
    return reverse("casework:index") + "?" + urlencode({"org": org.pk, "tab": tab})


def request_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """Overdue requests, those due within two working days, and new ones waiting to be taken up — the
    secretary's queue (``selectors.queue_for``), counted in three queries; the date is the earliest
    deadline among them."""
    if not has_capability(actor, "casework.view"):
        return []
    queue = queue_for(actor, org, today)
    items = []
    for qs, label, tab, overdue in (
        (queue.overdue, "群众诉求已超期", "overdue", True),
        (queue.due_soon, "群众诉求即将到期", "due_soon", False),
        (queue.new, "群众诉求待办理", "new", False),
    ):
        row = qs.order_by().aggregate(n=Count("pk"), first=Min("deadline"))
        if not row["n"]:
            continue
        items.append(
            TodoItem(
                label=label,
                url=_url(org, tab),
                count=row["n"],
                unit="件",
                due=row["first"],
                overdue=overdue,
            )
        )
    return items
