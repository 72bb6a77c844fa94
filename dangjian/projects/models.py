"""Projects (with sub-projects and milestones), 党员突击队 on project sites, the 工业社区's enterprises,
and service places (智慧服务站, 党群服务中心, 党建阵地).

Money is integer 分 (shown in 元). A parent project's progress is never stored: it is the weighted
progress of its children (``selectors.rolled_progress``); a leaf's progress is the last report's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# 100 亿元 in 分 is 10**12; the cap refuses a mistyped extra digit group while fitting any real project.
MAX_INVESTMENT_FEN = 10_000 * 10**8 * 100  # 1 万亿元


class ProjectKind(models.TextChoices):
    INDUSTRY = "industry", _("产业项目")
    LIVELIHOOD = "livelihood", _("民生项目")
    TOURISM = "tourism", _("文旅项目")
    RURAL = "rural", _("乡村振兴项目")
    VENUE = "venue", _("党建阵地")


class ProjectStatus(models.TextChoices):
    PLANNING = "planning", _("谋划")
    BUILDING = "building", _("在建")
    IN_USE = "in_use", _("投用")


class Initiative(models.TextChoices):
    """专项行动 a project belongs to: the summary's sentences are built from these."""

    NONE = "", _("（无）")
    RED_SITE = "red_site", _("红色工地")
    DEMO_BELT = "demo_belt", _("精品乡村示范带")
    LIFE_CIRCLE = "life_circle", _("15分钟生活圈")
    TOURISM = "tourism", _("党旗领航·品质旅游")
    RURAL = "rural", _("党建共建·乡村振兴")


class AreaUnit(models.TextChoices):
    MU = "mu", _("亩")
    SQM = "sqm", _("平方米")


class Project(models.Model):
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="责任组织")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级项目",
    )
    name = models.CharField("项目名称", max_length=100)
    kind = models.CharField("项目类型", max_length=20, choices=ProjectKind.choices)
    initiative = models.CharField(
        "专项行动", max_length=20, choices=Initiative.choices, blank=True, default=""
    )
    status = models.CharField(
        "状态", max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNING
    )
    investment = models.BigIntegerField("总投资（分）", default=0)
    area = models.DecimalField("面积", max_digits=12, decimal_places=2, null=True, blank=True)
    area_unit = models.CharField("面积单位", max_length=10, choices=AreaUnit.choices, blank=True, default="")
    started_on = models.DateField("开工日期", null=True, blank=True)
    finished_on = models.DateField("投用日期", null=True, blank=True)
    weight = models.PositiveSmallIntegerField("权重", default=1, help_text="在上级项目进度中所占的权重")
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    description = models.TextField("简介", blank=True, max_length=5000)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Not a column: the rolled-up progress (%) a page or the API sets from selectors.rolled_progress.
    rolled: int

    class Meta:
        ordering = ["org__path", "name", "id"]
        verbose_name = "项目"
        verbose_name_plural = "项目"
        indexes = [
            models.Index(fields=["initiative", "finished_on"]),
            models.Index(fields=["kind", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(investment__gte=0) & Q(investment__lte=MAX_INVESTMENT_FEN),
                name="project_investment_range",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="project_progress_max_100"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="project_weight_positive"),
            models.CheckConstraint(
                condition=Q(finished_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(finished_on__gte=F("started_on")),
                name="project_finish_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name="项目"
    )
    name = models.CharField("节点名称", max_length=100)
    due_on = models.DateField("计划完成日期")
    target = models.PositiveSmallIntegerField("目标进度（%）", default=100)
    done_on = models.DateField("实际完成日期", null=True, blank=True)

    SCOPE_PATH = "project__org__path"

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "项目节点"
        verbose_name_plural = "项目节点"
        constraints = [models.CheckConstraint(condition=Q(target__lte=100), name="milestone_target_max_100")]

    def __str__(self) -> str:
        return self.name


class ProgressReport(models.Model):
    """One report of a project's progress; the project's ``progress`` is the latest report's."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reports", verbose_name="项目"
    )
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name="节点",
    )
    reported_on = models.DateField("填报日期")
    progress = models.PositiveSmallIntegerField("进度（%）")
    note = models.TextField("进展情况", blank=True, max_length=5000)
    reason = models.CharField("进度回调原因", max_length=500, blank=True)
    photo = models.FileField("现场照片", upload_to="projects/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="填报人",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    SCOPE_PATH = "project__org__path"

    class Meta:
        ordering = ["-reported_on", "-id"]
        verbose_name = "进度填报"
        verbose_name_plural = "进度填报"
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_max_100")]

    def __str__(self) -> str:
        return f"{self.reported_on:%Y-%m-%d} {self.progress}%"


class CommandoTeam(models.Model):
    """党员突击队: members from any branch serving on a project site; their home branch is kept."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属党组织")
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
        verbose_name="承担项目",
    )
    name = models.CharField("突击队名称", max_length=100)
    leader = models.CharField("队长", max_length=50, blank=True)
    formed_on = models.DateField("组建日期")
    disbanded_on = models.DateField("解散日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["org__path", "name"]
        verbose_name = "党员突击队"
        verbose_name_plural = "党员突击队"

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(
        CommandoTeam, on_delete=models.CASCADE, related_name="members", verbose_name="突击队"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="队员"
    )
    home_org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所在支部"
    )
    joined_on = models.DateField("加入日期")

    SCOPE_PATH = "team__org__path"

    class Meta:
        ordering = ["joined_on", "id"]
        verbose_name = "突击队员"
        verbose_name_plural = "突击队员"
        constraints = [models.UniqueConstraint(fields=["team", "person"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.team} · {self.person_id}"


class TeamDeed(models.Model):
    team = models.ForeignKey(
        CommandoTeam, on_delete=models.CASCADE, related_name="deeds", verbose_name="突击队"
    )
    done_on = models.DateField("日期")
    description = models.CharField("事迹", max_length=500)
    people_count = models.PositiveSmallIntegerField("参与人数", default=0)

    SCOPE_PATH = "team__org__path"

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = "突击队事迹"
        verbose_name_plural = "突击队事迹"

    def __str__(self) -> str:
        return self.description


class Enterprise(models.Model):
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="服务党组织")
    name = models.CharField("企业名称", max_length=100)
    sector = models.CharField("行业", max_length=50, blank=True)
    workers = models.PositiveIntegerField("职工人数", default=0)
    member_workers = models.PositiveIntegerField("其中党员", default=0)
    joined_on = models.DateField("纳入服务日期")
    left_on = models.DateField("退出服务日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["org__path", "name"]
        verbose_name = "服务企业"
        verbose_name_plural = "服务企业"
        constraints = [
            models.CheckConstraint(
                condition=Q(member_workers__lte=F("workers")), name="enterprise_members_le_workers"
            ),
            models.UniqueConstraint(fields=["org", "name"], name="enterprise_name_once_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class EnterpriseService(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="services", verbose_name="企业"
    )
    served_on = models.DateField("服务日期")
    title = models.CharField("服务事项", max_length=200)
    note = models.TextField("情况", blank=True, max_length=5000)

    SCOPE_PATH = "enterprise__org__path"

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = "企业服务"
        verbose_name_plural = "企业服务"

    def __str__(self) -> str:
        return self.title


class PlaceKind(models.TextChoices):
    SERVICE_STATION = "station", _("智慧服务站")
    SERVICE_CENTER = "center", _("党群服务中心")
    VENUE = "venue", _("党建阵地")
    PROPERTY = "property", _("红色物业")


class ServicePlace(models.Model):
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属党组织")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=PlaceKind.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    opening_hours = models.CharField("开放时间", max_length=100, blank=True)
    services = models.TextField("服务项目", blank=True, max_length=2000, help_text="每行一项")
    phone = models.CharField("服务电话", max_length=30, blank=True)
    public = models.BooleanField("对群众公开", default=True, help_text="在群众诉求页上列为可前往的地点")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["org__path", "kind", "name"]
        verbose_name = "服务场所"
        verbose_name_plural = "服务场所"

    def __str__(self) -> str:
        return self.name

    @property
    def service_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]
