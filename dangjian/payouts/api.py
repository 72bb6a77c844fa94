"""Payouts API: programmes, entitlements, and paying one entitlement exactly once."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.http import Http404, JsonResponse
from ninja import Header, Query, Router, Schema

from dangjian.api.common import (
    MAX_LIMIT,
    ApiRequest,
    ErrorOut,
    limit_param,
    offset_param,
    requires_api,
    year_param,
)
from dangjian.core.scoping import get_scoped_or_404

from . import selectors, services
from .models import Entitlement, Programme

if TYPE_CHECKING:
    from .selectors import PaidEntitlement

router = Router(tags=["资金发放"])
CONFLICTS = {"already_paid", "not_approved", "idempotency_key_reused", "frozen", "same_person"}


class ProgrammeOut(Schema):
    id: int
    org_code: str
    org_name: str
    name: str
    kind: str
    kind_display: str
    year: int
    status: str
    status_display: str
    budget_fen: int
    approved_count: int
    approved_total_fen: int


class ProgrammePage(Schema):
    items: list[ProgrammeOut]
    count: int


class EntitlementOut(Schema):
    id: int
    programme_id: int
    line_no: int
    name: str
    masked_id: str
    shares: int
    amount_fen: int
    status: str


class EntitlementPage(Schema):
    items: list[EntitlementOut]
    count: int


class PayIn(Schema):
    method: str
    signature_png: str | None = None
    proxy_name: str = ""
    proxy_id_number: str = ""


class PaymentOut(Schema):
    id: int
    entitlement_id: int
    programme_id: int
    name: str
    masked_id: str
    amount_fen: int
    method: str
    paid_at: datetime
    signature_sha256: str
    proxy_name: str
    proxy_masked_id: str
    recorded_by: str


class ReconciliationOut(Schema):
    programme_id: int
    ok: bool
    lines: int
    paid_count: int
    unpaid_count: int
    approved_total_fen: int
    paid_total_fen: int
    outstanding_fen: int
    problems: list[str]


def _programme_out(p: Programme) -> dict:
    return {
        "id": p.pk,
        "org_code": p.org.code,
        "org_name": p.org.name,
        "name": p.name,
        "kind": p.kind,
        "kind_display": p.get_kind_display(),
        "year": p.year,
        "status": p.status,
        "status_display": p.get_status_display(),
        "budget_fen": p.budget_fen,
        "approved_count": p.approved_count,
        "approved_total_fen": p.approved_total_fen,
    }


def _entitlement_out(e: "PaidEntitlement") -> dict:
    return {
        "id": e.pk,
        "programme_id": e.programme_id,
        "line_no": e.line_no,
        "name": e.name,
        "masked_id": e.masked_id,
        "shares": e.shares,
        "amount_fen": e.amount_fen,
        "status": "paid" if e.paid else "unpaid",
    }


@router.get("/payouts/programmes", response={200: ProgrammePage, 401: ErrorOut}, summary="发放项目列表")
@requires_api("payouts.view")
def list_programmes(
    request: ApiRequest,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    year: int | None = year_param(),
    kind: str | None = None,
) -> dict:
    qs = selectors.programmes_visible_to(request.auth)
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    return {"items": [_programme_out(p) for p in qs[offset : offset + limit]], "count": qs.count()}


@router.get(
    "/payouts/programmes/{programme_id}",
    response={200: ProgrammeOut, 401: ErrorOut, 404: ErrorOut},
    summary="发放项目",
)
@requires_api("payouts.view")
def get_programme(request: ApiRequest, programme_id: int) -> dict:
    return _programme_out(
        get_scoped_or_404(
            selectors.programmes_visible_to(request.auth), request.auth, "payouts.view", pk=programme_id
        )
    )


@router.get(
    "/payouts/programmes/{programme_id}/reconciliation",
    response={200: ReconciliationOut, 401: ErrorOut, 404: ErrorOut},
    summary="对账",
)
@requires_api("payouts.view")
def get_reconciliation(request: ApiRequest, programme_id: int) -> dict:
    programme = get_scoped_or_404(
        Programme.objects.select_related("org"), request.auth, "payouts.view", pk=programme_id
    )
    r = selectors.reconcile(programme)
    return {
        "programme_id": programme.pk,
        "ok": r.ok,
        "lines": r.lines,
        "paid_count": r.paid_count,
        "unpaid_count": r.unpaid_count,
        "approved_total_fen": programme.approved_total_fen,
        "paid_total_fen": r.paid_total,
        "outstanding_fen": r.outstanding,
        "problems": [f"{title}：{detail}" for title, detail, _ in r.problems],
    }


@router.get(
    "/payouts/entitlements", response={200: EntitlementPage, 401: ErrorOut, 404: ErrorOut}, summary="应发名单"
)
@requires_api("payouts.view")
def list_entitlements(
    request: ApiRequest,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    status: str | None = Query(None, description="paid 已发 / unpaid 未发"),
    programme: int | None = None,
    q: str | None = Query(None, description="姓名、拼音首字母或完整身份证号"),
) -> dict:
    qs = selectors.entitlements_visible_to(request.auth)
    if programme is not None:
        if not selectors.programmes_visible_to(request.auth).filter(pk=programme).exists():
            raise Http404
        qs = qs.filter(programme_id=programme)
    if status in ("paid", "unpaid"):
        qs = qs.filter(paid=status == "paid")
    qs = selectors.search_entitlements(qs, q or "").order_by("programme_id", "line_no")
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    return {"items": [_entitlement_out(e) for e in qs[offset : offset + limit]], "count": qs.count()}


@router.post(
    "/payouts/entitlements/{entitlement_id}/pay",
    response={201: PaymentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="发放（本人签领或代领，幂等）",
)
@requires_api("payouts.pay")
def pay(
    request: ApiRequest,
    entitlement_id: int,
    body: PayIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> JsonResponse:
    # The answers go out as they are, not through ninja's schema check: a replay must carry the body
    # stored with the first answer unchanged, and the counter's hot path saves ~0.15 ms a request.
    try:
        # The service looks the line up in the actor's scope as it locks it (one statement).
        status, answer = services.pay_with_key(
            actor=request.auth, entitlement_id=entitlement_id, key=idempotency_key, payload=body.dict()
        )
    except Entitlement.DoesNotExist:
        raise Http404 from None
    except services.PayoutError as exc:
        code = exc.code or "invalid"
        error = {"code": code, "message": "；".join(exc.messages)}
        return JsonResponse(error, status=409 if code in CONFLICTS else 400)
    return JsonResponse(answer, status=status)


def programme_totals(programme: Programme) -> int:
    return programme.entitlements.aggregate(t=Sum("amount_fen"))["t"] or 0
