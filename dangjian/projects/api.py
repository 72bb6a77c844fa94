"""Projects and commando teams over the JSON API: the same selectors and services as the pages."""

from datetime import date

from django.http import Http404
from ninja import Field, Query, Router, Schema

from dangjian.api.common import ErrorOut, limit_param, offset_param, requires_api, year_param
from dangjian.core.scoping import get_scoped_or_404
from dangjian.core.years import default_year
from dangjian.orgs.models import Org
from dangjian.people.selectors import members_visible_to

from . import selectors, services
from .models import CommandoTeam, Initiative, Project, ProjectKind, ProjectStatus

router = Router(tags=["项目建设"])
MAX_FEN = 10**14  # 1 万亿元


class ProjectOut(Schema):
    id: int
    org_code: str
    org_name: str
    parent_id: int | None
    name: str
    kind: str
    kind_display: str
    initiative: str
    status: str
    status_display: str
    investment_fen: int
    started_on: date | None
    finished_on: date | None
    weight: int
    progress: int
    version: int


class ProjectPage(Schema):
    items: list[ProjectOut]
    count: int


class ProjectIn(Schema):
    org: str = Field(..., max_length=50, description="责任组织代码")
    parent_id: int | None = Field(None, ge=1, le=2**62)
    name: str = Field(..., min_length=1, max_length=100)
    kind: ProjectKind
    initiative: Initiative = Initiative.NONE
    status: ProjectStatus = ProjectStatus.PLANNING
    investment_fen: int = Field(0, ge=0, le=MAX_FEN)
    started_on: date | None = None
    finished_on: date | None = None
    weight: int = Field(1, ge=1, le=1000)
    description: str = Field("", max_length=5000)


class ProjectUpdateIn(Schema):
    version: int = Field(..., ge=1, le=2**31)
    name: str | None = Field(None, min_length=1, max_length=100)
    status: ProjectStatus | None = None
    investment_fen: int | None = Field(None, ge=0, le=MAX_FEN)
    started_on: date | None = None
    finished_on: date | None = None
    description: str | None = Field(None, max_length=5000)


class ProgressIn(Schema):
    progress: int = Field(..., ge=0, le=100)
    reported_on: date | None = None
    note: str = Field("", max_length=5000)
    reason: str = Field("", max_length=500)


class TeamOut(Schema):
    id: int
    org_code: str
    name: str
    project_id: int | None
    leader: str
    formed_on: date
    members: int


class TeamMemberOut(Schema):
    member_name: str
    home_org_code: str = Field(..., description="队员所在支部（其组织关系所在的支部，不是突击队所属组织）")
    home_org_name: str
    joined_on: date


class TeamDeedOut(Schema):
    done_on: date
    description: str
    people_count: int


class TeamDetailOut(TeamOut):
    org_name: str
    members_list: list[TeamMemberOut]
    deeds: list[TeamDeedOut]


class TeamPage(Schema):
    items: list[TeamOut]
    count: int


class TeamIn(Schema):
    org: str = Field(..., max_length=50)
    name: str = Field(..., min_length=1, max_length=100)
    formed_on: date
    project_id: int | None = Field(None, ge=1, le=2**62)
    leader: str = Field("", max_length=50)


class TeamMemberIn(Schema):
    member_id: int = Field(..., ge=1, le=2**62)
    joined_on: date | None = None


def _out(p: Project) -> dict:
    return {
        "id": p.pk,
        "org_code": p.org.code,
        "org_name": p.org.name,
        "parent_id": p.parent_id,
        "name": p.name,
        "kind": p.kind,
        "kind_display": p.get_kind_display(),
        "initiative": p.initiative,
        "status": p.status,
        "status_display": p.get_status_display(),
        "investment_fen": p.investment,
        "started_on": p.started_on,
        "finished_on": p.finished_on,
        "weight": p.weight,
        "progress": getattr(p, "rolled", p.progress),
        "version": p.version,
    }


def _team_out(t: CommandoTeam) -> dict:
    return {
        "id": t.pk,
        "org_code": t.org.code,
        "name": t.name,
        "project_id": t.project_id,
        "leader": t.leader,
        "formed_on": t.formed_on,
        "members": t.members.count() if not hasattr(t, "n") else t.n,
    }


def _org(request, code: str, capability: str) -> Org:
    return get_scoped_or_404(Org.objects.all(), request.auth, capability, code=code)


def _project(request, project_id: int, capability: str = "projects.view") -> Project:
    return get_scoped_or_404(Project.objects.select_related("org"), request.auth, capability, pk=project_id)


@router.get("/projects", response={200: ProjectPage, 401: ErrorOut, 404: ErrorOut}, summary="项目列表")
@requires_api("projects.view")
def list_projects(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    year: int | None = year_param(),
    kind: ProjectKind | None = None,
    org: str | None = Query(None, max_length=50, description="只列出该组织代码及其下级组织的项目"),
):
    qs = selectors.projects_visible_to(request.auth).filter(parent__isnull=True)
    if org:
        qs = qs.filter(org__path__startswith=_org(request, org, "projects.view").path)
    qs = selectors.active_in(qs, year or default_year())
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.order_by("-investment", "pk")
    items = list(qs[offset : offset + limit])
    progress = selectors.rolled_progress(items)
    for p in items:
        p.rolled = progress[p.pk]
    return {"items": [_out(p) for p in items], "count": qs.count()}


@router.get(
    "/projects/{int:project_id}", response={200: ProjectOut, 401: ErrorOut, 404: ErrorOut}, summary="项目详情"
)
@requires_api("projects.view")
def get_project(request, project_id: int):
    project = _project(request, project_id)
    project.rolled = selectors.rolled_progress([project])[project.pk]
    return _out(project)


@router.post(
    "/projects", response={201: ProjectOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut}, summary="登记项目"
)
@requires_api("projects.edit")
def create_project(request, data: ProjectIn):
    org = _org(request, data.org, "projects.edit")
    parent = _project(request, data.parent_id, "projects.edit") if data.parent_id else None
    values = data.dict(exclude={"org", "parent_id", "investment_fen"})
    values["investment"] = data.investment_fen
    project = services.register_project(actor=request.auth, org=org, parent=parent, **values)
    return 201, _out(project)


@router.patch(
    "/projects/{int:project_id}",
    response={200: ProjectOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="修改项目",
)
@requires_api("projects.edit")
def update_project(request, project_id: int, data: ProjectUpdateIn):
    project = _project(request, project_id, "projects.edit")
    values = data.dict(exclude_unset=True, exclude={"version", "investment_fen"})
    if data.investment_fen is not None:
        values["investment"] = data.investment_fen
    project = services.update_project(
        actor=request.auth, project=project, version=data.version, parent=project.parent, **values
    )
    return _out(project)


@router.post(
    "/projects/{int:project_id}/progress",
    response={201: ProjectOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="填报项目进度",
)
@requires_api("projects.edit")
def report_progress(request, project_id: int, data: ProgressIn):
    project = _project(request, project_id, "projects.edit")
    services.report_progress(actor=request.auth, project=project, **data.dict())
    return 201, _out(_project(request, project_id))


@router.get(
    "/projects/teams", response={200: TeamPage, 401: ErrorOut, 404: ErrorOut}, summary="党员突击队列表"
)
@requires_api("projects.view")
def list_teams(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    org: str | None = Query(None, max_length=50),
):
    from django.db.models import Count

    qs = selectors.teams_visible_to(request.auth)
    if org:
        qs = qs.filter(org__path__startswith=_org(request, org, "projects.view").path)
    qs = qs.annotate(n=Count("members")).order_by("org__path", "name", "pk")
    return {"items": [_team_out(t) for t in qs[offset : offset + limit]], "count": qs.count()}


@router.get(
    "/projects/teams/{int:team_id}",
    response={200: TeamDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="党员突击队详情（队员及其所在支部、事迹）",
)
@requires_api("projects.view")
def get_team(request, team_id: int):
    team = get_scoped_or_404(
        selectors.teams_visible_to(request.auth), request.auth, "projects.view", pk=team_id
    )
    members = team.members.select_related("person", "home_org").order_by("joined_on", "pk")
    return {
        **_team_out(team),
        "org_name": team.org.name,
        "members_list": [
            {
                "member_name": m.person.name,
                "home_org_code": m.home_org.code,
                "home_org_name": m.home_org.name,
                "joined_on": m.joined_on,
            }
            for m in members
        ],
        "deeds": [
            {"done_on": d.done_on, "description": d.description, "people_count": d.people_count}
            for d in team.deeds.all()[:100]
        ],
    }


@router.post(
    "/projects/teams",
    response={201: TeamOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="组建党员突击队",
)
@requires_api("projects.edit")
def create_team(request, data: TeamIn):
    org = _org(request, data.org, "projects.edit")
    project = _project(request, data.project_id) if data.project_id else None
    team = services.form_team(
        actor=request.auth,
        org=org,
        name=data.name,
        formed_on=data.formed_on,
        project=project,
        leader=data.leader,
    )
    return 201, _team_out(team)


@router.post(
    "/projects/teams/{team_id}/members",
    response={201: TeamOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="加入突击队",
)
@requires_api("projects.edit")
def add_team_member(request, team_id: int, data: TeamMemberIn):
    team = get_scoped_or_404(
        CommandoTeam.objects.select_related("org"), request.auth, "projects.edit", pk=team_id
    )
    member = members_visible_to(request.auth).select_related("org").filter(pk=data.member_id).first()
    if member is None:
        raise Http404
    services.add_team_member(actor=request.auth, team=team, member=member, joined_on=data.joined_on)
    return 201, _team_out(team)
