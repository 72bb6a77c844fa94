"""Pages that reveal or restore: find a person by full ID number (posted, audited) and re-admission.

Kept apart from the roll's everyday pages: each is a privileged, audited action.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from dangjian.core import forms as core_forms
from dangjian.core.forms import error_summary
from dangjian.core.http import AuthedRequest
from dangjian.core.pickers import OrgField
from dangjian.core.scoping import get_scoped_or_404, requires

from .models import Member, Person
from .registration import readmit_member
from .services import find_person_by_id

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})


class FindByIdForm(core_forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=30)


class ReadmitForm(core_forms.Form):
    org = OrgField(
        label="恢复到党支部", source="orgs.branch", capability="members.readmit", to_field_name="code"
    )
    on = forms.DateField(label="恢复日期", widget=DATE)
    reason = forms.CharField(label="依据（决定文号等）", max_length=200)


@require_POST
@requires("pii.reveal")
def find_by_id(request: AuthedRequest) -> HttpResponse:
    """按身份证号查找: a POST, so the number stays out of URLs and access logs."""
    form = FindByIdForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写身份证号。")
        return redirect("people:roster")
    try:
        person = find_person_by_id(actor=request.user, id_number=form.cleaned_data["id_number"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("people:roster")
    if person is None:
        messages.info(request, "在您可查看的范围内未找到该身份证号。")
        return redirect("people:roster")
    return redirect("people:person", pk=person.pk)


@require_POST
@requires("members.readmit")
def readmit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.all(), request.user, "members.readmit", pk=pk)
    member = get_scoped_or_404(
        Member.objects.select_related("org", "person"), request.user, "members.readmit", person=person
    )
    form = ReadmitForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, "请完整填写恢复党籍的支部、日期和依据：" + error_summary(form))
        return redirect("people:person", pk=pk)
    d = form.cleaned_data
    try:
        readmit_member(actor=request.user, member=member, org=d["org"], on=d["on"], reason=d["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已恢复“{person.name}”的党籍。")
    return redirect("people:person", pk=pk)
