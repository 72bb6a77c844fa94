from __future__ import annotations

import io
from datetime import date
from typing import cast

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core import registry
from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.pickers import render_picker
from dangjian.core.printing import PdfUnavailable
from dangjian.core.scoping import authenticated, get_scoped_or_404, has_capability, requires
from dangjian.core.versioning import StaleEdit
from dangjian.core.years import default_year, parse_year, requested_year
from dangjian.orgs.models import Level, Org
from dangjian.orgs.selectors import top_orgs_for
from dangjian.people.selectors import member_for_user, members_visible_to

from . import exporters, selectors, services
from .forms import ActivityForm, DecisionForm, PhotoForm, RuleForm
from .models import (
    Activity,
    ActivityPhoto,
    ComplianceRule,
    Decision,
    DecisionKind,
    Grade,
    Kind,
    Lecturer,
    LecturerKind,
    Participation,
    Status,
    ThemeCategory,
    TrainingBase,
)
from .services import Mark


def _org(request, code: str, capability: str = "activities.view") -> Org:
    return get_scoped_or_404(Org.objects.all(), request.user, capability, code=code)


def _activity(request, pk: int, capability: str = "activities.view") -> Activity:
    return get_scoped_or_404(
        Activity.objects.select_related("org", "theme_category", "lecturer", "training_base"),
        request.user,
        capability,
        pk=pk,
    )


def _default_org(request, capability: str = "activities.view") -> Org | None:
    code = request.GET.get("org", "").strip().upper()
    if code:
        return _org(request, code, capability)
    return top_orgs_for(request.user, capability).first()


def _org_filter(request, org: Org | None) -> str:
    """The filter's org, chosen by name; the URL keeps ``?org=CODE``."""
    return render_picker(
        request.user,
        source="orgs.org",
        capability="activities.view",
        name="org",
        value=org,
        by="code",
        box="f-org",
    )


@require_GET
@requires("activities.view")
def index(request: AuthedRequest) -> HttpResponse:
    org = _default_org(request)
    year = requested_year(request)
    qs = selectors.activities_visible_to(request.user)
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    qs = qs.filter(date__year=year)
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs.order_by("-date", "-id"), 50).get_page(request.GET.get("page"))
    # A page of a queryset is a (sliced) queryset; the paginator's type only promises a sequence.
    page.object_list = selectors.page_with_counts(cast(QuerySet[Activity], page.object_list), 50, 0)[0]
    context = {
        "page": page,
        "org": org,
        "year": year,
        "kind": kind,
        "kinds": Kind.choices,
        "can_edit": org is not None and has_capability(request.user, "activities.edit", org),
        "org_picker": _org_filter(request, org),
    }
    return render(request, "activities/index.html", context)


def _save(request, form: ActivityForm, org: Org, activity: Activity | None) -> Activity | None:
    participants = form.cleaned_data.get("participants") or []
    data = {f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS}
    try:
        if activity is None:
            return services.record_activity(actor=request.user, org=org, participants=participants, **data)
        return services.update_activity(
            actor=request.user,
            activity=activity,
            participants=participants,
            version=form.cleaned_data["version"],
            **data,
        )
    except StaleEdit as exc:
        form.add_error(None, "；".join(exc.messages))  # the user's input stays, against the current version
        assert activity is not None  # only an edit can be stale
        form.take_version(Activity.objects.values_list("version", flat=True).get(pk=activity.pk))
        return None
    except ValidationError as exc:
        form.add_error(None, "；".join(exc.messages))
        return None


@require_http_methods(["GET", "POST"])
@requires("activities.edit")
def new(request: AuthedRequest) -> HttpResponse:
    org = _default_org(request, "activities.edit")
    if org is None:
        raise Http404
    initial = {"date": timezone.localdate(), "kind": request.GET.get("kind") or Kind.THEME_DAY}
    form = ActivityForm(request.POST or None, actor=request.user, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        activity = _save(request, form, org, None)
        if activity is not None:
            messages.success(request, "已保存。")
            return redirect("activities:detail", pk=activity.pk)
    return render(
        request, "activities/form.html", {"form": form, "org": org, "title": f"{org.name} · 记录活动"}
    )


@require_http_methods(["GET", "POST"])
@requires("activities.edit")
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk, "activities.edit")
    initial = {"participants": list(activity.participants.values_list("pk", flat=True))}
    form = ActivityForm(
        request.POST or None,
        actor=request.user,
        org=activity.org,
        instance=Activity.objects.get(pk=pk),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid() and _save(request, form, activity.org, activity):
        messages.success(request, "已保存。")
        return redirect("activities:detail", pk=activity.pk)
    return render(
        request,
        "activities/form.html",
        {"form": form, "org": activity.org, "title": f"编辑 {activity.title}"},
    )


@require_GET
@requires("activities.view")
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    can_edit = has_capability(request.user, "activities.edit", activity.org)
    rows = activity.attendance.select_related("member__person").order_by("status", "member__person__name")
    t = selectors.turnout(activity)
    congress = activity.kind == Kind.PARTY_CONGRESS and activity.org.level == Level.BRANCH
    context = {
        "a": activity,
        "turnout": t,
        "congress": congress,
        "decisions": Decision.objects.filter(activity=activity).select_related("person") if congress else [],
        "decision_form": DecisionForm(initial={"votes_against": 0, "votes_abstain": 0}),
        "decision_kinds": DecisionKind.choices,
        "decision_cases": _decision_cases(request, activity) if congress and can_edit else [],
        "held": activity.status == Status.HELD and activity.date <= timezone.localdate(),
        "rows": rows,
        "photos": activity.photos.all(),
        "participants": activity.participants.order_by("path"),
        "trainees": selectors.trainees_of(activity)[:200],
        "trainee_count": activity.trainees.count(),
        "can_edit": can_edit,
        "photo_form": PhotoForm(),
        "checkin_open": can_edit
        and activity.status != Status.CANCELLED
        and timezone.now() < services.checkin_expires_at(activity),
    }
    return render(request, "activities/detail.html", context)


def _decision_cases(request, activity: Activity) -> list:
    """Development cases of the meeting's branch a 支部党员大会 can decide on: 发展对象 (admission) and
    预备党员 (转正, extension, cancellation)."""
    from dangjian.people.selectors import development_visible_to

    return list(
        development_visible_to(request.user, "members.edit")
        .filter(org=activity.org, stage__in=["candidate", "probationary"])
        .order_by("stage", "person__name")
    )


@require_POST
@requires("activities.edit")
def decision(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a vote of this 支部党员大会; refused, with the rule named, when the meeting is not quorate."""
    from dangjian.people.selectors import development_visible_to

    activity = _activity(request, pk, "activities.edit")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        messages.error(request, "；".join(errors) or "请填写表决事项和票数。")
        return redirect(reverse("activities:detail", args=[pk]) + "#decisions")
    d = form.cleaned_data
    case = None
    if d["kind"] != DecisionKind.OTHER:
        case = development_visible_to(request.user, "members.edit").filter(pk=d["case"]).first()
        if case is None:
            raise Http404
    try:
        result = services.record_meeting_decision(
            actor=request.user,
            activity=activity,
            kind=d["kind"],
            case=case,
            subject=d["subject"] or "",
            months=d["months"],
            reason=d["reason"] or "",
            note=d["note"] or "",
            votes_for=d["votes_for"],
            votes_against=d["votes_against"] or 0,
            votes_abstain=d["votes_abstain"] or 0,
        )
    except ValidationError as exc:
        messages.error(request, "不能登记表决：" + "；".join(exc.messages))
    else:
        needed = result.voting_expected // 2 + 1
        if result.passed:
            messages.success(
                request,
                f"“{result.subject}”表决通过：赞成{result.votes_for}票，超过应到会有表决权党员"
                f"{result.voting_expected}名的半数。",
            )
        else:
            messages.warning(
                request,
                f"“{result.subject}”未通过：赞成{result.votes_for}票，未超过应到会有表决权党员"
                f"{result.voting_expected}名的半数（至少须{needed}票，《发展党员工作细则》第二十二条）。"
                "表决结果已记录，该事项不生效。",
            )
    return redirect(reverse("activities:detail", args=[pk]) + "#decisions")


@require_http_methods(["GET", "POST"])
@requires("activities.edit")
def attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    """A phone-sized roll: one row per member with present / leave / absent and a reason, and 全部出席:
    one tap records everyone not marked as present, so only the exceptions need a tap each."""
    activity = _activity(request, pk, "activities.edit")
    members = list(services.eligible_members(activity).select_related("person").order_by("org__path", "pk"))
    current = {a.member_id: a for a in activity.attendance.all()}
    error = None
    all_present = request.POST.get("all") == "1"
    if request.method == "POST":
        marks = []
        for m in members:
            status = request.POST.get(f"s{m.pk}", "")
            if status:
                marks.append(Mark(m.pk, status, request.POST.get(f"r{m.pk}", "")))
        # A member id posted that is not on the roll is refused by the service, not silently dropped.
        listed = {m.pk for m in members}
        for key in request.POST:
            if key.startswith("s") and key[1:].isdigit() and int(key[1:]) not in listed:
                marks.append(Mark(int(key[1:]), request.POST[key], request.POST.get(f"r{key[1:]}", "")))
        try:
            if all_present:
                counts = services.mark_all_present(actor=request.user, activity=activity, exceptions=marks)
            else:
                services.set_attendance(actor=request.user, activity=activity, marks=marks)
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            if all_present:
                # Back to the roll: the secretary now sees everyone present and corrects the exceptions.
                messages.success(
                    request,
                    f"已登记全部出席（新增{counts['added']}人）。如有请假、缺席，请在下方改正后保存。",
                )
                return redirect("activities:attendance", pk=activity.pk)
            messages.success(request, "出席情况已保存。")
            return redirect("activities:detail", pk=activity.pk)
    # After a refused save the roll shows what was posted, not what is stored: nothing typed is lost.
    posted = request.method == "POST"
    rows = []
    for m in members:
        row = current.get(m.pk)
        status = request.POST.get(f"s{m.pk}", "") if posted else (row.status if row else "")
        reason = request.POST.get(f"r{m.pk}", "") if posted else (row.reason if row else "")
        rows.append((m, status, reason))
    from dangjian.people.selectors import hosted_on

    paths = [activity.org.path, *activity.participants.values_list("path", flat=True)]
    tally = {value: sum(1 for _, status, _ in rows if status == value) for value in Participation.values}
    context = {
        "a": activity,
        "rows": rows,
        # Members here by a temporary relationship (临时组织关系): marked and counted here, no vote here.
        "hosted": set(hosted_on(paths, activity.date).values_list("member_id", flat=True)),
        "watched": {m.pk for m in members if m.watched_on(activity.date)},
        "error": error,
        "choices": Participation.choices,
        "tally": tally,
        "unmarked": sum(1 for _, status, _ in rows if not status),
    }
    return render(request, "activities/attendance.html", context, status=400 if error else 200)


@require_POST
@requires("activities.edit")
def photo_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk, "activities.edit")
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的照片。")
    else:
        try:
            services.add_photo(
                actor=request.user,
                activity=activity,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "照片已上传。")
    return redirect("activities:detail", pk=activity.pk)


@require_GET
@requires("activities.view")
def photo(request: AuthedRequest, photo_id: int) -> FileResponse:
    item = get_scoped_or_404(ActivityPhoto.objects.all(), request.user, "activities.view", pk=photo_id)
    response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _checkin_url(request, activity: Activity) -> str:
    return request.build_absolute_uri(reverse("activities:checkin", args=[services.checkin_token(activity)]))


@require_GET
@requires("activities.edit")
def qr(request: AuthedRequest, pk: int) -> HttpResponse:
    """The check-in QR code as SVG, drawn on the server (no outside service)."""
    activity = _activity(request, pk, "activities.edit")
    image = qrcode.make(
        _checkin_url(request, activity), image_factory=qrcode.image.svg.SvgPathImage, box_size=12
    )
    buffer = io.BytesIO()
    image.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@authenticated
def checkin(request: AuthedRequest, token: str) -> HttpResponse:
    """Where a member's phone lands after scanning: one tap to check in; a second scan counts once."""
    context: dict = {"token": token}
    try:
        activity = services.activity_for_token(token)
    except ValidationError as exc:
        context["error"] = "；".join(exc.messages)
        return render(request, "activities/checkin.html", context, status=400)
    context["a"] = activity
    context["member"] = member_for_user(request.user)
    if request.method == "POST":
        try:
            _, created = services.check_in(actor=request.user, token=token)
        except ValidationError as exc:
            context["error"] = "；".join(exc.messages)
            return render(request, "activities/checkin.html", context, status=400)
        context["done"] = "签到成功！" if created else "您已签到，无需重复签到。"
    return render(request, "activities/checkin.html", context)


@require_GET
@requires("activities.view")
def compliance(request: AuthedRequest) -> HttpResponse:
    """Branches × months for the chosen org, or for every top of the actor's scope (a liaison group
    member sees all the orgs the group supervises)."""
    code = request.GET.get("org", "").strip().upper()
    roots = [_org(request, code)] if code else list(top_orgs_for(request.user, "activities.view"))
    if not roots:
        raise Http404
    org = roots[0] if len(roots) == 1 else None
    year = requested_year(request)
    only_gaps = request.GET.get("gaps") == "1"
    overview = selectors.compliance_overview(
        request.user, roots, year, page=request.GET.get("page"), only_gaps=only_gaps
    )
    context = {
        **_branch_rules(request, roots, year),
        "org": org,
        "year": year,
        "overview": overview,
        "page": overview.page,
        "only_gaps": only_gaps,
        "months": range(1, 13),
        "overdue": overview.overdue,
        "org_picker": _org_filter(request, org),
        "index_url": reverse("activities:index"),  # once, not per row of a 600-row page
    }
    return render(request, "activities/compliance.html", context)


BRANCH_RULES_SHOWN = selectors.RULE_GAPS_SHOWN
RULE_GAPS_PER_PAGE = 50


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def _branch_rules(request, roots: list[Org], year: int) -> dict:
    """The rules the frequency calendar does not hold, per branch in scope: the monthly 党小组会, the
    secretary's yearly 党课, and the six-month flags of 党章 Article 9 (as of the end of ``year``, or
    today in the current year)."""
    from django.conf import settings

    from dangjian.people.selectors import lapse_in_view

    today = timezone.localdate()
    top = selectors.common_root(roots)
    under = [top.path] if top is not None else [r.path for r in roots]
    branches = selectors.branches_in_view(request.user, roots, top)
    # A page of the table at a time: a city has thousands of branches with a gap.
    rule_page = _page_number(request.GET.get("rpage"))
    per_page = RULE_GAPS_PER_PAGE
    rule_gaps, rule_gap_count = selectors.rule_gaps_in(
        branches, under, year, today, offset=(rule_page - 1) * per_page, limit=per_page
    )
    if not rule_gaps and rule_page > 1:  # past the last page: the first
        rule_page = 1
        rule_gaps, rule_gap_count = selectors.rule_gaps_in(branches, under, year, today, limit=per_page)
    pages = max(1, -(-rule_gap_count // per_page))
    # One pass over the common ancestor however many orgs a liaison supervises.
    lapse = lapse_in_view(
        request.user,
        branches,
        [top] if top is not None else roots,
        year,
        settings.LAPSE_MONTHS,
        BRANCH_RULES_SHOWN,
        today,
    )
    return {
        "rule_gaps": rule_gaps,
        "rule_gap_count": rule_gap_count,
        "rule_page": rule_page,
        "rule_pages": pages,
        "lapse": lapse.rows,
        "lapse_view": lapse,
        "lapse_as_of": lapse.as_of,
        "lapse_month": lapse.as_of.replace(day=1),
        "lapse_months": settings.LAPSE_MONTHS,
    }


@require_http_methods(["GET", "POST"])
@requires("activities.view")
def rules(request: AuthedRequest, code: str) -> HttpResponse:
    zone = _org(request, code)
    if zone.level != Level.WORKING_COMMITTEE:
        raise Http404
    can_edit = has_capability(request.user, "activities.edit", zone)
    form = RuleForm(request.POST or None, initial={"valid_from": date(timezone.localdate().year, 1, 1)})
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            try:
                services.save_rule(actor=request.user, zone=zone, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, "频次规则已保存，自生效日期起适用。")
                return redirect("activities:rules", code=zone.code)
    history = ComplianceRule.objects.filter(zone=zone).select_related("created_by")
    return render(
        request,
        "activities/rules.html",
        {"zone": zone, "history": history, "form": form, "can_edit": can_edit},
    )


@require_http_methods(["GET", "POST"])
@requires("activities.edit")
def appraisal(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    org = _org(request, code, "activities.edit")
    members = list(
        members_visible_to(request.user, "activities.edit")
        .filter(org__path__startswith=org.path)
        .select_related("person")
        .order_by("org__path", "pk")
    )
    current = selectors.appraisals_for(org, year)
    error = None
    if request.method == "POST":
        grades = {m.pk: request.POST[f"g{m.pk}"] for m in members if request.POST.get(f"g{m.pk}")}
        try:
            services.record_appraisals(actor=request.user, org=org, year=year, grades=grades)
        except ValidationError as exc:
            error = "；".join(exc.messages)
            current.update(grades)
        else:
            messages.success(request, "民主评议结果已保存。")
            return redirect("activities:appraisal", code=org.code, year=year)
    # What other modules know of each member's year (points for verified deeds …), for people to weigh.
    ids = [m.pk for m in members]
    evidence = [(e.label, e.fetch(ids, year, request.user)) for e in registry.evidence()]
    rows = [(m, current.get(m.pk, ""), [found.get(m.pk, "") for _, found in evidence]) for m in members]
    context = {
        "org": org,
        "year": year,
        "rows": rows,
        "grades": Grade.choices,
        "error": error,
        "evidence_labels": [label for label, _ in evidence],
    }
    return render(request, "activities/appraisal.html", context, status=400 if error else 200)


@require_GET
@requires("activities.view")
def ledger(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    org = _org(request, code)
    data = exporters.ledger_data(org, year, actor=request.user)
    return render(request, "activities/ledger.html", {**data, "screen": True})


@require_GET
@requires("activities.view")
def ledger_xlsx(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    org = _org(request, code)
    content = exporters.ledger_xlsx(org, year, actor=request.user)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = disposition(f"{org.name}{year}年组织生活台账.xlsx")
    return response


@require_GET
@requires("activities.view")
def ledger_pdf(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    org = _org(request, code)
    try:
        content = exporters.ledger_pdf(org, year, actor=request.user)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = disposition(f"{org.name}{year}年组织生活台账.pdf")
    return response


@require_http_methods(["GET", "POST"])
@requires("activities.view")
def resources(request: AuthedRequest, code: str) -> HttpResponse:
    """The zone's lecturer roster (讲师库), training bases and activity theme categories."""
    zone = _org(request, code)
    if zone.level != Level.WORKING_COMMITTEE:
        raise Http404
    can_edit = has_capability(request.user, "activities.edit", zone)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        which, name = request.POST.get("which", ""), request.POST.get("name", "").strip()
        try:
            if which == "lecturer":
                services.save_lecturer(
                    actor=request.user,
                    zone=zone,
                    name=name,
                    kind=request.POST.get("kind") or LecturerKind.DISTRICT,
                    title=request.POST.get("title", "").strip(),
                    listed_from=timezone.localdate(),
                )
            elif which == "base":
                services.save_training_base(
                    actor=request.user, zone=zone, name=name, place=request.POST.get("place", "").strip()
                )
            elif which == "category":
                services.save_theme_category(actor=request.user, zone=zone, name=name)
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已保存。")
        return redirect("activities:resources", code=zone.code)
    context = {
        "zone": zone,
        "can_edit": can_edit,
        "lecturers": Lecturer.objects.filter(zone=zone).order_by("kind", "id"),
        "bases": TrainingBase.objects.filter(zone=zone),
        "categories": ThemeCategory.objects.filter(zone=zone),
        "lecturer_kinds": LecturerKind.choices,
    }
    return render(request, "activities/resources.html", context)


@require_POST
@requires("activities.edit")
def trainees(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add trainees to a training session: one name per line (or separated by 、，,)."""
    activity = _activity(request, pk, "activities.edit")
    raw = request.POST.get("names", "")
    for sep in "、，,;；":
        raw = raw.replace(sep, "\n")
    try:
        added = services.add_trainees(actor=request.user, activity=activity, names=raw.splitlines())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已登记参训人员{added}人。")
    return redirect("activities:detail", pk=activity.pk)


@require_GET
@authenticated
def mine(request: AuthedRequest) -> HttpResponse:
    """我的: a member's own branch, meetings and attendance, study, dues and how to check in.

    Open to every login; what it shows is the member linked to this login (``member_for_user``),
    never one named in the request, so it needs no role.
    """
    from dangjian.people.selectors import own_dues

    member = member_for_user(request.user)
    today = timezone.localdate()
    year = parse_year(request.GET.get("year")) or default_year()
    context: dict = {"member": member, "year": year, "today": today}
    if member is not None:
        context["life"] = selectors.own_life(member, year, today)
        context["dues"] = own_dues(member, year, today)
        context["years"] = sorted({today.year, default_year(), *range(year - 2, year + 1)}, reverse=True)
    return render(request, "activities/mine.html", context)
