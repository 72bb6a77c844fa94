"""Pages of the projects module: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.scoping import get_scoped_or_404, has_capability, requires
from dangjian.core.years import default_year, parse_year, requested_year
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import orgs_visible_to, top_orgs_for
from dangjian.people.selectors import members_visible_to, persons_visible_to, search_q

from . import exporters, selectors, services
from .forms import (
    DeedForm,
    EnterpriseForm,
    MilestoneForm,
    PlaceForm,
    ProgressForm,
    ProjectForm,
    ServiceForm,
    TeamForm,
)
from .models import (
    CommandoTeam,
    Enterprise,
    Initiative,
    ProgressReport,
    Project,
    ProjectKind,
    ProjectStatus,
    ServicePlace,
)


def _org(request, capability: str = "projects.view") -> Org | None:
    code = request.GET.get("org", "").strip().upper()
    if code:
        return get_scoped_or_404(Org.objects.all(), request.user, capability, code=code)
    return top_orgs_for(request.user, capability).first()


def _page(request, template: str, org: Org, year: int | None, context: dict) -> HttpResponse:
    """Render a page of the module with the org switcher (the top of the scope and its children)."""
    tops = list(top_orgs_for(request.user, "projects.view"))
    choices = []
    for top in tops:
        choices.append(top)
        choices.extend(
            orgs_visible_to(request.user, "projects.view")
            .filter(path__startswith=top.path, depth=top.depth + 1)
            .order_by("path")
        )
    if org not in choices:
        choices.insert(0, org)
    this_year = timezone.localdate().year
    years = sorted({*range(this_year - 5, this_year + 1), year or this_year}, reverse=True)
    return render(
        request,
        template,
        {"org": org, "year": year or default_year(), "org_choices": choices, "years": years, **context},
    )


def _edit_orgs(request):
    return orgs_visible_to(request.user, "projects.edit").exclude(level="group").order_by("path")


def _fail(form, exc: ValidationError) -> None:
    form.add_error(None, "；".join(exc.messages))


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


# --- projects ------------------------------------------------------------------------------------


@require_GET
@requires("projects.view")
def index(request: AuthedRequest) -> HttpResponse:
    org, year = _org(request), requested_year(request)
    if org is None:
        raise Http404
    qs = selectors.active_in(
        selectors.projects_visible_to(request.user).filter(
            org__path__startswith=org.path, parent__isnull=True
        ),
        year,
    )
    filters = {}
    for name, choices in (("kind", ProjectKind), ("status", ProjectStatus), ("initiative", Initiative)):
        value = request.GET.get(name, "")
        if value and value in choices.values:
            qs = qs.filter(**{name: value})
            filters[name] = value
    totals = qs.aggregate(n=Count("pk"), fen=Sum("investment"))
    page = Paginator(qs.order_by("-investment", "pk"), 50).get_page(request.GET.get("page"))
    progress = selectors.rolled_progress(list(page.object_list))
    for project in page.object_list:
        project.rolled = progress[project.pk]
    chart = investment_chart(selectors.investment_by_kind_and_status(request.user, org, year))
    context = {
        "org": org,
        "year": year,
        "page": page,
        "totals": totals,
        "filters": filters,
        "kinds": ProjectKind.choices,
        "statuses": ProjectStatus.choices,
        "initiatives": Initiative.choices[1:],
        "charts": [chart] if chart["series"] else [],
        "chart_unit": chart["unit"],
        "can_edit": has_capability(request.user, "projects.edit", org),
    }
    return _page(request, "projects/index.html", org, year, context)


YI_FEN = 10**10  # 1亿元 in 分
WAN_FEN = 10**6  # 1万元 in 分


def investment_chart(rows: list[dict]) -> dict:
    """Investment per kind (one bar per status) in 亿元, or in 万元 where no bar reaches 1亿元 (a
    village's projects), so the numbers on the bars stay short enough to read on a phone."""
    # Only the kinds and statuses that occur: five empty groups of bars say nothing on a phone.
    kinds = [label for _, label in ProjectKind.choices if any(r["kind"] == label for r in rows)]
    statuses = [label for _, label in ProjectStatus.choices if any(r["status"] == label for r in rows)]
    fen = {(r["kind"], r["status"]): r["fen"] for r in rows}
    large = any(v >= YI_FEN for v in fen.values())
    unit, scale, digits = ("亿元", YI_FEN, 2) if large else ("万元", WAN_FEN, 1)
    return {
        "id": "projects-investment",
        "type": "bar",
        "horizontal": True,  # kind names read across, not squeezed under narrow bars
        "unit": unit,
        "categories": kinds,
        "series": [
            {"name": status, "data": [round(fen.get((kind, status), 0) / scale, digits) for kind in kinds]}
            for status in statuses
        ],
    }


def _project_form(request, instance: Project | None):
    parents = selectors.projects_visible_to(request.user, "projects.edit").filter(parent__isnull=True)
    if instance is not None:
        parents = parents.exclude(pk=instance.pk)
    return ProjectForm(
        request.POST or None, instance=instance, orgs=_edit_orgs(request), parents=parents.order_by("name")
    )


@require_http_methods(["GET", "POST"])
@requires("projects.edit")
def project_new(request: AuthedRequest) -> HttpResponse:
    form = _project_form(request, None)
    org = _org(request, "projects.edit")
    if request.method == "GET" and org is not None:
        form.initial["org"] = org.pk
    if request.method == "POST" and form.is_valid():
        try:
            project = services.register_project(
                actor=request.user,
                org=form.cleaned_data["org"],
                parent=form.cleaned_data["parent"],
                **form.values(),
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, f"已登记项目“{project.name}”。")
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form, "title": "登记项目"})


@require_http_methods(["GET", "POST"])
@requires("projects.edit")
def project_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(
        selectors.projects_visible_to(request.user), request.user, "projects.edit", pk=pk
    )
    form = _project_form(request, project)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if form.cleaned_data["org"] != project.org:
                form.add_error("org", "责任组织不能在此修改，请联系区级管理员。")
                raise ValidationError("")
            services.update_project(
                actor=request.user,
                project=project,
                version=_version(request),
                parent=form.cleaned_data["parent"],
                **values,
            )
        except ValidationError as exc:
            if any(exc.messages):
                _fail(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": f"编辑项目：{project.name}", "version": project.version},
    )


@require_GET
@requires("projects.view")
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(
        selectors.projects_visible_to(request.user), request.user, "projects.view", pk=pk
    )
    children = list(project.children.select_related("org").order_by("-weight", "name"))
    progress = selectors.rolled_progress([project, *children])
    for child in children:
        child.rolled = progress[child.pk]
    context = {
        "project": project,
        "rolled": progress[project.pk],
        "children": children,
        "milestones": project.milestones.all(),
        "reports": project.reports.select_related("milestone", "recorded_by")[:50],
        "teams": project.teams.select_related("org").annotate(n=Count("members")),
        "can_edit": has_capability(request.user, "projects.edit", project.org),
        "progress_form": ProgressForm(
            project=project, initial={"reported_on": timezone.localdate(), "progress": project.progress}
        ),
        "milestone_form": MilestoneForm(),
        "initiative": selectors.initiative_label(project.initiative),
    }
    return render(request, "projects/detail.html", context)


@require_POST
@requires("projects.edit")
def project_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(Project.objects.all(), request.user, "projects.edit", pk=pk)
    form = ProgressForm(request.POST, request.FILES, project=project)
    if form.is_valid():
        try:
            services.report_progress(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已填报进度 {form.cleaned_data['progress']}%。")
    else:
        messages.error(
            request,
            "；".join(
                f"{form.fields[f].label}：{'，'.join(map(str, e))}"
                if f in form.fields
                else "，".join(map(str, e))
                for f, e in form.errors.items()
            ),
        )
    return redirect("projects:detail", pk=project.pk)


@require_GET
@requires("projects.view")
def report_photo(request: AuthedRequest, pk: int) -> FileResponse:
    """A progress report's site photo, for whoever may see the project."""
    report = get_scoped_or_404(ProgressReport.objects.exclude(photo=""), request.user, "projects.view", pk=pk)
    content_type = "image/png" if (report.photo.name or "").endswith(".png") else "image/jpeg"
    return FileResponse(report.photo.open("rb"), content_type=content_type)


@require_POST
@requires("projects.edit")
def project_milestone(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(Project.objects.all(), request.user, "projects.edit", pk=pk)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已添加节点。")
    else:
        messages.error(request, "请完整填写节点名称、计划完成日期和目标进度（1–100）。")
    return redirect("projects:detail", pk=project.pk)


# --- 党员突击队 ------------------------------------------------------------------------------------


@require_GET
@requires("projects.view")
def teams(request: AuthedRequest) -> HttpResponse:
    org, year = _org(request), requested_year(request)
    if org is None:
        raise Http404
    qs = selectors.active_in(
        selectors.teams_visible_to(request.user).filter(org__path__startswith=org.path),
        year,
        "formed_on",
        "disbanded_on",
    ).annotate(n=Count("members", distinct=True), deeds_n=Count("deeds", distinct=True))
    page = Paginator(qs.order_by("org__path", "name"), 50).get_page(request.GET.get("page"))
    context = {
        "org": org,
        "year": year,
        "page": page,
        "can_edit": has_capability(request.user, "projects.edit", org),
    }
    return _page(request, "projects/teams.html", org, year, context)


@require_http_methods(["GET", "POST"])
@requires("projects.edit")
def team_new(request: AuthedRequest) -> HttpResponse:
    projects = (
        selectors.projects_visible_to(request.user).filter(parent__isnull=True).exclude(status="planning")
    )
    form = TeamForm(
        request.POST or None,
        initial={"formed_on": timezone.localdate()},
        orgs=_edit_orgs(request),
        projects=projects.order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = services.form_team(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, f"已组建“{team.name}”。")
            return redirect("projects:team", pk=team.pk)
    return render(request, "projects/form.html", {"form": form, "title": "组建党员突击队"})


@require_GET
@requires("projects.view")
def team_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(selectors.teams_visible_to(request.user), request.user, "projects.view", pk=pk)
    can_edit = has_capability(request.user, "projects.edit", team.org)
    q = request.GET.get("q", "").strip()[:30]
    found = []
    if can_edit and q and not any(ch.isdigit() for ch in q):
        # Full ID numbers are not searched here: picking a team member needs only a name.
        found = list(
            members_visible_to(request.user)
            .filter(person__in=persons_visible_to(request.user).filter(search_q(q)))
            .exclude(person_id__in=team.members.values("person_id"))
            .select_related("person", "org")
            .order_by("org__path", "person__name")[:20]
        )
    context = {
        "team": team,
        "members": team.members.select_related("person", "home_org"),
        "deeds": team.deeds.all()[:50],
        "can_edit": can_edit,
        "q": q,
        "found": found,
        "deed_form": DeedForm(initial={"done_on": timezone.localdate()}),
    }
    return render(request, "projects/team.html", context)


@require_POST
@requires("projects.edit")
def team_member(request: AuthedRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(CommandoTeam.objects.select_related("org"), request.user, "projects.edit", pk=pk)
    try:
        member = (
            members_visible_to(request.user).select_related("org").get(pk=int(request.POST.get("member", "")))
        )
    except (ValueError, TypeError):
        raise Http404 from None
    except members_visible_to(request.user).model.DoesNotExist:
        raise Http404 from None
    try:
        services.add_team_member(actor=request.user, team=team, member=member)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已将{member.person.name}加入突击队。")
    return redirect("projects:team", pk=team.pk)


@require_POST
@requires("projects.edit")
def team_deed(request: AuthedRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(CommandoTeam.objects.select_related("org"), request.user, "projects.edit", pk=pk)
    form = DeedForm(request.POST)
    if form.is_valid():
        try:
            services.record_team_deed(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已记录突击队事迹。")
    else:
        messages.error(request, "请填写日期、事迹（500字以内）和参与人数（0–10000）。")
    return redirect("projects:team", pk=team.pk)


# --- 工业社区 -------------------------------------------------------------------------------------


@require_GET
@requires("projects.view")
def enterprises(request: AuthedRequest) -> HttpResponse:
    org, year = _org(request), requested_year(request)
    if org is None:
        raise Http404
    qs = selectors.active_in(
        selectors.enterprises_visible_to(request.user).filter(org__path__startswith=org.path),
        year,
        "joined_on",
        "left_on",
    )
    totals = qs.aggregate(n=Count("pk"), workers=Sum("workers"), members=Sum("member_workers"))
    qs = qs.annotate(services_n=Count("services"))
    page = Paginator(qs.order_by("-workers", "name"), 50).get_page(request.GET.get("page"))
    context = {
        "org": org,
        "year": year,
        "page": page,
        "totals": totals,
        "can_edit": has_capability(request.user, "projects.edit", org),
    }
    return _page(request, "projects/enterprises.html", org, year, context)


@require_http_methods(["GET", "POST"])
@requires("projects.edit")
def enterprise_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    enterprise = None
    if pk is not None:
        enterprise = get_scoped_or_404(
            Enterprise.objects.select_related("org"), request.user, "projects.edit", pk=pk
        )
    form = EnterpriseForm(request.POST or None, instance=enterprise, orgs=_edit_orgs(request))
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.ENTERPRISE_FIELDS}
        try:
            if enterprise is None:
                enterprise = services.register_enterprise(
                    actor=request.user, org=form.cleaned_data["org"], **values
                )
            else:
                services.update_enterprise(
                    actor=request.user, enterprise=enterprise, version=_version(request), **values
                )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("projects:enterprise", pk=enterprise.pk)
    title = f"编辑企业：{enterprise.name}" if enterprise else "登记服务企业"
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": title, "version": enterprise.version if enterprise else None},
    )


@require_http_methods(["GET", "POST"])
@requires("projects.view")
def enterprise_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = get_scoped_or_404(
        selectors.enterprises_visible_to(request.user), request.user, "projects.view", pk=pk
    )
    can_edit = has_capability(request.user, "projects.edit", enterprise.org)
    form = ServiceForm(request.POST or None, initial={"served_on": timezone.localdate()})
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            try:
                services.record_enterprise_service(
                    actor=request.user, enterprise=enterprise, **form.cleaned_data
                )
            except ValidationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, "已记录服务事项。")
                return redirect("projects:enterprise", pk=enterprise.pk)
    context = {
        "enterprise": enterprise,
        "services": enterprise.services.all()[:100],
        "form": form,
        "can_edit": can_edit,
    }
    return render(request, "projects/enterprise.html", context)


# --- 服务场所 --------------------------------------------------------------------------------------


@require_GET
@requires("projects.view")
def places(request: AuthedRequest) -> HttpResponse:
    org = _org(request)
    if org is None:
        raise Http404
    qs = selectors.places_visible_to(request.user).filter(org__path__startswith=org.path)
    context = {
        "org": org,
        "places": qs.order_by("kind", "name")[:500],
        "can_edit": has_capability(request.user, "projects.edit", org),
    }
    return _page(request, "projects/places.html", org, None, context)


@require_http_methods(["GET", "POST"])
@requires("projects.edit")
def place_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    place = None
    if pk is not None:
        place = get_scoped_or_404(
            ServicePlace.objects.select_related("org"), request.user, "projects.edit", pk=pk
        )
    form = PlaceForm(request.POST or None, instance=place, orgs=_edit_orgs(request))
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.PLACE_FIELDS}
        try:
            if place is None:
                services.register_place(actor=request.user, org=form.cleaned_data["org"], **values)
            else:
                services.update_place(actor=request.user, place=place, version=_version(request), **values)
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect(f"/projects/places/?org={form.cleaned_data['org'].code}")
    title = f"编辑场所：{place.name}" if place else "登记服务场所"
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": title, "version": place.version if place else None},
    )


# --- 项目建设台账 ----------------------------------------------------------------------------------


@require_GET
@requires("projects.view")
def ledger(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    org = get_scoped_or_404(Org.objects.all(), request.user, "projects.view", code=code)
    if parse_year(year) is None:
        raise Http404
    data = exporters.ledger_data(request.user, org, year)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exporters.ledger_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = disposition(f"{org.name}{year}年项目建设台账.xlsx")
        return response
    return render(request, "projects/ledger.html", data)
