"""Every write of the projects module: one transaction, one permission check, one audit entry each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dangjian.core import phones
from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.images import ImageRejected, clean_image
from dangjian.core.scoping import has_capability, require
from dangjian.orgs.models import Org

from .models import (
    MAX_INVESTMENT_FEN,
    CommandoTeam,
    Enterprise,
    EnterpriseService,
    Milestone,
    ProgressReport,
    Project,
    ProjectKind,
    ProjectStatus,
    ServicePlace,
    TeamDeed,
    TeamMember,
)

EARLIEST = date(1949, 10, 1)  # no project of the platform's zones predates the People's Republic
PROJECT_FIELDS = (
    "name",
    "kind",
    "initiative",
    "status",
    "investment",
    "area",
    "area_unit",
    "started_on",
    "finished_on",
    "weight",
    "description",
)


class ProjectError(ValidationError):
    pass


def clean_photo(upload) -> ContentFile:
    """A site photo as stored: through core's image gate (bytes and pixels capped, upright, no EXIF)."""
    try:
        image = clean_image(upload, what="照片")
    except ImageRejected as exc:
        raise ProjectError(exc.messages[0], code=exc.code) from None
    return ContentFile(image.content, name=f"{timezone.now():%Y%m%d%H%M%S%f}.{image.extension}")


def _today() -> date:
    return timezone.localdate()


def _check_version(obj, version: int | None) -> None:
    """A stale form (someone saved in between) is refused, never applied over the newer record."""
    if version is not None and version != obj.version:
        raise ProjectError("该记录已被他人修改，请刷新后重新填写。", code="stale")


def _check_project(values: dict, parent: Project | None) -> None:
    name = (values.get("name") or "").strip()
    if not name:
        raise ProjectError("请填写项目名称。", code="required")
    if values.get("kind") not in ProjectKind.values:
        raise ProjectError("请选择项目类型。", code="kind")
    investment = values.get("investment") or 0
    if not isinstance(investment, int) or isinstance(investment, bool):
        raise ProjectError("投资额必须是整数（分）。", code="investment")
    if investment < 0:
        raise ProjectError("投资额不能为负数。", code="investment")
    if investment > MAX_INVESTMENT_FEN:
        raise ProjectError("投资额超过1万亿元，请核对单位（元）。", code="investment")
    area = values.get("area")
    if area is not None:
        if Decimal(area) <= 0:
            raise ProjectError("面积必须大于0。", code="area")
        if not values.get("area_unit"):
            raise ProjectError("填写面积时请选择单位（亩或平方米）。", code="area_unit")
    started, finished = values.get("started_on"), values.get("finished_on")
    for label, day in (("开工日期", started), ("投用日期", finished)):
        if day is not None and day < EARLIEST:
            raise ProjectError(f"{label}不能早于1949年10月1日。", code="date")
    if started and finished and finished < started:
        raise ProjectError("投用日期不能早于开工日期。", code="date")
    status = values.get("status") or ProjectStatus.PLANNING
    if status == ProjectStatus.IN_USE:
        if finished is None:
            raise ProjectError("已投用的项目请填写投用日期。", code="finished_on")
        if finished > _today():
            raise ProjectError("投用日期不能晚于今天。", code="date")
    elif finished is not None:
        raise ProjectError("尚未投用的项目不能填写投用日期。", code="finished_on")
    if status == ProjectStatus.BUILDING and started is None:
        raise ProjectError("在建项目请填写开工日期。", code="started_on")
    if (values.get("weight") or 1) < 1:
        raise ProjectError("权重至少为1。", code="weight")
    if parent is not None and _depth(parent) + 1 > MAX_DEPTH:
        raise ProjectError("子项目最多两级。", code="depth")


MAX_DEPTH = 3  # a project, its sub-projects and theirs: "子项目最多两级"


def _depth(project: Project) -> int:
    """1 for a top-level project, 2 for its sub-project, and so on."""
    depth, node = 1, project
    while node.parent is not None and depth <= MAX_DEPTH:
        node, depth = node.parent, depth + 1
    return depth


def _height(project: Project) -> int:
    """Levels of sub-projects below ``project`` (0 for a leaf): one query per level."""
    height, level = 0, [project.pk]
    while level and height <= MAX_DEPTH:
        level = list(Project.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        height += 1 if level else 0
    return height


def _check_parent(actor: Actor, project: Project | None, parent: Project | None) -> None:
    if parent is None:
        return
    require(actor, "projects.edit", parent.org)
    node: Project | None = parent
    while node is not None:
        if project is not None and node.pk == project.pk:
            raise ProjectError("上级项目不能是本项目或其子项目（会形成循环）。", code="cycle")
        node = node.parent
    # Moving a project that has sub-projects moves them too: the deepest must stay within two levels.
    if project is not None and _depth(parent) + 1 + _height(project) > MAX_DEPTH:
        raise ProjectError("移入后子项目将超过两级，请先调整其子项目。", code="depth")


@transaction.atomic
def register_project(*, actor: Actor, org: Org, parent: Project | None = None, **values) -> Project:
    """Register a project owned by ``org``; a sub-project names its ``parent`` and a ``weight``."""
    require(actor, "projects.edit", org)
    unknown = set(values) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    _check_parent(actor, None, parent)
    _check_project(values, parent)
    values["name"] = values["name"].strip()
    project = Project(org=org, parent=parent, **values)
    if project.status == ProjectStatus.IN_USE:
        project.progress = 100  # a project in use is finished, whatever was last reported
    project.save()
    log_action(
        actor=actor,
        action="projects.register_project",
        obj=project,
        org=org,
        data={
            "name": project.name,
            "investment": project.investment,
            "parent": parent.pk if parent else None,
        },
    )
    return project


@transaction.atomic
def update_project(
    *, actor: Actor, project: Project, version: int | None = None, parent: Project | None = None, **values
) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "projects.edit", project.org)
    _check_version(project, version)
    unknown = set(values) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    _check_parent(actor, project, parent)
    merged = {f: getattr(project, f) for f in PROJECT_FIELDS} | values
    _check_project(merged, parent)
    changed = {f: str(v) for f, v in values.items() if getattr(project, f) != v}
    for field, value in values.items():
        setattr(project, field, value.strip() if field == "name" else value)
    if (project.parent_id or None) != (parent.pk if parent else None):
        changed["parent"] = str(parent.pk if parent else "")
    project.parent = parent
    if project.status == ProjectStatus.IN_USE:
        project.progress = 100
    project.version += 1
    project.save()
    log_action(actor=actor, action="projects.update_project", obj=project, org=project.org, data=changed)
    return project


@transaction.atomic
def add_milestone(*, actor: Actor, project: Project, name: str, due_on: date, target: int = 100) -> Milestone:
    require(actor, "projects.edit", project.org)
    if not name.strip():
        raise ProjectError("请填写节点名称。", code="required")
    if not 0 < target <= 100:
        raise ProjectError("目标进度应在1%到100%之间。", code="target")
    if due_on < EARLIEST:
        raise ProjectError("计划完成日期不能早于1949年10月1日。", code="date")
    if project.started_on and due_on < project.started_on:
        raise ProjectError("节点的计划完成日期不能早于项目开工日期。", code="date")
    milestone = Milestone.objects.create(project=project, name=name.strip(), due_on=due_on, target=target)
    log_action(
        actor=actor,
        action="projects.add_milestone",
        obj=project,
        org=project.org,
        data={"milestone": milestone.pk, "name": milestone.name, "due_on": due_on},
    )
    return milestone


@transaction.atomic
def report_progress(
    *,
    actor: Actor,
    project: Project,
    progress: int,
    reported_on: date | None = None,
    note: str = "",
    reason: str = "",
    milestone: Milestone | None = None,
    photo=None,
) -> ProgressReport:
    """Record a leaf project's progress. Going backwards needs a reason; a parent's progress is derived."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "projects.edit", project.org)
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ProjectError("进度应在0%到100%之间。", code="progress")
    if project.children.exists():
        raise ProjectError("该项目有子项目，其进度由子项目按权重汇总，请填报子项目的进度。", code="parent")
    if project.status == ProjectStatus.IN_USE:
        # A project in use counts as 100% (register/update_project); a lower report would contradict it.
        raise ProjectError("该项目已投用，进度按100%计，无需再填报。", code="in_use")
    reported_on = reported_on or _today()
    if reported_on > _today():
        raise ProjectError("填报日期不能晚于今天。", code="date")
    if project.started_on and reported_on < project.started_on:
        raise ProjectError("填报日期不能早于开工日期。", code="date")
    reason = reason.strip()
    if progress < project.progress and not reason:
        raise ProjectError(f"进度低于上次填报的{project.progress}%，请填写回调原因。", code="backwards")
    if milestone is not None and milestone.project_id != project.pk:
        raise ProjectError("所选节点不属于该项目。", code="milestone")
    stored_photo = clean_photo(photo) if photo else None
    report = ProgressReport.objects.create(
        project=project,
        milestone=milestone,
        reported_on=reported_on,
        progress=progress,
        note=note.strip(),
        reason=reason,
        recorded_by=acting_user(actor),
        photo=stored_photo or "",
    )
    previous = project.progress
    project.progress = progress
    project.save(update_fields=["progress"])
    if milestone is not None and progress >= milestone.target and milestone.done_on is None:
        milestone.done_on = reported_on
        milestone.save(update_fields=["done_on"])
    log_action(
        actor=actor,
        action="projects.report_progress",
        obj=project,
        org=project.org,
        data={"from": previous, "to": progress, "reason": reason, "report": report.pk},
    )
    return report


# --- 党员突击队 --------------------------------------------------------------------------------------


@transaction.atomic
def form_team(
    *,
    actor: Actor,
    org: Org,
    name: str,
    formed_on: date,
    project: Project | None = None,
    leader: str = "",
) -> CommandoTeam:
    require(actor, "projects.edit", org)
    if not name.strip():
        raise ProjectError("请填写突击队名称。", code="required")
    if formed_on < EARLIEST or formed_on > _today():
        raise ProjectError("组建日期应在1949年10月1日至今天之间。", code="date")
    if project is not None and not has_capability(actor, "projects.view", project.org):
        raise ProjectError("所选项目不在您的管理范围内。", code="out_of_scope")
    team = CommandoTeam.objects.create(
        org=org, name=name.strip(), formed_on=formed_on, project=project, leader=leader.strip()
    )
    log_action(actor=actor, action="projects.form_team", obj=team, org=org, data={"name": team.name})
    return team


@transaction.atomic
def add_team_member(*, actor: Actor, team: CommandoTeam, member, joined_on: date | None = None) -> TeamMember:
    """Add a party member (from any branch the actor may see); their home branch is kept on the row."""
    require(actor, "projects.edit", team.org)
    if not has_capability(actor, "members.view", member.org):
        raise ProjectError("该党员不在您的管理范围内。", code="out_of_scope")
    joined_on = joined_on or _today()
    if joined_on < team.formed_on or joined_on > _today():
        raise ProjectError("加入日期应在突击队组建之后、今天之前。", code="date")
    if TeamMember.objects.filter(team=team, person_id=member.person_id).exists():
        raise ProjectError("该党员已在本突击队中。", code="duplicate")
    row = TeamMember.objects.create(
        team=team, person_id=member.person_id, home_org=member.org, joined_on=joined_on
    )
    log_action(
        actor=actor,
        action="projects.add_team_member",
        obj=team,
        org=team.org,
        data={"person": member.person_id, "home_org": member.org.code},
    )
    return row


@transaction.atomic
def record_team_deed(
    *, actor: Actor, team: CommandoTeam, done_on: date, description: str, people_count: int = 0
) -> TeamDeed:
    require(actor, "projects.edit", team.org)
    if not description.strip():
        raise ProjectError("请填写突击队做了什么。", code="required")
    if done_on < team.formed_on or done_on > _today():
        raise ProjectError("事迹日期应在突击队组建之后、今天之前。", code="date")
    if people_count < 0 or people_count > 10_000:
        raise ProjectError("参与人数应在0到10000之间。", code="people_count")
    deed = TeamDeed.objects.create(
        team=team, done_on=done_on, description=description.strip(), people_count=people_count
    )
    log_action(
        actor=actor, action="projects.record_team_deed", obj=team, org=team.org, data={"deed": deed.pk}
    )
    return deed


# --- 工业社区: enterprises and services --------------------------------------------------------------

ENTERPRISE_FIELDS = ("name", "sector", "workers", "member_workers", "joined_on", "left_on")


def _check_enterprise(values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise ProjectError("请填写企业名称。", code="required")
    workers, members = values.get("workers") or 0, values.get("member_workers") or 0
    if workers < 0 or workers > 1_000_000:
        raise ProjectError("职工人数应在0到100万之间。", code="workers")
    if members < 0 or members > workers:
        raise ProjectError("党员职工人数不能超过职工人数。", code="member_workers")
    joined, left = values.get("joined_on"), values.get("left_on")
    if joined is None or joined < EARLIEST or joined > _today():
        raise ProjectError("纳入服务日期应在1949年10月1日至今天之间。", code="date")
    if left is not None and (left < joined or left > _today()):
        raise ProjectError("退出服务日期应在纳入服务之后、今天之前。", code="date")


@transaction.atomic
def register_enterprise(*, actor: Actor, org: Org, **values) -> Enterprise:
    require(actor, "projects.edit", org)
    _check_enterprise(values)
    values["name"] = values["name"].strip()
    if Enterprise.objects.filter(org=org, name=values["name"]).exists():
        raise ProjectError("该组织已登记同名企业。", code="duplicate")
    enterprise = Enterprise.objects.create(org=org, **values)
    log_action(
        actor=actor,
        action="projects.register_enterprise",
        obj=enterprise,
        org=org,
        data={"name": enterprise.name},
    )
    return enterprise


@transaction.atomic
def update_enterprise(
    *, actor: Actor, enterprise: Enterprise, version: int | None = None, **values
) -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    require(actor, "projects.edit", enterprise.org)
    _check_version(enterprise, version)
    merged = {f: getattr(enterprise, f) for f in ENTERPRISE_FIELDS} | values
    _check_enterprise(merged)
    if (
        Enterprise.objects.filter(org=enterprise.org, name=merged["name"].strip())
        .exclude(pk=enterprise.pk)
        .exists()
    ):
        raise ProjectError("该组织已登记同名企业。", code="duplicate")
    for field, value in values.items():
        setattr(enterprise, field, value.strip() if field == "name" else value)
    enterprise.version += 1
    enterprise.save()
    log_action(
        actor=actor,
        action="projects.update_enterprise",
        obj=enterprise,
        org=enterprise.org,
        data={k: str(v) for k, v in values.items()},
    )
    return enterprise


@transaction.atomic
def record_enterprise_service(
    *, actor: Actor, enterprise: Enterprise, served_on: date, title: str, note: str = ""
) -> EnterpriseService:
    require(actor, "projects.edit", enterprise.org)
    if not title.strip():
        raise ProjectError("请填写服务事项。", code="required")
    if served_on < enterprise.joined_on or served_on > _today():
        raise ProjectError("服务日期应在企业纳入服务之后、今天之前。", code="date")
    service = EnterpriseService.objects.create(
        enterprise=enterprise, served_on=served_on, title=title.strip(), note=note.strip()
    )
    log_action(
        actor=actor,
        action="projects.record_enterprise_service",
        obj=enterprise,
        org=enterprise.org,
        data={"service": service.pk, "title": service.title},
    )
    return service


# --- Service places ------------------------------------------------------------------------------

PLACE_FIELDS = ("name", "kind", "address", "opening_hours", "services", "phone", "public")


def _place_phone(values: dict) -> None:
    """The service phone through the platform's one phone check (core.phones)."""
    if values.get("phone"):
        try:
            values["phone"] = phones.clean_phone(values["phone"], label="服务电话")
        except phones.PhoneError as exc:
            raise ProjectError(exc.message, code="phone") from None


@transaction.atomic
def register_place(*, actor: Actor, org: Org, **values) -> ServicePlace:
    require(actor, "projects.edit", org)
    if not (values.get("name") or "").strip():
        raise ProjectError("请填写场所名称。", code="required")
    _place_phone(values)
    place = ServicePlace.objects.create(org=org, **values)
    log_action(actor=actor, action="projects.register_place", obj=place, org=org, data={"name": place.name})
    return place


@transaction.atomic
def update_place(*, actor: Actor, place: ServicePlace, version: int | None = None, **values) -> ServicePlace:
    place = ServicePlace.objects.select_for_update().get(pk=place.pk)
    require(actor, "projects.edit", place.org)
    _check_version(place, version)
    _place_phone(values)
    for field, value in values.items():
        setattr(place, field, value)
    if not place.name.strip():
        raise ProjectError("请填写场所名称。", code="required")
    place.version += 1
    place.save()
    log_action(
        actor=actor,
        action="projects.update_place",
        obj=place,
        org=place.org,
        data={k: str(v) for k, v in values.items()},
    )
    return place
