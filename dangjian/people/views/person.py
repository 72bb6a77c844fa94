"""A person's page: the record, revealing full personal data (audited), editing, removal, 留党察看."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.actors import Actor
from dangjian.core.http import AuthedRequest
from dangjian.core.pickers import render_picker
from dangjian.core.scoping import get_scoped_or_404, has_capability, requires
from dangjian.core.versioning import StaleEdit

from .. import development, selectors
from ..forms import (
    DuesWaiverForm,
    MemberEditForm,
    PersonEditForm,
    RemoveMemberForm,
    TransferOutForm,
    WatchForm,
)
from ..models import DevelopmentCase, DuesCategory, Member, Person, Transfer
from ..sections import sections
from ..services import (
    place_under_watch,
    record_person_view,
    remove_member,
    update_member,
    update_person,
)
from .common import _fail


@require_GET
@requires("members.view")
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(
        Person.objects.select_related("org", "household__grid"), request.user, "members.view", pk=pk
    )
    member = Member.objects.filter(person=person).select_related("org").first()
    record_person_view(actor=request.user, person=person)
    today = timezone.localdate()
    cases = list(DevelopmentCase.objects.filter(person=person).order_by("applied_on", "id"))
    rendered = []
    for section in sections():
        html = section.render(person, request.user)
        if html:
            # The registry's contract: render() returns HTML built from the app's own templates.
            rendered.append((section, mark_safe(html)))  # noqa: S308
    may_edit = has_capability(request.user, "members.edit", person.org)
    context = {
        "person": person,
        "member": member,
        "today": today,
        "may_edit": may_edit,
        "history": selectors.member_history(member) if member else [],
        "transfers": Transfer.objects.filter(member=member).select_related("from_org", "to_org")
        if member
        else [],
        "cases": cases,
        "dues": member.dues_payments.order_by("-month")[:12] if member else [],
        "waivers": member.dues_waivers.order_by("-from_month") if member else [],
        "waiver_form": DuesWaiverForm(
            initial={"member_id": member.pk, "from_month": f"{today:%Y-%m}", "approved_on": today}
        )
        if member
        else None,
        "watch_form": WatchForm(initial={"started_on": today}),
        "watched": member is not None and member.watched_on(today),
        "votes": member is not None and member.has_vote_on(today),
        "assessment": member.dues_assessments.order_by("-year").first() if member else None,
        "dues_categories": DuesCategory.choices,
        "sections": rendered,
        "may_reveal": has_capability(request.user, "pii.reveal", person.org),
        "may_readmit": member is not None and has_capability(request.user, "members.readmit", member.org),
        "transfer_form": TransferOutForm(actor=request.user, initial={"applied_on": today, "valid_days": 90}),
        "readmit_picker": render_picker(
            request.user,
            source="orgs.branch",
            capability="members.readmit",
            name="org",
            value=member.org if member else None,
            by="code",
            box="readmit-org",
            placeholder="恢复到党支部：输入名称",
        )
        if member is not None and member.left_on
        else "",
        "hosted": selectors.temporary_placement(member, today) if member else None,
        "step_labels": development.STEP_LABELS,
        "histories": [(case, development.history(case)) for case in cases],
    }
    return render(request, "people/person.html", context)


@require_POST
@requires("pii.reveal")
def person_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.select_related("org"), request.user, "pii.reveal", pk=pk)
    field = request.POST.get("field", "id_number")
    try:
        value = _reveal(request.user, person, field)
    except ValidationError:
        raise Http404 from None
    return render(request, "people/person.html#revealed", {"value": value})


PERSON_EDIT_FIELDS = ("name", "sex", "birth_date", "ethnicity", "education", "work_post", "address")


MEMBER_EDIT_FIELDS = (
    "status",
    "joined_on",
    "full_on",
    "party_post",
    "is_village_cadre",
    "is_floating",
    "dues_category",
)


def _editable(request, pk: int) -> tuple[Person, Member | None]:
    """The person in the actor's edit scope, and their membership if it is in that scope too."""
    person = get_scoped_or_404(Person.objects.select_related("org"), request.user, "members.edit", pk=pk)
    member = Member.objects.filter(person=person).select_related("org").first()
    if member is not None and not has_capability(request.user, "members.edit", member.org):
        raise Http404
    return person, member


@require_http_methods(["GET", "POST"])
@requires("members.edit")
def person_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person, member = _editable(request, pk)
    on_roll = member is not None and not member.left_on
    initial = {key: getattr(person, key) for key in PERSON_EDIT_FIELDS}
    data = request.POST if request.method == "POST" else None
    person_form = PersonEditForm(
        data,
        initial=initial,
        version=person.version,
        derived_from_id=bool(person.id_number),
        masked_phone=person.masked_phone,
    )
    member_form = None
    if member is not None and on_roll:
        birth = person.birth_date
        if data is not None and person_form.is_valid():
            birth = person_form.cleaned_data.get("birth_date") or birth
        member_form = MemberEditForm(
            data,
            initial={key: getattr(member, key) for key in MEMBER_EDIT_FIELDS},
            birth_date=birth,
            version=member.version,
        )
    if data is not None and person_form.is_valid() and (member_form is None or member_form.is_valid()):
        p = person_form.cleaned_data
        person_fields = {key: p[key] for key in PERSON_EDIT_FIELDS if key in p}
        if person.id_number:
            person_fields.pop("sex", None)
            person_fields.pop("birth_date", None)
        if p["phone"]:
            person_fields["phone"] = p["phone"]
        try:
            # Each service is its own transaction; the outer one keeps the page all-or-nothing.
            with transaction.atomic():
                update_person(actor=request.user, person=person, version=p["version"], **person_fields)
                if member is not None and member_form is not None:
                    m = dict(member_form.cleaned_data)
                    update_member(actor=request.user, member=member, version=m.pop("member_version"), **m)
        except StaleEdit as exc:
            # Someone saved in between: keep what this user typed, now against the current versions,
            # so a second save (after looking) applies it.
            _fail(request, exc)
            person.refresh_from_db()
            person_form.take_version(person.version)
            if member is not None and member_form is not None:
                member.refresh_from_db()
                member_form.take_version(member.version)
        except ValidationError as exc:
            _fail(request, exc)
            person.refresh_from_db()
        else:
            messages.success(request, "已保存。")
            return redirect("people:person", pk=person.pk)
    context = {
        "person": person,
        "member": member,
        "person_form": person_form,
        "member_form": member_form,
        "remove_form": RemoveMemberForm(initial={"left_on": timezone.localdate()}) if on_roll else None,
    }
    return render(request, "people/person_edit.html", context)


@require_POST
@requires("members.edit")
def person_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take the member off the roll (去世, 出党, 退党, 除名); the person and their history stay."""
    person, member = _editable(request, pk)
    if member is None:
        raise Http404
    form = RemoveMemberForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(e) for e in errors))
        return redirect("people:person_edit", pk=person.pk)
    try:
        remove_member(
            actor=request.user,
            member=member,
            left_on=form.cleaned_data["left_on"],
            reason=form.cleaned_data["full_reason"],
        )
    except ValidationError as exc:
        _fail(request, exc)
        return redirect("people:person_edit", pk=person.pk)
    messages.success(request, f"已将“{person.name}”移出党员名册。")
    return redirect("people:person", pk=person.pk)


@require_POST
@requires("members.edit")
def person_watch(request: AuthedRequest, pk: int) -> HttpResponse:
    """留党察看 recorded on the person page (党章 Article 40)."""
    person, member = _editable(request, pk)
    if member is None:
        raise Http404
    form = WatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写留党察看的起始日期、期满日期和处分决定。")
        return redirect("people:person", pk=person.pk)
    try:
        place_under_watch(actor=request.user, member=member, **form.cleaned_data)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已登记：{person.name}留党察看，察看期内没有表决权、选举权和被选举权。")
    return redirect("people:person", pk=person.pk)


def _reveal(actor: Actor, person: Person, field: str) -> str:
    from ..services import reveal_person_pii

    return reveal_person_pii(actor=actor, person=person, field=field)
