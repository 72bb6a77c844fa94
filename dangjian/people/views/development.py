"""发展党员: the list of cases by stage, an application, and each step through one service."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.forms import error_summary
from dangjian.core.http import AuthedRequest
from dangjian.core.pickers import render_picker
from dangjian.core.scoping import get_scoped_or_404, has_capability, requires
from dangjian.orgs.models import Level

from .. import development, selectors
from ..forms import (
    ApplicationForm,
    StepForm,
)
from ..models import DevelopmentCase, Member, Person
from .common import _fail


@require_GET
@requires("members.view")
def development_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    cases = (
        selectors.development_visible_to(request.user)
        .exclude(stage__in=["full"])
        .order_by("org__path", "applied_on")
    )
    shown = list(cases[:300])
    from dangjian.activities.selectors import congresses_of

    meetings = congresses_of(request.user, [c.org_id for c in shown], since=date(today.year - 2, 1, 1))
    for c in shown:
        # Display-only attributes for the template, outside the model's fields (hence vars()).
        vars(c).update(
            next_steps=[(code, development.STEP_LABELS[code]) for code in STAGE_STEPS.get(c.stage, [])],
            meetings=meetings.get(c.org_id, []),
            introducer_picker=render_picker(
                request.user,
                source="people.person",
                capability="members.edit",
                name="introducers",
                multiple=True,
                box=f"intro-{c.pk}",
                placeholder="培养联系人/入党介绍人：输入姓名或拼音首字母",
            )
            if c.stage in ("activist", "candidate")
            else "",
        )
    context = {
        "cases": shown,
        "due": selectors.conversions_due(request.user, today=today),
        "today": today,
        "form": StepForm(initial={"on": today}),
        "may_edit": has_capability(request.user, "members.edit"),
    }
    return render(request, "people/development.html", context)


@require_POST
@requires("members.edit")
def development_apply(request: AuthedRequest) -> HttpResponse:
    form = ApplicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_summary(form))
        return redirect("people:development")
    person = get_scoped_or_404(
        Person.objects.select_related("org"), request.user, "members.edit", pk=form.cleaned_data["person_id"]
    )
    org = person.org if person.org.level == Level.BRANCH else None
    if org is None:
        messages.error(request, "请在党支部下登记入党申请人。")
        return redirect("people:person", pk=person.pk)
    try:
        development.register_application(
            actor=request.user,
            person=person,
            org=org,
            applied_on=form.cleaned_data["applied_on"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "入党申请已登记。")
    return redirect("people:person", pk=person.pk)


# The steps a case can take next, by stage, as the development page offers them.
STAGE_STEPS = {
    "applicant": ["talk", "activist", "stop"],
    "activist": ["activist_filed", "mentors", "review", "candidate", "stop"],
    "candidate": [
        "candidate_filed",
        "introducers",
        "political_review",
        "training",
        "committee_review",
        "pre_review",
        "application_form",
        "vote",
        "stop",
    ],
    "probationary": [
        "higher_talk",
        "approve",
        "approval_filed",
        "placed",
        "oath",
        "probation_review",
        "conversion_request",
        "conversion_vote",
        "conversion_approve",
        "extend",
        "cancel",
    ],
    "full": ["archive"],
}


def _picked_members(request, case, persons) -> list[Member]:
    """The picked persons' memberships in the case's branch (the service checks they are full members)."""
    ids = [p.pk for p in persons or []]
    return list(selectors.members_visible_to(request.user).filter(org=case.org, person_id__in=ids))


@require_POST
@requires("members.edit")
def development_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    """One step of a case. ``step`` "do" takes the step from the form's select (no script needed)."""
    case = get_scoped_or_404(
        DevelopmentCase.objects.select_related("org", "person"), request.user, "members.edit", pk=pk
    )
    form = StepForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, error_summary(form))
        return redirect("people:development")
    d = form.cleaned_data
    if step == "do":
        step = d["step"] or ""
    if step not in development.STEP_LABELS:
        raise Http404
    meeting = None
    if step in development.DECISION_STEPS and d["meeting"]:
        from dangjian.activities.selectors import activities_visible_to

        meeting = activities_visible_to(request.user).filter(pk=d["meeting"], org=case.org).first()
    values = development.StepInput(
        on=d["on"],
        note=d["note"] or "",
        meeting=meeting,
        votes_for=d["votes_for"] or 0,
        votes_against=d["votes_against"] or 0,
        votes_abstain=d["votes_abstain"] or 0,
        people=tuple(_picked_members(request, case, d["introducers"])),
        refused=bool(d["refused"]),
        hours=d["hours"] or 0,
        reason=d["reason"] or "",
        months=d["months"] or 0,
    )
    try:
        development.take_step(actor=request.user, case=case, step=step, values=values)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已登记：{development.STEP_LABELS.get(step, step)}。")
    return redirect("people:development")
