"""党费: who has not paid, payments, assessments and waivers."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.forms import error_summary
from dangjian.core.http import AuthedRequest, safe_next
from dangjian.core.money import yuan_to_fen
from dangjian.core.scoping import get_scoped_or_404, has_capability, requires

from .. import dues, selectors
from ..forms import (
    DuesAssessmentForm,
    DuesPaymentForm,
    DuesWaiverForm,
)
from ..models import Member, WaiverKind
from .common import PAGE_SIZE, _fail


def _month(text: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (text or "").split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@require_GET
@requires("members.view")
def dues_page(request: AuthedRequest) -> HttpResponse:
    month = _month(request.GET.get("month"))
    unpaid = selectors.unpaid_dues(request.user, months=settings.LAPSE_MONTHS, today=month)
    page = Paginator(unpaid, PAGE_SIZE).get_page(request.GET.get("page"))
    lifeless = selectors.without_organizational_life(request.user, months=settings.LAPSE_MONTHS, today=month)
    context = {
        "lifeless": lifeless[:PAGE_SIZE],
        "lifeless_count": lifeless.count(),
        "page": page,
        "month": month,
        "pay_form": DuesPaymentForm(initial={"month": f"{month:%Y-%m}", "paid_on": timezone.localdate()}),
        "waivers": selectors.waivers_in_force(request.user, month)[:PAGE_SIZE],
        "waiver_form": DuesWaiverForm(initial={"from_month": f"{month:%Y-%m}"}),
        "today": timezone.localdate(),
        "may_edit": has_capability(request.user, "members.edit"),
    }
    return render(request, "people/dues.html", context)


@require_POST
@requires("members.edit")
def dues_pay(request: AuthedRequest) -> HttpResponse:
    form = DuesPaymentForm(request.POST)
    if form.is_valid():
        member = get_scoped_or_404(
            Member.objects.select_related("org"),
            request.user,
            "members.edit",
            pk=form.cleaned_data["member_id"],
        )
        try:
            dues.record_dues_payment(
                actor=request.user,
                member=member,
                month=_month(form.cleaned_data["month"]),
                paid_on=form.cleaned_data["paid_on"],
            )
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "党费缴纳已登记。")
    else:
        messages.error(request, error_summary(form))
    return redirect(safe_next(request, "people:dues"))


@require_POST
@requires("members.edit")
def dues_assess(request: AuthedRequest) -> HttpResponse:
    form = DuesAssessmentForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        member = get_scoped_or_404(
            Member.objects.select_related("org"), request.user, "members.edit", pk=d["member_id"]
        )
        try:
            dues.set_dues_assessment(
                actor=request.user,
                member=member,
                year=d["year"],
                category=d["category"],
                monthly_income_fen=yuan_to_fen(d["monthly_income"] or 0),
            )
        except (ValidationError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "党费标准已核定。")
        return redirect("people:person", pk=member.person_id)
    messages.error(request, "请填写年度和类别。")
    return redirect("people:dues")


@require_POST
@requires("members.edit")
def dues_waive(request: AuthedRequest) -> HttpResponse:
    """免交/少交 with the approval recorded; from the dues page's flagged rows or the person page."""
    form = DuesWaiverForm(request.POST)
    back = safe_next(request, "people:dues")
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        messages.error(request, "请完整填写减免方式、原因、起始月份、批准组织和批准日期。" + "".join(errors))
        return redirect(back)
    d = form.cleaned_data
    member = get_scoped_or_404(
        Member.objects.select_related("org", "person"), request.user, "members.edit", pk=d["member_id"]
    )
    try:
        dues.grant_dues_waiver(
            actor=request.user,
            member=member,
            kind=d["kind"],
            reason=d["reason"],
            from_month=d["from_month"],
            to_month=d["to_month"],
            monthly_fen=yuan_to_fen(d["monthly"]) if d["monthly"] is not None else None,
            approved_by=d["approved_by"],
            approved_on=d["approved_on"],
            note=d["note"],
        )
    except (ValidationError, ValueError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"已登记{member.person.name}的党费{dict(WaiverKind.choices)[d['kind']]}。")
    return redirect(back)
