"""The demo zone's 2023 ratings: 五星 schemes for villages and communities, pledges, entered scores and
the published ratings; the four campaigns with nominations, judges' scores and winners; the village
secretaries' 一定三诺两评 with their anonymous votes; a points rule table and a few approved deeds.

Ratings, campaigns, commitments and points go through the services. Two things are history that the
services (rightly) refuse to write today — a pledge for a past year and votes cast in 2023 — so those
rows are written as they would have been written then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext
from dangjian.orgs.models import Kind, Org

from . import services
from .models import (
    Ballot,
    Choice,
    Commitment,
    IndicatorSource,
    Pledge,
    PointRule,
    Rating,
    StarScheme,
    VotingCode,
)
from .selectors import ratable_orgs, scheme_for

E, M = IndicatorSource.ENTERED, IndicatorSource.METRIC


def _entered(name: str, points: int) -> dict:
    return {"name": name, "points": points, "source": E, "metric_key": "", "target": 1}


def _computed(name: str, points: int, key: str, target: int) -> dict:
    return {"name": name, "points": points, "source": M, "metric_key": key, "target": target}


VILLAGE_STARS = [
    (
        "支部过硬",
        [
            _computed("组织生活按时开展", 40, "activities.required_held", 30),
            _entered("班子团结有力", 30),
            _entered("党员队伍建设", 30),
        ],
    ),
    ("产业兴旺", [_entered("村集体经济收入", 60), _entered("特色产业发展", 40)]),
    ("生态宜居", [_entered("人居环境整治", 50), _entered("美丽乡村建设", 50)]),
    ("平安法治", [_entered("矛盾纠纷化解", 50), _entered("无重大案事件", 50)]),
    ("文明幸福", [_entered("移风易俗", 50), _entered("志愿服务与文化活动", 50)]),
]
COMMUNITY_STARS = [
    (
        "支部过硬",
        [
            _computed("组织生活按时开展", 40, "activities.required_held", 30),
            _entered("班子团结有力", 30),
            _entered("党员队伍建设", 30),
        ],
    ),
    ("共建共享", [_entered("共驻共建单位参与", 50), _entered("资源清单落实", 50)]),
    ("平安法治", [_entered("网格化治理", 50), _entered("无重大案事件", 50)]),
    ("幸福和谐", [_entered("为民服务事项", 50), _entered("群众满意度", 50)]),
    ("宜业兴业", [_entered("就业创业服务", 50), _entered("商圈服务", 50)]),
]


def _stars(spec: Iterable[tuple[str, Any]]) -> list[dict]:
    return [{"name": name, "max_points": 100, "threshold": 80, "indicators": inds} for name, inds in spec]


def _ratings(ctx: SeedContext, zone: Org) -> int:
    rng = ctx.rng("ratings.stars")
    year = ctx.year
    for kind, spec, label in (
        (Kind.VILLAGE, VILLAGE_STARS, "农村"),
        (Kind.COMMUNITY, COMMUNITY_STARS, "城市社区"),
    ):
        services.define_scheme(
            actor=SYSTEM,
            zone=zone,
            year=year,
            kind=kind,
            name=f"{year}年{label}“五星”支部创建方案",
            stars=_stars(spec),
        )
    orgs = list(ratable_orgs(zone))
    for org in orgs:
        strength = rng.choice([0.95, 0.9, 0.85, 0.8, 0.75, 0.7])  # a branch's general level this year
        Pledge.objects.create(
            org=org,
            year=year,
            target_stars=rng.choice([3, 4, 5, 5]),
            measures="对标五星标准逐项攻坚。",
            responsible="党组织书记",
        )
        scheme = scheme_for(org, year)
        assert scheme is not None  # the zone's schemes are seeded first
        for star in scheme.stars.all():
            for ind in star.indicators.all():
                if ind.source != E:
                    continue
                share = min(1.0, max(0.4, rng.gauss(strength, 0.12)))
                services.enter_score(
                    actor=SYSTEM,
                    org=org,
                    year=year,
                    indicator=ind,
                    points=round(ind.points * share),
                    evidence=f"{ind.name}工作台账及照片",
                )
        services.publish_rating(actor=SYSTEM, org=org, year=year)
    # The 2023 ratings were published in January 2024, not on the day the demo was seeded.
    published = timezone.make_aware(datetime(year + 1, 1, 15, 10, 0))
    Rating.objects.filter(org__in=orgs, year=year).update(published_at=published)
    return len(orgs)


CAMPAIGNS = [
    ("十面红旗", "reward", "org", 10, "农村党组织在支部建设、产业发展、乡村治理等方面的综合表现。"),
    ("和美社区", "reward", "org", 5, "社区在共建共享、平安和谐、为民服务等方面的综合表现。"),
    ("示范集体", "model", "org", 8, "在经济发展、项目建设、抗洪抢险等基层一线作用突出的集体。"),
    ("示范岗", "model", "person", 12, "在经济发展、项目建设、抗洪抢险等基层一线发挥作用的党员干部。"),
]


def _campaigns(ctx: SeedContext, zone: Org) -> int:
    rng = ctx.rng("ratings.campaigns")
    User = apps.get_model("accounts", "User")
    judges = list(User.objects.filter(username__in=["admin", "liaison1"]))
    if not judges:
        return 0
    Member = apps.get_model("people", "Member")  # the seed reads the roll directly; pages use selectors
    tops = list(Org.objects.filter(path__startswith=zone.path, depth=zone.depth + 1).order_by("path"))
    made = 0
    for name, purpose, kind, winners, criteria in CAMPAIGNS:
        campaign = services.create_campaign(
            actor=SYSTEM,
            zone=zone,
            year=ctx.year,
            name=name,
            purpose=purpose,
            nominee_kind=kind,
            criteria=criteria,
            winners=winners,
            judges=judges,
        )
        pool = (
            [o for o in tops if (o.kind == Kind.COMMUNITY) == (name == "和美社区")]
            if purpose == "reward"
            else tops
        )
        for org in rng.sample(pool, min(len(pool), winners * 2)):
            if kind == "org":
                services.nominate(
                    actor=SYSTEM, campaign=campaign, org=org, nominee_name=org.name, reason=criteria
                )
            else:
                member = (
                    Member.objects.filter(org__path__startswith=org.path, left_on__isnull=True)
                    .select_related("person", "org")
                    .first()
                )
                if member is None:
                    continue
                services.nominate(
                    actor=SYSTEM,
                    campaign=campaign,
                    org=org,
                    nominee_name=member.person.name,
                    person=member.person,
                    reason=criteria,
                )
        services.start_scoring(actor=SYSTEM, campaign=campaign)
        for nomination in campaign.nominations.select_related("org"):
            for judge in judges:
                services.score_nomination(actor=judge, nomination=nomination, score=rng.randint(70, 98))
        services.publish_campaign(actor=SYSTEM, campaign=campaign)
        made += 1
    return made


def _commitments(ctx: SeedContext, zone: Org) -> int:
    rng = ctx.rng("ratings.commitments")
    villages = [o for o in ratable_orgs(zone) if o.kind == Kind.VILLAGE]
    for org in villages:
        commitment = _commit(ctx, org)
        for promise in commitment.promises.all():
            services.log_promise_progress(
                actor=SYSTEM,
                promise=promise,
                logged_on=date(ctx.year, rng.randint(4, 10), 15),
                note="按计划推进，已完成阶段目标。",
            )
        services.file_report(
            actor=SYSTEM,
            commitment=commitment,
            report="一年来，围绕年初承诺逐项落实……",
            reported_on=date(ctx.year, 12, 20),
            voting_closes_on=date(ctx.year, 12, 28),
        )
        services.evaluate_by_org(actor=SYSTEM, commitment=commitment, score=rng.randint(75, 95))
        # The votes of 2023 as they were cast: codes spent, ballots with no link to them.
        codes = services.issue_voting_codes(actor=SYSTEM, commitment=commitment, members=15, residents=25)
        unhappy = 0.45 if org is villages[-1] else rng.uniform(0.0, 0.15)  # one village gets a warning
        ballots = []
        for row in commitment.codes.order_by("pk")[: len(codes)]:
            roll = rng.random()
            choice = (
                Choice.DISSATISFIED
                if roll < unhappy
                else (Choice.FAIRLY if roll < unhappy + 0.25 else Choice.SATISFIED)
            )
            ballots.append(
                Ballot(
                    commitment=commitment,
                    voter_kind=row.voter_kind,
                    choice=choice,
                    cast_on=date(ctx.year, 12, 26),
                )
            )
        VotingCode.objects.filter(commitment=commitment).update(used_on=date(ctx.year, 12, 26))
        Ballot.objects.bulk_create(ballots)
    return len(villages)


def _commit(ctx: SeedContext, org: Org) -> Commitment:
    from dangjian.orgs.selectors import current_term

    term = current_term(org)
    post = term.posts.filter(post="secretary").first() if term else None
    return services.publish_commitment(
        actor=SYSTEM,
        org=org,
        year=ctx.year,
        secretary_name=post.holder_name if post else "党组织书记",
        goals="壮大村集体经济，改善人居环境，办好群众身边实事。",
        promises=["村集体经济收入增长10%以上", "完成人居环境整治任务", "为群众办实事不少于10件"],
        published_on=date(ctx.year, 2, 20),
    )


def _points(ctx: SeedContext, zone: Org) -> int:
    User = apps.get_model("accounts", "User")
    approver = User.objects.filter(username="jizhuang").first()
    rules = [
        services.define_point_rule(
            actor=SYSTEM, zone=zone, item="走访困难群众", points=2, yearly_cap=40, evidence="走访记录"
        ),
        services.define_point_rule(
            actor=SYSTEM, zone=zone, item="党员突击队值守", points=5, yearly_cap=50, evidence="值守排班与照片"
        ),
        services.define_point_rule(
            actor=SYSTEM, zone=zone, item="志愿服务", points=2, yearly_cap=30, evidence="服务记录"
        ),
    ]
    if approver is None:
        return 0
    Member = apps.get_model("people", "Member")
    rng = ctx.rng("ratings.points")
    members = list(
        Member.objects.filter(org__code__startswith="SFQ-V01", left_on__isnull=True).select_related("org")[
            :20
        ]
    )
    n = 0
    for member in members:
        for rule in rng.sample(rules, 2):
            services.award_points(
                actor=approver,
                member=member,
                rule=rule,
                deed=f"{rule.item}（{rule.evidence}已核）",
                done_on=timezone.localdate() - timedelta(days=rng.randint(10, 200)),
            )
            n += 1
    return n


@transaction.atomic
def run(ctx: SeedContext) -> None:
    zone = Org.objects.filter(code=ctx.zone_code).first()
    if zone is None or StarScheme.objects.filter(zone=zone, year=ctx.year).exists():
        return
    done = {
        "ratings": _ratings(ctx, zone),
        "campaigns": _campaigns(ctx, zone),
        "commitments": _commitments(ctx, zone),
    }
    if not PointRule.objects.filter(zone=zone).exists():
        done["points"] = _points(ctx, zone)
    log_action(actor=SYSTEM, action="ratings.seed_demo", org=zone, data=done)
    ctx.say("评星评议：" + "，".join(f"{k} {v}" for k, v in done.items()))
