"""Every read of the projects module, scoped to the actor (out of scope is never listed nor counted)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db.models import Case, Count, Q, QuerySet, Sum, When

from dangjian.core.actors import Actor
from dangjian.core.scoping import scoped

from .models import (
    CommandoTeam,
    Enterprise,
    Initiative,
    PlaceKind,
    Project,
    ProjectKind,
    ProjectStatus,
    ServicePlace,
)


def projects_visible_to(actor: Actor, capability: str = "projects.view") -> QuerySet[Project]:
    return scoped(Project.objects.select_related("org", "parent"), actor, capability)


def teams_visible_to(actor: Actor, capability: str = "projects.view") -> QuerySet[CommandoTeam]:
    return scoped(CommandoTeam.objects.select_related("org", "project"), actor, capability)


def enterprises_visible_to(actor: Actor, capability: str = "projects.view") -> QuerySet[Enterprise]:
    return scoped(Enterprise.objects.select_related("org"), actor, capability)


def places_visible_to(actor: Actor, capability: str = "projects.view") -> QuerySet[ServicePlace]:
    return scoped(ServicePlace.objects.select_related("org"), actor, capability)


PUBLIC_ORDER = (PlaceKind.SERVICE_STATION, PlaceKind.SERVICE_CENTER, PlaceKind.PROPERTY, PlaceKind.VENUE)


def public_places(zone_path: str = "") -> QuerySet[ServicePlace]:
    """Places residents may go to, for the public request page (no personal data on them)."""
    qs = ServicePlace.objects.filter(public=True)
    if zone_path:
        qs = qs.filter(org__path__startswith=zone_path)
    # The 24-hour stations first: a resident reading this at night wants the one that is open.
    first = Case(*(When(kind=k, then=i) for i, k in enumerate(PUBLIC_ORDER)), default=len(PUBLIC_ORDER))
    return qs.order_by(first, "name", "pk").only(
        "name", "kind", "address", "opening_hours", "services", "phone"
    )


def active_in(qs: QuerySet, year: int, start: str = "started_on", end: str = "finished_on") -> QuerySet:
    """Rows whose span touches ``year``: begun by its end (or not dated) and not ended before it."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return qs.filter(Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": last})).filter(
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
    )


def rolled_progress(projects: Sequence[Project]) -> dict[int, int]:
    """Each project's progress (%): a leaf's own, a parent's the weighted progress of its children.

    One query per level of sub-projects (two at most), whatever the number of projects."""
    progress: dict[int, int] = {p.pk: p.progress for p in projects}
    children: dict[int, list[tuple[int, int]]] = defaultdict(list)
    level = [p.pk for p in projects]
    rows_by_id: dict[int, tuple[int, int]] = {}
    while level:
        rows = list(
            Project.objects.filter(parent_id__in=level).values_list("pk", "parent_id", "weight", "progress")
        )
        for pk, parent_id, weight, own in rows:
            children[parent_id].append((pk, weight))
            rows_by_id[pk] = (weight, own)
        level = [r[0] for r in rows]

    def value(pk: int, own: int) -> int:
        kids = children.get(pk)
        if not kids:
            return own
        total = sum(w for _, w in kids)
        weighted = sum(value(k, rows_by_id[k][1]) * w for k, w in kids)
        return round(weighted / total)

    return {pk: value(pk, own) for pk, own in progress.items()}


def investment_by_kind_and_status(actor: Actor, org, year: int) -> list[dict]:
    """Top-level projects in ``org``'s subtree active in ``year``: count and investment (分) per kind × status."""
    qs = active_in(
        projects_visible_to(actor).filter(org__path__startswith=org.path, parent__isnull=True), year
    )
    rows = (
        qs.values("kind", "status").annotate(n=Count("pk"), fen=Sum("investment")).order_by("kind", "status")
    )
    kinds, statuses = dict(ProjectKind.choices), dict(ProjectStatus.choices)
    return [
        {
            "kind": kinds.get(r["kind"], r["kind"]),
            "status": statuses.get(r["status"], r["status"]),
            "count": r["n"],
            "fen": r["fen"] or 0,
        }
        for r in rows
    ]


def ledger_projects(actor: Actor, org, year: int) -> QuerySet[Project]:
    """The 项目建设台账 of ``org``'s subtree for ``year``: projects active that year, parents before children."""
    qs = projects_visible_to(actor).filter(org__path__startswith=org.path)
    return active_in(qs, year).order_by("org__path", "parent_id", "name", "pk")


def initiative_label(value: str) -> str:
    """The 专项行动's name, or "" for a project in none (never the form's "（无）" placeholder)."""
    return str(dict(Initiative.choices).get(value, "")) if value else ""
