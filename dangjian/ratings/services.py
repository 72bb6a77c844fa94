"""Every write of ratings and evaluations: one transaction, one permission check, one audit entry each.

Published things are frozen: a published rating changes only through a decided appeal, a published
campaign not at all, a vote not at all (and its audit entry never records the choice).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Sum
from django.utils import timezone

from dangjian.core import figures, metrics
from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.pii import blind_index, blind_index_candidates
from dangjian.core.scoping import has_capability, require
from dangjian.orgs.models import Org

from . import selectors
from .models import (
    Appeal,
    AppealStatus,
    Ballot,
    Campaign,
    CampaignStatus,
    Choice,
    Commitment,
    EnteredScore,
    Indicator,
    IndicatorSource,
    JudgeScore,
    Nomination,
    Pledge,
    PointEntry,
    PointRule,
    Promise,
    PromiseProgress,
    Rating,
    RatingStatus,
    Star,
    StarScheme,
    VoterKind,
    VotingCode,
)

# Voting codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10

if TYPE_CHECKING:
    from dangjian.accounts.models import User
    from dangjian.people.models import Member, Person


class RatingError(ValidationError):
    pass


def _today() -> date:
    return timezone.localdate()


def _user(actor: Actor) -> User | None:
    return acting_user(actor)


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise RatingError("年度应在2000年至2100年之间。", code="year")


# --- 五星 schemes ----------------------------------------------------------------------------------


@transaction.atomic
def define_scheme(
    *, actor: Actor, zone: Org, year: int, kind: str, name: str, stars: list[dict]
) -> StarScheme:
    """A year's scheme: ``stars`` is a list of {name, max_points, threshold, indicators: [{name,
    points, source, metric_key, target}]}. Computed indicators must name a registered metric."""
    require(actor, "ratings.manage", zone)
    _check_year(year)
    if StarScheme.objects.filter(zone=zone, year=year, kind=kind).exists():
        raise RatingError("该年度该类支部的方案已存在，请修改原方案。", code="duplicate")
    if not 1 <= len(stars) <= 5:
        raise RatingError("一个方案设1至5颗星。", code="stars")
    scheme = StarScheme.objects.create(zone=zone, year=year, kind=kind, name=name.strip())
    for order, spec in enumerate(stars, start=1):
        star = Star.objects.create(
            scheme=scheme,
            order=order,
            name=spec["name"],
            max_points=spec.get("max_points", 100),
            threshold=spec.get("threshold", 80),
        )
        if star.threshold > star.max_points:
            raise RatingError(f"“{star.name}”的摘星分数线不能高于满分。", code="threshold")
        total = 0
        for i, ind in enumerate(spec.get("indicators", [])):
            _check_indicator(ind)
            total += ind["points"]
            Indicator.objects.create(star=star, order=i, **ind)
        if total > star.max_points:
            raise RatingError(
                f"“{star.name}”各指标分值合计{total}分，超过满分{star.max_points}分。", code="points"
            )
    log_action(
        actor=actor, action="ratings.define_scheme", obj=scheme, org=zone, data={"year": year, "kind": kind}
    )
    return scheme


def _check_indicator(ind: dict) -> None:
    if not ind.get("name", "").strip():
        raise RatingError("请填写指标名称。", code="required")
    if ind.get("source") == IndicatorSource.METRIC:
        if metrics.get_or_none(ind.get("metric_key", "")) is None:
            raise RatingError(f"指标“{ind['name']}”引用的统计指标不存在。", code="metric_key")
        if ind.get("target", 1) < 1:
            raise RatingError(f"指标“{ind['name']}”的满分目标值至少为1。", code="target")
    elif ind.get("source") != IndicatorSource.ENTERED:
        raise RatingError("指标来源应为“由记录计算”或“填报并附佐证”。", code="source")


@transaction.atomic
def update_indicator(*, actor: Actor, indicator: Indicator, points: int, target: int) -> Indicator:
    """Change an indicator; the scheme's version moves on, ratings published before keep theirs."""
    scheme = StarScheme.objects.select_for_update().get(pk=indicator.star.scheme_id)
    require(actor, "ratings.manage", scheme.zone)
    others = indicator.star.indicators.exclude(pk=indicator.pk).aggregate(s=Sum("points"))["s"] or 0
    if points < 0 or others + points > indicator.star.max_points:
        raise RatingError(f"各指标分值合计不能超过满分{indicator.star.max_points}分。", code="points")
    if target < 1:
        raise RatingError("满分目标值至少为1。", code="target")
    indicator.points, indicator.target = points, target
    indicator.save(update_fields=["points", "target"])
    scheme.version += 1
    scheme.save(update_fields=["version"])
    log_action(
        actor=actor,
        action="ratings.update_indicator",
        obj=scheme,
        org=scheme.zone,
        data={"indicator": indicator.pk, "points": points, "target": target, "version": scheme.version},
    )
    return indicator


@transaction.atomic
def update_star(*, actor: Actor, star: Star, threshold: int) -> Star:
    """Move a star's threshold; the scheme's version moves on, ratings published before keep theirs."""
    scheme = StarScheme.objects.select_for_update().get(pk=star.scheme_id)
    require(actor, "ratings.manage", scheme.zone)
    if not 0 < threshold <= star.max_points:
        raise RatingError(f"摘星分数线应在1至满分{star.max_points}分之间。", code="threshold")
    star.threshold = threshold
    star.save(update_fields=["threshold"])
    scheme.version += 1
    scheme.save(update_fields=["version"])
    log_action(
        actor=actor,
        action="ratings.update_star",
        obj=scheme,
        org=scheme.zone,
        data={"star": star.pk, "threshold": threshold, "version": scheme.version},
    )
    return star


@transaction.atomic
def copy_scheme(*, actor: Actor, scheme: StarScheme, year: int) -> StarScheme:
    """Start ``year``'s scheme from another year's (the usual way a zone sets up a new year)."""
    stars = [
        {
            "name": star.name,
            "max_points": star.max_points,
            "threshold": star.threshold,
            "indicators": [
                {
                    "name": ind.name,
                    "points": ind.points,
                    "source": ind.source,
                    "metric_key": ind.metric_key,
                    "target": ind.target,
                }
                for ind in star.indicators.all()
            ],
        }
        for star in scheme.stars.prefetch_related("indicators")
    ]
    name = (
        scheme.name.replace(str(scheme.year), str(year)) if str(scheme.year) in scheme.name else scheme.name
    )
    return define_scheme(actor=actor, zone=scheme.zone, year=year, kind=scheme.kind, name=name, stars=stars)


def _branch(org: Org) -> None:
    if not selectors.is_ratable(org):
        raise RatingError("五星创建和“一定三诺两评”以村、社区党组织为单位。", code="not_a_branch")


def _not_frozen(org: Org, year: int) -> None:
    rating = Rating.objects.filter(org=org, year=year).first()
    if rating is not None and rating.status == RatingStatus.PUBLISHED:
        raise RatingError("该年度的星级评定已公布，不能再修改；如有异议请提出申诉。", code="frozen")


@transaction.atomic
def file_pledge(
    *, actor: Actor, org: Org, year: int, target_stars: int, measures: str, responsible: str
) -> Pledge:
    require(actor, "ratings.pledge", org)
    _branch(org)
    _check_year(year)
    if year < _today().year:
        raise RatingError("登高摘星承诺应在年初提交，不能补交往年的承诺。", code="past_year")
    if not 1 <= target_stars <= 5:
        raise RatingError("目标星级应为1至5星。", code="target_stars")
    if not measures.strip() or not responsible.strip():
        raise RatingError("请填写主要措施和责任人。", code="required")
    if Pledge.objects.filter(org=org, year=year).exists():
        raise RatingError("本年度已提交登高摘星承诺。", code="duplicate")
    pledge = Pledge.objects.create(
        org=org,
        year=year,
        target_stars=target_stars,
        measures=measures.strip(),
        responsible=responsible.strip(),
    )
    log_action(actor=actor, action="ratings.file_pledge", obj=pledge, org=org, data={"target": target_stars})
    return pledge


@transaction.atomic
def enter_score(
    *, actor: Actor, org: Org, year: int, indicator: Indicator, points: int, evidence: str
) -> EnteredScore:
    require(actor, "ratings.pledge", org)
    _branch(org)
    if indicator.source != IndicatorSource.ENTERED:
        raise RatingError("该指标由记录自动计算，不能填报。", code="computed")
    if indicator.star.scheme.year != year:
        raise RatingError("指标不属于该年度的方案。", code="year")
    if isinstance(points, bool) or not 0 <= points <= indicator.points:
        raise RatingError(f"得分应在0至{indicator.points}分之间。", code="points")
    if not evidence.strip():
        raise RatingError("请说明佐证材料。", code="evidence")
    _not_frozen(org, year)
    score, _ = EnteredScore.objects.update_or_create(
        org=org,
        year=year,
        indicator=indicator,
        defaults={"points": points, "evidence": evidence.strip(), "entered_by": _user(actor)},
    )
    log_action(
        actor=actor,
        action="ratings.enter_score",
        obj=score,
        org=org,
        data={"indicator": indicator.pk, "points": points},
    )
    return score


@transaction.atomic
def publish_rating(*, actor: Actor, org: Org, year: int) -> Rating:
    """Rate a branch for the year and freeze the result with everything it was computed from."""
    require(actor, "ratings.manage", org)
    _branch(org)
    scheme = selectors.scheme_for(org, year)
    if scheme is None:
        raise RatingError("该年度没有适用于此支部的五星方案。", code="no_scheme")
    if Rating.objects.filter(org=org, year=year).exists():
        raise RatingError("该支部本年度的星级已公布。", code="duplicate")
    stars = selectors.live_stars(org, year, scheme)
    rating = Rating.objects.create(
        org=org,
        year=year,
        scheme=scheme,
        scheme_version=scheme.version,
        stars=sum(1 for s in stars if s["earned"]),
        snapshot={"stars": stars},
        published_at=timezone.now(),
        published_by=_user(actor),
    )
    log_action(
        actor=actor, action="ratings.publish_rating", obj=rating, org=org, data={"stars": rating.stars}
    )
    return rating


@transaction.atomic
def file_appeal(*, actor: Actor, rating: Rating, star_name: str, reason: str) -> Appeal:
    require(actor, "ratings.pledge", rating.org)
    if star_name not in [s["name"] for s in rating.snapshot["stars"]]:
        raise RatingError("申诉的星不在该评定中。", code="star")
    if not reason.strip():
        raise RatingError("请填写申诉理由。", code="required")
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                rating=rating, star_name=star_name, reason=reason.strip(), filed_by=_user(actor)
            )
    except IntegrityError:
        raise RatingError("这颗星已有待复核的申诉。", code="duplicate") from None
    Rating.objects.filter(pk=rating.pk).update(status=RatingStatus.REOPENED)
    figures.mark(Rating, [rating.org.path])  # an update() sends no signal
    log_action(
        actor=actor, action="ratings.file_appeal", obj=rating, org=rating.org, data={"star": star_name}
    )
    return appeal


@transaction.atomic
def decide_appeal(*, actor: Actor, appeal: Appeal, upheld: bool, decision: str) -> Rating:
    """Decide an appeal. Upheld: that one star is recomputed from today's records; the others stay as
    published. Either way the rating is frozen again."""
    rating = Rating.objects.select_for_update().get(pk=appeal.rating_id)
    require(actor, "ratings.manage", rating.org)
    if appeal.status != AppealStatus.OPEN:
        raise RatingError("该申诉已复核。", code="decided")
    reviewer = _user(actor)
    if reviewer is not None and appeal.filed_by_id == reviewer.pk:
        raise RatingError("不能复核自己提出的申诉。", code="own_appeal")
    if not decision.strip():
        raise RatingError("请填写复核意见。", code="required")
    if upheld:
        fresh = {s["name"]: s for s in selectors.live_stars(rating.org, rating.year, rating.scheme)}
        stars = [
            fresh.get(s["name"], s) if s["name"] == appeal.star_name else s for s in rating.snapshot["stars"]
        ]
        rating.snapshot = {**rating.snapshot, "stars": stars}
        rating.stars = sum(1 for s in stars if s["earned"])
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.decision, appeal.decided_by = decision.strip(), _user(actor)
    appeal.save(update_fields=["status", "decision", "decided_by"])
    if not rating.appeals.filter(status=AppealStatus.OPEN).exists():
        rating.status = RatingStatus.PUBLISHED
    rating.save(update_fields=["snapshot", "stars", "status"])
    log_action(
        actor=actor,
        action="ratings.decide_appeal",
        obj=rating,
        org=rating.org,
        data={"star": appeal.star_name, "upheld": upheld, "stars": rating.stars},
    )
    return rating


# --- Campaigns ------------------------------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *,
    actor: Actor,
    zone: Org,
    year: int,
    name: str,
    purpose: str,
    nominee_kind: str,
    criteria: str,
    max_score: int = 100,
    winners: int = 10,
    judges: Iterable[User] = (),
) -> Campaign:
    require(actor, "ratings.manage", zone)
    _check_year(year)
    if not name.strip() or not criteria.strip():
        raise RatingError("请填写评选名称和评选标准。", code="required")
    if not 1 <= max_score <= 1000 or not 1 <= winners <= 1000:
        raise RatingError("满分应在1至1000之间，名额应在1至1000之间。", code="range")
    if Campaign.objects.filter(zone=zone, year=year, name=name.strip()).exists():
        raise RatingError("本年度已有同名评选。", code="duplicate")
    campaign = Campaign.objects.create(
        zone=zone,
        year=year,
        name=name.strip(),
        purpose=purpose,
        nominee_kind=nominee_kind,
        criteria=criteria.strip(),
        max_score=max_score,
        winners=winners,
    )
    campaign.judges.set(judges)
    log_action(
        actor=actor, action="ratings.create_campaign", obj=campaign, org=zone, data={"name": campaign.name}
    )
    return campaign


@transaction.atomic
def nominate(
    *,
    actor: Actor,
    campaign: Campaign,
    org: Org,
    nominee_name: str,
    reason: str,
    person: Person | None = None,
) -> Nomination:
    require(actor, "ratings.pledge", org)
    if not org.path.startswith(campaign.zone.path):
        raise RatingError("该组织不在本评选范围内。", code="out_of_scope")
    if campaign.status != CampaignStatus.NOMINATING:
        raise RatingError("推荐已截止。", code="closed")
    if not nominee_name.strip() or not reason.strip():
        raise RatingError("请填写推荐对象和推荐理由。", code="required")
    if person is not None and not has_capability(actor, "members.view", person.org):
        raise RatingError("该人员不在您的管理范围内。", code="out_of_scope")
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                campaign=campaign,
                org=org,
                nominee_name=nominee_name.strip(),
                person=person,
                reason=reason.strip(),
            )
    except IntegrityError:
        raise RatingError("已推荐过该对象。", code="duplicate") from None
    log_action(
        actor=actor, action="ratings.nominate", obj=campaign, org=org, data={"nomination": nomination.pk}
    )
    return nomination


@transaction.atomic
def start_scoring(*, actor: Actor, campaign: Campaign) -> Campaign:
    require(actor, "ratings.manage", campaign.zone)
    if campaign.status != CampaignStatus.NOMINATING:
        raise RatingError("评选不在推荐阶段。", code="status")
    if not campaign.judges.exists():
        raise RatingError("请先指定评委。", code="judges")
    campaign.status = CampaignStatus.SCORING
    campaign.save(update_fields=["status"])
    log_action(actor=actor, action="ratings.start_scoring", obj=campaign, org=campaign.zone)
    return campaign


def _judges_own(judge: User, org: Org) -> bool:
    """A judge's own branch: the org of their account, or anything under it below the zone level."""
    home = getattr(judge, "home_org", None)
    return home is not None and home.depth > 1 and org.path.startswith(home.path)


@transaction.atomic
def score_nomination(*, actor: Actor, nomination: Nomination, score: int) -> JudgeScore:
    campaign = nomination.campaign
    user = _user(actor)
    if user is None or not campaign.judges.filter(pk=user.pk).exists():
        raise RatingError("您不是本次评选的评委。", code="not_a_judge")
    if campaign.status != CampaignStatus.SCORING:
        raise RatingError("评选不在评分阶段。", code="status")
    if _judges_own(user, nomination.org):
        raise RatingError("评委不能为本单位推荐的对象打分。", code="own_branch")
    if isinstance(score, bool) or not 0 <= score <= campaign.max_score:
        raise RatingError(f"分数应在0至{campaign.max_score}分之间。", code="range")
    row, _ = JudgeScore.objects.update_or_create(nomination=nomination, judge=user, defaults={"score": score})
    log_action(
        actor=actor,
        action="ratings.score",
        obj=campaign,
        org=campaign.zone,
        data={"nomination": nomination.pk},
    )
    return row


@transaction.atomic
def publish_campaign(*, actor: Actor, campaign: Campaign) -> Campaign:
    """Rank by average score and mark the winners; the result is frozen."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require(actor, "ratings.manage", campaign.zone)
    if campaign.status != CampaignStatus.SCORING:
        raise RatingError("评选不在评分阶段，不能公布。", code="status")
    ranked = list(
        campaign.nominations.annotate(avg=Avg("scores__score"), n=Count("scores"))
        .filter(n__gt=0)
        .order_by("-avg", "pk")
    )
    if not ranked:
        raise RatingError("还没有评委打分，不能公布。", code="no_scores")
    for rank, nomination in enumerate(ranked, start=1):
        nomination.rank = rank
        nomination.average = Decimal(nomination.avg).quantize(Decimal("0.01"))
        nomination.winner = rank <= campaign.winners
    Nomination.objects.bulk_update(ranked, ["rank", "average", "winner"])
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save(update_fields=["status"])
    log_action(
        actor=actor,
        action="ratings.publish_campaign",
        obj=campaign,
        org=campaign.zone,
        data={"winners": sum(1 for n in ranked if n.winner)},
    )
    return campaign


# --- 一定三诺两评 ----------------------------------------------------------------------------------


@transaction.atomic
def publish_commitment(
    *,
    actor: Actor,
    org: Org,
    year: int,
    secretary_name: str,
    goals: str,
    promises: list[str],
    published_on: date,
) -> Commitment:
    require(actor, "ratings.pledge", org)
    _branch(org)
    _check_year(year)
    if not secretary_name.strip() or not goals.strip():
        raise RatingError("请填写书记姓名和年度目标。", code="required")
    items = [p.strip() for p in promises if p.strip()]
    if not items:
        raise RatingError("请至少列出一项承诺事项。", code="promises")
    if published_on > _today() or published_on.year != year:
        raise RatingError("公开承诺日期应在该年度内且不晚于今天。", code="date")
    if Commitment.objects.filter(org=org, year=year).exists():
        raise RatingError("本年度已公开承诺。", code="duplicate")
    commitment = Commitment.objects.create(
        org=org,
        year=year,
        secretary_name=secretary_name.strip(),
        goals=goals.strip(),
        published_on=published_on,
    )
    Promise.objects.bulk_create(
        Promise(commitment=commitment, text=t[:300], order=i) for i, t in enumerate(items)
    )
    log_action(
        actor=actor,
        action="ratings.publish_commitment",
        obj=commitment,
        org=org,
        data={"promises": len(items)},
    )
    return commitment


@transaction.atomic
def log_promise_progress(*, actor: Actor, promise: Promise, logged_on: date, note: str) -> PromiseProgress:
    commitment = promise.commitment
    require(actor, "ratings.pledge", commitment.org)
    if not note.strip():
        raise RatingError("请填写践诺情况。", code="required")
    if logged_on < commitment.published_on or logged_on > _today():
        raise RatingError("践诺日期应在公开承诺之后、今天之前。", code="date")
    row = PromiseProgress.objects.create(promise=promise, logged_on=logged_on, note=note.strip()[:500])
    log_action(
        actor=actor,
        action="ratings.log_progress",
        obj=commitment,
        org=commitment.org,
        data={"promise": promise.pk},
    )
    return row


@transaction.atomic
def file_report(
    *, actor: Actor, commitment: Commitment, report: str, reported_on: date, voting_closes_on: date
) -> Commitment:
    require(actor, "ratings.pledge", commitment.org)
    if not report.strip():
        raise RatingError("请填写述诺报告。", code="required")
    if reported_on < commitment.published_on or reported_on > _today():
        raise RatingError("述诺日期应在公开承诺之后、今天之前。", code="date")
    if voting_closes_on < reported_on:
        raise RatingError("测评截止日期不能早于述诺日期。", code="date")
    if commitment.ballots.exists():
        raise RatingError("测评已开始，述诺报告不能再修改。", code="frozen")
    commitment.report, commitment.reported_on, commitment.voting_closes_on = (
        report.strip(),
        reported_on,
        voting_closes_on,
    )
    commitment.version += 1
    commitment.save(update_fields=["report", "reported_on", "voting_closes_on", "version"])
    log_action(actor=actor, action="ratings.file_report", obj=commitment, org=commitment.org)
    return commitment


def _digest(code: str) -> str:
    return blind_index("vote", code)


@transaction.atomic
def issue_voting_codes(
    *, actor: Actor, commitment: Commitment, members: int, residents: int
) -> list[tuple[str, str]]:
    """One code per eligible voter, printed and handed out; only their HMAC is kept. Returns
    (voter kind label, code) pairs for the printout."""
    require(actor, "ratings.manage", commitment.org)
    if commitment.reported_on is None:
        raise RatingError("书记述诺后才能发放测评码。", code="not_reported")
    if not (0 <= members <= 5000 and 0 <= residents <= 20000) or members + residents == 0:
        raise RatingError("测评码数量应为党员0至5000、群众0至20000，且不能都为0。", code="range")
    out, rows = [], []
    for kind, n in ((VoterKind.MEMBER, members), (VoterKind.RESIDENT, residents)):
        for _ in range(n):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            rows.append(VotingCode(commitment=commitment, digest=_digest(code), voter_kind=kind))
            out.append((str(kind.label), code))
    VotingCode.objects.bulk_create(rows)
    log_action(
        actor=actor,
        action="ratings.issue_voting_codes",
        obj=commitment,
        org=commitment.org,
        data={"members": members, "residents": residents},
    )
    return out


@transaction.atomic
def cast_vote(*, actor: Actor, code: str, choice: str) -> None:
    """An anonymous vote (the ``PUBLIC`` actor): the code is spent, a ballot with no link to it is
    stored, and the audit entry records the code's use — never the choice."""
    require(actor, "ratings.vote")
    if choice not in Choice.values:
        raise RatingError("请选择满意、基本满意或不满意。", code="choice")
    normalized = "".join((code or "").split()).upper()
    row = (
        VotingCode.objects.select_for_update()
        .filter(digest__in=blind_index_candidates("vote", normalized))  # codes from before a key rotation too
        .select_related("commitment")
        .first()
    )
    if row is None:
        raise RatingError("测评码无效。", code="bad_code")
    if row.used_on is not None:
        raise RatingError("该测评码已使用，每人只能投一票。", code="used")
    commitment, today = row.commitment, _today()
    if commitment.voting_closes_on is None or today > commitment.voting_closes_on:
        raise RatingError("测评已截止。", code="closed")
    row.used_on = today
    row.save(update_fields=["used_on"])
    Ballot.objects.create(commitment=commitment, voter_kind=row.voter_kind, choice=choice, cast_on=today)
    log_action(actor=actor, action="ratings.vote", obj=commitment, org=commitment.org, data={"code": row.pk})


@transaction.atomic
def evaluate_by_org(*, actor: Actor, commitment: Commitment, score: int) -> Commitment:
    require(actor, "ratings.manage", commitment.org)
    if isinstance(score, bool) or not 0 <= score <= 100:
        raise RatingError("组织评价得分应在0至100分之间。", code="range")
    if commitment.reported_on is None:
        raise RatingError("书记述诺后才能进行组织评价。", code="not_reported")
    commitment.org_score = score
    commitment.save(update_fields=["org_score"])
    log_action(
        actor=actor,
        action="ratings.evaluate_by_org",
        obj=commitment,
        org=commitment.org,
        data={"score": score},
    )
    return commitment


# --- 积分制 ----------------------------------------------------------------------------------------

# What never earns points (the 2026 rules on government apps): time in the app, likes, check-ins, quizzes.
FORBIDDEN_ITEMS = ("学习时长", "点赞", "签到打卡", "答题", "在线时长", "转发")


@transaction.atomic
def define_point_rule(
    *, actor: Actor, zone: Org, item: str, points: int, yearly_cap: int, evidence: str
) -> PointRule:
    require(actor, "ratings.manage", zone)
    item = item.strip()
    if not item or not evidence.strip():
        raise RatingError("请填写积分事项和所需佐证。", code="required")
    if any(word in item for word in FORBIDDEN_ITEMS):
        raise RatingError(
            "积分只记录经审核的实绩，不得以学习时长、点赞、签到、答题等作为积分依据。", code="forbidden_item"
        )
    if not 1 <= points <= 100 or not points <= yearly_cap <= 1000:
        raise RatingError("每次分值应在1至100之间，年度上限不低于每次分值且不超过1000。", code="range")
    rule = PointRule.objects.create(
        zone=zone, item=item, points=points, yearly_cap=yearly_cap, evidence=evidence.strip()
    )
    log_action(actor=actor, action="ratings.define_point_rule", obj=rule, org=zone, data={"item": item})
    return rule


@transaction.atomic
def award_points(*, actor: Actor, member: Member, rule: PointRule, deed: str, done_on: date) -> PointEntry:
    """Points for a verified deed, approved by the acting person; capped per rule and year."""
    require(actor, "ratings.points", member.org)
    if _user(actor) is None:
        raise RatingError("积分须由审核人批准。", code="approver")
    if not rule.active or not member.org.path.startswith(rule.zone.path):
        raise RatingError("该积分规则不适用。", code="rule")
    if not deed.strip():
        raise RatingError("请写明事迹与佐证。", code="required")
    if done_on > _today() or done_on.year < _today().year - 1:
        raise RatingError("事迹日期应在去年初至今天之间。", code="date")
    so_far = (
        PointEntry.objects.filter(member=member, rule=rule, done_on__year=done_on.year).aggregate(
            s=Sum("points")
        )["s"]
        or 0
    )
    if so_far + rule.points > rule.yearly_cap:
        raise RatingError(f"“{rule.item}”本年度已积{so_far}分，达到上限{rule.yearly_cap}分。", code="cap")
    entry = PointEntry.objects.create(
        member=member,
        org=member.org,
        rule=rule,
        points=rule.points,
        deed=deed.strip()[:300],
        done_on=done_on,
        approved_by=_user(actor),
    )
    log_action(
        actor=actor, action="ratings.award_points", obj=entry, org=member.org, data={"points": rule.points}
    )
    return entry


@transaction.atomic
def correct_points(*, actor: Actor, entry: PointEntry, reason: str) -> PointEntry:
    """Reverse a wrong entry with a negative one; the original stays (the ledger is append-only)."""
    require(actor, "ratings.points", entry.org)
    if not reason.strip():
        raise RatingError("请填写更正原因。", code="required")
    if entry.points <= 0 or PointEntry.objects.filter(corrects=entry).exists():
        raise RatingError("该记录已更正或本身是更正记录。", code="corrected")
    correction = PointEntry.objects.create(
        member=entry.member,
        org=entry.org,
        rule=entry.rule,
        points=-entry.points,
        deed=f"更正：{reason.strip()}"[:300],
        done_on=_today(),
        approved_by=_user(actor),
        corrects=entry,
    )
    log_action(
        actor=actor,
        action="ratings.correct_points",
        obj=correction,
        org=entry.org,
        data={"corrects": entry.pk},
    )
    return correction
