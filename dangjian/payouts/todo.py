"""Payout lists waiting for the actor's sign-off (the 待办 page, ``core.registry.register_todo``)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.core.registry import TodoItem
from dangjian.core.scoping import has_capability, scope_q
from dangjian.orgs.models import Org

from .models import ListStatus
from .selectors import programmes_visible_to

LISTED = 5


def list_items(actor: Actor, org: Org, today: date) -> list[TodoItem]:
    """Lists at the step this actor may sign — 审核 a prepared list, 审批 a verified one — and not
    already signed by them (prepare, verify and approve are three people). One query."""
    steps = [
        (ListStatus.PREPARED, "payouts.verify", "发放名单待审核"),
        (ListStatus.VERIFIED, "payouts.approve", "发放名单待审批"),
    ]
    wanted = Q()
    for status, capability, _ in steps:
        if has_capability(actor, capability):
            wanted |= Q(status=status) & scope_q(actor, capability, "org__path")
    if not wanted:
        return []
    qs = programmes_visible_to(actor).filter(wanted, org__path__startswith=org.path)
    me = getattr(actor, "pk", None)
    if me is not None:
        qs = qs.exclude(Q(prepared_by_id=me) | Q(verified_by_id=me))
    rows = list(qs.order_by("prepared_at", "pk")[: LISTED + 1])
    labels: dict[str, str] = {str(status): label for status, _, label in steps}
    items = [
        TodoItem(
            label=f"{labels[p.status]}：{p.name}",
            url=reverse("payouts:programme", args=[p.pk]),
            org=p.org.name,
            detail="编制、审核、审批须由三名不同人员完成",
        )
        for p in rows[:LISTED]
    ]
    if len(rows) > LISTED:
        items.append(TodoItem(label="还有发放名单待签核", url=reverse("payouts:index")))
    return items
