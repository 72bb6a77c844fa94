from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import add_months, whole_years
from dangjian.core.pii import EncryptedTextField, mask_id, mask_phone


class Sex(models.TextChoices):
    MALE = "男", _("男")
    FEMALE = "女", _("女")


class Household(models.Model):
    """A household of residents, with an address and the grid that covers it."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="households", verbose_name="村/社区"
    )
    grid = models.ForeignKey(
        "orgs.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name="网格",
    )
    number = models.CharField("户号", max_length=40)
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        constraints = [
            models.UniqueConstraint(fields=["org", "number"], name="household_number_unique_in_org")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.address}"


class Person(models.Model):
    """A person — member or resident. ``org`` is where the person is registered (branch or village)."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="persons", verbose_name="所属组织"
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name="户",
        db_index=False,  # indexed where set (Meta.indexes): most persons have no household
    )
    name = models.CharField("姓名", max_length=50)  # indexed in Meta.indexes
    name_initials = models.CharField("姓名拼音首字母", max_length=50, blank=True)  # Meta.indexes
    id_number = EncryptedTextField("身份证号", blank=True)
    # The blind indexes are looked up by equality only: indexed in Meta.indexes, which (unlike
    # db_index) adds no varchar_pattern_ops twin on PostgreSQL for LIKE searches nobody makes.
    # NULL for a person recorded without an ID number: the unique index then needs no condition, and
    # so serves ``id_index = %s`` on SQLite too (a partial one cannot: its planner does not infer
    # <> '' from an equality), and no second, plain index on these random keys is kept up by every
    # insert (an import writes 100,000 of them).
    id_index = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    sex = models.CharField("性别", max_length=2, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True, db_index=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    education = models.CharField("学历", max_length=20, blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    address = models.CharField("住址", max_length=200, blank=True)
    work_post = models.CharField("工作单位及职务", max_length=100, blank=True)
    is_shareholder = models.BooleanField("集体经济组织成员（股东）", default=False)
    # The person's own login (a member checking in by QR code, seeing their own record); one each way.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name="登录账号",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (core.versioning): a stale edit is refused, never applied.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        constraints = [
            models.UniqueConstraint(fields=["id_index"], name="person_id_number_unique"),
        ]
        # Each index costs every insert (an import writes 100,000 persons): only what queries use.
        # The ID's blind index is served by the unique constraint's.
        indexes = [
            # Names are searched by equality, order and LIKE '%…%' (which no btree serves), never by
            # prefix: no pattern-ops twin. Initials are searched by prefix as a range
            # (selectors.initials_q), never by LIKE: no twin either.
            models.Index(fields=["name"], name="person_name"),
            models.Index(fields=["name_initials"], name="person_name_initials"),
            models.Index(fields=["phone_index"], name="person_phone_index"),
            models.Index(fields=["household"], condition=Q(household__isnull=False), name="person_household"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, day: date) -> int | None:
        if not self.birth_date:
            return None
        return whole_years(self.birth_date, day) if day >= self.birth_date else 0


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class DuesCategory(models.TextChoices):
    SALARIED = "salaried", _("在职")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    LOW_INCOME = "low_income", _("享受低保")


class Member(models.Model):
    """A party membership: the person on a branch's roll. ``left_on`` set means off the roll."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="membership", verbose_name="人员"
    )
    org = models.ForeignKey(
        "orgs.Org",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="所在支部",
        db_index=False,  # (org, left_on) and (org, person) below lead with it
    )
    status = models.CharField(
        "党员状态", max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    joined_on = models.DateField("入党日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    party_post = models.CharField("党内职务", max_length=50, blank=True)
    is_village_cadre = models.BooleanField("村（社区）两委干部", default=False)
    is_floating = models.BooleanField("流动党员", default=False)
    left_on = models.DateField("离开日期", null=True, blank=True)
    left_reason = models.CharField("离开原因", max_length=50, blank=True)
    dues_category = models.CharField(
        "党费类别", max_length=20, choices=DuesCategory.choices, default=DuesCategory.SALARIED
    )
    # 留党察看: no vote during the period (党章 Article 40).
    watch_from = models.DateField("留党察看起始日期", null=True, blank=True)
    watch_until = models.DateField("留党察看期满日期", null=True, blank=True)
    watch_decision = models.CharField("留党察看决定（批准机关、文号、事由）", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking (core.versioning): a stale edit is refused, never applied.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        indexes = [
            models.Index(fields=["org", "left_on"]),
            models.Index(fields=["joined_on"]),
            # The roster's order (see selectors.roster): a page is an index range, not a sort.
            models.Index(fields=["org", "person"], name="member_roster_order"),
        ]

    def __str__(self) -> str:
        return self.person.name

    def standing_years(self, day: date) -> int | None:
        """党龄 counts from ``full_on``, which is the day the probation ended (党章 Article 7), not the
        day of the meeting that converted the member (the development procedure sets it so)."""
        if not self.full_on:
            return None
        return whole_years(self.full_on, day)

    def is_full_on(self, day: date) -> bool:
        return self.full_on <= day if self.full_on is not None else self.status == MemberStatus.FULL

    def watched_on(self, day: date) -> bool:
        """Under 留党察看 on ``day`` (``watch_until`` is the day the rights come back)."""
        return (
            self.watch_from is not None
            and self.watch_from <= day
            and (self.watch_until is None or self.watch_until > day)
        )

    def has_vote_on(self, day: date) -> bool:
        """A full member on ``day`` (预备党员 have no vote, 党章 Article 7), not under 留党察看 (Article 40)."""
        return self.is_full_on(day) and not self.watched_on(day)


class MembershipPeriod(models.Model):
    """One stretch of a member on one org's roll; the member's history is the list of these."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="periods", verbose_name="党员")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="组织")
    started_on = models.DateField("起始日期", null=True, blank=True)
    ended_on = models.DateField("结束日期", null=True, blank=True)
    reason = models.CharField("变动原因", max_length=50, blank=True)

    class Meta:
        ordering = ["member", "started_on", "id"]
        verbose_name = "组织关系经历"
        verbose_name_plural = "组织关系经历"

    def __str__(self) -> str:
        return f"{self.org_id} {self.started_on}–{self.ended_on or ''}"


class TransferState(models.TextChoices):
    APPLIED = "applied", _("申请")
    APPROVED = "approved", _("转出审批")
    IN_TRANSIT = "in_transit", _("在途")
    RECEIVED = "received", _("接收")
    RETURNED = "returned", _("退回")
    EXPIRED = "expired", _("超期")


class TransferKind(models.TextChoices):
    FORMAL = "formal", _("组织关系介绍信")
    TEMPORARY = "temporary", _("临时组织关系证明")


class Transfer(models.Model):
    """组织关系转接. Out of a branch (``from_org`` set) and/or into one (``to_org`` set); the far side
    outside the platform is only named. An inbound transfer from outside carries the person's name
    and ID number until it is received and the member is created."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers", verbose_name="党员"
    )
    kind = models.CharField("转接方式", max_length=20, choices=TransferKind.choices)
    state = models.CharField(
        "状态", max_length=20, choices=TransferState.choices, default=TransferState.APPLIED
    )
    from_org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="转出组织"
    )
    to_org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="接收组织"
    )
    outside_org_name = models.CharField("平台外组织名称", max_length=100, blank=True)
    person_name = models.CharField("姓名", max_length=50, blank=True)
    person_id_number = EncryptedTextField("身份证号", blank=True)
    reason = models.CharField("转接原因", max_length=200, blank=True)
    months_away = models.PositiveSmallIntegerField("外出时间（月）", default=0)
    applied_on = models.DateField("申请日期")
    approved_on = models.DateField("审批日期", null=True, blank=True)
    issued_on = models.DateField("开具日期", null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField("有效期（天）", default=90)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    # A temporary relationship, once received, places the member with the host until this day
    # (exclusive); the formal relationship, the roll, dues and the vote stay at home.
    host_until = models.DateField("临时组织关系截止日期", null=True, blank=True)
    # From off the platform: what the letter says of the member (预备/正式, 入党日期).
    arriving_status = models.CharField("党员状态", max_length=20, choices=MemberStatus.choices, blank=True)
    arriving_joined_on = models.DateField("入党日期", null=True, blank=True)
    arriving_full_on = models.DateField("转正日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    # Both sides on the platform see a transfer, each through its own key: the live path follows
    # move_org (a copied path would stay with the old parent). The side off the platform is only named.
    SCOPE_PATH = ("from_org__path", "to_org__path")

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"

    def __str__(self) -> str:
        return f"{self.person_name} {self.get_state_display()}"

    @property
    def due_on(self) -> date | None:
        from datetime import timedelta

        if self.issued_on is None:
            return None
        return self.issued_on + timedelta(days=self.valid_days)

    def is_overdue(self, today: date) -> bool:
        due = self.due_on
        return self.state == TransferState.IN_TRANSIT and due is not None and today > due


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")
    STOPPED = "stopped", _("终止")


class DevelopmentCase(models.Model):
    """One person's way through 发展党员; each step is a ``DevelopmentStep`` with its own date."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="development", verbose_name="人员"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices, default=Stage.APPLICANT)
    applied_on = models.DateField("递交申请日期")
    talked_on = models.DateField("谈话日期", null=True, blank=True)
    activist_on = models.DateField("确定积极分子日期", null=True, blank=True)
    candidate_on = models.DateField("确定发展对象日期", null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField("集中培训学时", default=0)
    introducers = models.ManyToManyField(
        Member, blank=True, related_name="introduced", verbose_name="入党介绍人"
    )
    mentors = models.ManyToManyField(Member, blank=True, related_name="mentored", verbose_name="培养联系人")
    political_review_passed = models.BooleanField("政治审查合格", null=True, blank=True)
    voted_on = models.DateField("支部大会通过日期", null=True, blank=True)
    admission_decision = models.ForeignKey(
        "activities.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_on = models.DateField("上级党委审批日期", null=True, blank=True)
    approval_reason = models.CharField("超过三个月审批的原因", max_length=200, blank=True)
    extension_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    conversion_voted_on = models.DateField("支部大会讨论转正日期", null=True, blank=True)
    conversion_decision = models.ForeignKey(
        "activities.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    conversion_approved_on = models.DateField("上级党委批准转正日期", null=True, blank=True)
    full_on = models.DateField("转正日期（预备期满之日）", null=True, blank=True)
    stopped_reason = models.CharField("终止原因", max_length=200, blank=True)

    class Meta:
        ordering = ["org", "applied_on", "id"]
        verbose_name = "发展党员"
        verbose_name_plural = "发展党员"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=~Q(stage="stopped"), name="one_open_development_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_stage_display()}"

    @property
    def conversion_due_on(self) -> date | None:
        """转正 falls due one year (plus any extension) after the branch meeting's vote."""
        if self.voted_on is None:
            return None
        return add_months(self.voted_on, 12 + self.extension_months)


class DevelopmentStep(models.Model):
    """The dated log of a case: what was done, on which day, under which rule, and who entered it when.

    ``late_entry`` marks a step entered long after its date (补录, with a note); ``overdue`` marks a
    step taken after its time limit. A 补录 note explains a late entry; it never clears ``overdue``."""

    case = models.ForeignKey(DevelopmentCase, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField("环节", max_length=30)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    rule = models.CharField("依据", max_length=200, blank=True)
    overdue = models.BooleanField("超过时限", default=False)
    late_entry = models.BooleanField("补录", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by_name = models.CharField("登记人", max_length=50, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    decision = models.ForeignKey(
        "activities.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["case", "on", "id"]
        verbose_name = "发展环节"
        verbose_name_plural = "发展环节"

    def __str__(self) -> str:
        return f"{self.step} {self.on}"


class DuesAssessment(models.Model):
    """A member's monthly dues for a year, set at the start of the year from income and category."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_assessments")
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("类别", max_length=20, choices=DuesCategory.choices)
    monthly_income_fen = models.BigIntegerField("月税后收入（分）", default=0)
    monthly_dues_fen = models.BigIntegerField("月党费（分）")

    SCOPE_PATH = "member__org__path"

    class Meta:
        verbose_name = "党费核定"
        verbose_name_plural = "党费核定"
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="one_dues_assessment_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.monthly_dues_fen}"


class WaiverKind(models.TextChoices):
    EXEMPT = "exempt", _("免交")
    REDUCED = "reduced", _("少交")


class WaiverReason(models.TextChoices):
    UNEMPLOYED = "unemployed", _("下岗失业")
    LOW_INCOME = "low_income", _("享受低保")
    HARDSHIP = "hardship", _("生活困难")


class DuesWaiver(models.Model):
    """免交 or 少交 of dues for a stretch of months, with the approval recorded (2008 党费规定): such
    months are not unpaid."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_waivers")
    kind = models.CharField("方式", max_length=10, choices=WaiverKind.choices)
    reason = models.CharField("原因", max_length=20, choices=WaiverReason.choices)
    from_month = models.DateField("起始月份")  # first day of the month
    to_month = models.DateField("截止月份", null=True, blank=True)  # first day of the last month
    monthly_fen = models.BigIntegerField("少交后每月（分）", null=True, blank=True)
    approved_by = models.CharField("批准组织", max_length=100)
    approved_on = models.DateField("批准日期")
    note = models.CharField("说明", max_length=200, blank=True)

    SCOPE_PATH = "member__org__path"

    class Meta:
        ordering = ["member", "from_month"]
        verbose_name = "党费减免"
        verbose_name_plural = "党费减免"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_month:%Y-%m}"


class DuesPayment(models.Model):
    """One month's dues paid; a month is paid at most once (a database constraint, not an ``if``)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dues_payments")
    month = models.DateField("所属月份")  # first day of the month
    amount_fen = models.BigIntegerField("金额（分）")
    paid_on = models.DateField("缴纳日期")

    SCOPE_PATH = "member__org__path"

    class Meta:
        ordering = ["member", "month"]
        verbose_name = "党费缴纳"
        verbose_name_plural = "党费缴纳"
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_paid_once_per_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount_fen}"
