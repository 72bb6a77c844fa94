"""The 花名册: the filtered roll of the actor's scope, and its export (a city's by the worker)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.actors import Actor
from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.pickers import render_picker
from dangjian.core.scoping import has_capability, may_open, requires
from dangjian.jobs.exports import is_big, start_export
from dangjian.orgs.models import Level, Org
from dangjian.orgs.selectors import orgs_visible_to, top_orgs_for

from .. import selectors
from ..exporters import RosterExporter
from ..jobs import EXPORT_KIND, roster_export_plan
from ..models import MemberStatus
from ..selectors import AGE_BANDS, RosterFilter
from ..services import (
    record_roster_export,
)
from .common import EDUCATION_CHOICES, PAGE_SIZE

MAX_BRANCH_CHOICES = 200


def _branch_choices(actor: Actor, capability: str) -> list[Org] | None:
    """Branches for a dropdown, or None when there are too many to list (pick one by name instead)."""
    branches = list(
        orgs_visible_to(actor, capability)
        .filter(level=Level.BRANCH)
        .only("code", "name", "path")
        .order_by("path")[: MAX_BRANCH_CHOICES + 1]
    )
    return None if len(branches) > MAX_BRANCH_CHOICES else branches


@require_GET
@requires("members.view")
def roster(request: AuthedRequest) -> HttpResponse:
    f = RosterFilter.from_params(request.GET)
    page = Paginator(selectors.roster(request.user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    branches = _branch_choices(request.user, "members.view")
    context = {
        "page": page,
        "f": f,
        "today": timezone.localdate(),
        "age_bands": [(k, v[0]) for k, v in AGE_BANDS.items()],
        "educations": EDUCATION_CHOICES,
        "statuses": MemberStatus.choices,
        "branches": branches,
        "org_picker": render_picker(
            request.user,
            source="orgs.branch",
            capability="members.view",
            name="org",
            value=f.org_code or None,
            by="code",
            submit=True,
            box="org",
            placeholder="党支部：输入名称或拼音首字母",
        )
        if branches is None
        else "",
        "may_import": may_open(request.user, "people:import"),
        "may_reveal": has_capability(request.user, "pii.reveal"),
    }
    if request.htmx:
        return render(request, "people/roster.html#rows", context)
    return render(request, "people/roster.html", context)


@require_GET
@requires("members.view")
def roster_export(request: AuthedRequest) -> HttpResponse:
    """A branch's roll downloads at once; a city's is written by the worker (progress, then download)."""
    filters = request.GET.dict()
    members, title, reveal, org = roster_export_plan(request.user, filters)
    record_roster_export(actor=request.user, org=org, filters=filters, full=reveal)
    if is_big(members.count()):
        job_org = org or top_orgs_for(request.user, "members.view").first()
        if job_org is None:  # a job belongs to an org (not null): no org in scope, nothing to export
            raise Http404
        job = start_export(
            actor=request.user,
            org=job_org,
            kind=EXPORT_KIND,
            title=title,
            params={"filters": filters},
        )
        return redirect("jobs:export", pk=job.pk)
    exporter = RosterExporter(actor=request.user, members=members, title=title, reveal=reveal)
    response = HttpResponse(
        exporter.xlsx_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = disposition(f"{title}.xlsx")
    return response
