"""Pages of the key-task checklist, supervision and the ledgers: thin views over services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.ledgers import all_record_kinds, get_record_kind
from dangjian.core.pickers import render_picker
from dangjian.core.printing import PdfUnavailable
from dangjian.core.scoping import get_scoped_or_404, has_capability, requires
from dangjian.core.years import default_year, parse_year, requested_year
from dangjian.orgs.models import LiaisonGroup, Org
from dangjian.orgs.selectors import ancestors_in_scope, top_orgs_for

from . import ledgers, selectors, services
from .forms import (
    CloseProblemForm,
    LedgerEntryForm,
    ProblemForm,
    RecordVisitForm,
    ReportForm,
    TaskForm,
    VisitForm,
)
from .jobs import start_ledgers_zip
from .models import (
    Assignment,
    AssignmentState,
    Evidence,
    KeyTask,
    LedgerEntry,
    Problem,
    ProblemState,
    Report,
    ReportState,
    SupervisionVisit,
    TaskStatus,
    VisitStatus,
)


def _year(request) -> int:
    # The key-task forms post the year with the form as well as in the query.
    return requested_year(request, request.POST.get("year"))


def _org(request, code: str, capability: str = "checklists.view") -> Org:
    return get_scoped_or_404(Org.objects.all(), request.user, capability, code=code)


def _default_org(request, capability: str = "checklists.view") -> Org | None:
    code = (request.GET.get("org") or "").strip()
    if code:
        return _org(request, code, capability)
    return top_orgs_for(request.user, capability).first()


def _render(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render a page with what every checklists page shows: the year choices and the review tab."""
    year = context.get("year") or default_year()
    context.setdefault("years", list(range(year + 1, max(year - 5, 2000), -1)))
    context.setdefault("can_review", has_capability(request.user, "checklists.review"))
    context.setdefault("max_mb", settings.EVIDENCE_MAX_BYTES // (1024 * 1024))
    if "ancestors" in context:  # the org bar (_orgbar.html): switch to another org by its name
        context["org_switch"] = render_picker(
            request.user,
            source="orgs.org",
            capability="checklists.view",
            name="org",
            by="code",
            submit=True,
            placeholder="切换组织：输入名称或拼音首字母",
            box="org-switch",
        )
    return render(request, template, context, status=status)


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


# --- key tasks ---------------------------------------------------------------------------------------------


@require_GET
@requires("checklists.view")
def index(request: AuthedRequest) -> HttpResponse:
    """The year's key tasks as seen from one org: the list with completion in its subtree, its own tasks,
    what is overdue and what waits for review."""
    org = _default_org(request)
    year = _year(request)
    if org is None:
        raise Http404
    user = request.user
    zone = services.zone_of(org)
    matrix = selectors.task_matrix(user, org, year)
    drafts = []
    can_manage = has_capability(user, "checklists.manage", zone)
    if can_manage:
        drafts = list(
            KeyTask.objects.filter(zone=zone, year=year, status=TaskStatus.DRAFT).order_by("number")
        )
    own = list(selectors.my_assignments(user, org, year)) if org.depth != 1 else []
    overdue = list(selectors.overdue_assignments(user, org, year).select_related("task", "org")[:50])
    pending = selectors.pending_reviews(user, org).count() if has_capability(user, "checklists.review") else 0
    return _render(
        request,
        "checklists/index.html",
        {
            "org": org,
            "zone": zone,
            "year": year,
            "matrix": matrix,
            "drafts": drafts,
            "own": own,
            "overdue": overdue,
            "pending": pending,
            "can_manage": can_manage,
            "can_report": has_capability(user, "checklists.report", org),
            "ancestors": ancestors_in_scope(user, org, "checklists.view"),
        },
    )


def _task(request, pk: int) -> KeyTask:
    try:
        return selectors.tasks_visible_to(request.user).get(pk=pk)
    except (KeyTask.DoesNotExist, ValueError):
        raise Http404 from None


def _task_values(form: TaskForm) -> dict:
    data = form.cleaned_data
    return {
        "category": data["category"],
        "title": data["title"],
        "description": data.get("description", ""),
        "start_on": data["start_on"],
        "due_on": data["due_on"],
        "evidence_required": data.get("evidence_required", ""),
        "evidence_kinds": data["evidence_kinds"],
    }


@require_http_methods(["GET", "POST"])
@requires("checklists.manage")
def task_new(request: AuthedRequest) -> HttpResponse:
    zone = _default_org(request, "checklists.manage")
    if zone is None or zone.depth != 1:
        raise Http404
    year = _year(request)
    form = TaskForm(
        request.POST or None,
        actor=request.user,
        initial={"start_on": f"{year}-01-01", "due_on": f"{year}-12-31"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            task = services.create_task(
                actor=request.user,
                zone=zone,
                year=form.cleaned_data["start_on"].year,
                owners=form.cleaned_data.get("owners") or [],
                owner_kinds=form.cleaned_data.get("owner_kinds") or [],
                responsible=form.cleaned_data.get("responsible"),
                responsible_name=form.cleaned_data.get("responsible_name", ""),
                milestones=form.milestones(),
                publish=form.cleaned_data.get("publish", False),
                **_task_values(form),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已添加重点任务“{task.title}”。")
            return redirect("checklists:task", pk=task.pk)
    return _render(
        request,
        "checklists/task_form.html",
        {
            "form": form,
            "zone": zone,
            "year": year,
            "task": None,
        },
    )


@require_http_methods(["GET", "POST"])
@requires("checklists.manage")
def task_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if not has_capability(request.user, "checklists.manage", task.zone):
        raise Http404
    initial = {
        "category": task.category,
        "title": task.title,
        "description": task.description,
        "start_on": task.start_on,
        "due_on": task.due_on,
        "evidence_required": task.evidence_required,
        "evidence_kinds": task.evidence_kinds,
        "responsible_name": "" if task.responsible_id else task.responsible_name,
        "responsible": task.responsible_id,
    }
    form = TaskForm(request.POST or None, actor=request.user, initial=initial, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_task(
                actor=request.user,
                task=task,
                version=int(request.POST.get("version") or 0),
                responsible=form.cleaned_data.get("responsible"),
                responsible_name=form.cleaned_data.get("responsible_name", ""),
                **_task_values(form),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "任务已保存。")
            return redirect("checklists:task", pk=task.pk)
    return _render(
        request,
        "checklists/task_form.html",
        {"form": form, "zone": task.zone, "year": task.year, "task": task},
    )


@require_POST
@requires("checklists.manage")
def task_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        services.publish_task(actor=request.user, task=task)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "任务已发布，责任单位可以报送进展了。")
    return redirect("checklists:task", pk=task.pk)


@require_GET
@requires("checklists.view")
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    assignments = list(selectors.assignments_visible_to(request.user).filter(task=task).order_by("org__path"))
    today = timezone.localdate()
    for a in assignments:
        # Display-only attributes for the template, outside the model's fields (hence vars()).
        vars(a).update(status_text=ledgers.assignment_status(a, today), is_overdue=a.overdue_on(today))
    return _render(
        request,
        "checklists/task.html",
        {
            "task": task,
            "assignments": assignments,
            "milestones": list(task.milestones.all()),
            "can_manage": has_capability(request.user, "checklists.manage", task.zone),
        },
    )


def _assignment(request, pk: int, code: str) -> Assignment:
    try:
        return selectors.assignments_visible_to(request.user).get(task_id=pk, org__code=code)
    except (Assignment.DoesNotExist, ValueError):
        raise Http404 from None


@require_GET
@requires("checklists.view")
def assignment(request: AuthedRequest, pk: int, code: str) -> HttpResponse:
    """One owner's page for a task: its reports with evidence, the report form, the review buttons."""
    a = _assignment(request, pk, code)
    return _render(request, "checklists/assignment.html", _assignment_context(request, a))


def _assignment_context(request, a: Assignment, form: ReportForm | None = None) -> dict:
    user = request.user
    reports = list(
        Report.objects.filter(assignment=a)
        .select_related("submitted_by", "reviewed_by", "milestone")
        .prefetch_related("evidence")
    )
    can_review = has_capability(user, "checklists.review", a.org)
    for r in reports:
        vars(r)["reviewable"] = (
            can_review and r.state == ReportState.SUBMITTED and r.submitted_by_id != user.pk
        )
    can_report = (
        has_capability(user, "checklists.report", a.org)
        and a.state != AssignmentState.DONE
        and a.task.status == TaskStatus.PUBLISHED
    )
    return {
        "a": a,
        "task": a.task,
        "reports": reports,
        "form": form or ReportForm(task=a.task),
        "can_report": can_report,
        "status_text": ledgers.assignment_status(a, timezone.localdate()),
        "record_kinds": all_record_kinds(),
        "accepts_links": "link" in a.task.evidence_kinds,
    }


def _links(request) -> list[tuple[str, int]]:
    out = []
    for value in request.POST.getlist("links"):
        kind, _, pk = value.rpartition(":")
        try:
            out.append((kind, int(pk)))
        except ValueError:
            continue
    return out


@require_POST
@requires("checklists.report")
def report_submit(request: AuthedRequest, pk: int, code: str) -> HttpResponse:
    a = _assignment(request, pk, code)
    form = ReportForm(request.POST, task=a.task)
    if form.is_valid():
        milestone = None
        if form.cleaned_data.get("milestone"):
            milestone = a.task.milestones.filter(pk=form.cleaned_data["milestone"]).first()
        try:
            services.submit_report(
                actor=request.user,
                assignment=a,
                text=form.cleaned_data["text"],
                final=form.cleaned_data.get("final", False),
                milestone=milestone,
                uploads=request.FILES.getlist("files"),
                links=_links(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "进展已报送，等待审核。")
            return redirect("checklists:assignment", pk=pk, code=code)
    return _render(request, "checklists/assignment.html", _assignment_context(request, a, form), status=400)


@require_POST
@requires("checklists.review")
def report_review(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = get_scoped_or_404(
        Report.objects.select_related("assignment__task", "assignment__org"),
        request.user,
        "checklists.review",
        pk=report_id,
    )
    accept = request.POST.get("decision") == "accept"
    try:
        services.review_report(
            actor=request.user, report=report, accept=accept, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "已通过。" if accept else "已退回。")
    back = request.POST.get("next") or ""
    if back == "reviews":
        return redirect("checklists:reviews")
    return redirect("checklists:assignment", pk=report.assignment.task_id, code=report.assignment.org.code)


@require_GET
@requires("checklists.view")
def evidence_file(request: AuthedRequest, evidence_id: int) -> FileResponse:
    item = get_scoped_or_404(
        Evidence.objects.exclude(file=""), request.user, "checklists.view", pk=evidence_id
    )
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    inline = item.content_type.startswith("image/") or item.content_type == "application/pdf"
    response["Content-Disposition"] = "inline" if inline else disposition(item.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@requires("checklists.review")
def reviews(request: AuthedRequest) -> HttpResponse:
    pending = list(selectors.pending_reviews(request.user).prefetch_related("evidence")[:200])
    return _render(request, "checklists/reviews.html", {"reports": pending})


@require_GET
@requires("checklists.view")
def matrix(request: AuthedRequest) -> HttpResponse:
    org = _default_org(request)
    if org is None:
        raise Http404
    year = _year(request)
    return _render(
        request,
        "checklists/matrix.html",
        {
            "org": org,
            "year": year,
            "matrix": selectors.task_matrix(request.user, org, year),
            "ancestors": ancestors_in_scope(request.user, org, "checklists.view"),
        },
    )


# --- supervision ---------------------------------------------------------------------------------------------


@require_GET
@requires("checklists.view")
def supervision(request: AuthedRequest) -> HttpResponse:
    groups = list(selectors.groups_for(request.user))
    if len(groups) == 1 and not request.GET.get("all"):
        return redirect(
            f"{reverse('checklists:group', args=[groups[0].pk])}?year={requested_year(request, request.POST.get('year'))}"
        )
    names = selectors.group_rows(LiaisonGroup.objects.filter(pk__in=[g.pk for g in groups]))
    for g in groups:
        vars(g)["org_names"] = names.get(g.pk, [])  # display-only, outside the model's fields
    return _render(
        request,
        "checklists/supervision.html",
        {"groups": groups, "year": _year(request)},
    )


def _group(request, pk: int) -> LiaisonGroup:
    try:
        return selectors.groups_for(request.user).get(pk=pk)
    except (LiaisonGroup.DoesNotExist, ValueError):
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@requires("checklists.view")
def group(request: AuthedRequest, pk: int) -> HttpResponse:
    """The group leader's page: every supervised org's visits, problems and tasks, and the visit plan."""
    g = _group(request, pk)
    year = _year(request)
    covered = list(g.orgs.order_by("path"))
    form = VisitForm(request.POST or None)
    can_supervise = any(has_capability(request.user, "orgs.supervise", o) for o in covered)
    if request.method == "POST":
        if not can_supervise:
            raise Http404
        target = next((o for o in covered if o.code == request.POST.get("org")), None)
        if target is None:
            form.add_error(None, "请选择督导对象。")
        elif form.is_valid():
            try:
                visit = services.plan_visit(actor=request.user, group=g, org=target, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"已安排对{target.name}的督导。")
                return redirect("checklists:visit", pk=visit.pk)
    visits = list(
        SupervisionVisit.objects.filter(group=g)
        .filter(Q(visited_on__year=year) | Q(visited_on__isnull=True, planned_on__year=year))
        .select_related("org")
        .order_by(F("visited_on").desc(nulls_first=True), "-planned_on")[:200]
    )
    return _render(
        request,
        "checklists/group.html",
        {
            "group": g,
            "year": year,
            "board": selectors.group_board(g, year),
            "visits": visits,
            "form": form,
            "covered": covered,
            "can_supervise": can_supervise,
        },
    )


def _visit(request, pk: int, capability: str = "checklists.view") -> SupervisionVisit:
    return get_scoped_or_404(
        SupervisionVisit.objects.select_related("group", "org"), request.user, capability, pk=pk
    )


@require_http_methods(["GET", "POST"])
@requires("checklists.view")
def visit(request: AuthedRequest, pk: int) -> HttpResponse:
    v = _visit(request, pk)
    can_supervise = has_capability(request.user, "orgs.supervise", v.org)
    record_form = RecordVisitForm(
        request.POST or None if request.POST.get("action") == "record" else None,
        initial={"visited_on": v.planned_on, "visitors": v.visitors},
    )
    problem_form = ProblemForm(request.POST if request.POST.get("action") == "problem" else None)
    if request.method == "POST":
        if not can_supervise:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "record" and record_form.is_valid():
                services.record_visit(actor=request.user, visit=v, **record_form.cleaned_data)
                messages.success(request, "督导情况已登记。")
                return redirect("checklists:visit", pk=v.pk)
            if action == "problem" and problem_form.is_valid():
                services.add_problem(
                    actor=request.user, visit=v, problem=services.ProblemIn(**problem_form.cleaned_data)
                )
                messages.success(request, "问题已登记，请跟踪整改。")
                return redirect("checklists:visit", pk=v.pk)
            if action == "close":
                close_form = CloseProblemForm(request.POST)
                problem = Problem.objects.filter(visit=v, pk=request.POST.get("problem") or 0).first()
                if problem is None:
                    raise Http404
                if close_form.is_valid():
                    services.close_problem(actor=request.user, problem=problem, **close_form.cleaned_data)
                    messages.success(request, "问题已整改销号。")
                    return redirect("checklists:visit", pk=v.pk)
                messages.error(request, "请填写整改完成日期和整改情况。")
        except ValidationError as exc:
            _errors(request, exc)
    today = timezone.localdate()
    problems = list(v.problems.order_by("rectify_by", "id"))
    for p in problems:
        vars(p)["is_overdue"] = p.state == ProblemState.OPEN and p.rectify_by < today  # display-only
    return _render(
        request,
        "checklists/visit.html",
        {
            "visit": v,
            "problems": problems,
            "record_form": record_form,
            "problem_form": problem_form,
            "close_form": CloseProblemForm(initial={"rectified_on": today}),
            "can_supervise": can_supervise,
            "done": v.status == VisitStatus.DONE,
        },
    )


# --- ledgers ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("checklists.view")
def ledger_list(request: AuthedRequest) -> HttpResponse:
    """The zone's ledger catalogue, each printable for the chosen org and year."""
    org = _default_org(request)
    if org is None:
        raise Http404
    year = _year(request)
    zone = services.zone_of(org)
    can_manage = has_capability(request.user, "checklists.manage", zone)
    form = LedgerEntryForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        entry = None
        if request.POST.get("entry"):
            entry = LedgerEntry.objects.filter(zone=zone, pk=request.POST["entry"]).first()
            if entry is None:
                raise Http404
        if form.is_valid():
            try:
                services.save_ledger_entry(actor=request.user, zone=zone, entry=entry, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "台账目录已保存。")
                return redirect(f"{reverse('checklists:ledgers')}?org={org.code}&year={year}")
    entries = list(LedgerEntry.objects.filter(zone=zone).order_by("order", "id"))
    for e in entries:
        ledger = ledgers.resolve(e)
        # Display-only attributes for the template, outside the model's fields (hence vars()).
        vars(e).update(
            ledger=ledger,
            printable=ledger is not None and has_capability(request.user, ledger.capability, org),
        )
    return _render(
        request,
        "checklists/ledgers.html",
        {
            "org": org,
            "zone": zone,
            "year": year,
            "entries": entries,
            "form": form,
            "can_manage": can_manage,
            "ancestors": ancestors_in_scope(request.user, org, "checklists.view"),
        },
    )


def _printable(request, entry_id: int, code: str, year: int):
    org = _org(request, code)
    if parse_year(year) is None:
        raise Http404
    entry = LedgerEntry.objects.filter(pk=entry_id, zone__path=org.path[: Org.steplen]).first()
    if entry is None:
        raise Http404
    ledger = ledgers.resolve(entry)
    if ledger is None or not ledgers.may_print(request.user, ledger, org):
        raise Http404
    return ledgers.draw(ledger, request.user, org, year, entry.name)


@require_POST
@requires("checklists.view")
def ledgers_zip(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    """Every ledger of the catalogue for the org and year, as one zip written by the worker."""
    org = _org(request, code)
    if parse_year(year) is None:
        raise Http404
    if not ledgers.printable_entries(request.user, org, year):
        messages.error(request, "没有可以导出的台账。")
        return redirect(f"{reverse('checklists:ledgers')}?org={org.code}&year={year}")
    job = start_ledgers_zip(actor=request.user, org=org, year=year)
    return redirect("jobs:export", pk=job.pk)


@require_GET
@requires("checklists.view")
def ledger_print(request: AuthedRequest, entry_id: int, code: str, year: int) -> HttpResponse:
    printed = _printable(request, entry_id, code, year)
    links = {
        "back": f"{reverse('checklists:ledgers')}?org={code}&year={year}",
        "xlsx": reverse("checklists:ledger_xlsx", args=[entry_id, code, year]),
        "pdf": reverse("checklists:ledger_pdf", args=[entry_id, code, year]),
    }
    return HttpResponse(ledgers.to_html(printed, screen=True, links=links))


@require_GET
@requires("checklists.view")
def ledger_xlsx(request: AuthedRequest, entry_id: int, code: str, year: int) -> HttpResponse:
    printed = _printable(request, entry_id, code, year)
    response = HttpResponse(
        ledgers.to_xlsx(printed),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = disposition(f"{printed.title}.xlsx")
    return response


@require_GET
@requires("checklists.view")
def ledger_pdf(request: AuthedRequest, entry_id: int, code: str, year: int) -> HttpResponse:
    printed = _printable(request, entry_id, code, year)
    try:
        content = ledgers.to_pdf(printed)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = disposition(f"{printed.title}.pdf")
    return response


# --- record picker (htmx) ----------------------------------------------------------------------------------------


@require_GET
@requires("checklists.report")
def pick_record(request: AuthedRequest, pk: int, code: str) -> HttpResponse:
    """Records of the owner's org that a report may cite, found by kind and a word of their title."""
    a = _assignment(request, pk, code)
    kind = get_record_kind(request.GET.get("kind", ""))
    refs = []
    if kind is not None and has_capability(request.user, kind.capability, a.org):
        refs = kind.search(request.user, a.org, request.GET.get("q", ""), a.task.year)
    return _render(request, "checklists/_pick.html#records", {"refs": refs, "kind": kind})


@require_GET
@requires("checklists.view")
def pick_chosen(request: AuthedRequest) -> HttpResponse:
    """The chip of a picked record a report cites (a checked box the form submits), labelled from the
    records in scope. Orgs and people are picked with the one picker (core.pickers)."""
    what, value, field = (
        request.GET.get("what", ""),
        request.GET.get("value", ""),
        request.GET.get("field", ""),
    )
    label = ""
    if what == "record":
        kind_key, _, pk = value.rpartition(":")
        kind = get_record_kind(kind_key)
        ref = kind.get(request.user, pk) if kind and pk.isdigit() else None
        label = f"{kind.label}：{ref.label}" if kind and ref else ""
    if not label or not field.isidentifier():
        raise Http404
    return _render(
        request,
        "checklists/_pick.html#chosen",
        {"field": field, "value": value, "label": label, "radio": request.GET.get("single") == "1"},
    )
