"""Ratings and evaluations: 五星 schemes and yearly ratings (frozen when published), appeals, campaigns
with nominations and judges' scores, village secretaries' 一定三诺两评 with anonymous votes, and an
append-only points ledger of approved deeds.

Anonymity of votes is structural: ``Ballot`` has no key to a voter or a code and only a date; the one
record of a voter is the ``VotingCode`` marked used.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SchemeKind(models.TextChoices):
    VILLAGE = "village", _("农村党支部")
    COMMUNITY = "community", _("城市社区党支部")


class StarScheme(models.Model):
    """A year's star scheme for one kind of branch. Editing it bumps ``version``; a rating records the
    version it was computed with."""

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("适用支部", max_length=20, choices=SchemeKind.choices)
    name = models.CharField("名称", max_length=100)
    version = models.PositiveIntegerField("版本", default=1)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = "五星创建方案"
        verbose_name_plural = "五星创建方案"
        constraints = [
            models.UniqueConstraint(fields=["zone", "year", "kind"], name="one_scheme_per_kind_year")
        ]

    def __str__(self) -> str:
        return self.name


class Star(models.Model):
    scheme = models.ForeignKey(
        StarScheme, on_delete=models.CASCADE, related_name="stars", verbose_name="方案"
    )
    order = models.PositiveSmallIntegerField("序号")
    name = models.CharField("星名", max_length=30)
    max_points = models.PositiveSmallIntegerField("满分", default=100)
    threshold = models.PositiveSmallIntegerField("摘星分数线", default=80)

    SCOPE_PATH = "scheme__zone__path"

    class Meta:
        ordering = ["order"]
        verbose_name = "星"
        verbose_name_plural = "星"
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__lte=models.F("max_points")), name="star_threshold_le_max"
            )
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorSource(models.TextChoices):
    METRIC = "metric", _("由记录计算")
    ENTERED = "entered", _("填报并附佐证")


class Indicator(models.Model):
    """One indicator of a star. A computed one reads a registered metric for the branch and year and
    earns ``points × min(1, value / target)``; an entered one is scored with evidence."""

    star = models.ForeignKey(Star, on_delete=models.CASCADE, related_name="indicators", verbose_name="星")
    name = models.CharField("指标", max_length=100)
    points = models.PositiveSmallIntegerField("分值")
    source = models.CharField("来源", max_length=10, choices=IndicatorSource.choices)
    metric_key = models.CharField("统计指标", max_length=100, blank=True)
    target = models.PositiveIntegerField("满分目标值", default=1)
    order = models.PositiveSmallIntegerField("序号", default=0)

    SCOPE_PATH = "star__scheme__zone__path"

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "指标"
        verbose_name_plural = "指标"

    def __str__(self) -> str:
        return self.name


class Pledge(models.Model):
    """登高摘星: the stars a branch aims for at the start of the year and how."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    year = models.PositiveSmallIntegerField("年度")
    target_stars = models.PositiveSmallIntegerField("目标星级")
    measures = models.TextField("主要措施", max_length=5000)
    responsible = models.CharField("责任人", max_length=50)
    filed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "登高摘星承诺"
        verbose_name_plural = "登高摘星承诺"
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="one_pledge_per_year"),
            models.CheckConstraint(condition=Q(target_stars__lte=5), name="pledge_at_most_five"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year}"


class EnteredScore(models.Model):
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    year = models.PositiveSmallIntegerField("年度")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="scores", verbose_name="指标"
    )
    points = models.PositiveSmallIntegerField("得分")
    evidence = models.TextField("佐证材料说明", max_length=2000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "填报得分"
        verbose_name_plural = "填报得分"
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "indicator"], name="one_score_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.points}"


class RatingStatus(models.TextChoices):
    PUBLISHED = "published", _("已公布")
    REOPENED = "reopened", _("复核中")


class Rating(models.Model):
    """A published rating: a frozen snapshot of every indicator's value, points and evidence, and the
    scheme version, so later edits to records never change it."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    year = models.PositiveSmallIntegerField("年度")
    scheme = models.ForeignKey(
        StarScheme, on_delete=models.PROTECT, related_name="ratings", verbose_name="方案"
    )
    scheme_version = models.PositiveIntegerField("方案版本")
    stars = models.PositiveSmallIntegerField("星级")
    snapshot = models.JSONField("评定明细")
    status = models.CharField(
        "状态", max_length=20, choices=RatingStatus.choices, default=RatingStatus.PUBLISHED
    )
    published_at = models.DateTimeField("公布时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["org__path"]
        verbose_name = "星级评定"
        verbose_name_plural = "星级评定"
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="one_rating_per_year"),
            models.CheckConstraint(condition=Q(stars__lte=5), name="rating_at_most_five"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year} {self.stars}星"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("待复核")
    UPHELD = "upheld", _("复核通过")
    REJECTED = "rejected", _("维持原评定")


class Appeal(models.Model):
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="appeals", verbose_name="评定")
    star_name = models.CharField("申诉的星", max_length=30)
    reason = models.TextField("申诉理由", max_length=2000)
    status = models.CharField("状态", max_length=20, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    decision = models.TextField("复核意见", blank=True, max_length=2000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)

    SCOPE_PATH = "rating__org__path"

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = "星级申诉"
        verbose_name_plural = "星级申诉"
        constraints = [
            models.UniqueConstraint(
                fields=["rating", "star_name"], condition=Q(status="open"), name="one_open_appeal_per_star"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating} {self.star_name}"


# --- Campaigns ------------------------------------------------------------------------------------


class CampaignPurpose(models.TextChoices):
    MODEL = "model", _("争先创优")  # 示范集体, 示范岗
    REWARD = "reward", _("奖励评选")  # 十面红旗, 和美社区


class NomineeKind(models.TextChoices):
    ORG = "org", _("集体")
    PERSON = "person", _("个人")


class CampaignStatus(models.TextChoices):
    NOMINATING = "nominating", _("推荐中")
    SCORING = "scoring", _("评分中")
    PUBLISHED = "published", _("已公布")


class Campaign(models.Model):
    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="主办")
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("评选活动", max_length=50)
    purpose = models.CharField("类别", max_length=20, choices=CampaignPurpose.choices)
    nominee_kind = models.CharField("评选对象", max_length=10, choices=NomineeKind.choices)
    criteria = models.TextField("评选标准", max_length=5000)
    max_score = models.PositiveSmallIntegerField("满分", default=100)
    winners = models.PositiveSmallIntegerField("名额", default=10)
    status = models.CharField(
        "状态", max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.NOMINATING
    )
    judges = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="评委"
    )

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = "评选活动"
        verbose_name_plural = "评选活动"
        constraints = [models.UniqueConstraint(fields=["zone", "year", "name"], name="campaign_once_a_year")]

    def __str__(self) -> str:
        return self.name


class Nomination(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="nominations", verbose_name="评选"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="推荐党组织")
    nominee_name = models.CharField("推荐对象", max_length=100)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="个人",
    )
    reason = models.TextField("推荐理由", max_length=5000)
    rank = models.PositiveSmallIntegerField("名次", null=True, blank=True)
    average = models.DecimalField("平均分", max_digits=6, decimal_places=2, null=True, blank=True)
    winner = models.BooleanField("当选", default=False)

    SCOPE_PATH = "org__path"

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = "推荐"
        verbose_name_plural = "推荐"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org", "nominee_name"], name="nominated_once")
        ]

    def __str__(self) -> str:
        return self.nominee_name


class JudgeScore(models.Model):
    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="scores", verbose_name="推荐"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="评委"
    )
    score = models.PositiveSmallIntegerField("分数")
    scored_at = models.DateTimeField(auto_now=True)

    SCOPE_PATH = "nomination__org__path"

    class Meta:
        verbose_name = "评委打分"
        verbose_name_plural = "评委打分"
        constraints = [models.UniqueConstraint(fields=["nomination", "judge"], name="one_score_per_judge")]

    def __str__(self) -> str:
        return f"{self.nomination} {self.score}"


# --- 一定三诺两评 ----------------------------------------------------------------------------------


class Commitment(models.Model):
    """A village secretary's year: goals (一定), commitments (承诺), progress (践诺), report (述诺), and
    the evaluations (两评)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    year = models.PositiveSmallIntegerField("年度")
    secretary_name = models.CharField("党支部书记", max_length=50)
    goals = models.TextField("年度目标", max_length=5000)
    published_on = models.DateField("公开承诺日期")
    report = models.TextField("述诺报告", blank=True, max_length=20000)
    reported_on = models.DateField("述诺日期", null=True, blank=True)
    voting_closes_on = models.DateField("测评截止日期", null=True, blank=True)
    org_score = models.PositiveSmallIntegerField("组织评价得分", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["org__path"]
        verbose_name = "一定三诺两评"
        verbose_name_plural = "一定三诺两评"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="one_commitment_per_year")]

    def __str__(self) -> str:
        return f"{self.org} {self.year}"


class Promise(models.Model):
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="promises", verbose_name="承诺"
    )
    text = models.CharField("承诺事项", max_length=300)
    order = models.PositiveSmallIntegerField("序号", default=0)

    SCOPE_PATH = "commitment__org__path"

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "承诺事项"
        verbose_name_plural = "承诺事项"

    def __str__(self) -> str:
        return self.text


class PromiseProgress(models.Model):
    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, related_name="progress", verbose_name="承诺事项"
    )
    logged_on = models.DateField("日期")
    note = models.CharField("践诺情况", max_length=500)

    SCOPE_PATH = "promise__commitment__org__path"

    class Meta:
        ordering = ["logged_on", "id"]
        verbose_name = "践诺记录"
        verbose_name_plural = "践诺记录"

    def __str__(self) -> str:
        return self.note


class VoterKind(models.TextChoices):
    MEMBER = "member", _("党员")
    RESIDENT = "resident", _("群众")


class VotingCode(models.Model):
    """A one-time code handed to one eligible voter. Only its HMAC is stored; ``used_on`` (a date,
    never a time) is the sole trace of voting, and nothing links it to a ballot."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="codes", verbose_name="测评"
    )
    digest = models.CharField(max_length=64, unique=True)
    voter_kind = models.CharField("投票人", max_length=10, choices=VoterKind.choices)
    used_on = models.DateField("已使用", null=True, blank=True)

    SCOPE_PATH = "commitment__org__path"

    class Meta:
        verbose_name = "测评码"
        verbose_name_plural = "测评码"

    def __str__(self) -> str:
        return self.digest[:8]


class Choice(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Ballot(models.Model):
    """One anonymous vote: a random id, the choice, the voter kind and the day. No voter, no code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="ballots", verbose_name="测评"
    )
    voter_kind = models.CharField("投票人", max_length=10, choices=VoterKind.choices)
    choice = models.CharField("评价", max_length=20, choices=Choice.choices)
    cast_on = models.DateField("日期")

    SCOPE_PATH = "commitment__org__path"

    class Meta:
        verbose_name = "测评票"
        verbose_name_plural = "测评票"

    def __str__(self) -> str:
        return self.get_choice_display()


# --- 积分制 ----------------------------------------------------------------------------------------


class PointRule(models.Model):
    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    item = models.CharField("积分事项", max_length=100)
    points = models.PositiveSmallIntegerField("每次分值")
    yearly_cap = models.PositiveSmallIntegerField("年度上限")
    evidence = models.CharField("所需佐证", max_length=200)
    active = models.BooleanField("在用", default=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["item"]
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"

    def __str__(self) -> str:
        return self.item


class PointEntry(models.Model):
    """An approved deed's points. Append-only (database triggers refuse UPDATE and DELETE); a mistake
    is corrected by a negative entry with a reason."""

    member = models.ForeignKey(
        "people.Member", on_delete=models.PROTECT, related_name="+", verbose_name="党员"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="entries", verbose_name="规则")
    points = models.SmallIntegerField("分值")
    deed = models.CharField("事迹与佐证", max_length=300)
    done_on = models.DateField("日期")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"

    def __str__(self) -> str:
        return f"{self.rule} {self.points}"
