"""Households and residents (居民) of a village or community."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.forms import error_summary
from dangjian.core.http import AuthedRequest
from dangjian.core.scoping import has_capability, requires

from .. import selectors
from .common import PAGE_SIZE, _fail


@require_GET
@requires("members.view")
def household_list(request: AuthedRequest) -> HttpResponse:
    households = (
        selectors.households_visible_to(request.user)
        .select_related("org", "grid")
        .prefetch_related("persons")
        .order_by("org__path", "number")
    )
    q = (request.GET.get("q") or "").strip()
    if q:
        households = households.filter(address__contains=q) | households.filter(number=q)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    from ..forms import ResidentForm

    context = {
        "page": page,
        "q": q,
        "may_edit": has_capability(request.user, "members.edit"),
        "resident_form": ResidentForm(actor=request.user),
    }
    return render(request, "people/households.html", context)


@require_POST
@requires("members.edit")
def resident_new(request: AuthedRequest) -> HttpResponse:
    """A resident who is not (yet) a member, in a household of a village or community."""
    from ..forms import ResidentForm
    from ..models import Household
    from ..services import create_person, save_household

    form = ResidentForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, error_summary(form))
        return redirect("people:households")
    d = form.cleaned_data
    org = d["org"]
    try:
        with transaction.atomic():
            household = Household.objects.filter(org=org, number=d["household_number"].strip()).first()
            if household is None:
                household = save_household(
                    actor=request.user, org=org, number=d["household_number"], address=d["address"]
                )
            person = create_person(
                actor=request.user,
                org=org,
                name=d["name"],
                id_number=d["id_number"],
                household=household,
                phone=d["phone"],
                address=household.address,
                is_shareholder=d["is_shareholder"],
            )
    except ValidationError as exc:
        _fail(request, exc)
        return redirect("people:households")
    messages.success(request, f"已登记居民“{person.name}”。")
    return redirect("people:person", pk=person.pk)
