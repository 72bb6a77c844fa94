"""Yearly figures of ratings and evaluations (see core.metrics for the contract)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Sum

from dangjian.core.metrics import Metric, register, register_examples
from dangjian.orgs.models import Org

from .models import Campaign, CampaignPurpose, Commitment, Nomination, PointEntry, Rating

AREA = "评星评议"


register(
    Metric(
        key="ratings.star_ratings",
        label="五星支部评定",
        unit="个",
        area=AREA,
        facts=lambda year: Rating.objects.filter(year=year),
        breakdown="stars",
        breakdown_labels={n: f"{n}星" for n in range(6)},
        chart="bar",
        columns=(("org__name", "党组织"), ("stars", "星级"), ("published_at", "公布时间")),
        order=800,
    )
)
register(
    Metric(
        key="ratings.five_star",
        label="五星党组织",
        unit="个",
        area=AREA,
        facts=lambda year: Rating.objects.filter(year=year, stars=5),
        columns=(("org__name", "党组织"), ("stars", "星级")),
        order=801,
    )
)
register(
    Metric(
        key="ratings.secretary_commitments",
        label="“一定三诺两评”村党组织书记",
        unit="名",
        area=AREA,
        facts=lambda year: Commitment.objects.filter(year=year),
        columns=(("org__name", "党组织"), ("secretary_name", "书记"), ("reported_on", "述诺日期")),
        order=810,
    )
)
register(
    Metric(
        key="ratings.campaign_winners",
        label="评选表彰先进",
        unit="个",
        area=AREA,
        facts=lambda year: Nomination.objects.filter(
            campaign__year=year, campaign__status="published", winner=True
        ),
        path_field="campaign__zone__path",
        columns=(("campaign__name", "评选"), ("nominee_name", "对象"), ("org__name", "推荐单位")),
        order=820,
    )
)

register(
    Metric(
        key="ratings.points_awarded",
        label="党员积分（经审核的实绩）",
        unit="分",
        area=AREA,
        # The ledger's org is the member's branch when the deed was approved: points stay where earned.
        facts=lambda year: PointEntry.objects.filter(done_on__year=year),
        aggregate=Sum("points"),
        columns=(
            ("done_on", "日期"),
            ("member__person__name", "党员"),
            ("rule__item", "事项"),
            ("points", "分值"),
        ),
        order=830,
    )
)


def _campaign_names(purpose: str) -> Callable[[Org, int], list[str]]:
    def fetch(org: Org, year: int) -> list[str]:
        zone_path = org.path[: Org.steplen]
        qs = Campaign.objects.filter(zone__path=zone_path, year=year, purpose=purpose).order_by("pk")
        return list(qs.values_list("name", flat=True))

    return fetch


def _model_winners(org: Org, year: int) -> list[str]:
    """Collectives that won a 争先创优 campaign, the best ranked first (collectives only: the summary
    is read widely, people are named on the campaign's own masked list)."""
    rows = (
        Nomination.objects.filter(
            campaign__year=year,
            campaign__purpose=CampaignPurpose.MODEL,
            campaign__nominee_kind="org",
            campaign__status="published",
            winner=True,
            org__path__startswith=org.path,
        )
        .order_by("rank", "pk")
        .values_list("nominee_name", flat=True)
    )
    return list(dict.fromkeys(rows))[:10]


register_examples("ratings.model_campaigns", "争先创优评选", _campaign_names(CampaignPurpose.MODEL))
register_examples("ratings.reward_campaigns", "奖励评选", _campaign_names(CampaignPurpose.REWARD))
register_examples("ratings.model_winners", "争创先进集体", _model_winners)
