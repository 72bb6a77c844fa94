"""组织关系转接: the list, transferring out and in, and each side's actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.forms import error_summary
from dangjian.core.http import AuthedRequest
from dangjian.core.scoping import get_scoped_or_404, has_capability, requires

from .. import selectors, transfers
from ..forms import (
    TransferInForm,
    TransferOutForm,
)
from ..models import Member
from .common import _fail


@require_GET
@requires("members.view")
def transfer_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = list(selectors.transfers_visible_to(request.user).order_by("-applied_on", "-id")[:200])
    context = {
        "rows": rows,
        "today": today,
        "overdue": [t for t in rows if t.is_overdue(today)],
        "in_form": TransferInForm(actor=request.user, initial={"applied_on": today}),
        "may_edit": has_capability(request.user, "members.edit"),
    }
    return render(request, "people/transfers.html", context)


@require_POST
@requires("members.edit")
def transfer_out(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(
        Member.objects.select_related("org", "person"), request.user, "members.edit", person_id=pk
    )
    form = TransferOutForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, error_summary(form))
        return redirect("people:person", pk=pk)
    data = form.cleaned_data
    to_org = data["to_org"]
    try:
        transfers.request_transfer_out(
            actor=request.user,
            member=member,
            applied_on=data["applied_on"],
            months_away=data["months_away"],
            to_org=to_org,
            outside_org_name=data["outside_org_name"],
            reason=data["reason"],
            valid_days=data["valid_days"] or transfers.DEFAULT_VALID_DAYS,
        )
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "转接申请已登记。")
    return redirect("people:person", pk=pk)


@require_POST
@requires("members.edit")
def transfer_in(request: AuthedRequest) -> HttpResponse:
    form = TransferInForm(request.POST, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        org = data["to_org"]
        try:
            transfers.request_transfer_in(
                actor=request.user,
                to_org=org,
                person_name=data["person_name"],
                id_number=data["id_number"],
                outside_org_name=data["outside_org_name"],
                applied_on=data["applied_on"],
                months_away=data["months_away"],
                status=data["status"],
                joined_on=data["joined_on"],
                full_on=data["full_on"],
            )
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "转入登记已保存，待接收。")
    else:
        messages.error(request, error_summary(form))
    return redirect("people:transfers")


TRANSFER_ACTIONS = {
    "approve": transfers.approve_transfer,
    "issue": transfers.issue_letter,
    "receive": transfers.receive_transfer,
    "return": transfers.return_transfer,
}


@require_POST
@requires("members.edit")
def transfer_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in TRANSFER_ACTIONS:
        raise Http404
    transfer = selectors.transfers_visible_to(request.user, "members.edit").filter(pk=pk).first()
    if transfer is None:
        raise Http404
    try:
        TRANSFER_ACTIONS[action](actor=request.user, transfer=transfer, on=timezone.localdate())
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "已办理。")
    return redirect("people:transfers")
