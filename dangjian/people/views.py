"""Pages of the roll: roster, person page, import, transfers, development, dues, households."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.actors import Actor
from dangjian.core.forms import error_summary
from dangjian.core.http import AuthedRequest, disposition, safe_next
from dangjian.core.money import yuan_to_fen
from dangjian.core.pickers import render_picker
from dangjian.core.scoping import get_scoped_or_404, has_capability, may_open, requires
from dangjian.core.versioning import StaleEdit
from dangjian.jobs.exports import is_big, start_export
from dangjian.orgs.models import Level, Org
from dangjian.orgs.selectors import orgs_visible_to, top_orgs_for

from . import development, dues, selectors, transfers
from .exporters import RosterExporter
from .forms import (
    ApplicationForm,
    DuesAssessmentForm,
    DuesPaymentForm,
    DuesWaiverForm,
    MemberEditForm,
    PersonEditForm,
    RemoveMemberForm,
    StepForm,
    TransferInForm,
    TransferOutForm,
    WatchForm,
)
from .jobs import EXPORT_KIND, roster_export_plan
from .models import DevelopmentCase, DuesCategory, Member, MemberStatus, Person, Transfer, WaiverKind
from .sections import sections
from .selectors import AGE_BANDS, RosterFilter
from .services import (
    place_under_watch,
    record_person_view,
    record_roster_export,
    remove_member,
    update_member,
    update_person,
)

PAGE_SIZE = 50
EDUCATION_CHOICES = ["小学", "初中", "高中", "中专", "大专", "本科", "研究生"]


def _fail(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _branch(request, code: str, capability: str) -> Org:
    org = get_scoped_or_404(Org.objects.all(), request.user, capability, code=(code or "").strip().upper())
    if org.level != Level.BRANCH:
        raise Http404
    return org


# ---------------------------------------------------------------- roster

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


# ---------------------------------------------------------------- person page


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


# ---------------------------------------------------------------- edit a person and membership

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
    from .services import reveal_person_pii

    return reveal_person_pii(actor=actor, person=person, field=field)


# ---------------------------------------------------------------- transfers


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


# ---------------------------------------------------------------- development


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
DECISION_STEPS = ("vote", "conversion_vote", "extend", "cancel")


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
    on, note = d["on"], d["note"] or ""
    meeting = None
    if step in DECISION_STEPS:
        from dangjian.activities.selectors import activities_visible_to

        meeting = activities_visible_to(request.user).filter(pk=d["meeting"] or 0, org=case.org).first()
        if meeting is None:
            messages.error(request, "请选择作出决定的支部党员大会。")
            return redirect("people:development")
    elif on is None:
        messages.error(request, "请填写日期。")
        return redirect("people:development")
    votes: dict[str, int] = {
        "votes_for": d["votes_for"] or 0,
        "votes_against": d["votes_against"] or 0,
        "votes_abstain": d["votes_abstain"] or 0,
    }
    try:
        if step == "talk":
            development.record_talk(on=on, note=note, actor=request.user, case=case)
        elif step == "activist":
            development.make_activist(on=on, note=note, actor=request.user, case=case)
        elif step == "mentors":
            development.assign_mentors(
                mentors=_picked_members(request, case, d["introducers"]),
                on=on,
                note=note,
                actor=request.user,
                case=case,
            )
        elif step == "review":
            development.record_review(on=on, note=note, actor=request.user, case=case)
        elif step == "candidate":
            development.make_candidate(on=on, note=note, actor=request.user, case=case)
        elif step == "introducers":
            development.assign_introducers(
                introducers=_picked_members(request, case, d["introducers"]),
                on=on,
                note=note,
                actor=request.user,
                case=case,
            )
        elif step == "political_review":
            development.record_political_review(
                passed=not d["refused"], on=on, note=note, actor=request.user, case=case
            )
        elif step == "training":
            development.record_training(
                on=on, hours=d["hours"] or 0, note=note, actor=request.user, case=case
            )
        elif step == "committee_review":
            development.record_committee_review(on=on, note=note, actor=request.user, case=case)
        elif step in development.SIMPLE_STEPS:
            development.record_step(step=step, on=on, note=note, actor=request.user, case=case)
        elif step == "vote":
            development.admit_probationary(meeting=meeting, note=note, **votes, actor=request.user, case=case)
        elif step == "approve":
            development.record_approval(
                on=on,
                approved=not d["refused"],
                reason=d["reason"] or "",
                note=note,
                actor=request.user,
                case=case,
            )
        elif step == "conversion_vote":
            development.vote_conversion(meeting=meeting, note=note, **votes, actor=request.user, case=case)
        elif step == "conversion_approve":
            development.approve_conversion(
                on=on, reason=d["reason"] or "", note=note, actor=request.user, case=case
            )
        elif step == "extend":
            development.extend_probation(
                months=d["months"] or 0, meeting=meeting, note=note, **votes, actor=request.user, case=case
            )
        elif step == "cancel":
            development.cancel_probation(
                reason=d["reason"] or note, meeting=meeting, **votes, actor=request.user, case=case
            )
        elif step == "stop":
            development.stop_case(on=on, reason=d["reason"] or note, actor=request.user, case=case)
        else:
            raise Http404
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已登记：{development.STEP_LABELS.get(step, step)}。")
    return redirect("people:development")


# ---------------------------------------------------------------- dues


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


# ---------------------------------------------------------------- households


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
    from .forms import ResidentForm

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
    from .forms import ResidentForm
    from .models import Household
    from .services import create_person, save_household

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
