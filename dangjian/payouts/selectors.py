"""Reads on payouts, always from ``scoped(...)``; reconciliation is a handful of aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict, TypeVar

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from dangjian.core.actors import Actor
from dangjian.core.money import fmt_yuan
from dangjian.core.pii import blind_index, normalize
from dangjian.core.scoping import scoped
from dangjian.people.selectors import initials_q

from .models import (
    Entitlement,
    IdempotentAnswer,
    Method,
    Payment,
    Programme,
    Reversal,
    ReversalRequest,
    SignedSheet,
    is_paid,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from dangjian.accounts.models import User
    from dangjian.people.models import Person

    class _Paid(TypedDict):
        paid: bool

    # An entitlement as the pages and the API read it: ``paid`` annotated (``is_paid()``).
    PaidEntitlement = WithAnnotations[Entitlement, _Paid]

_E = TypeVar("_E", bound=Entitlement)


def programmes_visible_to(actor: Actor, capability: str = "payouts.view") -> QuerySet[Programme]:
    return scoped(Programme.objects.select_related("org"), actor, capability, "org__path")


def entitlements_visible_to(actor: Actor, capability: str = "payouts.view") -> QuerySet[PaidEntitlement]:
    return scoped(Entitlement.objects.select_related("programme__org"), actor, capability).annotate(
        paid=is_paid()
    )


def payments_visible_to(actor: Actor, capability: str = "payouts.view") -> QuerySet[Payment]:
    return scoped(
        Payment.objects.select_related("entitlement__programme__org", "reversal"), actor, capability
    )


def reversal_requests_visible_to(actor: Actor, capability: str = "payouts.view") -> QuerySet[ReversalRequest]:
    return scoped(
        ReversalRequest.objects.select_related("payment__entitlement__programme", "requested_by"),
        actor,
        capability,
    )


def unpaid_entitlements(programme: Programme) -> QuerySet[Entitlement]:
    return programme.entitlements.annotate(paid=is_paid()).filter(paid=False).order_by("line_no")


def search_entitlements(qs: QuerySet[_E], text: str) -> QuerySet[_E]:
    """Find a resident by name, pinyin initials or full ID number (through the blind index)."""
    text = (text or "").strip()
    if not text:
        return qs
    if len(normalize(text)) in (15, 18) and normalize(text)[:-1].isdigit():
        return qs.filter(person__id_index=blind_index("id", text))
    by_name = Q(name__contains=text)
    if text.isascii() and text.isalpha():
        by_name |= initials_q(text, prefix="person__")
    return qs.filter(by_name)


def person_entitlements(person: Person, actor: Actor) -> QuerySet[PaidEntitlement]:
    return (
        entitlements_visible_to(actor).filter(person=person).order_by("-programme__year", "programme__name")
    )


def replayed_answer(user: User, key: str) -> IdempotentAnswer | None:
    return IdempotentAnswer.objects.filter(user=user, key=key).first()


@dataclass
class Reconciliation:
    """list count = paid + unpaid; approved total = paid + outstanding (to the 分); every counter
    payment has a signature or a signed sheet. ``problems`` lists each mismatch with its rows."""

    programme: Programme
    lines: int = 0
    list_total: int = 0
    paid_count: int = 0
    unpaid_count: int = 0
    paid_total: int = 0
    outstanding: int = 0
    reversed_count: int = 0
    reversed_total: int = 0
    by_method: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def reconcile(programme: Programme) -> Reconciliation:
    r = Reconciliation(programme)
    lines = Entitlement.objects.filter(programme=programme)
    paid_q = Exists(Payment.objects.filter(entitlement=OuterRef("pk"), reversal__isnull=True))
    agg = lines.annotate(paid=paid_q).aggregate(
        n=Count("pk"),
        total=Coalesce(Sum("amount_fen"), 0),
        paid_n=Count("pk", filter=Q(paid=True)),
        unpaid_n=Count("pk", filter=Q(paid=False)),
        outstanding=Coalesce(Sum("amount_fen", filter=Q(paid=False)), 0),
    )
    r.lines, r.list_total = agg["n"], agg["total"]
    r.paid_count, r.unpaid_count, r.outstanding = agg["paid_n"], agg["unpaid_n"], agg["outstanding"]
    payments = Payment.objects.filter(entitlement__programme=programme)
    reversals = Reversal.objects.filter(entitlement__programme=programme)
    gross = payments.aggregate(t=Coalesce(Sum("amount_fen"), 0))["t"]
    rev = reversals.aggregate(t=Coalesce(Sum("amount_fen"), 0), n=Count("pk"))
    r.reversed_count, r.reversed_total = rev["n"], -rev["t"]
    r.paid_total = gross + rev["t"]
    r.by_method = {
        row["method"]: (row["n"], row["t"])
        for row in payments.filter(reversal__isnull=True)
        .values("method")
        .annotate(n=Count("pk"), t=Sum("amount_fen"))
        .order_by("method")
    }
    approved_n, approved_total = programme.approved_count, programme.approved_total_fen
    if r.lines != approved_n:
        r.problems.append(("名单人数与审批人数不符", f"名单{r.lines}人，审批{approved_n}人", []))
    if r.lines != r.paid_count + r.unpaid_count:
        r.problems.append(("名单人数≠已发+未发", f"{r.lines} ≠ {r.paid_count}+{r.unpaid_count}", []))
    if approved_total != r.paid_total + r.outstanding:
        wrong = list(
            payments.filter(reversal__isnull=True)
            .exclude(amount_fen=F("entitlement__amount_fen"))
            .select_related("entitlement")[:50]
        )
        r.problems.append(
            (
                "审批总额≠已发+未发金额",
                f"审批{fmt_yuan(approved_total)}元，已发{fmt_yuan(r.paid_total)}元＋未发"
                f"{fmt_yuan(r.outstanding)}元，相差{fmt_yuan(approved_total - r.paid_total - r.outstanding)}元",
                [
                    (p.entitlement.line_no, p.entitlement.name, p.amount_fen, p.entitlement.amount_fen)
                    for p in wrong
                ],
            )
        )
    if r.list_total != approved_total:
        r.problems.append(
            (
                "名单金额与审批总额不符",
                f"名单{fmt_yuan(r.list_total)}元，审批{fmt_yuan(approved_total)}元",
                [],
            )
        )
    unsigned = list(
        payments.filter(method__in=[Method.COUNTER, Method.PROXY], signature_sha256="")
        .union(payments.filter(method=Method.SHEET, sheet__isnull=True))
        .values_list("pk", flat=True)[:50]
    )
    if unsigned:
        rows = Payment.objects.filter(pk__in=unsigned).select_related("entitlement")
        r.problems.append(
            (
                "柜台发放缺少签名或签领表",
                f"{len(unsigned)}笔",
                [
                    (p.entitlement.line_no, p.entitlement.name, p.amount_fen, p.entitlement.amount_fen)
                    for p in rows
                ],
            )
        )
    return r


def kept_sheet_names() -> Iterator[str]:
    """Storage names of the signed-sheet scans not yet purged (encrypted; key rotation rewrites them)."""
    return (
        SignedSheet.objects.filter(purged_at__isnull=True)
        .order_by("pk")
        .values_list("storage_name", flat=True)
        .iterator()
    )
