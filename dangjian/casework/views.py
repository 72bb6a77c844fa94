"""Casework pages: the queue, a request's page and its workflow, zone totals, visits and key assistance
targets, research themes, settings (categories and the holiday calendar), ledgers, and the
public request page (no login, acting as ``PUBLIC``)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.actors import PUBLIC
from dangjian.core.http import AuthedRequest, Request, disposition
from dangjian.core.pickers import render_picker
from dangjian.core.scoping import get_scoped_or_404, has_capability, public, requires
from dangjian.core.years import parse_year, requested_year
from dangjian.orgs.models import Level, Org
from dangjian.orgs.selectors import top_orgs_for

from . import exporters, selectors, services
from .forms import (
    CalendarDayForm,
    CategoryForm,
    CloseForm,
    NoteForm,
    OutputForm,
    ProblemForm,
    PublicLookupForm,
    PublicRequestForm,
    RequestForm,
    ResearchVisitForm,
    ResolveForm,
    TargetForm,
    ThemeForm,
    TransferForm,
    VisitForm,
)
from .models import OPEN_STATUSES, CalendarDay, Category, ResearchProblem, Status
from .public import RateLimited, guard_lookup, guard_submit, lookup

PAGE = 50


def _error(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _org_param(request, capability: str = "casework.view") -> Org | None:
    """The org chosen with the picker (``?org=<id>``), else the top of the actor's scope."""
    raw = request.GET.get("org", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return get_scoped_or_404(Org.objects.all(), request.user, capability, pk=int(raw))
    return top_orgs_for(request.user, capability).first()


def _org_code(request, code: str, capability: str = "casework.view") -> Org:
    return get_scoped_or_404(Org.objects.all(), request.user, capability, code=code)


def _filter_context(request, org: Org | None, year: int | None = None) -> dict:
    return {
        "org": org,
        "year": year,
        "org_picker": render_picker(
            request.user, source="orgs.org", capability="casework.view", name="org", value=org, box="f-org"
        ),
    }


# --- the queue -------------------------------------------------------------------------------------

TABS = [("new", "待受理办理"), ("due_soon", "即将到期"), ("overdue", "已逾期")]


@require_GET
@requires("casework.view")
def index(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request)
    queue = selectors.queue_for(request.user, org)
    tab = request.GET.get("tab", "new")
    if tab not in dict(TABS):
        tab = "new"
    page = Paginator(getattr(queue, tab), PAGE).get_page(request.GET.get("page"))
    counts = {key: getattr(queue, key).count() for key, _ in TABS}
    context = {
        **_filter_context(request, org),
        "tabs": [(key, label, counts[key]) for key, label in TABS],
        "tab": tab,
        "page": page,
        "today": queue.today,
        "due_soon_until": queue.due_soon_until,
        "can_edit": has_capability(request.user, "casework.edit"),
        "can_configure": has_capability(request.user, "casework.configure"),
    }
    return render(request, "casework/index.html", context)


@require_GET
@requires("casework.view")
def requests_list(request: AuthedRequest) -> HttpResponse:
    """Every request in scope (including those sent away), filtered by status and year."""
    org = _org_param(request)
    year = requested_year(request)
    qs = selectors.requests_visible_to(request.user).filter(received_at__year=year)
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    status = request.GET.get("status", "")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-received_at", "-id"), PAGE).get_page(request.GET.get("page"))
    context = {
        **_filter_context(request, org, year),
        "page": page,
        "status": status,
        "statuses": Status.choices,
        "today": timezone.localdate(),
    }
    return render(request, "casework/requests.html", context)


def _request(request, pk: int):
    return selectors.request_or_404(request.user, pk)


@require_http_methods(["GET", "POST"])
@requires("casework.edit")
def request_new(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request, "casework.edit")
    if org is None:
        raise Http404
    data = request.POST or None
    zone_path = (org.path if data is None else _posted_zone(request, org))[: Org.steplen]
    form = RequestForm(data, actor=request.user, zone_path=zone_path, initial={"org": org.pk})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = d["person"]
        try:
            created, code = services.create_request(
                actor=request.user,
                org=d["org"],
                category=d["category"],
                description=d["description"],
                source=d["source"],
                phone=d["phone"] or "",
                name=d["name"] or (person.name if person else ""),
                place=d["place"],
                person=person,
            )
        except ValidationError as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(
                request, f"已受理。查询码：{code}（请告知群众，凭查询码和手机号后四位查询进度；此码不再显示）"
            )
            return redirect("casework:request", pk=created.pk)
    return render(
        request, "casework/form.html", {"form": form, "title": "登记群众诉求", "back": "casework:index"}
    )


def _posted_zone(request, fallback: Org) -> str:
    raw = request.POST.get("org", "")
    if raw.isdigit():
        org = Org.objects.filter(pk=int(raw)).values_list("path", flat=True).first()
        if org:
            return org
    return fallback.path


@require_GET
@requires("casework.view")
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _request(request, pk)
    return render(request, "casework/request.html", _detail_context(request, item))


def _detail_context(request, item, forms: dict | None = None) -> dict:
    can_edit = has_capability(request.user, "casework.edit", item.org)
    today = timezone.localdate()
    forms = forms or {}
    return {
        "r": item,
        "steps": selectors.history(item),
        "can_edit": can_edit,
        "sent_only": not has_capability(request.user, "casework.view", item.org),
        "overdue": item.overdue_on(today),
        "overdue_days": selectors.overdue_days(item, today),
        "problem": ResearchProblem.objects.filter(request=item).select_related("visit__theme").first(),
        "transfer_form": forms.get("transfer") or TransferForm(actor=request.user),
        "note_form": forms.get("note") or NoteForm(),
        "resolve_form": forms.get("resolve") or ResolveForm(),
        "close_form": forms.get("close") or CloseForm(),
        "open": item.status in OPEN_STATUSES,
        "startable": item.status in (Status.RECEIVED, Status.ASSIGNED),
        "closable": item.status == Status.RESOLVED,
    }


ACTIONS = {
    "transfer": TransferForm,
    "start": NoteForm,
    "note": NoteForm,
    "resolve": ResolveForm,
    "close": CloseForm,
}


@require_POST
@requires("casework.edit")
def request_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    item = _request(request, pk)
    form_class = ACTIONS.get(action)
    if form_class is None:
        raise Http404
    data = request.POST.copy()
    if action == "start":
        data.setdefault("note", "开始办理")
    form = form_class(data, actor=request.user)
    posted = request.POST.get("version")
    version = int(posted) if posted and posted.isdigit() else None
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "transfer":
                services.transfer_request(
                    actor=request.user, request=item, to_org=d["to_org"], note=d["note"], version=version
                )
                messages.success(request, f"已转办给{d['to_org'].name}。")
            elif action == "start":
                services.start_request(actor=request.user, request=item, version=version)
                messages.success(request, "已开始办理。")
            elif action == "note":
                services.note_request(actor=request.user, request=item, note=d["note"])
                messages.success(request, "办理记录已保存。")
            elif action == "resolve":
                services.resolve_request(actor=request.user, request=item, reply=d["reply"], version=version)
                messages.success(request, "已办结，答复已对群众可见。")
            else:
                services.close_request(
                    actor=request.user,
                    request=item,
                    satisfaction=d["satisfaction"],
                    feedback=d["feedback"],
                    version=version,
                )
                messages.success(request, "回访评价已记录。")
        except ValidationError as exc:
            form.add_error(None, _error(exc))
        else:
            return redirect("casework:request", pk=item.pk)
    item = _request(request, pk)
    context = _detail_context(request, item, {action if action != "start" else "note": form})
    return render(request, "casework/request.html", context, status=400)


# --- zone totals -----------------------------------------------------------------------------------


@require_GET
@requires("casework.view")
def totals(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request)
    if org is None:
        raise Http404
    year = requested_year(request)
    result = selectors.zone_totals(request.user, org, year)
    today = timezone.localdate()
    oldest = [(r, selectors.days_open(r, today), r.overdue_on(today)) for r in result.oldest_open]
    context = {**_filter_context(request, org, year), "t": result, "oldest": oldest}
    return render(request, "casework/totals.html", context)


# --- visits and key assistance targets ------------------------------------------------------------


@require_GET
@requires("casework.view")
def visits(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request)
    year = requested_year(request)
    qs = selectors.visits_visible_to(request.user).filter(
        date__gte=date(year, 1, 1), date__lt=date(year + 1, 1, 1)
    )
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    if request.GET.get("targets") == "1":
        qs = qs.filter(target__isnull=False)
    page = Paginator(qs.order_by("-date", "-id"), PAGE).get_page(request.GET.get("page"))
    context = {
        **_filter_context(request, org, year),
        "page": page,
        "only_targets": request.GET.get("targets") == "1",
        "can_edit": org is not None and has_capability(request.user, "casework.edit", org),
    }
    return render(request, "casework/visits.html", context)


@require_http_methods(["GET", "POST"])
@requires("casework.edit")
def visit_new(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request, "casework.edit")
    if org is None:
        raise Http404
    targets = (
        selectors.targets_visible_to(request.user, "casework.edit")
        .filter(org__path__startswith=org.path, ended_on__isnull=True)
        .order_by("name")[:500]
    )
    form = VisitForm(request.POST or None, actor=request.user, targets=targets, initial={"org": org.pk})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = None
        if d["target"]:
            target = get_scoped_or_404(
                selectors.targets_visible_to(request.user), request.user, "casework.edit", pk=d["target"]
            )
        try:
            services.record_visit(
                actor=request.user,
                org=d["org"],
                date=d["date"],
                visitor=d["visitor"],
                visitor_person=d["visitor_person"],
                visitee=d["visitee"],
                person=d["person"],
                address=d["address"],
                target=target,
                raised=d["raised"],
            )
        except ValidationError as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(request, "走访记录已保存。")
            return redirect(f"{_url('casework:visits')}?org={d['org'].pk}")
    return render(
        request, "casework/form.html", {"form": form, "title": "登记走访", "back": "casework:visits"}
    )


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


@require_http_methods(["GET", "POST"])
@requires("casework.view")
def targets(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request)
    can_edit = org is not None and has_capability(request.user, "casework.edit", org)
    form = TargetForm(request.POST or None, actor=request.user, initial={"org": org.pk if org else None})
    if request.method == "POST":
        if not has_capability(request.user, "casework.edit"):
            raise Http404
        if request.POST.get("end"):
            target = get_scoped_or_404(
                selectors.targets_visible_to(request.user),
                request.user,
                "casework.edit",
                pk=request.POST["end"],
            )
            try:
                services.end_key_target(
                    actor=request.user,
                    target=target,
                    ended_on=timezone.localdate(),
                    end_reason=request.POST.get("end_reason", "") or "帮扶到位",
                )
            except ValidationError as exc:
                messages.error(request, _error(exc))
            else:
                messages.success(request, f"已解除{target.name}的重点帮扶。")
            return redirect(f"{_url('casework:targets')}?org={org.pk if org else ''}")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.mark_key_target(
                    actor=request.user,
                    org=d["org"],
                    person=d["person"],
                    name=d["name"],
                    reason=d["reason"],
                    detail=d["detail"],
                    marked_on=d["marked_on"],
                )
            except ValidationError as exc:
                form.add_error(None, _error(exc))
            else:
                messages.success(request, "已确定为重点帮扶对象。")
                return redirect(f"{_url('casework:targets')}?org={d['org'].pk}")
    qs = selectors.targets_visible_to(request.user).filter(ended_on__isnull=True)
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    page = Paginator(qs.order_by("org__path", "name", "id"), PAGE).get_page(request.GET.get("page"))
    context = {**_filter_context(request, org), "page": page, "form": form, "can_edit": can_edit}
    return render(request, "casework/targets.html", context, status=400 if form.errors else 200)


# --- research -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("casework.view")
def research(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request)
    year = requested_year(request)
    form = ThemeForm(request.POST or None, actor=request.user, initial={"org": org.pk if org else None})
    if request.method == "POST":
        if not has_capability(request.user, "casework.edit"):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                theme = services.create_theme(
                    actor=request.user, org=d["org"], year=year, title=d["title"], lead=d["lead"]
                )
            except ValidationError as exc:
                form.add_error(None, _error(exc))
            else:
                messages.success(request, "调研课题已建立。")
                return redirect("casework:theme", pk=theme.pk)
    qs = selectors.themes_visible_to(request.user).filter(year=year)
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    themes = list(selectors.themes_with_counts(qs).order_by("id"))
    sums = {
        key: sum(getattr(t, key) or 0 for t in themes)
        for key in ("visit_count", "people", "solved_count", "report_count", "outcome_count")
    }
    context = {
        **_filter_context(request, org, year),
        "themes": themes,
        "sums": sums,
        "form": form,
        "can_edit": has_capability(request.user, "casework.edit"),
    }
    return render(request, "casework/research.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@requires("casework.view")
def theme(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(selectors.themes_visible_to(request.user), request.user, "casework.view", pk=pk)
    visits_qs = item.visits.select_related("org").order_by("date", "id")
    zone_path = item.org.path[: Org.steplen]
    data = request.POST or None
    which = request.POST.get("which", "")
    visit_form = ResearchVisitForm(
        data if which == "visit" else None,
        actor=request.user,
        initial={"org": item.org.pk, "people_count": 1},
    )
    problem_form = ProblemForm(data if which == "problem" else None, visits=visits_qs, zone_path=zone_path)
    output_form = OutputForm(data if which == "output" else None)
    if request.method == "POST":
        if not has_capability(request.user, "casework.edit"):
            raise Http404
        form = {"visit": visit_form, "problem": problem_form, "output": output_form}.get(which)
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                if which == "visit":
                    services.record_research_visit(actor=request.user, theme=item, **d)
                elif which == "problem":
                    visit = visits_qs.get(pk=d["visit"])
                    services.add_problem(
                        actor=request.user,
                        visit=visit,
                        description=d["description"],
                        solved_on_site=d["solved_on_site"],
                        solution=d["solution"],
                        hand_on_to=d["hand_on_to"],
                    )
                else:
                    services.record_output(actor=request.user, theme=item, **d)
            except ValidationError as exc:
                form.add_error(None, _error(exc))
            else:
                messages.success(request, "已保存。")
                return redirect("casework:theme", pk=item.pk)
    context = {
        "theme": item,
        "visits": visits_qs,
        "problems": selectors.theme_problems(item),
        "outputs": selectors.theme_outputs(item),
        "visit_form": visit_form,
        "problem_form": problem_form,
        "output_form": output_form,
        "can_edit": has_capability(request.user, "casework.edit", item.org),
        "people": sum(v.people_count for v in visits_qs),
    }
    failed = any(f.errors for f in (visit_form, problem_form, output_form))
    return render(request, "casework/theme.html", context, status=400 if failed else 200)


# --- settings: categories and the calendar ---------------------------------------------------------


def _zone(request, code: str, capability: str = "casework.view") -> Org:
    zone = _org_code(request, code, capability)
    if zone.level != Level.WORKING_COMMITTEE:
        raise Http404
    return zone


@require_http_methods(["GET", "POST"])
@requires("casework.view")
def categories(request: AuthedRequest, code: str) -> HttpResponse:
    zone = _zone(request, code)
    can_configure = has_capability(request.user, "casework.configure", zone)
    rows = list(Category.objects.filter(zone=zone).order_by("order", "id"))
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        if not can_configure:
            raise Http404
        existing = None
        if request.POST.get("category"):
            existing = next((c for c in rows if str(c.pk) == request.POST["category"]), None)
            if existing is None:
                raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.save_category(
                    actor=request.user,
                    zone=zone,
                    category=existing,
                    name=d["name"],
                    deadline_days=d["deadline_days"],
                    active=d["active"],
                )
            except ValidationError as exc:
                form.add_error(None, _error(exc))
            else:
                messages.success(request, "诉求类别已保存；新的办理时限自今日受理的诉求起适用。")
                return redirect("casework:categories", code=zone.code)
    context = {
        "zone": zone,
        "rows": rows,
        "form": form,
        "can_configure": can_configure,
        "year": timezone.localdate().year,
    }
    return render(request, "casework/categories.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@requires("casework.view")
def calendar(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    zone = _zone(request, code)
    if parse_year(year) is None:
        raise Http404
    can_configure = has_capability(request.user, "casework.configure", zone)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST":
        if not can_configure:
            raise Http404
        try:
            if request.POST.get("defaults"):
                added = services.load_default_calendar(actor=request.user, zone=zone, year=year)
                messages.success(request, f"已载入{year}年放假安排{added}天。")
                return redirect("casework:calendar", code=zone.code, year=year)
            if form.is_valid():
                d = form.cleaned_data
                services.set_calendar_day(
                    actor=request.user, zone=zone, day=d["day"], kind=d["kind"] or None, name=d["name"]
                )
                messages.success(request, "已保存。")
                return redirect("casework:calendar", code=zone.code, year=year)
        except ValidationError as exc:
            form.add_error(None, _error(exc))
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    context = {
        "zone": zone,
        "year": year,
        "days": days,
        "form": form,
        "can_configure": can_configure,
        "has_defaults": bool(services.workdays.default_days(year)),
    }
    return render(request, "casework/calendar.html", context, status=400 if form.errors else 200)


# --- ledgers ----------------------------------------------------------------------------------------


def _ledger(request, code: str, year: int, which: str, fmt: str) -> HttpResponse:
    org = _org_code(request, code)
    if parse_year(year) is None:
        raise Http404
    exporter = exporters.LEDGERS[which](actor=request.user, org=org, year=year)
    if fmt == "xlsx":
        response = HttpResponse(
            exporter.xlsx_bytes(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = disposition(f"{exporter.title}.xlsx")
        return response
    return render(request, "casework/ledger.html", exporter.html_context())


@require_GET
@requires("casework.view")
def visit_ledger(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    return _ledger(request, code, year, "visits", "html")


@require_GET
@requires("casework.view")
def visit_ledger_xlsx(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    return _ledger(request, code, year, "visits", "xlsx")


@require_GET
@requires("casework.view")
def request_ledger(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    return _ledger(request, code, year, "requests", "html")


@require_GET
@requires("casework.view")
def request_ledger_xlsx(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    return _ledger(request, code, year, "requests", "xlsx")


@require_GET
@requires("casework.view")
def ledgers(request: AuthedRequest) -> HttpResponse:
    """Redirects the picker's choice (an org id) to the ledger's page, which is addressed by code."""
    org = _org_param(request)
    if org is None:
        raise Http404
    year = requested_year(request)
    name = "casework:request_ledger" if request.GET.get("which") == "requests" else "casework:visit_ledger"
    return redirect(name, code=org.code, year=year)


# --- the public request page -----------------------------------------------------------------------


def _public_context(**extra) -> dict:
    categories = selectors.public_categories()
    return {
        "submit_form": extra.pop("submit_form", None) or PublicRequestForm(categories=categories),
        "lookup_form": extra.pop("lookup_form", None) or PublicLookupForm(),
        "places": selectors.public_places(),
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
@public
def public_page(request: Request) -> HttpResponse:
    """智慧服务站: a resident submits a request and gets a tracking code; no account, any hour."""
    if request.method == "GET":
        return render(request, "casework/public.html", _public_context())
    form = PublicRequestForm(request.POST, categories=selectors.public_categories())
    if form.is_valid() and form.cleaned_data["website"]:
        # A script filled the hidden field: answer as if accepted, store nothing.
        return render(request, "casework/public.html", _public_context(refused=True), status=400)
    try:
        guard_submit(request)
    except RateLimited as exc:
        response = render(
            request, "casework/public.html", _public_context(submit_form=form, limited=str(exc)), status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    if form.is_valid():
        d = form.cleaned_data
        try:
            _, code = services.submit_public_request(
                actor=PUBLIC,
                category_code=d["category"],
                description=d["description"],
                phone=d["phone"],
                name=d["name"],
                place=d["place"],
            )
        except ValidationError as exc:
            form.add_error(None, _error(exc))
        else:
            return render(request, "casework/public.html", _public_context(code=code))
    return render(request, "casework/public.html", _public_context(submit_form=form), status=400)


@never_cache
@require_POST
@public
def public_lookup(request: Request) -> HttpResponse:
    form = PublicLookupForm(request.POST)
    try:
        guard_lookup(request)
    except RateLimited as exc:
        response = render(
            request, "casework/public.html", _public_context(lookup_form=form, limited=str(exc)), status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    found = None
    if form.is_valid():
        found = lookup(form.cleaned_data["tracking_code"], form.cleaned_data["phone_last4"])
    if found is None:
        # 200, not 404: the page answered; the message is the same whatever was wrong.
        return render(
            request,
            "casework/public.html",
            _public_context(lookup_form=form, not_found=True, tab="lookup"),
        )
    context = _public_context(
        lookup_form=PublicLookupForm(),
        found={
            "status": found.get_status_display(),
            "category": found.category.name,
            "received_at": found.received_at,
            "reply": found.reply if found.status in (Status.RESOLVED, Status.CLOSED) else "",
        },
        tab="lookup",
    )
    return render(request, "casework/public.html", context)
