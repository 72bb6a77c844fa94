"""Writes on the org tree, committees and liaison groups: one transaction and one audit entry each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import figures
from dangjian.core.actors import SYSTEM, Actor
from dangjian.core.audit import log_action
from dangjian.core.scoping import OutOfScope, require
from dangjian.core.versioning import check_version, save_versioned

from .models import CommitteePost, CommitteeTerm, Level, LiaisonGroup, Org

if TYPE_CHECKING:
    from dangjian.accounts.models import User
    from dangjian.people.models import Person

EDITABLE_FIELDS = (
    "name",
    "short_name",
    "level",
    "kind",
    "address",
    "founded_on",
    "brand",
    "term_years",
    "active",
)


class OrgError(ValidationError):
    pass


def _require_edit(actor: Actor, org: Org) -> None:
    require(actor, "orgs.edit", org, message="您无权维护该组织。")


def _check_placement(level: str, parent: Org | None) -> None:
    if parent is not None and parent.level == Level.GROUP:
        raise OrgError("党小组之下不能再设组织。", code="placement")
    if level == Level.GROUP and (parent is None or parent.level != Level.BRANCH):
        raise OrgError("党小组只能设在党支部之下。", code="placement")


def _check_code(code: str, exclude_pk: int | None = None) -> str:
    code = code.strip().upper()
    if not code:
        raise OrgError("组织代码不能为空。", code="required")
    if Org.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        raise OrgError(f"组织代码“{code}”已被使用。", code="duplicate")
    return code


@transaction.atomic
def create_org(
    *, actor: Actor, parent: Org | None, code: str, name: str, level: str, kind: str, **fields: Any
) -> Org:
    """Add an org under ``parent`` (None: a new root, for system setup only)."""
    if parent is None:
        if actor is not SYSTEM and not getattr(actor, "is_superuser", False):
            raise OutOfScope("只有系统可以创建顶级组织。", code="forbidden")
    else:
        _require_edit(actor, parent)
        parent = Org.objects.select_for_update().get(pk=parent.pk)
    code = _check_code(code)
    _check_placement(level, parent)
    values = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS}
    node = Org(code=code, name=name.strip(), level=level, kind=kind, **values)
    org = (
        Org.objects.add_root(instance=node)
        if parent is None
        else Org.objects.add_child(parent, instance=node)
    )
    log_action(actor=actor, action="orgs.create_org", obj=org, org=org, data={"code": code, "name": org.name})
    return org


@transaction.atomic
def update_org(*, actor: Actor, org: Org, version: int | None = None, **fields: Any) -> Org:
    """``version``: the org's version the edit was drawn from; a stale one raises ``StaleEdit``."""
    _require_edit(actor, org)
    changes = {}
    for key, value in fields.items():
        if key not in EDITABLE_FIELDS:
            raise OrgError(f"字段“{key}”不能在此修改。", code="field")
        if getattr(org, key) != value:
            changes[key] = value
    if "level" in changes:
        _check_placement(changes["level"], Org.objects.get_parent(org))
        if (
            changes["level"] != Level.BRANCH
            and Org.objects.get_children(org).filter(level=Level.GROUP).exists()
        ):
            raise OrgError("该组织下设有党小组，只能是党支部。", code="placement")
    for key, value in changes.items():
        setattr(org, key, value)
    if not changes:
        check_version(org, version)
    if changes:
        save_versioned(org, fields=changes, expected=version)
        log_action(actor=actor, action="orgs.update_org", obj=org, org=org, data=changes)
    return org


@transaction.atomic
def move_org(*, actor: Actor, org: Org, new_parent: Org) -> Org:
    """Move ``org`` with its whole subtree to be the last child of ``new_parent``."""
    _require_edit(actor, org)
    _require_edit(actor, new_parent)
    org = Org.objects.get(pk=org.pk)
    new_parent = Org.objects.get(pk=new_parent.pk)
    if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
        raise OrgError("不能把组织移到它自己或它的下级组织之下。", code="descendant")
    if org.is_root():
        raise OrgError("顶级组织不能移动。", code="root")
    _check_placement(org.level, new_parent)
    old_parent = Org.objects.get_parent(org)
    Org.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    figures.mark_all(Org)  # every path under the org changed: its figures are rebuilt whole
    log_action(
        actor=actor,
        action="orgs.move_org",
        obj=org,
        org=org,
        data={"from": old_parent.code if old_parent else None, "to": new_parent.code},
    )
    return org


@transaction.atomic
def start_term(
    *, actor: Actor, org: Org, elected_on: date, term_years: int | None = None, note: str = ""
) -> CommitteeTerm:
    """Record a newly elected committee (换届); its term length defaults to the org's setting."""
    _require_edit(actor, org)
    years = term_years or org.term_years
    if not 1 <= years <= 10:
        raise OrgError("任期应在1至10年之间。", code="term_years")
    if CommitteeTerm.objects.filter(org=org, elected_on=elected_on).exists():
        raise OrgError("该日期的换届已登记。", code="duplicate")
    term = CommitteeTerm.objects.create(
        org=org,
        elected_on=elected_on,
        term_years=years,
        due_on=CommitteeTerm.due_date(elected_on, years),
        note=note,
    )
    log_action(
        actor=actor,
        action="orgs.start_term",
        obj=term,
        org=org,
        data={"elected_on": elected_on, "term_years": years},
    )
    return term


@transaction.atomic
def set_post(
    *,
    actor: Actor,
    term: CommitteeTerm,
    post: str,
    holder_name: str,
    person: Person | None = None,
    started_on: date | None = None,
) -> CommitteePost:
    _require_edit(actor, term.org)
    holder_name = (person.name if person is not None else holder_name).strip()
    if not holder_name:
        raise OrgError("请填写任职人姓名。", code="required")
    if person is not None:
        require(actor, "members.view", person.org, message="该人员不在您的管理范围内。")
    entry = CommitteePost.objects.create(
        term=term, post=post, holder_name=holder_name, person=person, started_on=started_on or term.elected_on
    )
    log_action(
        actor=actor,
        action="orgs.set_post",
        obj=entry,
        org=term.org,
        data={"post": post, "holder": holder_name},
    )
    return entry


@transaction.atomic
def save_liaison_group(
    *,
    actor: Actor,
    zone: Org,
    name: str,
    leader_name: str = "",
    orgs: Iterable[Org] = (),
    members: Iterable[User] = (),
    group: LiaisonGroup | None = None,
) -> LiaisonGroup:
    """Create or update a liaison group and the set of orgs it supervises."""
    _require_edit(actor, zone)
    name = name.strip()
    if not name:
        raise OrgError("请填写联络组名称。", code="required")
    clash = LiaisonGroup.objects.filter(zone=zone, name=name)
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise OrgError(f"联络组“{name}”已存在。", code="duplicate")
    outside = [o.code for o in orgs if not o.path.startswith(zone.path) or o.pk == zone.pk]
    if outside:
        raise OrgError(f"这些组织不在本区范围内：{'、'.join(outside)}", code="out_of_scope")
    if group is None:
        group = LiaisonGroup.objects.create(zone=zone, name=name, leader_name=leader_name)
    else:
        group.name, group.leader_name = name, leader_name
        group.save(update_fields=["name", "leader_name"])
    group.orgs.set(orgs)
    group.members.set(members)
    log_action(
        actor=actor,
        action="orgs.save_liaison_group",
        obj=group,
        org=zone,
        data={
            "name": name,
            "orgs": sorted(o.code for o in orgs),
            "members": sorted(m.username for m in members),
        },
    )
    return group
