"""Every read of ratings and evaluations, scoped to the actor."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from dangjian.core import metrics
from dangjian.core.actors import Actor
from dangjian.core.pii import mask_name
from dangjian.core.scoping import scoped
from dangjian.orgs.models import Kind, Org

from .models import (
    Ballot,
    Campaign,
    Choice,
    Commitment,
    EnteredScore,
    IndicatorSource,
    Nomination,
    PointEntry,
    PointRule,
    Rating,
    SchemeKind,
    StarScheme,
    VotingCode,
)

RATABLE_KINDS = (Kind.VILLAGE, Kind.COMMUNITY)

if TYPE_CHECKING:
    from dangjian.people.models import Member


def ratings_visible_to(actor: Actor, capability: str = "ratings.view") -> QuerySet[Rating]:
    return scoped(Rating.objects.select_related("org", "scheme"), actor, capability)


def campaigns_visible_to(actor: Actor, capability: str = "ratings.view") -> QuerySet[Campaign]:
    """Campaigns of the zones above the actor's orgs: a branch sees the campaigns it may nominate to."""
    visible = scoped(Org.objects.all(), actor, capability).values_list("path", flat=True)[:1000]
    zones = {p[: Org.steplen] for p in visible}
    return Campaign.objects.filter(zone__path__in=zones).select_related("zone")


def commitments_visible_to(actor: Actor, capability: str = "ratings.view") -> QuerySet[Commitment]:
    return scoped(Commitment.objects.select_related("org"), actor, capability)


def points_visible_to(actor: Actor, capability: str = "ratings.view") -> QuerySet[PointEntry]:
    return scoped(
        PointEntry.objects.select_related("rule", "member__person", "approved_by"), actor, capability
    )


def nominations_visible_to(actor: Actor, capability: str = "ratings.view") -> QuerySet[Nomination]:
    return scoped(Nomination.objects.select_related("org", "campaign"), actor, capability)


def point_rules(org: Org) -> QuerySet[PointRule]:
    return PointRule.objects.filter(zone__path=org.path[: Org.steplen], active=True)


def is_ratable(org: Org) -> bool:
    """The village's or community's own top organization (a 党支部, 党总支 or 社区党委), not its sub-branches."""
    if org.kind not in RATABLE_KINDS or org.level == "group":
        return False
    prefixes = [org.path[:i] for i in range(Org.steplen, len(org.path), Org.steplen)]
    return not Org.objects.filter(path__in=prefixes, kind=org.kind).exists()


def ratable_orgs(zone: Org) -> QuerySet[Org]:
    return Org.objects.filter(
        path__startswith=zone.path, depth=zone.depth + 1, kind__in=RATABLE_KINDS
    ).order_by("path")


def schemes_of_year(zone: Org, year: int) -> tuple[list[StarScheme], list[StarScheme], list[str]]:
    """The zone's schemes of ``year`` (each indicator carrying its figure's Chinese name, never the
    key), for each kind without one the latest earlier year's scheme to start from, and the names of
    the kinds still without a scheme."""
    found = list(StarScheme.objects.filter(zone=zone, year=year).prefetch_related("stars__indicators"))
    labels = {m.key: m.label for m in metrics.all_metrics()}
    for scheme in found:
        for star in scheme.stars.all():
            for ind in star.indicators.all():
                # Display-only, outside the model's fields (hence vars()).
                vars(ind)["metric_label"] = labels.get(ind.metric_key, "")
    present = {s.kind for s in found}
    earlier: dict[str, StarScheme] = {}
    for s in StarScheme.objects.filter(zone=zone, year__lt=year).order_by("kind", "-year"):
        if s.kind not in present:
            earlier.setdefault(s.kind, s)
    missing = [str(label) for kind, label in SchemeKind.choices if kind not in present]
    return found, list(earlier.values()), missing


def scheme_for(org: Org, year: int) -> StarScheme | None:
    return (
        StarScheme.objects.filter(zone__path=org.path[: Org.steplen], year=year, kind=org.kind)
        .prefetch_related("stars__indicators")
        .first()
    )


def live_stars(org: Org, year: int, scheme: StarScheme) -> list[dict]:
    """Each star's indicators as the records stand today: value, points earned, evidence; and whether
    the star is earned. This is also exactly what a published rating freezes."""
    entered = {
        s.indicator_id: s
        for s in EnteredScore.objects.filter(org=org, year=year, indicator__star__scheme=scheme)
    }
    out = []
    for star in scheme.stars.all():
        rows, total = [], 0
        for ind in star.indicators.all():
            if ind.source == IndicatorSource.METRIC:
                metric = metrics.get_or_none(ind.metric_key)
                value = metric.value(org, year) if metric is not None else 0
                points = ind.points * min(value, ind.target) // ind.target
                evidence = (
                    f"{metric.label if metric else ind.metric_key}：{value}{metric.unit if metric else ''}"
                )
            else:
                score = entered.get(ind.pk)
                value = score.points if score else 0
                points = value
                evidence = score.evidence if score else "未填报"
            total += points
            rows.append(
                {"name": ind.name, "max": ind.points, "value": value, "points": points, "evidence": evidence}
            )
        out.append(
            {
                "name": star.name,
                "max": star.max_points,
                "threshold": star.threshold,
                "points": total,
                "earned": total >= star.threshold,
                "indicators": rows,
            }
        )
    return out


def star_distribution(actor: Actor, zone: Org, year: int) -> dict:
    """How many branches have 5, 4, 3 … stars, and which star is most often missed (published ratings)."""
    ratings = list(ratings_visible_to(actor).filter(org__path__startswith=zone.path, year=year))
    by_stars = Counter(r.stars for r in ratings)
    missed = Counter(s["name"] for r in ratings for s in r.snapshot.get("stars", []) if not s["earned"])
    return {
        "total": len(ratings),
        "by_stars": [(n, by_stars.get(n, 0)) for n in range(5, -1, -1)],
        "most_missed": missed.most_common(5),
    }


def evaluation_results(commitments: list[Commitment], today: date | None = None) -> dict[int, dict]:
    """The 两评 outcome of each commitment under the configured rule, in two grouped queries whatever
    the number of commitments; ``closed`` says whether the results may be shown."""
    today = today or timezone.localdate()
    ids = [c.pk for c in commitments]
    ballots: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for pk, choice, n in (
        Ballot.objects.filter(commitment_id__in=ids)
        .values_list("commitment_id", "choice")
        .annotate(n=Count("id"))
    ):
        ballots[pk][choice] = n
    codes: dict[int, Mapping[str, Any]] = {
        row["commitment_id"]: row
        for row in VotingCode.objects.filter(commitment_id__in=ids)
        .values("commitment_id")
        .annotate(total=Count("id"), used=Count("id", filter=Q(used_on__isnull=False)))
    }
    rule = settings.DANGJIAN_EVALUATION_RULE
    weights: dict[str, int] = {
        Choice.SATISFIED: 100,
        Choice.FAIRLY: rule["fairly_points"],
        Choice.DISSATISFIED: 0,
    }
    out = {}
    for c in commitments:
        counts = ballots[c.pk]
        total = sum(counts.values())
        satisfaction = round(sum(weights[k] * n for k, n in counts.items()) / total, 1) if total else None
        dissatisfied_share = counts.get(Choice.DISSATISFIED, 0) / total if total else 0
        score = None
        if satisfaction is not None and c.org_score is not None:
            score = round(satisfaction * rule["vote_weight"] + c.org_score * (1 - rule["vote_weight"]), 1)
        out[c.pk] = {
            "closed": c.voting_closes_on is not None and today > c.voting_closes_on,
            "ballots": total,
            "codes_used": codes.get(c.pk, {}).get("used", 0),
            "codes": codes.get(c.pk, {}).get("total", 0),
            "counts": [(label, counts.get(value, 0)) for value, label in Choice.choices],
            "satisfaction": satisfaction,
            "score": score,
            "grade": next(label for floor, label in rule["grades"] if score >= floor)
            if score is not None
            else None,
            "warning": dissatisfied_share >= rule["warning_share"],
            "dissatisfied_share": round(dissatisfied_share * 100, 1),
        }
    return out


def evaluation_result(commitment: Commitment, today: date | None = None) -> dict:
    return evaluation_results([commitment], today)[commitment.pk]


def published_list(campaign: Campaign) -> list[dict]:
    """The public list of winners: personal names masked, organizations in full."""
    rows = campaign.nominations.filter(winner=True).select_related("org").order_by("rank")
    return [
        {
            "rank": n.rank,
            "name": mask_name(n.nominee_name)
            if n.person_id or campaign.nominee_kind == "person"
            else n.nominee_name,
            "org": n.org.name,
            "average": n.average,
        }
        for n in rows
    ]


def campaign_winners(campaign_id: int) -> list[Mapping[str, Any]]:
    """For payouts: the winners of a published campaign (person id when a person won).

    Empty until the campaign is published: nobody is paid on a provisional ranking."""
    rows = (
        Nomination.objects.filter(campaign_id=campaign_id, winner=True, campaign__status="published")
        .order_by("rank", "pk")
        .values("pk", "nominee_name", "person_id", "org_id", "rank")
    )
    return list(rows)


def member_points(member: Member, year: int) -> int:
    return PointEntry.objects.filter(member=member, done_on__year=year).aggregate(s=Sum("points"))["s"] or 0


def points_evidence(member_ids: list[int], year: int, actor: Actor) -> dict[int, str]:
    """For 民主评议: each member's points for the year's approved deeds, as evidence for people to weigh
    (never a ranking). A correction's negative entry counts against the total, not as a deed."""
    rows = (
        points_visible_to(actor)
        .filter(member_id__in=member_ids, done_on__year=year)
        .values("member_id")
        .annotate(
            total=Sum("points"),
            entered=Count("pk", filter=Q(corrects__isnull=True)),
            corrections=Count("pk", filter=Q(corrects__isnull=False)),
        )
    )
    found = {r["member_id"]: (r["total"], r["entered"] - r["corrections"]) for r in rows}
    return {pk: f"{total}分（{deeds}项事迹）" for pk, (total, deeds) in found.items() if deeds > 0}
