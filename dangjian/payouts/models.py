"""Payout programmes, their frozen beneficiary lists and the append-only ledger of payments.

Money is integer 分. "Paid at most once" is enforced by the database: a payment is either the first
of its entitlement (``prev_reversal`` empty, at most one by a partial unique index) or the re-payment
allowed by exactly one reversal (``prev_reversal`` unique), and each payment is reversed at most once
(``Reversal.payment`` unique) — so an entitlement never has two unreversed payments, whatever the
code above does. Payment and Reversal rows are never updated or deleted (triggers, migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.pii import EncryptedTextField, mask_id


class Kind(models.TextChoices):
    REWARD = "reward", _("奖励资金")
    ELDER = "elder", _("老年补贴")
    DIVIDEND = "dividend", _("集体经济分红")
    PENSION = "pension", _("养老金")
    OTHER = "other", _("其他补助")


class Rule(models.TextChoices):
    AGE = "age", _("年龄达到（以某日计）")
    SHAREHOLDERS = "shareholders", _("集体经济组织成员（按股）")
    MEMBERS = "members", _("在册党员")
    LISTED = "listed", _("导入名单")
    CAMPAIGN = "campaign", _("评选活动获奖者")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    PREPARED = "prepared", _("已编制待审核")
    VERIFIED = "verified", _("已审核待审批")
    APPROVED = "approved", _("已审批（冻结）")


class Programme(models.Model):
    """A payout programme of one org: budget, rule, and the three-person sign-off of its list."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", verbose_name="发放单位")
    name = models.CharField("项目名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    budget_fen = models.BigIntegerField("预算（分）", default=0)
    rule = models.CharField("发放条件", max_length=20, choices=Rule.choices, default=Rule.LISTED)
    rule_min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    rule_age_on = models.DateField("年龄计算日", null=True, blank=True)
    amount_fen = models.BigIntegerField("每人金额（分）", default=0)
    # The campaign whose published individual winners the CAMPAIGN rule pays (ratings hands them over).
    rule_campaign = models.ForeignKey(
        "ratings.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="评选活动",
    )
    status = models.CharField("名单状态", max_length=20, choices=ListStatus.choices, default=ListStatus.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Taken at approval: reconciliation compares the ledger with these, not with the live list.
    approved_count = models.PositiveIntegerField("审批人数", default=0)
    approved_total_fen = models.BigIntegerField("审批总额（分）", default=0)
    scan_retention_days = models.PositiveIntegerField("签领表扫描件保存天数", default=365 * 3)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发放项目"
        verbose_name_plural = "发放项目"
        ordering = ["-year", "org__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "name"], name="payouts_programme_name_unique"),
            models.CheckConstraint(condition=Q(budget_fen__gte=0), name="payouts_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.name}"

    @property
    def frozen(self) -> bool:
        return self.status == ListStatus.APPROVED


class Entitlement(models.Model):
    """What one beneficiary is owed. Name and ID number are copied at generation, so an approved list
    does not change when the registry does."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="entitlements")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="人员"
    )
    line_no = models.PositiveIntegerField("序号")
    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedTextField("身份证号", blank=True)
    shares = models.PositiveIntegerField("股数", default=1)
    amount_fen = models.BigIntegerField("应发金额（分）")
    note = models.CharField("备注", max_length=100, blank=True)

    SCOPE_PATH = "programme__org__path"

    class Meta:
        verbose_name = "应发记录"
        verbose_name_plural = "应发记录"
        ordering = ["programme", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="payouts_one_line_per_person"),
            models.UniqueConstraint(fields=["programme", "line_no"], name="payouts_line_no_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payouts_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.amount_fen}"

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)


class Method(models.TextChoices):
    COUNTER = "counter", _("柜台本人签领")
    PROXY = "proxy", _("代领")
    SHEET = "sheet", _("纸质签领表")
    BANK = "bank", _("银行代发")


class SignedSheet(models.Model):
    """A scan of a signed 签领表 (signatures and pressed fingerprints: biometric data, PIPL art. 28).

    The file is encrypted before it reaches storage; every view is audited; it is purged after the
    programme's retention period (``manage.py purge_payout_scans``)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sheets")
    title = models.CharField("说明", max_length=100, blank=True)
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    delete_after = models.DateField("到期删除日期")
    purged_at = models.DateTimeField(null=True, blank=True)

    SCOPE_PATH = "programme__org__path"

    class Meta:
        verbose_name = "签领表扫描件"
        verbose_name_plural = "签领表扫描件"

    def __str__(self) -> str:
        return self.title or f"扫描件{self.pk}"


class BankBatch(models.Model):
    """A bank-transfer batch: exported once, then the bank's result file is imported once."""

    class State(models.TextChoices):
        EXPORTED = "exported", _("已导出待回盘")
        IMPORTED = "imported", _("已回盘")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="bank_batches")
    state = models.CharField(max_length=20, choices=State.choices, default=State.EXPORTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    imported_at = models.DateTimeField(null=True, blank=True)

    SCOPE_PATH = "programme__org__path"

    class Meta:
        verbose_name = "银行代发批次"
        verbose_name_plural = "银行代发批次"

    def __str__(self) -> str:
        return f"批次{self.pk}"


class BankLine(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", _("待回盘")
        PAID = "paid", _("成功")
        FAILED = "failed", _("失败")

    batch = models.ForeignKey(BankBatch, on_delete=models.PROTECT, related_name="lines")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField()
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.PENDING)
    message = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "entitlement"], name="payouts_bank_line_unique")
        ]

    def __str__(self) -> str:
        return f"明细{self.pk}"


class Payment(models.Model):
    """One ledger row: an entitlement paid. Append-only; a mistake is undone by a ``Reversal``."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="payments")
    amount_fen = models.BigIntegerField("金额（分）")
    method = models.CharField("方式", max_length=20, choices=Method.choices)
    paid_at = models.DateTimeField("发放时间", db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)
    signature_png = EncryptedTextField("签名图像（base64）", blank=True)
    signature_sha256 = models.CharField(max_length=64, blank=True)
    proxy_name = models.CharField("代领人", max_length=50, blank=True)
    proxy_id_number = EncryptedTextField("代领人身份证号", blank=True)
    sheet = models.ForeignKey(
        SignedSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    bank_line = models.OneToOneField(
        BankLine, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    # The reversal that made this re-payment possible (empty for the first payment).
    prev_reversal = models.OneToOneField(
        "Reversal", null=True, blank=True, on_delete=models.PROTECT, related_name="repayment"
    )

    SCOPE_PATH = "entitlement__programme__org__path"

    class Meta:
        verbose_name = "发放记录"
        verbose_name_plural = "发放记录"
        constraints = [
            # At most one first payment per entitlement (a partial unique index on both databases).
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(prev_reversal__isnull=True),
                name="payouts_one_first_payment",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payouts_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement.name} {self.amount_fen}"

    @property
    def masked_proxy_id(self) -> str:
        return mask_id(self.proxy_id_number)


class ReversalRequest(models.Model):
    """A request to reverse a payment, waiting for a second person's approval."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已冲正")
        REJECTED = "rejected", _("已驳回")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="reversal_requests")
    reason = models.CharField("冲正原因", max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    SCOPE_PATH = "payment__entitlement__programme__org__path"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["payment"], condition=Q(state="pending"), name="payouts_one_pending_reversal"
            )
        ]

    def __str__(self) -> str:
        return f"冲正申请{self.pk}"


class Reversal(models.Model):
    """The reversing ledger entry of one payment (append-only); it lets the entitlement be paid again."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="reversals")
    amount_fen = models.BigIntegerField("冲正金额（分）")
    reason = models.CharField("冲正原因", max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    request = models.OneToOneField(
        ReversalRequest, null=True, on_delete=models.PROTECT, related_name="reversal"
    )
    reversed_at = models.DateTimeField()

    SCOPE_PATH = "entitlement__programme__org__path"

    class Meta:
        verbose_name = "冲正记录"
        verbose_name_plural = "冲正记录"
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__lt=0), name="payouts_reversal_negative"),
            models.CheckConstraint(condition=~Q(reason=""), name="payouts_reversal_has_reason"),
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("approved_by")), name="payouts_reversal_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"冲正{self.pk}"


class IdempotentAnswer(models.Model):
    """The first answer to a request carrying an ``Idempotency-Key``; a replay gets it back unchanged."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="payouts_idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key


class Step(models.TextChoices):
    PROPOSAL = "proposal", _("党支部提议")
    COMMITTEES = "committees", _("“两委”会议商议")
    PARTY_MEETING = "party_meeting", _("党员大会审议")
    ASSEMBLY = "assembly", _("成员（代表）大会决议")
    DECISION_PUBLISHED = "decision_published", _("决议公开")
    RESULT_PUBLISHED = "result_published", _("实施结果公开")


STEP_ORDER = list(Step.values)


class DividendPlan(models.Model):
    """The dividend plan of a collective: what is distributable, what is set aside, what a share gets."""

    programme = models.OneToOneField(Programme, on_delete=models.PROTECT, related_name="dividend_plan")
    income_fen = models.BigIntegerField("本年经营收入（分）", default=0)
    lump_sum_rent_fen = models.BigIntegerField("一次性收取租金（分）", default=0)
    lump_sum_rent_years = models.PositiveSmallIntegerField("租金所涵盖年数", default=1)
    land_compensation_fen = models.BigIntegerField("土地补偿费（不参与分红）（分）", default=0)
    costs_fen = models.BigIntegerField("本年成本费用（分）", default=0)
    undistributed_fen = models.BigIntegerField("上年未分配余额（分）", default=0)
    losses_fen = models.BigIntegerField("弥补亏损（分）", default=0)
    reserve_fen = models.BigIntegerField("提取公积公益金（分）", default=0)
    by_representatives = models.BooleanField("由成员代表会议决议", default=False)

    class Meta:
        verbose_name = "分红方案"
        verbose_name_plural = "分红方案"

    def __str__(self) -> str:
        return f"{self.programme} 分红方案"


class PlanStep(models.Model):
    """One step of 四议两公开, with attendance and votes for the assembly."""

    plan = models.ForeignKey(DividendPlan, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField("环节", max_length=30, choices=Step.choices)
    held_on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    eligible = models.PositiveIntegerField("应到人数", default=0)
    present = models.PositiveIntegerField("实到人数", default=0)
    votes_for = models.PositiveIntegerField("赞成票", default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["held_on", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "step"], name="payouts_one_step_each")]

    def __str__(self) -> str:
        return self.get_step_display()


def unreversed_payments(entitlement_ref="pk"):
    """Subquery: the unreversed payments of the outer entitlement."""
    return Payment.objects.filter(entitlement=OuterRef(entitlement_ref), reversal__isnull=True)


def is_paid():
    return Exists(unreversed_payments())
