"""The year's key-task checklist (清单), its owners' progress reports with evidence, supervision by the
liaison groups, and the zone's ledger catalogue.

A task's owners are rows of ``Assignment`` (one per owning org): the cells of the task × branch matrix.
Completion, "on time" and overdue are read from an assignment's state and the task's deadline, never
typed. Every row reaches its org through foreign keys; no path is copied.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    THEME_EDUCATION = "theme_education", _("主题教育")
    ORG_BUILDING = "org_building", _("组织建设")
    EXCELLENCE = "excellence", _("争先夺优")
    PROJECTS = "projects", _("项目建设")
    GOVERNANCE = "governance", _("基层治理")
    OTHER = "other", _("其他")


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class EvidenceKind(models.TextChoices):
    FILE = "file", _("文件")
    PHOTO = "photo", _("照片")
    LINK = "link", _("平台记录")


ALL_EVIDENCE_KINDS = [k.value for k in EvidenceKind]


class KeyTask(models.Model):
    """One task of a zone's yearly key-task list."""

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="发布单位")
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("序号")
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    title = models.CharField("任务", max_length=200)
    description = models.TextField("工作要求", blank=True)
    responsible = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="责任人",
    )
    responsible_name = models.CharField("责任人", max_length=50, blank=True)
    start_on = models.DateField("开始日期")
    due_on = models.DateField("完成时限", db_index=True)
    evidence_required = models.CharField("佐证材料要求", max_length=300, blank=True)
    evidence_kinds = models.JSONField("可提交的佐证类型", default=list)
    # "Every branch of a kind" as the office chose it; publishing turns it into assignments.
    owner_kinds = models.JSONField("按类型分配", default=list, blank=True)
    status = models.CharField("状态", max_length=12, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["year", "number"]
        verbose_name = "重点任务"
        verbose_name_plural = "重点任务"
        constraints = [
            models.UniqueConstraint(fields=["zone", "year", "number"], name="key_task_number_unique"),
            models.CheckConstraint(condition=Q(due_on__gte=F("start_on")), name="key_task_due_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def evidence_kind_labels(self) -> list[str]:
        return [str(EvidenceKind(k).label) for k in self.evidence_kinds if k in EvidenceKind.values]


class Milestone(models.Model):
    task = models.ForeignKey(
        KeyTask, on_delete=models.CASCADE, related_name="milestones", verbose_name="任务"
    )
    title = models.CharField("节点", max_length=100)
    due_on = models.DateField("节点时限")

    SCOPE_PATH = "task__zone__path"

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "任务节点"
        verbose_name_plural = "任务节点"

    def __str__(self) -> str:
        return f"{self.title}（{self.due_on:%Y-%m-%d}）"


class AssignmentState(models.TextChoices):
    OPEN = "open", _("进行中")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    DONE = "done", _("已完成")


class Assignment(models.Model):
    """A task owned by one organization: one cell of the task × branch matrix."""

    task = models.ForeignKey(
        KeyTask, on_delete=models.CASCADE, related_name="assignments", verbose_name="任务"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="责任单位")
    state = models.CharField(
        "状态", max_length=12, choices=AssignmentState.choices, default=AssignmentState.OPEN
    )
    # The day the accepted final report was submitted: "on time" compares it with the deadline.
    completed_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        ordering = ["task", "org__path"]
        verbose_name = "任务责任单位"
        verbose_name_plural = "任务责任单位"
        constraints = [models.UniqueConstraint(fields=["task", "org"], name="one_assignment_per_org")]
        indexes = [models.Index(fields=["org", "task"])]

    def __str__(self) -> str:
        return f"{self.task} · {self.org}"

    @property
    def done(self) -> bool:
        return self.state == AssignmentState.DONE

    def overdue_on(self, today: date) -> bool:
        """Past the deadline and not done, or done after it."""
        if self.done:
            return self.completed_on is not None and self.completed_on > self.task.due_on
        return self.task.due_on < today


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class Report(models.Model):
    """A progress report of an owner on its task, with evidence; a reviewer accepts or returns it."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reports")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="节点"
    )
    final = models.BooleanField("申请销号", default=False, help_text="任务已全部完成，提请审核销号")
    text = models.TextField("进展情况")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="报送人",
    )
    submitted_at = models.DateTimeField("报送时间")
    state = models.CharField(
        "审核状态", max_length=12, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)

    SCOPE_PATH = "assignment__org__path"

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "任务进展"
        verbose_name_plural = "任务进展"

    def __str__(self) -> str:
        return f"{self.assignment} {self.submitted_at:%Y-%m-%d}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"checklists/{instance.report_id}/{filename}"


class Evidence(models.Model):
    """A file, a photo, or a link to a record already in the platform (by its registered kind)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField("类型", max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=evidence_path, max_length=200, blank=True)
    filename = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    size = models.PositiveIntegerField(default=0)
    record_kind = models.CharField("记录类型", max_length=50, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    label = models.CharField("名称", max_length=200)

    SCOPE_PATH = "report__assignment__org__path"

    class Meta:
        ordering = ["id"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"

    def __str__(self) -> str:
        return self.label


# --- supervision -----------------------------------------------------------------------------------


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    DONE = "done", _("已督导")


class SupervisionVisit(models.Model):
    """A liaison group's supervision visit (督导) to one of its organizations."""

    group = models.ForeignKey(
        "orgs.LiaisonGroup", on_delete=models.PROTECT, related_name="+", verbose_name="联络组"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="督导对象")
    planned_on = models.DateField("计划日期")
    visited_on = models.DateField("督导日期", null=True, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    topic = models.CharField("督导内容", max_length=200)
    visitors = models.CharField("督导人员", max_length=200, blank=True)
    summary = models.TextField("督导情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = "督导"
        verbose_name_plural = "督导"

    def __str__(self) -> str:
        return f"{self.group} 督导 {self.org}"


class ProblemState(models.TextChoices):
    OPEN = "open", _("整改中")
    RECTIFIED = "rectified", _("已整改")


class Problem(models.Model):
    """A problem found on a supervision visit, rectified (整改) by its deadline and closed by the group."""

    visit = models.ForeignKey(SupervisionVisit, on_delete=models.CASCADE, related_name="problems")
    description = models.CharField("问题", max_length=300)
    rectify_by = models.DateField("整改时限")
    responsible_name = models.CharField("整改责任人", max_length=50, blank=True)
    state = models.CharField("状态", max_length=12, choices=ProblemState.choices, default=ProblemState.OPEN)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    rectification = models.CharField("整改情况", max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_PATH = "visit__org__path"

    class Meta:
        ordering = ["rectify_by", "id"]
        verbose_name = "督导问题"
        verbose_name_plural = "督导问题"

    def __str__(self) -> str:
        return self.description[:40]


# --- ledger catalogue ------------------------------------------------------------------------------


class LedgerEntry(models.Model):
    """A ledger the zone keeps (台账目录): a name and the registered ledger (``core.ledgers``) it is
    drawn from. A blank ``source`` means "the registered ledger of the same name", so a ledger the
    office listed before its module was installed starts printing once the module registers it."""

    zone = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    name = models.CharField("台账名称", max_length=50)
    source = models.CharField("数据来源", max_length=60, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("在用", default=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "台账"
        verbose_name_plural = "台账目录"
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="ledger_entry_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        """ "争先夺优" for "争先夺优台账": how the overview quotes it."""
        return self.name.removesuffix("台账") or self.name
