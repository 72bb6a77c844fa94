"""Casework: research themes and their visits, household visits and key assistance targets, and residents'
requests (诉求 / 民生实事) with their workflow, deadlines in working days and the holiday calendar.

Every row reaches its organization through a foreign key; nothing stores a copy of a path.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.pii import EncryptedTextField, mask_phone

# --- research (调研) -------------------------------------------------------------------------------


class ResearchTheme(models.Model):
    """A research theme (调研课题) of a year, led by an organization (usually the zone)."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="research_themes", verbose_name="牵头组织"
    )
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    title = models.CharField("课题名称", max_length=200)
    lead = models.CharField("牵头领导", max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "id"]
        verbose_name = "调研课题"
        verbose_name_plural = "调研课题"
        constraints = [models.UniqueConstraint(fields=["org", "year", "title"], name="research_theme_unique")]

    def __str__(self) -> str:
        return self.title


class VisiteeKind(models.TextChoices):
    MEMBER = "member", _("党员")
    CADRE = "cadre", _("干部")
    RESIDENT = "resident", _("群众")


class ResearchVisit(models.Model):
    """One research visit under a theme: who visited whom, when and where; a group talk counts its people."""

    theme = models.ForeignKey(
        ResearchTheme, on_delete=models.PROTECT, related_name="visits", verbose_name="调研课题"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="走访组织")
    date = models.DateField("日期", db_index=True)
    place = models.CharField("地点", max_length=200, blank=True)
    visitors = models.CharField("走访人", max_length=200)
    visitee_kind = models.CharField("走访对象类别", max_length=12, choices=VisiteeKind.choices)
    visitee = models.CharField("走访对象", max_length=200)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="人员",
    )
    people_count = models.PositiveIntegerField("走访人数", default=1)
    notes = models.TextField("调研情况", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = "调研走访"
        verbose_name_plural = "调研走访"
        constraints = [models.CheckConstraint(condition=Q(people_count__gte=1), name="research_visit_people")]

    def __str__(self) -> str:
        return f"{self.date} {self.visitee}"


class ResearchProblem(models.Model):
    """A problem found on a research visit: solved on the spot, or handed on as a request."""

    visit = models.ForeignKey(
        ResearchVisit, on_delete=models.PROTECT, related_name="problems", verbose_name="调研走访"
    )
    description = models.TextField("问题")
    solved_on_site = models.BooleanField("现场解决", default=False)
    solution = models.TextField("解决情况", blank=True)
    request = models.OneToOneField(
        "Request",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="research_problem",
        verbose_name="转为诉求",
    )

    SCOPE_PATH = "visit__org__path"

    class Meta:
        ordering = ["id"]
        verbose_name = "调研发现问题"
        verbose_name_plural = "调研发现问题"

    def __str__(self) -> str:
        return self.description[:40]


class OutputKind(models.TextChoices):
    REPORT = "report", _("调研报告")
    OUTCOME = "outcome", _("制度成果")


class ResearchOutput(models.Model):
    """A research report (调研报告) or an institutional outcome (制度成果) of a theme."""

    theme = models.ForeignKey(
        ResearchTheme, on_delete=models.PROTECT, related_name="outputs", verbose_name="调研课题"
    )
    kind = models.CharField("类别", max_length=12, choices=OutputKind.choices)
    title = models.CharField("名称", max_length=200)
    date = models.DateField("日期")
    summary = models.TextField("内容摘要", blank=True)

    SCOPE_PATH = "theme__org__path"

    class Meta:
        ordering = ["date", "id"]
        verbose_name = "调研成果"
        verbose_name_plural = "调研成果"

    def __str__(self) -> str:
        return self.title


# --- household visits (走访) -----------------------------------------------------------------------


class TargetReason(models.TextChoices):
    LOW_INCOME = "low_income", _("低保户")
    EXTREME = "extreme", _("特困供养")
    DISABLED = "disabled", _("残疾人")
    ALONE_ELDER = "alone_elder", _("独居老人")
    LEFT_BEHIND = "left_behind", _("留守儿童")
    ILLNESS = "illness", _("大病致困")
    RELAPSE = "relapse", _("防返贫监测")
    OTHER = "other", _("其他")


class KeyTarget(models.Model):
    """A key assistance target (重点帮扶对象): a person or household marked, with the reason, until ended."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="key_targets", verbose_name="村/社区"
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="人员",
    )
    name = models.CharField("姓名/户主", max_length=50)
    reason = models.CharField("帮扶原因", max_length=20, choices=TargetReason.choices)
    detail = models.CharField("具体情况", max_length=200, blank=True)
    marked_on = models.DateField("确定日期")
    ended_on = models.DateField("解除日期", null=True, blank=True)
    end_reason = models.CharField("解除原因", max_length=100, blank=True)

    class Meta:
        ordering = ["org", "id"]
        verbose_name = "重点帮扶对象"
        verbose_name_plural = "重点帮扶对象"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="key_target_one_open_per_person"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """A visit (走访) to a household or person by a secretary, member or grid worker, and what was raised."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="visits", verbose_name="组织")
    date = models.DateField("走访日期", db_index=True)
    visitor = models.CharField("走访人", max_length=100)
    visitor_person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="走访人员",
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="casework_visits",
        verbose_name="走访对象",
    )
    visitee = models.CharField("走访对象", max_length=100)
    address = models.CharField("住址", max_length=200, blank=True)
    target = models.ForeignKey(
        KeyTarget,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name="帮扶对象",
    )
    raised = models.TextField("反映事项", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        indexes = [models.Index(fields=["org", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.visitee}"


# --- residents' requests (诉求 / 民生实事) ----------------------------------------------------------


class Category(models.Model):
    """A request category with its time limit in working days (configurable per zone)."""

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    code = models.SlugField("标识", max_length=30)
    name = models.CharField("名称", max_length=50)
    deadline_days = models.PositiveSmallIntegerField("办理时限（工作日）", default=5)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("在用", default=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "诉求类别"
        verbose_name_plural = "诉求类别"
        constraints = [
            models.UniqueConstraint(fields=["zone", "code"], name="request_category_code_unique"),
            models.CheckConstraint(
                condition=Q(deadline_days__gte=1), name="request_category_deadline_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    ASSIGNED = "assigned", _("已转办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已回访")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Source(models.TextChoices):
    PUBLIC = "public", _("群众自助提交")
    VISIT = "visit", _("走访发现")
    RESEARCH = "research", _("调研发现")
    PHONE = "phone", _("来电")
    WALK_IN = "walk_in", _("来访")
    GRID = "grid", _("网格员上报")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


def is_overdue(status: str, deadline: date, resolved_on: date | None, day: date) -> bool:
    """Open past its deadline, or finished (``resolved_on``, the date in Beijing) after it. A ledger
    asks it of rows, not instances."""
    if status in OPEN_STATUSES:
        return deadline < day
    return resolved_on is not None and resolved_on > deadline


class Request(models.Model):
    """A resident's request. ``org`` is the organization handling it now; the steps keep its history.

    Only a keyed digest of the tracking code is stored (like a password): the resident holds the code.
    """

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="requests", verbose_name="承办组织"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="requests", verbose_name="类别"
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.RECEIVED)
    code_digest = models.CharField(max_length=64, unique=True, editable=False)
    description = models.TextField("诉求内容")
    place = models.CharField("地点", max_length=200, blank=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="casework_requests",
        verbose_name="提出人",
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name="走访记录",
    )
    received_at = models.DateTimeField("受理时间", db_index=True)
    deadline = models.DateField("办理期限")
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("回访时间", null=True, blank=True)
    reply = models.TextField("答复", blank=True)
    satisfaction = models.CharField("满意度", max_length=12, choices=Satisfaction.choices, blank=True)
    feedback = models.CharField("回访意见", max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "群众诉求"
        verbose_name_plural = "群众诉求"
        indexes = [
            # The queues: open matters of an org by deadline, one index range each.
            models.Index(fields=["status", "deadline"], name="request_status_deadline"),
            models.Index(fields=["org", "status", "deadline"], name="request_org_queue"),
            models.Index(fields=["resolved_at"], name="request_resolved_at"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.description[:20]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue_on(self, day: date) -> bool:
        resolved_on = timezone.localdate(self.resolved_at) if self.resolved_at else None
        return is_overdue(self.status, self.deadline, resolved_on, day)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Action(models.TextChoices):
    RECEIVE = "receive", _("受理")
    TRANSFER = "transfer", _("转办")
    START = "start", _("开始办理")
    RESOLVE = "resolve", _("办结")
    CLOSE = "close", _("回访评价")
    NOTE = "note", _("办理记录")


class Step(models.Model):
    """One step of a request's history; never edited. A transfer names both organizations, and the
    sending one keeps read access to the request through it."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="steps", verbose_name="诉求")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField("经办人", max_length=150, blank=True)
    action = models.CharField("环节", max_length=12, choices=Action.choices)
    status = models.CharField("办理后状态", max_length=12, choices=Status.choices)
    from_org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="转出组织"
    )
    to_org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="转入组织"
    )
    note = models.TextField("说明", blank=True)

    SCOPE_PATH = "request__org__path"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "办理过程"
        verbose_name_plural = "办理过程"
        indexes = [models.Index(fields=["from_org", "action"], name="request_step_sent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


# --- the working-day calendar ----------------------------------------------------------------------


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a statutory holiday on a weekday, or a weekend day worked (调休)."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=10, choices=DayKind.choices)
    name = models.CharField("名称", max_length=30, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
