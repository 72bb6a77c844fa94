"""Party dues (党费): the monthly amount from the rules of DOMAIN.md, payments, and the six-month flag.

Rates apply to the whole after-tax monthly income at the rate of its bracket (not marginally):
≤3000 元 0.5%, 3000–5000 1%, 5000–10000 1.5%, >10000 2%; retired ≤5000 0.5%, above 1%;
farmers a fixed 0.2–1 元 (FARMER_DEFAULT_FEN when not set per member); students, unemployed
and 低保 members 0.2 元. Amounts are integer 分, rounded half up.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q

from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.scoping import require

from .models import DuesAssessment, DuesCategory, DuesPayment, DuesWaiver, Member, WaiverKind, WaiverReason
from .services import PeopleError

# (upper bound of the bracket in 分 inclusive, rate in per-mille tenths: 5 = 0.5%)
SALARIED_BRACKETS = [(300_000, 5), (500_000, 10), (1_000_000, 15), (None, 20)]
RETIRED_BRACKETS = [(500_000, 5), (None, 10)]
FIXED_FEN: dict[str, int] = {
    DuesCategory.STUDENT: 20,
    DuesCategory.UNEMPLOYED: 20,
    DuesCategory.LOW_INCOME: 20,
}
FARMER_DEFAULT_FEN = 100
FARMER_RANGE_FEN = (20, 100)


def _rate(brackets, income_fen: int) -> int:
    for bound, rate in brackets:
        if bound is None or income_fen <= bound:
            return rate
    raise AssertionError("unreachable")


def monthly_dues_fen(category: str, income_fen: int = 0, farmer_fen: int | None = None) -> int:
    """The monthly dues in 分 for a category and after-tax monthly income in 分."""
    if income_fen < 0:
        raise PeopleError("收入不能为负数。", code="income")
    if category in FIXED_FEN:
        return FIXED_FEN[category]
    if category == DuesCategory.FARMER:
        amount = FARMER_DEFAULT_FEN if farmer_fen is None else farmer_fen
        low, high = FARMER_RANGE_FEN
        if not low <= amount <= high:
            raise PeopleError("农民党员每月交纳党费0.2元至1元。", code="farmer_range")
        return amount
    brackets = RETIRED_BRACKETS if category == DuesCategory.RETIRED else SALARIED_BRACKETS
    rate = _rate(brackets, income_fen)
    # income × rate / 1000, rounded half up, in whole 分.
    return (income_fen * rate + 500) // 1000


def _require(actor: Actor, member: Member) -> None:
    require(actor, "members.edit", member.org, message="该党员不在您的管理范围内。")


def waiver_in_force(member: Member, month: date) -> DuesWaiver | None:
    month = month.replace(day=1)
    return (
        DuesWaiver.objects.filter(member=member, from_month__lte=month)
        .filter(Q(to_month__isnull=True) | Q(to_month__gte=month))
        .order_by("-from_month")
        .first()
    )


@transaction.atomic
def grant_dues_waiver(
    *,
    actor: Actor,
    member: Member,
    kind: str,
    reason: str,
    from_month: date,
    approved_by: str,
    approved_on: date,
    to_month: date | None = None,
    monthly_fen: int | None = None,
    note: str = "",
) -> DuesWaiver:
    """免交 or 少交 (unemployed, 低保, hardship) with the approval recorded: who approved and when."""
    _require(actor, member)
    if kind not in WaiverKind.values or reason not in WaiverReason.values:
        raise PeopleError("请选择减免方式和原因（下岗失业、享受低保、生活困难）。", code="invalid")
    if not approved_by.strip():
        raise PeopleError("免交、少交党费须经党组织批准：请填写批准组织。", code="approval")
    from_month = from_month.replace(day=1)
    to_month = to_month.replace(day=1) if to_month else None
    if to_month and to_month < from_month:
        raise PeopleError("截止月份不能早于起始月份。", code="dates")
    if kind == WaiverKind.REDUCED:
        if not monthly_fen or monthly_fen <= 0:
            raise PeopleError("少交须填写每月交纳的金额。", code="amount")
    else:
        monthly_fen = None
    waiver = DuesWaiver.objects.create(
        member=member,
        kind=kind,
        reason=reason,
        from_month=from_month,
        to_month=to_month,
        monthly_fen=monthly_fen,
        approved_by=approved_by.strip()[:100],
        approved_on=approved_on,
        note=note[:200],
    )
    log_action(
        actor=actor,
        action="people.grant_dues_waiver",
        obj=waiver,
        org=member.org,
        data={"member": member.pk, "kind": kind, "reason": reason, "from": from_month, "to": to_month},
    )
    return waiver


@transaction.atomic
def set_dues_assessment(
    *,
    actor: Actor,
    member: Member,
    year: int,
    category: str,
    monthly_income_fen: int = 0,
    farmer_fen: int | None = None,
) -> DuesAssessment:
    """Set (at the start of the year) what the member pays monthly."""
    _require(actor, member)
    amount = monthly_dues_fen(category, monthly_income_fen, farmer_fen)
    assessment, _ = DuesAssessment.objects.update_or_create(
        member=member,
        year=year,
        defaults={"category": category, "monthly_income_fen": monthly_income_fen, "monthly_dues_fen": amount},
    )
    # The income is personal: log the category and amount, not the income.
    log_action(
        actor=actor,
        action="people.set_dues_assessment",
        obj=assessment,
        org=member.org,
        data={"member": member.pk, "year": year, "category": category, "monthly_dues_fen": amount},
    )
    return assessment


@transaction.atomic
def record_dues_payment(
    *, actor: Actor, member: Member, month: date, paid_on: date, amount_fen: int | None = None
) -> DuesPayment:
    """Record one month's dues; a month is paid at most once (database constraint)."""
    _require(actor, member)
    month = month.replace(day=1)
    waiver = waiver_in_force(member, month)
    if waiver is not None and waiver.kind == WaiverKind.EXEMPT:
        raise PeopleError(f"{month:%Y年%m月}经批准免交党费。", code="exempt")
    if amount_fen is None and waiver is not None:
        amount_fen = waiver.monthly_fen
    if amount_fen is None:
        assessment = DuesAssessment.objects.filter(member=member, year=month.year).first()
        if assessment is None:
            raise PeopleError(f"尚未核定该党员{month.year}年的党费标准。", code="no_assessment")
        amount_fen = assessment.monthly_dues_fen
    if amount_fen <= 0:
        raise PeopleError("金额必须大于零。", code="amount")
    try:
        with transaction.atomic():
            payment = DuesPayment.objects.create(
                member=member, month=month, amount_fen=amount_fen, paid_on=paid_on
            )
    except IntegrityError:
        raise PeopleError(f"{month:%Y年%m月}的党费已登记缴纳。", code="already_paid") from None
    log_action(
        actor=actor,
        action="people.record_dues_payment",
        obj=payment,
        org=member.org,
        data={"member": member.pk, "month": month, "amount_fen": amount_fen},
    )
    return payment
