"""Payout pages: programmes and their lists, the counter, reconciliation, printable sheets."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exporting import ListExporter
from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.scoping import get_scoped_or_404, has_capability, requires
from dangjian.core.years import default_year, requested_year
from dangjian.orgs.selectors import orgs_visible_to
from dangjian.ratings import selectors as ratings_selectors

from . import exporters, jobs, selectors, services
from .forms import BankResultForm, ListImportForm, PlanForm, ProgrammeForm, ReasonForm, SheetForm, StepForm
from .models import (
    BankBatch,
    DividendPlan,
    Entitlement,
    Kind,
    ListStatus,
    Method,
    Payment,
    Programme,
    ReversalRequest,
    SignedSheet,
    Step,
    is_paid,
)

CONFLICTS = {"already_paid", "not_approved", "idempotency_key_reused", "frozen", "same_person"}


def _programme(request: AuthedRequest, pk: int, capability: str = "payouts.view") -> Programme:
    return get_scoped_or_404(Programme.objects.select_related("org"), request.user, capability, pk=pk)


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _xlsx(data: bytes, filename: str) -> HttpResponse:

    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = disposition(filename)
    return response


@require_GET
@requires("payouts.view")
def index(request: AuthedRequest) -> HttpResponse:
    year = requested_year(request)
    kind = request.GET.get("kind", "")
    qs = selectors.programmes_visible_to(request.user).filter(year=year)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    paid = Payment.objects.filter(reversal__isnull=True)
    programmes = list(
        qs.annotate(
            lines=Count("entitlements", distinct=True),
        ).order_by("org__path", "name")
    )
    totals = {
        row["entitlement__programme"]: row
        for row in paid.filter(entitlement__programme__in=[p.pk for p in programmes])
        .values("entitlement__programme")
        .annotate(n=Count("pk"), t=Sum("amount_fen"))
    }
    for p in programmes:
        row: Mapping[str, Any] = totals.get(p.pk, {})
        # Display-only, outside the model's fields (hence vars()).
        vars(p).update(paid_n=row.get("n", 0), paid_t=row.get("t", 0) or 0)
    return render(
        request,
        "payouts/index.html",
        {
            "programmes": programmes,
            "year": year,
            "kind": kind,
            "kinds": Kind.choices,
            "can_prepare": has_capability(request.user, "payouts.prepare"),
            "can_pay": has_capability(request.user, "payouts.pay"),
        },
    )


@require_http_methods(["GET", "POST"])
@requires("payouts.prepare")
def new(request: AuthedRequest) -> HttpResponse:
    orgs = orgs_visible_to(request.user, "payouts.prepare").order_by("path")
    campaigns = ratings_selectors.campaigns_visible_to(request.user, "payouts.prepare").order_by(
        "-year", "name"
    )
    # A link from a published campaign pre-fills the rule ("为获奖者发放奖励").
    initial: dict[str, int | str] = {"year": default_year()}
    initial.update({k: request.GET[k] for k in ("rule", "rule_campaign", "kind", "name") if k in request.GET})
    form = ProgrammeForm(request.POST or None, orgs=orgs, campaigns=campaigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.create_programme(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("payouts:programme", programme.pk)
    return render(request, "payouts/form.html", {"form": form, "title": "新建发放项目"})


@require_GET
@requires("payouts.view")
def programme(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk)
    qs = prog.entitlements.annotate(paid=is_paid()).order_by("line_no")
    q = request.GET.get("q", "").strip()
    qs = selectors.search_entitlements(qs, q)
    status = request.GET.get("status", "")
    if status in ("paid", "unpaid"):
        qs = qs.filter(paid=status == "paid")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    plan = DividendPlan.objects.filter(programme=prog).first()
    steps = list(plan.steps.all()) if plan else []
    user = request.user
    org = prog.org
    next_caps: dict[str, str] = {
        ListStatus.DRAFT: "payouts.prepare",
        ListStatus.PREPARED: "payouts.verify",
        ListStatus.VERIFIED: "payouts.approve",
    }
    next_cap = next_caps.get(prog.status)
    return render(
        request,
        "payouts/programme.html",
        {
            "p": prog,
            "page": page,
            "q": q,
            "status": status,
            "plan": plan,
            "figures": services.dividend_figures(
                plan, sum(prog.entitlements.values_list("shares", flat=True))
            )
            if plan
            else None,
            "steps": steps,
            "passed": services.assembly_passed(plan) if plan else None,
            "next_steps": [(v, label) for v, label in Step.choices if v not in {s.step for s in steps}][:1],
            "plan_form": PlanForm(initial=_plan_initial(plan))
            if prog.status == ListStatus.DRAFT and prog.kind == Kind.DIVIDEND
            else None,
            "step_form": StepForm(),
            "can_advance": next_cap is not None and has_capability(user, next_cap, org),
            "can_return": prog.status in (ListStatus.PREPARED, ListStatus.VERIFIED)
            and has_capability(user, "payouts.verify", org),
            "can_prepare": prog.status == ListStatus.DRAFT and has_capability(user, "payouts.prepare", org),
            "can_pay": prog.frozen and has_capability(user, "payouts.pay", org),
            "can_reverse": has_capability(user, "payouts.reverse", org),
            "can_scans": has_capability(user, "payouts.scans", org),
            "requests": ReversalRequest.objects.filter(
                payment__entitlement__programme=prog, state=ReversalRequest.State.PENDING
            ).select_related("payment__entitlement", "requested_by"),
            "sheets": prog.sheets.order_by("-uploaded_at"),
            "batches": prog.bank_batches.annotate(
                n=Count("lines"),
                ok=Count("lines", filter=Q(lines__result="paid")),
                failed=Count("lines", filter=Q(lines__result="failed")),
            ).order_by("-pk"),
            "import_form": ListImportForm(),
            "list_job": jobs.latest_list_job(prog),
            "bank_job": jobs.latest_bank_job(prog),
            "sheet_form": SheetForm(),
            "reason_form": ReasonForm(),
            "bank_form": BankResultForm(),
            "step_labels": dict(Step.choices),
        },
    )


def _plan_initial(plan: DividendPlan | None) -> dict:
    if plan is None:
        return {}
    from dangjian.core.money import fmt_yuan

    initial = {}
    for name in services.PLAN_FIELDS:
        value = getattr(plan, name)
        initial[name] = fmt_yuan(value).replace(",", "") if name.endswith("_fen") else value
    return initial


@require_POST
@requires("payouts.view")
def advance(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk)
    try:
        prog = services.advance_list(actor=request.user, programme=prog)
        messages.success(request, f"名单{prog.get_status_display()}。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", pk)


@require_POST
@requires("payouts.verify")
def send_back(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请填写退回原因。")
        services.return_list(actor=request.user, programme=prog, reason=form.cleaned_data["reason"])
        messages.success(request, "名单已退回编制。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", pk)


@require_POST
@requires("payouts.prepare")
def generate(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk, "payouts.prepare")
    try:
        n = services.generate_list(actor=request.user, programme=prog)
        messages.success(request, f"已按发放条件生成名单{n}人。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", pk)


@require_POST
@requires("payouts.prepare")
def import_list(request: AuthedRequest, pk: int) -> HttpResponse:
    """An imported list goes to the worker; the programme page follows its progress."""
    prog = _programme(request, pk, "payouts.prepare")
    form = ListImportForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError("请选择名单文件。")
        upload = form.cleaned_data["file"]
        jobs.start_list_import(actor=request.user, programme=prog, data=upload.read(), filename=upload.name)
        messages.info(request, "名单已上传，正在后台检查和导入。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", pk)


@require_GET
@requires("payouts.view")
def list_job(request: AuthedRequest, pk: int) -> HttpResponse:
    """The list import's progress (polled by the programme page while it runs)."""
    prog = _programme(request, pk)
    return render(request, "payouts/_list_job.html", {"p": prog, "list_job": jobs.latest_list_job(prog)})


@require_GET
@requires("payouts.view")
def bank_job(request: AuthedRequest, pk: int) -> HttpResponse:
    """The bank result's progress (polled by the programme page while the worker applies it)."""
    prog = _programme(request, pk)
    return render(request, "payouts/_bank_job.html", {"p": prog, "bank_job": jobs.latest_bank_job(prog)})


@require_POST
@requires("payouts.prepare")
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk, "payouts.prepare")
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            services.save_dividend_plan(actor=request.user, programme=prog, **form.cleaned_data)
            messages.success(request, "分红方案已保存，请重新生成名单。")
        except ValidationError as exc:
            _error(request, exc)
    else:
        messages.error(
            request,
            "分红方案填写不完整："
            + "；".join(f"{form.fields[k].label}{v[0]}" for k, v in form.errors.items()),
        )
    return redirect("payouts:programme", pk)


@require_POST
@requires("payouts.prepare")
def step(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk, "payouts.prepare")
    plan_ = DividendPlan.objects.filter(programme=prog).first()
    form = StepForm(request.POST)
    if plan_ is None or not form.is_valid():
        messages.error(request, "请先填写分红方案，并填写环节和日期。")
        return redirect("payouts:programme", pk)
    d = form.cleaned_data
    try:
        services.record_plan_step(
            actor=request.user,
            plan=plan_,
            step=d["step"],
            held_on=d["held_on"],
            note=d["note"],
            eligible=d["eligible"] or 0,
            present=d["present"] or 0,
            votes_for=d["votes_for"] or 0,
        )
        messages.success(request, "已记录。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", pk)


def _printed_list(
    request: AuthedRequest, pk: int, exporter: Callable[..., ListExporter], title: str, template: str
) -> HttpResponse:
    """A frozen list as paper (A4 page) or xlsx: the 公示名单 and the 签领表 differ only in columns."""
    prog = _programme(request, pk)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exporter(actor=request.user, programme=prog).xlsx_bytes(), f"{prog}{title}.xlsx")
    lines = prog.entitlements.order_by("line_no")
    total = lines.aggregate(t=Sum("amount_fen"))["t"] or 0
    return render(request, template, {"p": prog, "lines": lines, "total": total})


@require_GET
@requires("payouts.view")
def publicity(request: AuthedRequest, pk: int) -> HttpResponse:
    return _printed_list(request, pk, exporters.PublicityExporter, "公示名单", "payouts/publicity.html")


@require_GET
@requires("payouts.view")
def sign_sheet(request: AuthedRequest, pk: int) -> HttpResponse:
    return _printed_list(request, pk, exporters.SignSheetExporter, "签领表", "payouts/sign_sheet.html")


@require_GET
@requires("payouts.view")
def reconciliation(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk)
    return render(
        request,
        "payouts/reconciliation.html",
        {
            "p": prog,
            "r": selectors.reconcile(prog),
            "method_labels": dict(Method.choices),
        },
    )


# --- the counter ----------------------------------------------------------------------------------


@require_GET
@requires("payouts.pay")
def counter(request: AuthedRequest) -> HttpResponse:
    """The counter: find a resident, let them sign on the tablet, pay once."""
    programmes = (
        selectors.programmes_visible_to(request.user, "payouts.pay")
        .filter(status=ListStatus.APPROVED)
        .order_by("-year", "org__path", "name")
    )
    chosen = request.GET.get("programme", "")
    q = request.GET.get("q", "").strip()
    results = []
    if q:
        qs = selectors.entitlements_visible_to(request.user, "payouts.pay").filter(
            programme__status=ListStatus.APPROVED
        )
        if chosen.isdigit():
            qs = qs.filter(programme_id=int(chosen))
        results = list(selectors.search_entitlements(qs, q).order_by("programme_id", "line_no")[:20])
    context = {"programmes": programmes, "chosen": chosen, "q": q, "results": results}
    if request.htmx:
        return render(request, "payouts/counter.html#results", context)
    return render(request, "payouts/counter.html", context)


@require_POST
@requires("payouts.pay")
def counter_pay(request: AuthedRequest, pk: int) -> JsonResponse:
    """The counter page's pay call: the same service and idempotency as the API, over the session."""
    try:
        payload = json.loads(request.body or b"{}")
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return JsonResponse({"code": "invalid", "message": "请求格式不正确。"}, status=400)
    payload = {
        "method": payload.get("method") or "",
        "signature_png": payload.get("signature_png"),
        "proxy_name": payload.get("proxy_name") or "",
        "proxy_id_number": payload.get("proxy_id_number") or "",
    }
    try:
        status, body = services.pay_with_key(
            actor=request.user,
            entitlement_id=pk,
            key=request.headers.get("Idempotency-Key", ""),
            payload=payload,
        )
    except Entitlement.DoesNotExist:  # absent or out of the actor's scope
        raise Http404 from None
    except ValidationError as exc:
        code = getattr(exc, "code", None) or "invalid"
        return JsonResponse(
            {"code": code, "message": "；".join(exc.messages)}, status=409 if code in CONFLICTS else 400
        )
    return JsonResponse(body, status=status)


# --- reversals, scans, bank -----------------------------------------------------------------------


@require_POST
@requires("payouts.reverse")
def request_reversal(request: AuthedRequest, payment_id: int) -> HttpResponse:
    payment = get_scoped_or_404(
        Payment.objects.select_related("entitlement"), request.user, "payouts.reverse", pk=payment_id
    )
    form = ReasonForm(request.POST)
    try:
        services.request_reversal(actor=request.user, payment=payment, reason=form.data.get("reason", ""))
        messages.success(request, "冲正申请已提交，须由另一人审批。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", payment.entitlement.programme_id)


@require_POST
@requires("payouts.reverse")
def decide_reversal(request: AuthedRequest, request_id: int) -> HttpResponse:
    req = get_scoped_or_404(
        ReversalRequest.objects.select_related("payment__entitlement"),
        request.user,
        "payouts.reverse",
        pk=request_id,
    )
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_reversal(actor=request.user, request=req, approve=approve)
        messages.success(request, "已冲正，该人员可重新发放。" if approve else "已驳回冲正申请。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", req.payment.entitlement.programme_id)


@require_GET
@requires("payouts.view")
def entitlement(request: AuthedRequest, pk: int) -> HttpResponse:
    e = get_scoped_or_404(
        Entitlement.objects.select_related("programme__org"), request.user, "payouts.view", pk=pk
    )
    payments = e.payments.select_related("reversal", "sheet").order_by("pk")
    pending = {r.payment_id for r in ReversalRequest.objects.filter(payment__entitlement=e, state="pending")}
    return render(
        request,
        "payouts/entitlement.html",
        {
            "e": e,
            "payments": payments,
            "pending": pending,
            "can_reverse": has_capability(request.user, "payouts.reverse", e.programme.org),
        },
    )


@require_POST
@requires("payouts.pay")
def upload_sheet(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk, "payouts.pay")
    form = SheetForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError("请选择扫描件。")
        services.upload_sheet(
            actor=request.user,
            programme=prog,
            data=form.cleaned_data["file"].read(),
            title=form.cleaned_data["title"],
        )
        messages.success(request, "扫描件已加密保存。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", pk)


@require_GET
@requires("payouts.scans")
def view_sheet(request: AuthedRequest, sheet_id: int) -> HttpResponse:
    sheet = get_scoped_or_404(
        SignedSheet.objects.select_related("programme__org"), request.user, "payouts.scans", pk=sheet_id
    )
    try:
        data = services.open_sheet(actor=request.user, sheet=sheet)
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(data, content_type=sheet.content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response


@require_POST
@requires("payouts.pay")
def bank_batch(request: AuthedRequest, pk: int) -> HttpResponse:
    prog = _programme(request, pk, "payouts.pay")
    try:
        batch = services.create_bank_batch(actor=request.user, programme=prog)
        messages.success(request, f"已生成银行代发批次{batch.pk}（{batch.lines.count()}人），请导出交银行。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", pk)


@require_GET
@requires("payouts.pay")
def bank_file(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = get_scoped_or_404(
        BankBatch.objects.select_related("programme__org"), request.user, "payouts.pay", pk=batch_id
    )
    reveal = has_capability(request.user, "pii.reveal", batch.programme.org)
    data = exporters.BankBatchExporter(actor=request.user, batch=batch, reveal=reveal).xlsx_bytes()
    return _xlsx(data, f"银行代发批次{batch.pk}.xlsx")


@require_POST
@requires("payouts.pay")
def bank_result(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = get_scoped_or_404(
        BankBatch.objects.select_related("programme__org"), request.user, "payouts.pay", pk=batch_id
    )
    form = BankResultForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError("请选择回盘文件。")
        upload = form.cleaned_data["file"]
        jobs.start_bank_result_import(
            actor=request.user, batch=batch, data=upload.read(), filename=upload.name
        )
        messages.success(request, f"批次{batch.pk}的回盘文件已上传，正在后台逐笔入账，完成后本页显示结果。")
    except ValidationError as exc:
        _error(request, exc)
    return redirect("payouts:programme", batch.programme_id)
