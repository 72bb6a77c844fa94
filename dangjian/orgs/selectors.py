from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from dangjian.core.scoping import grants_for, scoped

from .models import GRASSROOTS_LEVELS, TERM_WARNING_DAYS, CommitteeTerm, LiaisonGroup, Org


def orgs_visible_to(actor, capability: str = "orgs.view") -> QuerySet[Org]:
    return scoped(Org.objects.all(), actor, capability)


def top_orgs_for(actor, capability: str = "orgs.view") -> QuerySet[Org]:
    """The highest orgs of the actor's scope: where their tree starts."""
    paths = {g.path for g in grants_for(actor) if capability in g.capabilities or "*" in g.capabilities}
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return Org.objects.filter(path__in=tops).order_by("path")


def children_in_scope(actor, org: Org, capability: str = "orgs.view") -> QuerySet[Org]:
    return (
        orgs_visible_to(actor, capability)
        .filter(path__startswith=org.path, depth=org.depth + 1)
        .order_by("path")
    )


def grassroots_count(org: Org) -> int:
    return (
        Org.objects.filter(path__startswith=org.path, level__in=GRASSROOTS_LEVELS, active=True)
        .exclude(pk=org.pk)
        .count()
    )


def ancestors_in_scope(actor, org: Org) -> list[Org]:
    paths = [org.path[: i * Org.steplen] for i in range(1, org.depth)]
    return list(orgs_visible_to(actor).filter(path__in=paths).order_by("depth"))


def current_term(org: Org) -> CommitteeTerm | None:
    return org.terms.prefetch_related("posts").order_by("-elected_on").first()


def terms_due_soon(actor, days: int = TERM_WARNING_DAYS) -> list[CommitteeTerm]:
    """Current terms that fall due (换届) within ``days`` or are already overdue, in scope."""
    today = timezone.localdate()
    terms = scoped(CommitteeTerm.objects.select_related("org"), actor, "orgs.view").order_by(
        "org_id", "-elected_on"
    )
    latest: dict[int, CommitteeTerm] = {}
    for term in terms:
        latest.setdefault(term.org_id, term)
    horizon = today + timedelta(days=days)
    return sorted((t for t in latest.values() if t.due_on <= horizon), key=lambda t: t.due_on)


def liaison_groups_visible_to(actor) -> QuerySet[LiaisonGroup]:
    return scoped(LiaisonGroup.objects.all(), actor, "orgs.view").prefetch_related(
        Prefetch("orgs", queryset=Org.objects.order_by("path")), "members"
    )
