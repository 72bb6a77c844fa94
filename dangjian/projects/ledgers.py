"""The 项目建设台账 as a registered ledger (core.ledgers), so the zone's ledger catalogue prints it with
the others: the same rows as the project module's own ledger page, drawn from the project records."""

from __future__ import annotations

from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.core.ledgers import Column, RecordRef

from . import exporters, selectors

COLUMNS = tuple(Column(h, w) for h, w in zip(exporters.HEADERS, exporters.WIDTHS, strict=True))


def construction_rows(actor: Actor, org, year: int) -> list[list]:
    return exporters.ledger_data(actor, org, year)["rows"]


def _ref(p) -> RecordRef:
    return RecordRef(
        pk=p.pk,
        label=f"{p.name}（{p.get_kind_display()}）",
        org_path=p.org.path,
        url=reverse("projects:detail", args=[p.pk]),
    )


def search_projects(actor: Actor, org, text: str, year: int | None = None) -> list[RecordRef]:
    """Projects of ``org``'s subtree the actor may see (a key-task report on 项目建设 cites them)."""
    qs = selectors.projects_visible_to(actor).select_related("org").filter(org__path__startswith=org.path)
    if year:
        qs = selectors.active_in(qs, year)
    if text.strip():
        qs = qs.filter(name__contains=text.strip())
    return [_ref(p) for p in qs.order_by("-pk")[:20]]


def get_project(actor: Actor, pk) -> RecordRef | None:
    p = selectors.projects_visible_to(actor).select_related("org").filter(pk=pk).first()
    return _ref(p) if p is not None else None
