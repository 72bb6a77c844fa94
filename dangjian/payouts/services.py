"""Writes on payouts: each one transaction, one ``require`` and one audit entry.

Rule violations raise ``PayoutError`` (a ValidationError) with a Chinese message and a ``code`` the
API answers with ("not_approved", "already_paid", "same_person", …).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from dangjian.core import idcard
from dangjian.core.actors import Actor, acting_user, actor_label
from dangjian.core.audit import log_action
from dangjian.core.figures import mark_saved
from dangjian.core.images import ImageRejected, clean_image
from dangjian.core.pii import get_cipher
from dangjian.core.rows import fetch, insert_row, instance_from_row
from dangjian.core.scoping import covers_path, require
from dangjian.orgs.models import Org
from dangjian.people.selectors import members_on_roll_under, persons_under
from dangjian.ratings import selectors as ratings_selectors

from .models import (
    STEP_ORDER,
    BankBatch,
    BankLine,
    DividendPlan,
    Entitlement,
    IdempotentAnswer,
    Kind,
    ListStatus,
    Method,
    Payment,
    PlanStep,
    Programme,
    Reversal,
    ReversalRequest,
    Rule,
    SignedSheet,
    Step,
)

if TYPE_CHECKING:
    from dangjian.accounts.models import User
    from dangjian.people.models import Person
    from dangjian.ratings.models import Campaign


MAX_SIGNATURE_BYTES = 512 * 1024
MAX_SCAN_BYTES = 20 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCAN_TYPES = {b"%PDF": "application/pdf", PNG_MAGIC[:4]: "image/png", b"\xff\xd8\xff": "image/jpeg"}


class PayoutError(ValidationError):
    pass


def _user(actor: Actor) -> User | None:
    return acting_user(actor)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- programmes and lists -------------------------------------------------------------------------


@transaction.atomic
def create_programme(
    *,
    actor: Actor,
    org: Org,
    name: str,
    kind: str,
    year: int,
    budget_fen: int = 0,
    rule: str = Rule.LISTED,
    rule_min_age: int | None = None,
    rule_age_on: date | None = None,
    amount_fen: int = 0,
    scan_retention_days: int = 365 * 3,
    rule_campaign: Campaign | None = None,
) -> Programme:
    require(actor, "payouts.prepare", org)
    name = (name or "").strip()
    if not name:
        raise PayoutError("请填写项目名称。", code="required")
    if kind not in Kind.values or rule not in Rule.values:
        raise PayoutError("请选择类别和发放条件。", code="invalid")
    if budget_fen < 0 or amount_fen < 0:
        raise PayoutError("金额不能为负数。", code="negative")
    if rule == Rule.AGE and (not rule_min_age or not rule_age_on):
        raise PayoutError("按年龄发放须填写最低年龄和年龄计算日。", code="required")
    if rule == Rule.CAMPAIGN:
        if rule_campaign is None:
            raise PayoutError("按评选结果发放须选择评选活动。", code="required")
        if not amount_fen:
            raise PayoutError("按评选结果发放须填写每人金额。", code="required")
        # The campaign must be one the actor's org could see (a zone's campaign, from its subtree).
        visible = ratings_selectors.campaigns_visible_to(actor, "payouts.prepare")
        if not visible.filter(pk=rule_campaign.pk).exists():
            raise PayoutError("请选择本单位可见的评选活动。", code="invalid")
    else:
        rule_campaign = None
    if Programme.objects.filter(org=org, year=year, name=name).exists():
        raise PayoutError("该单位本年度已有同名项目。", code="duplicate")
    programme = Programme.objects.create(
        org=org,
        name=name,
        kind=kind,
        year=year,
        budget_fen=budget_fen,
        rule=rule,
        rule_min_age=rule_min_age,
        rule_age_on=rule_age_on,
        amount_fen=amount_fen,
        scan_retention_days=scan_retention_days,
        rule_campaign=rule_campaign,
    )
    log_action(actor=actor, action="payouts.create_programme", obj=programme, org=org, data={"name": name})
    return programme


@dataclass(frozen=True)
class Line:
    """One line of an imported list (or one eligible person): who, how many shares, how much."""

    person: Person
    amount_fen: int = 0
    shares: int = 1
    note: str = ""


def allocate_by_shares(pool_fen: int, shares: list[int]) -> tuple[int, list[int], int]:
    """Split ``pool_fen`` by shares: (per-share amount, amount per holder, 分 carried forward).

    Every holder gets shares × the per-share amount rounded down to the 分; what is left over (less
    than one 分 per share) is carried to next year's undistributed balance, so nothing is unaccounted:
    ``sum(amounts) + carried == pool_fen``."""
    total = sum(shares)
    if pool_fen < 0:
        raise PayoutError("可分配金额不足，不能分红。", code="no_distributable")
    if total <= 0:
        return 0, [0 for _ in shares], pool_fen
    per_share = pool_fen // total
    amounts = [per_share * s for s in shares]
    return per_share, amounts, pool_fen - sum(amounts)


def dividend_figures(plan: DividendPlan, total_shares: int) -> dict:
    """Distributable income per DOMAIN.md and the split of the members' pool."""
    rent_this_year = plan.lump_sum_rent_fen // max(1, plan.lump_sum_rent_years)
    distributable = plan.income_fen + rent_this_year - plan.costs_fen + plan.undistributed_fen
    pool = distributable - plan.losses_fen - plan.reserve_fen
    per_share, _, carried = allocate_by_shares(max(pool, 0), [total_shares]) if total_shares else (0, [], 0)
    return {
        "rent_this_year": rent_this_year,
        "distributable": distributable,
        "pool": pool,
        "total_shares": total_shares,
        "per_share": per_share,
        "carried": carried,
    }


def _eligible(programme: Programme) -> list[Line]:
    """The lines a rule gives today (the registry as it is now; approval freezes the copy)."""
    persons = persons_under(programme.org).order_by("org__path", "name", "pk")
    if programme.rule == Rule.AGE:
        # create_programme refuses an age rule without both
        assert programme.rule_age_on is not None and programme.rule_min_age is not None
        born_by = _years_before(programme.rule_age_on, programme.rule_min_age)
        return [Line(p, programme.amount_fen) for p in persons.filter(birth_date__lte=born_by)]
    if programme.rule == Rule.SHAREHOLDERS:
        return [Line(p) for p in persons.filter(is_shareholder=True)]
    if programme.rule == Rule.MEMBERS:
        year_end = date(programme.year, 12, 31)
        members = members_on_roll_under(programme.org, joined_by=year_end)
        return [Line(p, programme.amount_fen) for p in persons.filter(pk__in=members.values("person_id"))]
    if programme.rule == Rule.CAMPAIGN:
        return _campaign_lines(programme, persons)
    raise PayoutError("导入名单的项目请上传名单。", code="listed")


def _campaign_lines(programme: Programme, persons: QuerySet[Person]) -> list[Line]:
    """One line per individual winner of the published campaign, in rank order.

    Collective winners (a 示范集体) are not people: their reward is paid by a listed programme."""
    assert programme.rule_campaign_id is not None  # create_programme refuses a campaign rule without one
    winners = ratings_selectors.campaign_winners(programme.rule_campaign_id)
    if not winners:
        raise PayoutError("该评选活动尚未公布结果，或没有获奖者。", code="no_winners")
    person_ids = [w["person_id"] for w in winners if w["person_id"]]
    if not person_ids:
        raise PayoutError("该评选活动的获奖者均为集体，请改用导入名单发放。", code="no_winners")
    found = persons.in_bulk(person_ids)
    missing = [w["nominee_name"] for w in winners if w["person_id"] and w["person_id"] not in found]
    if missing:
        raise PayoutError(f"获奖者“{missing[0]}”不属于本发放单位。", code="foreign")
    rank_note = {w["person_id"]: f"第{w['rank']}名" if w["rank"] else "" for w in winners}
    return [Line(found[pk], programme.amount_fen, note=rank_note[pk]) for pk in person_ids]


@transaction.atomic
def generate_list(*, actor: Actor, programme: Programme, lines: list[Line] | None = None) -> int:
    """(Re)build the draft list from the rule, or from ``lines`` for an imported list.

    Refused once the list is prepared: re-importing into a frozen list changes nothing."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    require(actor, "payouts.prepare", programme.org)
    if programme.status != ListStatus.DRAFT:
        raise PayoutError("名单已提交或已审批冻结，不能重新生成。", code="frozen")
    if lines is None:
        lines = _eligible(programme)
    seen: set[int] = set()
    for line in lines:
        if line.person.pk in seen:
            raise PayoutError(f"名单中“{line.person.name}”重复。", code="duplicate_person")
        if not line.person.org.path.startswith(programme.org.path):
            raise PayoutError(f"“{line.person.name}”不属于本单位。", code="foreign")
        seen.add(line.person.pk)
    if programme.kind == Kind.DIVIDEND:
        plan = DividendPlan.objects.filter(programme=programme).first()
        if plan is None:
            raise PayoutError("请先填写分红方案。", code="no_plan")
        figures = dividend_figures(plan, sum(line.shares for line in lines))
        _, amounts, _ = allocate_by_shares(max(figures["pool"], 0), [line.shares for line in lines])
        lines = [Line(line.person, a, line.shares, line.note) for line, a in zip(lines, amounts, strict=True)]
    if any(line.amount_fen <= 0 for line in lines):
        raise PayoutError("每人应发金额须大于零。", code="amount")
    Entitlement.objects.filter(programme=programme).delete()
    Entitlement.objects.bulk_create(
        [
            Entitlement(
                programme=programme,
                person=line.person,
                line_no=i,
                name=line.person.name,
                id_number=line.person.id_number,
                shares=line.shares,
                amount_fen=line.amount_fen,
                note=line.note,
            )
            for i, line in enumerate(lines, start=1)
        ],
        batch_size=1000,
    )
    total = sum(line.amount_fen for line in lines)
    if programme.budget_fen and total > programme.budget_fen:
        raise PayoutError("名单总额超出预算。", code="over_budget")
    log_action(
        actor=actor,
        action="payouts.generate_list",
        obj=programme,
        org=programme.org,
        data={"lines": len(lines), "total_fen": total},
    )
    return len(lines)


def _signers(programme: Programme) -> set[int]:
    return {pk for pk in (programme.prepared_by_id, programme.verified_by_id) if pk}


@transaction.atomic
def advance_list(*, actor: Actor, programme: Programme) -> Programme:
    """Prepare → verify → approve, each by a different person; approval freezes the list."""
    programme = Programme.objects.select_for_update().select_related("org").get(pk=programme.pk)
    user = _user(actor)
    if user is None:
        raise PayoutError("编制、审核、审批须由登录的工作人员完成。", code="person_required")
    now = timezone.now()
    steps: dict[str, tuple[str, str, str]] = {
        ListStatus.DRAFT: ("payouts.prepare", ListStatus.PREPARED, "prepared"),
        ListStatus.PREPARED: ("payouts.verify", ListStatus.VERIFIED, "verified"),
        ListStatus.VERIFIED: ("payouts.approve", ListStatus.APPROVED, "approved"),
    }
    step = steps.get(programme.status)
    if step is None:
        raise PayoutError("名单已审批冻结。", code="frozen")
    capability, new_status, field = step
    require(actor, capability, programme.org)
    if user.pk in _signers(programme):
        raise PayoutError("编制、审核、审批须由三名不同人员完成。", code="same_person")
    count = programme.entitlements.count()
    if count == 0:
        raise PayoutError("名单为空。", code="empty")
    if new_status == ListStatus.APPROVED:
        if programme.kind == Kind.DIVIDEND:
            plan = DividendPlan.objects.filter(programme=programme).first()
            if plan is None or not assembly_passed(plan):
                raise PayoutError("分红方案未经成员（代表）大会表决通过，不能审批。", code="vote_not_passed")
        programme.approved_count = count
        programme.approved_total_fen = programme.entitlements.aggregate(t=Sum("amount_fen"))["t"] or 0
    setattr(programme, f"{field}_by", user)
    setattr(programme, f"{field}_at", now)
    programme.status = new_status
    programme.version += 1
    programme.save()
    log_action(
        actor=actor,
        action=f"payouts.{field}_list",
        obj=programme,
        org=programme.org,
        data={"count": count, "total_fen": programme.approved_total_fen},
    )
    return programme


@transaction.atomic
def return_list(*, actor: Actor, programme: Programme, reason: str) -> Programme:
    """Send a prepared or verified (not approved) list back to draft, clearing the sign-offs."""
    programme = Programme.objects.select_for_update().select_related("org").get(pk=programme.pk)
    require(actor, "payouts.verify", programme.org)
    if programme.status in (ListStatus.DRAFT, ListStatus.APPROVED):
        raise PayoutError("只有待审核、待审批的名单可以退回。", code="state")
    if not (reason or "").strip():
        raise PayoutError("请填写退回原因。", code="reason")
    programme.status = ListStatus.DRAFT
    programme.prepared_by = programme.verified_by = None
    programme.prepared_at = programme.verified_at = None
    programme.version += 1
    programme.save()
    log_action(
        actor=actor, action="payouts.return_list", obj=programme, org=programme.org, data={"reason": reason}
    )
    return programme


# --- dividend plan and 四议两公开 -------------------------------------------------------------------


PLAN_FIELDS = (
    "income_fen",
    "lump_sum_rent_fen",
    "lump_sum_rent_years",
    "land_compensation_fen",
    "costs_fen",
    "undistributed_fen",
    "losses_fen",
    "reserve_fen",
    "by_representatives",
)


@transaction.atomic
def save_dividend_plan(*, actor: Actor, programme: Programme, **values: Any) -> DividendPlan:
    require(actor, "payouts.prepare", programme.org)
    if programme.kind != Kind.DIVIDEND:
        raise PayoutError("只有集体经济分红项目有分红方案。", code="not_dividend")
    if programme.status != ListStatus.DRAFT:
        raise PayoutError("名单已提交，分红方案不能再改。", code="frozen")
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields {sorted(unknown)}")
    for name, value in values.items():
        if name.endswith("_fen") and value < 0:
            raise PayoutError("金额不能为负数。", code="negative")
    plan, _ = DividendPlan.objects.update_or_create(programme=programme, defaults=values)
    log_action(actor=actor, action="payouts.save_dividend_plan", obj=plan, org=programme.org, data=values)
    return plan


def quorum_rule() -> dict:
    """Quorum of the assembly (configurable, DOMAIN.md defaults)."""
    from django.conf import settings

    return getattr(
        settings,
        "PAYOUTS_ASSEMBLY_QUORUM",
        {"members": (1, 2, False), "representatives": (2, 3, True), "majority": (1, 2, False)},
    )


def _over(n: int, d: int, fraction: tuple[int, int, bool]) -> bool:
    num, den, inclusive = fraction
    return n * den >= num * d if inclusive else n * den > num * d


def assembly_quorate(plan: DividendPlan, step: PlanStep) -> bool:
    rule = quorum_rule()["representatives" if plan.by_representatives else "members"]
    return step.eligible > 0 and _over(step.present, step.eligible, rule)


def assembly_passed(plan: DividendPlan) -> bool:
    steps = {s.step: s for s in plan.steps.all()}
    if any(s not in steps for s in STEP_ORDER[: STEP_ORDER.index(Step.ASSEMBLY) + 1]):
        return False
    vote = steps[Step.ASSEMBLY]
    return assembly_quorate(plan, vote) and _over(vote.votes_for, vote.present, quorum_rule()["majority"])


@transaction.atomic
def record_plan_step(
    *,
    actor: Actor,
    plan: DividendPlan,
    step: str,
    held_on: date,
    note: str = "",
    eligible: int = 0,
    present: int = 0,
    votes_for: int = 0,
) -> PlanStep:
    """Record one step of 四议两公开, in order; the assembly records attendance and votes."""
    programme = Programme.objects.select_related("org").get(pk=plan.programme_id)
    require(actor, "payouts.prepare", programme.org)
    if step not in STEP_ORDER:
        raise PayoutError("请选择环节。", code="invalid")
    done = {s.step: s for s in plan.steps.all()}
    if step in done:
        raise PayoutError("该环节已记录。", code="duplicate")
    index = STEP_ORDER.index(step)
    earlier = STEP_ORDER[:index]
    if any(s not in done for s in earlier):
        raise PayoutError("请按“四议两公开”的顺序记录。", code="order")
    if earlier and held_on < done[earlier[-1]].held_on:
        raise PayoutError("日期不能早于上一环节。", code="order")
    if step == Step.ASSEMBLY and not (0 < present <= eligible and votes_for <= present):
        raise PayoutError("请填写应到、实到人数和赞成票（实到不超过应到，赞成不超过实到）。", code="votes")
    if step == Step.RESULT_PUBLISHED and programme.status != ListStatus.APPROVED:
        raise PayoutError("名单审批后才能公开实施结果。", code="order")
    row = PlanStep.objects.create(
        plan=plan,
        step=step,
        held_on=held_on,
        note=note,
        eligible=eligible,
        present=present,
        votes_for=votes_for,
        recorded_by=_user(actor),
    )
    log_action(
        actor=actor,
        action="payouts.record_plan_step",
        obj=row,
        org=programme.org,
        data={"step": step, "eligible": eligible, "present": present, "votes_for": votes_for},
    )
    return row


# --- paying ---------------------------------------------------------------------------------------


def decode_signature(data: str | bytes | None) -> bytes:
    """A base64 PNG (optionally as a data: URL) → its bytes; anything else is refused."""
    if not data:
        raise PayoutError("请领取人签名。", code="signature_required")
    if isinstance(data, str):
        if data.startswith("data:"):
            data = data.split(",", 1)[-1]
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise PayoutError("签名图像格式不正确。", code="signature_invalid") from None
    else:
        raw = data
    if not raw.startswith(PNG_MAGIC) or len(raw) > MAX_SIGNATURE_BYTES:
        raise PayoutError("签名图像格式不正确。", code="signature_invalid")
    try:
        return clean_image(raw, what="签名图像", formats=("PNG",), max_bytes=MAX_SIGNATURE_BYTES).content
    except ImageRejected as exc:
        raise PayoutError(exc.messages[0], code="signature_invalid") from None


# The counter's hot path is written in SQL: at a busy counter it runs hundreds of times a second, and
# the ORM spends more CPU compiling these statements (~0.5 ms each) than the database running them.
# The line, its programme's status and its org's path come in one statement, which also locks the line.
_LOCK_LINE = (
    "SELECT e.id, e.programme_id, e.person_id, e.line_no, e.name, e.id_number, e.shares, e.amount_fen,"
    " e.note, p.status, p.org_id, o.path"
    " FROM payouts_entitlement e"
    " JOIN payouts_programme p ON p.id = e.programme_id"
    " JOIN orgs_org o ON o.id = p.org_id"
    " WHERE e.id = %s"
)
_LINE_FIELDS = (
    "id",
    "programme_id",
    "person_id",
    "line_no",
    "name",
    "id_number",
    "shares",
    "amount_fen",
    "note",
)
# Whether the line was ever paid (a re-payment needs the reversal that allows it) and whether it is
# paid now (an unreversed payment).
_LINE_STATE = (
    "SELECT EXISTS (SELECT 1 FROM payouts_payment p WHERE p.entitlement_id = %s),"
    " EXISTS (SELECT 1 FROM payouts_payment p WHERE p.entitlement_id = %s"
    " AND NOT EXISTS (SELECT 1 FROM payouts_reversal r WHERE r.payment_id = p.id))"
)
# The same, and the answer stored for an idempotency key (none: NULLs).
_KEYED_LINE_STATE = (
    _LINE_STATE + ", a.request_hash, a.status, a.body"
    " FROM (SELECT 1 AS one) o LEFT JOIN payouts_idempotentanswer a ON a.user_id = %s AND a.key = %s"
)


def _open_entitlement(entitlement_id: int) -> Entitlement:
    """The line with its programme (id, status) and org (id, path) loaded, locked till the commit;
    ``Entitlement.DoesNotExist`` if there is none.

    Lock the line: concurrent tablets for one person queue here (PostgreSQL); the partial unique
    index stands behind it on every database. Only the line (OF e): a bare FOR UPDATE would also
    lock the programme and org rows it joins, which every line of the zone shares, and so queue
    every payment of the zone behind each other. The programme needs no lock: payments are taken
    only on an approved list, and approval is final (advance_list and return_list refuse it)."""
    connection = transaction.get_connection()
    sql = _LOCK_LINE + (" FOR UPDATE OF e" if connection.features.has_select_for_update_of else "")
    rows = fetch(sql, [entitlement_id])
    if not rows:
        raise Entitlement.DoesNotExist("no such entitlement")
    *line, status, org_id, path = rows[0]
    entitlement = instance_from_row(Entitlement, _LINE_FIELDS, line, connection.alias)
    # The programme's and org's other fields are deferred: loaded if anything asks for them.
    programme = instance_from_row(
        Programme, ("id", "org_id", "status"), (line[1], org_id, status), connection.alias
    )
    programme.org = instance_from_row(Org, ("id", "path"), (org_id, path), connection.alias)
    entitlement.programme = programme
    return entitlement


def _line_state(entitlement_id: int) -> tuple[bool, bool]:
    """(ever paid, paid now) of a line the caller has locked."""
    ((ever, now),) = fetch(_LINE_STATE, [entitlement_id, entitlement_id])
    return bool(ever), bool(now)


def current_payment(entitlement: Entitlement) -> Payment | None:
    return Payment.objects.filter(entitlement=entitlement, reversal__isnull=True).first()


@transaction.atomic
def pay_entitlement(
    *,
    actor: Actor,
    entitlement: Entitlement,
    method: str,
    signature_png: str | bytes | None = None,
    proxy_name: str = "",
    proxy_id_number: str = "",
    sheet: SignedSheet | None = None,
    bank_line: BankLine | None = None,
    idempotency_key: str = "",
) -> Payment:
    """Record the payment of one entitlement of an approved list: signed at the counter, by a proxy
    with ID, against a scanned signed sheet, or by bank transfer."""
    entitlement = _open_entitlement(entitlement.pk)
    payment = _record_payment(
        actor=actor,
        entitlement=entitlement,
        method=method,
        signature_png=signature_png,
        proxy_name=proxy_name,
        proxy_id_number=proxy_id_number,
        sheet=sheet,
        bank_line=bank_line,
        idempotency_key=idempotency_key,
    )
    _log_payment(actor, payment)
    return payment


def _record_payment(
    *,
    actor: Actor,
    entitlement: Entitlement,
    method: str,
    signature_png: str | bytes | None,
    proxy_name: str,
    proxy_id_number: str,
    sheet: SignedSheet | None,
    bank_line: BankLine | None,
    idempotency_key: str,
    state: tuple[bool, bool] | None = None,
) -> Payment:
    """The checks and the ledger row of a payment, inside the caller's transaction, on a line the
    caller has locked (``_open_entitlement``), whose ``_line_state`` the caller may have read already;
    the caller writes the audit entry."""
    programme = entitlement.programme
    require(actor, "payouts.pay", programme.org)
    if programme.status != ListStatus.APPROVED:
        raise PayoutError("名单尚未审批，不能发放。", code="not_approved")
    if method not in Method.values:
        raise PayoutError("请选择发放方式。", code="invalid")
    paid_before, paid_now = state if state is not None else _line_state(entitlement.pk)
    if paid_now:
        # Before the signature is read: the second tap of a double tap is refused at once.
        raise PayoutError("该笔款项已发放，不能重复发放。", code="already_paid")
    signature = b""
    if method in (Method.COUNTER, Method.PROXY):
        signature = decode_signature(signature_png)
    if method == Method.PROXY:
        proxy_name = (proxy_name or "").strip()
        if not proxy_name:
            raise PayoutError("请填写代领人姓名。", code="proxy_required")
        try:
            proxy_id_number = idcard.validate_id(proxy_id_number, today=timezone.localdate())
        except (ValidationError, ValueError):
            raise PayoutError("代领人身份证号不正确。", code="proxy_id_invalid") from None
    else:
        proxy_name, proxy_id_number = "", ""
    if method == Method.SHEET and (sheet is None or sheet.programme_id != programme.pk):
        raise PayoutError("请选择本项目的签领表扫描件。", code="sheet_required")
    if method == Method.BANK and bank_line is None:
        raise PayoutError("银行代发须来自回盘文件。", code="bank_line_required")
    # A reversal needs a payment to reverse: a line never paid has none to look for.
    open_reversal = (
        Reversal.objects.filter(entitlement=entitlement, repayment__isnull=True).order_by("-pk").first()
        if paid_before
        else None
    )
    values = {
        "entitlement": entitlement.pk,
        "amount_fen": entitlement.amount_fen,
        "method": method,
        "paid_at": timezone.now(),
        "recorded_by": getattr(_user(actor), "pk", None),
        "recorded_by_name": actor_label(actor),
        "signature_png": base64.b64encode(signature).decode() if signature else "",
        "signature_sha256": hashlib.sha256(signature).hexdigest() if signature else "",
        "proxy_name": proxy_name,
        "proxy_id_number": proxy_id_number,
        "sheet": sheet.pk if sheet is not None and method == Method.SHEET else None,
        "bank_line": bank_line.pk if bank_line is not None else None,
        "idempotency_key": idempotency_key[:100],
        "prev_reversal": open_reversal.pk if open_reversal is not None else None,
    }
    try:
        # No savepoint: a refused insert fails the whole payment, which the caller's transaction
        # rolls back as it leaves with the PayoutError (two round trips fewer per payment).
        with transaction.atomic(savepoint=False):
            pk = insert_row(Payment, values)  # the counter's hot path: see core.rows
    except IntegrityError:
        raise PayoutError("该笔款项已发放，不能重复发放。", code="already_paid") from None
    payment = Payment(
        pk=pk,
        entitlement=entitlement,
        recorded_by=_user(actor),
        sheet=sheet if method == Method.SHEET else None,
        bank_line=bank_line,
        prev_reversal=open_reversal,
        **{k: v for k, v in values.items() if k not in _PAYMENT_RELATIONS},
    )
    payment._state.adding, payment._state.db = False, transaction.get_connection().alias
    mark_saved(payment)  # the paid figures of the line's org, as save() would have marked them
    return payment


_PAYMENT_RELATIONS = {"entitlement", "recorded_by", "sheet", "bank_line", "prev_reversal"}


def _log_payment(actor: Actor, payment: Payment) -> None:
    # The audit chain's head is locked from here to the commit (core.audit), so this is the
    # transaction's last statement: every payment of every zone queues on that one lock.
    entitlement = payment.entitlement
    log_action(
        actor=actor,
        action="payouts.pay",
        obj=payment,
        org=entitlement.programme.org,
        data={"entitlement": entitlement.pk, "amount_fen": payment.amount_fen, "method": payment.method},
    )


def payment_body(payment: Payment) -> dict:
    """The answer to a pay request (also what a replay gets back): no ID number, no signature."""
    e = payment.entitlement
    return {
        "id": payment.pk,
        "entitlement_id": e.pk,
        "programme_id": e.programme_id,
        "name": e.name,
        "masked_id": e.masked_id,
        "amount_fen": payment.amount_fen,
        "method": payment.method,
        "paid_at": timezone.localtime(payment.paid_at).isoformat(),
        "signature_sha256": payment.signature_sha256,
        "proxy_name": payment.proxy_name,
        "proxy_masked_id": payment.masked_proxy_id,
        "recorded_by": payment.recorded_by_name,
    }


def request_hash(entitlement_id: int, payload: dict) -> str:
    raw = json.dumps([entitlement_id, payload], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def pay_with_key(*, actor: Actor, entitlement_id: int, key: str, payload: dict) -> tuple[int, dict]:
    """Pay once per ``Idempotency-Key``: the first answer (201 and the payment) is stored in the same
    transaction as the payment and replayed for the same key; refusals are not stored, so a request
    refused for a list not yet approved can be retried with its key after approval.

    A line that does not exist or lies outside the actor's ``payouts.pay`` scope raises
    ``Entitlement.DoesNotExist`` (the views answer 404), before anything else is looked at."""
    # Lock the line first: replays of one key queue here and find the first answer once it commits.
    entitlement = _open_entitlement(entitlement_id)
    if not covers_path(actor, "payouts.pay", entitlement.programme.org.path):
        raise Entitlement.DoesNotExist("no such entitlement in scope")
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise PayoutError("缺少幂等键（Idempotency-Key）。", code="idempotency_key_required")
    user = _user(actor)
    if user is None:
        raise PayoutError("发放须由登录的工作人员完成。", code="person_required")
    digest = request_hash(entitlement_id, payload)
    ((ever, now, stored_hash, stored_status, stored_body),) = fetch(
        _KEYED_LINE_STATE, [entitlement_id, entitlement_id, user.pk, key]
    )
    if stored_hash is not None:
        if stored_hash != digest:
            raise PayoutError("该幂等键已用于另一请求。", code="idempotency_key_reused")
        # JSON text as Django's JSONField reads it on both databases (psycopg hands jsonb over as text).
        return stored_status, json.loads(stored_body) if isinstance(stored_body, str) else stored_body
    method = payload.get("method") or ""
    if method not in (Method.COUNTER, Method.PROXY):
        raise PayoutError("发放方式只能是本人签领或代领。", code="invalid")
    payment = _record_payment(
        actor=actor,
        entitlement=entitlement,
        method=method,
        signature_png=payload.get("signature_png"),
        proxy_name=payload.get("proxy_name") or "",
        proxy_id_number=payload.get("proxy_id_number") or "",
        sheet=None,
        bank_line=None,
        idempotency_key=key,
        state=(bool(ever), bool(now)),
    )
    body = payment_body(payment)
    try:
        with transaction.atomic(savepoint=False):
            insert_row(
                IdempotentAnswer,
                {
                    "user": user.pk,
                    "key": key,
                    "request_hash": digest,
                    "status": 201,
                    "body": body,
                    "created_at": payment.paid_at,
                },
            )
    except IntegrityError:
        raise PayoutError("该幂等键已用于另一请求。", code="idempotency_key_reused") from None
    _log_payment(actor, payment)
    return 201, body


# --- reversals ------------------------------------------------------------------------------------


@transaction.atomic
def request_reversal(*, actor: Actor, payment: Payment, reason: str) -> ReversalRequest:
    payment = Payment.objects.select_related("entitlement__programme__org").get(pk=payment.pk)
    org = payment.entitlement.programme.org
    require(actor, "payouts.reverse", org)
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError("请填写冲正原因。", code="reason_required")
    if Reversal.objects.filter(payment=payment).exists():
        raise PayoutError("该笔发放已冲正。", code="already_reversed")
    if _user(actor) is None:
        raise PayoutError("冲正须由登录的工作人员申请。", code="person_required")
    try:
        with transaction.atomic():
            req = ReversalRequest.objects.create(
                payment=payment, reason=reason, requested_by=_user(actor), requested_at=timezone.now()
            )
    except IntegrityError:
        raise PayoutError("该笔发放已有待审批的冲正申请。", code="pending") from None
    log_action(
        actor=actor,
        action="payouts.request_reversal",
        obj=req,
        org=org,
        data={"payment": payment.pk, "reason": reason},
    )
    return req


@transaction.atomic
def decide_reversal(*, actor: Actor, request: ReversalRequest, approve: bool) -> Reversal | None:
    """A second person approves (the reversing entry is written) or rejects the request."""
    req = (
        ReversalRequest.objects.select_for_update()
        .select_related("payment__entitlement__programme__org")
        .get(pk=request.pk)
    )
    payment = req.payment
    org = payment.entitlement.programme.org
    require(actor, "payouts.reverse", org)
    user = _user(actor)
    if user is None or user.pk == req.requested_by_id:
        raise PayoutError("冲正须由申请人以外的另一人审批。", code="same_person")
    if req.state != ReversalRequest.State.PENDING:
        raise PayoutError("该申请已处理。", code="decided")
    now = timezone.now()
    req.state = ReversalRequest.State.APPROVED if approve else ReversalRequest.State.REJECTED
    req.decided_by, req.decided_at = user, now
    req.save()
    reversal = None
    if approve:
        try:
            with transaction.atomic():
                reversal = Reversal.objects.create(
                    payment=payment,
                    entitlement=payment.entitlement,
                    amount_fen=-payment.amount_fen,
                    reason=req.reason,
                    requested_by_id=req.requested_by_id,
                    approved_by=user,
                    request=req,
                    reversed_at=now,
                )
        except IntegrityError:
            raise PayoutError("该笔发放已冲正。", code="already_reversed") from None
    log_action(
        actor=actor,
        action="payouts.approve_reversal" if approve else "payouts.reject_reversal",
        obj=req,
        org=org,
        data={"payment": payment.pk, "amount_fen": payment.amount_fen},
    )
    return reversal


# --- signed sheets (scans) ------------------------------------------------------------------------


def _sniff(raw: bytes) -> str | None:
    for magic, content_type in SCAN_TYPES.items():
        if raw.startswith(magic):
            return content_type
    return None


@transaction.atomic
def upload_sheet(*, actor: Actor, programme: Programme, data: bytes, title: str = "") -> SignedSheet:
    """Store a scan of a signed sheet, encrypted before it touches storage."""
    require(actor, "payouts.pay", programme.org)
    if not data or len(data) > MAX_SCAN_BYTES:
        raise PayoutError("扫描件为空或超过20MB。", code="size")
    content_type = _sniff(data)
    if content_type is None:
        raise PayoutError("扫描件只能是PDF、PNG或JPEG。", code="type")
    if content_type != "application/pdf":
        # An image scan passes core's image gate: pixels capped, no EXIF (GPS) kept.
        try:
            data = clean_image(data, what="扫描件", formats=("PNG", "JPEG"), max_bytes=MAX_SCAN_BYTES).content
        except ImageRejected as exc:
            raise PayoutError(exc.messages[0], code="type") from None
    token = get_cipher().encrypt(base64.b64encode(data).decode())
    name = default_storage.save(
        f"payouts/sheets/{programme.pk}/{uuid.uuid4().hex}.enc", ContentFile(token.encode())
    )
    now = timezone.now()
    sheet = SignedSheet.objects.create(
        programme=programme,
        title=title.strip()[:100],
        storage_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=_user(actor),
        uploaded_at=now,
        delete_after=timezone.localdate() + timedelta(days=programme.scan_retention_days),
    )
    log_action(
        actor=actor, action="payouts.upload_sheet", obj=sheet, org=programme.org, data={"size": len(data)}
    )
    return sheet


@transaction.atomic
def open_sheet(*, actor: Actor, sheet: SignedSheet) -> bytes:
    """The decrypted scan; every opening is an audit entry (biometric data)."""
    require(actor, "payouts.scans", sheet.programme.org)
    if sheet.purged_at:
        raise PayoutError("扫描件已过保存期限并删除。", code="purged")
    with default_storage.open(sheet.storage_name, "rb") as fh:
        token = fh.read().decode()
    data = base64.b64decode(get_cipher().decrypt(token))
    log_action(actor=actor, action="payouts.view_sheet", obj=sheet, org=sheet.programme.org, data={})
    return data


@transaction.atomic
def purge_expired_sheets(*, actor: Actor, today: date | None = None) -> int:
    """Delete scans past their programme's retention period (the row stays, marked purged)."""
    require(actor, "payouts.scans")
    today = today or timezone.localdate()
    due = list(SignedSheet.objects.filter(purged_at__isnull=True, delete_after__lt=today))
    for sheet in due:
        default_storage.delete(sheet.storage_name)
        sheet.purged_at = timezone.now()
        sheet.save(update_fields=["purged_at"])
    log_action(actor=actor, action="payouts.purge_sheets", data={"purged": len(due)})
    return len(due)


# --- bank batches ---------------------------------------------------------------------------------


@transaction.atomic
def create_bank_batch(*, actor: Actor, programme: Programme) -> BankBatch:
    """A batch of every unpaid line not already waiting in another batch."""
    programme = Programme.objects.select_related("org").get(pk=programme.pk)
    require(actor, "payouts.pay", programme.org)
    if programme.status != ListStatus.APPROVED:
        raise PayoutError("名单尚未审批，不能发放。", code="not_approved")
    from .selectors import unpaid_entitlements

    waiting = BankLine.objects.filter(batch__programme=programme, result=BankLine.Result.PENDING)
    lines = list(unpaid_entitlements(programme).exclude(pk__in=waiting.values("entitlement_id")))
    if not lines:
        raise PayoutError("没有待发放的人员。", code="empty")
    batch = BankBatch.objects.create(programme=programme, created_by=_user(actor), created_at=timezone.now())
    BankLine.objects.bulk_create(
        [BankLine(batch=batch, entitlement=e, amount_fen=e.amount_fen) for e in lines]
    )
    log_action(
        actor=actor,
        action="payouts.create_bank_batch",
        obj=batch,
        org=programme.org,
        data={"lines": len(lines)},
    )
    return batch


@transaction.atomic
def import_bank_result(*, actor: Actor, batch: BankBatch, results: dict[int, tuple[bool, str]]) -> dict:
    """Apply the bank's result: a successful line becomes a payment, a failed one stays unpaid.

    ``results`` maps line id → (succeeded, message); every line of the batch must be answered."""
    batch = BankBatch.objects.select_for_update().select_related("programme__org").get(pk=batch.pk)
    org = batch.programme.org
    require(actor, "payouts.pay", org)
    if batch.state != BankBatch.State.EXPORTED:
        raise PayoutError("该批次已回盘。", code="imported")
    lines = {line.pk: line for line in batch.lines.select_related("entitlement")}
    if set(results) != set(lines):
        raise PayoutError("回盘文件与批次明细不一致。", code="mismatch")
    paid = failed = 0
    for pk, (ok, message) in sorted(results.items()):
        line = lines[pk]
        line.message = (message or "")[:200]
        if ok:
            pay_entitlement(actor=actor, entitlement=line.entitlement, method=Method.BANK, bank_line=line)
            line.result = BankLine.Result.PAID
            paid += 1
        else:
            line.result = BankLine.Result.FAILED
            failed += 1
        line.save(update_fields=["result", "message"])
    batch.state, batch.imported_at = BankBatch.State.IMPORTED, timezone.now()
    batch.save(update_fields=["state", "imported_at"])
    log_action(
        actor=actor,
        action="payouts.import_bank_result",
        obj=batch,
        org=org,
        data={"paid": paid, "failed": failed},
    )
    return {"paid": paid, "failed": failed}
