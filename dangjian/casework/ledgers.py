"""The 走访台账 and 民生实事台账 in the zone's ledger catalogue (core.ledgers), drawn by the same exporters
as the casework pages, and visits as records a key-task report can cite."""

from __future__ import annotations

from django.db.models import Q

from dangjian.core.actors import Actor
from dangjian.core.ledgers import Column, RecordRef, Section

from . import selectors
from .exporters import RequestLedger, VisitLedger


def _sections(exporter_cls):
    def build(actor: Actor, org, year: int) -> list[Section]:
        ledger = exporter_cls(actor=actor, org=org, year=year)
        columns = tuple(Column(h, ledger.column_widths.get(i, 12)) for i, h in enumerate(ledger.headers))
        return [Section(ledger.name, columns, list(ledger.iterate_rows()), note=ledger.summary())]

    return build


visit_sections = _sections(VisitLedger)
request_sections = _sections(RequestLedger)


def _ref(v) -> RecordRef:
    return RecordRef(pk=v.pk, label=f"{v.date:%Y-%m-%d} 走访{v.visitee}（{v.visitor}）", org_path=v.org.path)


def search_visits(actor: Actor, org, text: str, year: int | None = None) -> list[RecordRef]:
    """Visits in ``org``'s subtree the actor may see, newest first (a key-task report cites them)."""
    qs = selectors.visits_visible_to(actor).select_related("org").filter(org__path__startswith=org.path)
    if year:
        qs = qs.filter(date__year=year)
    text = text.strip()
    if text:
        qs = qs.filter(Q(visitee__contains=text) | Q(raised__contains=text))
    return [_ref(v) for v in qs.order_by("-date", "-id")[:20]]


def get_visit(actor: Actor, pk) -> RecordRef | None:
    v = selectors.visits_visible_to(actor).select_related("org").filter(pk=pk).first()
    return _ref(v) if v is not None else None
