"""Organizational life and study: meetings and activities, attendance, lectures, training, the compliance
rules the calendar is derived from, and the yearly 民主评议党员.

应到/实到 and the compliance calendar are never stored: they are counted from Attendance and Activity rows.
"""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PARTY_CONGRESS = "congress", _("支部党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    READING_CLASS = "reading", _("读书班")
    SEMINAR = "seminar", _("学习研讨")
    PREACH = "preach", _("宣讲")
    TRAINING = "training", _("培训")
    CONTEST = "contest", _("比赛")
    EXCHANGE = "exchange", _("交流会")
    THEME_OFFICE = "te_office", _("主题教育办公室会议")
    THEME_PROMOTION = "te_promotion", _("主题教育推进会")
    THEME_LEADING = "te_leading", _("主题教育领导小组会议")
    OTHER = "other", _("其他活动")


# Lectures carry a lecturer and an external audience (受众).
LECTURE_KINDS = (Kind.LECTURE, Kind.PREACH)


class Status(models.TextChoices):
    PLANNED = "planned", _("计划")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class ThemeCategory(models.Model):
    """活动主题大类 (five in the demo zone; configurable per zone)."""

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("在用", default=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "活动主题大类"
        verbose_name_plural = "活动主题大类"
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="theme_category_unique")]

    def __str__(self) -> str:
        return self.name


class LecturerKind(models.TextChoices):
    DISTRICT = "district", _("区级党课讲师")
    LEADER = "leader", _("县级领导")
    SECRETARY = "secretary", _("支部书记")
    OTHER = "other", _("其他")


class Lecturer(models.Model):
    """The lecturer roster (讲师库). ``listed_from``/``listed_to`` keep the roster's history by year."""

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类别", max_length=20, choices=LecturerKind.choices)
    title = models.CharField("职务/单位", max_length=100, blank=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    listed_from = models.DateField("入库日期")
    listed_to = models.DateField("出库日期", null=True, blank=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = "讲师"
        verbose_name_plural = "讲师"
        constraints = [
            models.UniqueConstraint(fields=["zone", "name", "kind"], name="lecturer_unique_in_zone")
        ]

    def __str__(self) -> str:
        return self.name


class TrainingBase(models.Model):
    """A training destination (培训基地/去向): a university, an education base."""

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    name = models.CharField("名称", max_length=100)
    place = models.CharField("所在地", max_length=100, blank=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["id"]
        verbose_name = "培训基地"
        verbose_name_plural = "培训基地"
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="training_base_unique")]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """One meeting or activity of an organization (a zone-wide one has participating orgs)."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="activities", verbose_name="组织"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.HELD)
    title = models.CharField("主题", max_length=200)
    theme_category = models.ForeignKey(
        ThemeCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="主题大类",
    )
    date = models.DateField("日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    minutes_long = models.PositiveSmallIntegerField("时长（分钟）", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    host = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    agenda = models.TextField("议程", blank=True)
    minutes = models.TextField("会议记录", blank=True)
    # Lectures (党课, 宣讲)
    lecturer = models.ForeignKey(
        Lecturer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="讲师",
    )
    lecturer_name = models.CharField("主讲人", max_length=50, blank=True)
    audience = models.PositiveIntegerField("受众（人）", default=0)
    # Training
    training_base = models.ForeignKey(
        TrainingBase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="培训基地/去向",
    )
    days = models.PositiveSmallIntegerField("天数", null=True, blank=True)
    hours = models.PositiveSmallIntegerField("学时", null=True, blank=True)
    # Contests held year after year (the choir contest) share a series name.
    series = models.CharField("系列", max_length=50, blank=True)
    # Zone-wide activities: organized once at ``org`` with these participating organizations.
    participants = models.ManyToManyField(
        "orgs.Org", related_name="joined_activities", blank=True, verbose_name="参与组织"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (core.versioning): a stale edit is refused, never applied.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "组织生活"
        verbose_name_plural = "组织生活"
        indexes = [
            models.Index(fields=["org", "date"]),
            models.Index(fields=["date", "kind"]),
            # One kind over a year (the secretaries' 党课 of a whole city, the 党小组会): a year's range
            # of (date, kind) is every row of the year.
            models.Index(fields=["kind", "date"], name="activity_kind_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.title}"

    @property
    def starts_at(self) -> datetime:
        tz = timezone.get_current_timezone()
        return datetime.combine(self.date, self.start_time or time(8, 0), tzinfo=tz)

    @property
    def speaker(self) -> str:
        return self.lecturer_name or (self.lecturer.name if self.lecturer else "")

    @property
    def is_lecture(self) -> bool:
        return self.kind in LECTURE_KINDS


class Participation(models.TextChoices):
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    LEAVE = "leave", _("请假")


class Attendance(models.Model):
    """One member's attendance at an activity. 应到 = rows, 实到 = present rows."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField("出席情况", max_length=10, choices=Participation.choices)
    reason = models.CharField("缺席原因", max_length=100, blank=True)
    # A 预备党员 attends but does not vote: quorum counts voting members as they stood that day.
    voting = models.BooleanField("有表决权", default=True)
    checked_in_at = models.DateTimeField("扫码签到时间", null=True, blank=True)

    SCOPE_PATH = "activity__org__path"

    class Meta:
        verbose_name = "出席记录"
        verbose_name_plural = "出席记录"
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="attendance_once_per_member"),
            models.CheckConstraint(
                condition=~Q(status="absent") | ~Q(reason=""), name="absence_has_a_reason"
            ),
        ]
        indexes = [models.Index(fields=["member", "activity"])]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.activity_id}: {self.status}"


class DecisionKind(models.TextChoices):
    ADMIT = "admit", _("接收预备党员")
    CONVERT = "convert", _("预备党员转正")
    EXTEND = "extend", _("延长预备期")
    CANCEL = "cancel", _("取消预备党员资格")
    OTHER = "other", _("其他事项")


class Decision(models.Model):
    """A vote taken at a quorate 支部党员大会: who could vote, who was there, for / against / abstain.

    Passed only when "for" exceeds half of the voting members who should attend (细则 Article 22),
    not half of those present. The counts are kept as they stood at the meeting."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField("事项类型", max_length=12, choices=DecisionKind.choices)
    subject = models.CharField("表决事项", max_length=200)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voting_expected = models.PositiveIntegerField("应到有表决权党员")
    voting_present = models.PositiveIntegerField("实到有表决权党员")
    votes_for = models.PositiveIntegerField("赞成")
    votes_against = models.PositiveIntegerField("反对")
    votes_abstain = models.PositiveIntegerField("弃权")
    passed = models.BooleanField("通过")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    SCOPE_PATH = "activity__org__path"

    class Meta:
        ordering = ["activity", "id"]
        verbose_name = "表决事项"
        verbose_name_plural = "表决事项"
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_for__lte=models.F("voting_present")), name="decision_votes_within_present"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject}：{'通过' if self.passed else '未通过'}"


class Trainee(models.Model):
    """A person trained in a training session (a member on the roll, or a cadre named by hand)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="trainees")
    member = models.ForeignKey(
        "people.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("姓名", max_length=50)

    SCOPE_PATH = "activity__org__path"

    class Meta:
        verbose_name = "参训人员"
        verbose_name_plural = "参训人员"

    def __str__(self) -> str:
        return self.name


def photo_path(instance: ActivityPhoto, filename: str) -> str:
    return f"activities/{instance.activity_id}/{filename}"


class ActivityPhoto(models.Model):
    """Served only through the scoped photo view, never as public media."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=40)
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    SCOPE_PATH = "activity__org__path"

    class Meta:
        ordering = ["id"]
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"

    def __str__(self) -> str:
        return self.caption or self.image.name or ""


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


class ComplianceRule(models.Model):
    """How often branches must hold a kind of meeting, from ``valid_from`` on (history kept by new rows).

    The rule in force for a period is the newest row of that zone and kind with ``valid_from`` on or before
    the period's first day; ``min_count`` 0 switches the requirement off.
    """

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    kind = models.CharField("会议类型", max_length=20, choices=Kind.choices)
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField("至少次数", default=1)
    valid_from = models.DateField("生效日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["kind", "-valid_from"]
        verbose_name = "组织生活频次规则"
        verbose_name_plural = "组织生活频次规则"
        constraints = [
            models.UniqueConstraint(fields=["zone", "kind", "valid_from"], name="one_rule_per_kind_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_period_display()}≥{self.min_count}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class Appraisal(models.Model):
    """民主评议党员 of one member in one year, recorded by the member's branch."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="支部")
    year = models.PositiveSmallIntegerField("年度")
    member = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="appraisals")
    grade = models.CharField("评议等次", max_length=12, choices=Grade.choices)

    class Meta:
        ordering = ["year", "member_id"]
        verbose_name = "民主评议"
        verbose_name_plural = "民主评议"
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="one_appraisal_per_member_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.member_id}: {self.get_grade_display()}"
