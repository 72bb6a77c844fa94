from datetime import date, timedelta

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.scoping import grants_for, scoped

from .models import (
    GRASSROOTS_LEVELS,
    TERM_WARNING_DAYS,
    CommitteePost,
    CommitteeTerm,
    Level,
    LiaisonGroup,
    Org,
    Post,
)


def orgs_visible_to(actor: Actor, capability: str = "orgs.view") -> QuerySet[Org]:
    return scoped(Org.objects.all(), actor, capability)


# --- the picker's sources (core.pickers, registered in apps.py) -----------------------------------------


def pickable_orgs(actor: Actor, capability: str) -> QuerySet[Org]:
    """Active orgs the actor holds ``capability`` on: what an org picker lists and accepts."""
    return orgs_visible_to(actor, capability).filter(active=True)


def pickable_grassroots(actor: Actor, capability: str) -> QuerySet[Org]:
    """Only 党委/党总支/党支部 (the orgs a key task or a liaison group is given to)."""
    return pickable_orgs(actor, capability).filter(level__in=GRASSROOTS_LEVELS)


def pickable_branches(actor: Actor, capability: str) -> QuerySet[Org]:
    """Only 党支部 (where members are kept, imported and transferred to)."""
    return pickable_orgs(actor, capability).filter(level=Level.BRANCH)


def pickable_zone_branches(actor: Actor, capability: str) -> QuerySet[Org]:
    """The 党支部 of the zones where the actor holds ``capability``: a member may transfer to any."""
    return pickable_zone_orgs(actor, capability).filter(level=Level.BRANCH)


def pickable_zone_orgs(actor: Actor, capability: str) -> QuerySet[Org]:
    """Every active org of the zones where the actor holds ``capability`` anywhere: a transfer may go
    to a branch the sender does not manage (the picker shows names only)."""
    zones = {
        p[: Org.steplen] for p in orgs_visible_to(actor, capability).values_list("path", flat=True)[:1000]
    }
    q = Q(pk__in=[])
    for zone in sorted(zones):
        q |= Q(path__startswith=zone)
    return Org.objects.filter(q, active=True)


def search_orgs(qs: QuerySet[Org], text: str) -> QuerySet[Org]:
    """By a fragment of the name or short name, or by pinyin initials anywhere in the name (``shsq``
    finds 三海社区党委, and so does ``sq``): org names start with their place, often the same one."""
    text = text.strip()
    if text.isascii() and text.isalpha():
        return qs.filter(name_initials__contains=text.lower()).order_by("path")
    return qs.filter(Q(name__contains=text) | Q(short_name__contains=text)).order_by("path")


def top_orgs_for(actor: Actor, capability: str = "orgs.view") -> QuerySet[Org]:
    """The highest orgs of the actor's scope: where their tree starts."""
    paths = {g.path for g in grants_for(actor) if capability in g.capabilities or "*" in g.capabilities}
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return Org.objects.filter(path__in=tops).order_by("path")


def children_in_scope(actor: Actor, org: Org, capability: str = "orgs.view") -> QuerySet[Org]:
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


def ancestors_in_scope(actor: Actor, org: Org, capability: str = "orgs.view") -> list[Org]:
    """The org's ancestors the actor may see with ``capability``, top first (for breadcrumbs)."""
    paths = [org.path[: i * Org.steplen] for i in range(1, org.depth)]
    if not paths:
        return []
    return list(orgs_visible_to(actor, capability).filter(path__in=paths).order_by("depth"))


_POST_RANK = Case(*(When(post=p, then=Value(i)) for i, p in enumerate(Post.values)), default=Value(99))


def current_term(org: Org) -> CommitteeTerm | None:
    posts = CommitteePost.objects.annotate(rank=_POST_RANK).order_by("rank", "id")
    return org.terms.prefetch_related(Prefetch("posts", queryset=posts)).order_by("-elected_on").first()


def terms_due_soon(actor: Actor, days: int = TERM_WARNING_DAYS, limit: int = 20) -> list[CommitteeTerm]:
    """Current (latest) terms in scope falling due (换届) within ``days`` or overdue, soonest first."""
    horizon = timezone.localdate() + timedelta(days=days)
    newer = CommitteeTerm.objects.filter(org=OuterRef("org"), elected_on__gt=OuterRef("elected_on"))
    terms = scoped(CommitteeTerm.objects.select_related("org"), actor, "orgs.view")
    return list(
        terms.filter(due_on__lte=horizon).exclude(Exists(newer)).order_by("due_on", "org__path")[:limit]
    )


def liaison_groups_visible_to(actor: Actor) -> QuerySet[LiaisonGroup]:
    return scoped(LiaisonGroup.objects.select_related("zone"), actor, "orgs.view").prefetch_related(
        Prefetch("orgs", queryset=Org.objects.order_by("path")), "members"
    )


def committee_on(org: Org, day: date) -> tuple[set[int], int]:
    """The committee of ``org`` on ``day`` (the latest term elected on or before it, posts held that
    day): the ids of the persons holding a post, and how many posts in force name nobody on file —
    a 支委会's quorum can only be judged when every post is linked to a person."""
    from django.db.models import Q

    term = org.terms.filter(elected_on__lte=day).order_by("-elected_on").first()
    if term is None:
        return set(), 0
    posts = term.posts.filter(Q(started_on__isnull=True) | Q(started_on__lte=day)).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )
    rows = list(posts.values_list("person_id", flat=True))
    return {p for p in rows if p}, sum(1 for p in rows if not p)
