"""Trainings: trainees, lecturers, theme categories and training bases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from dangjian.core import figures
from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.orgs.models import Org

from ..models import (
    Activity,
    Kind,
    Lecturer,
    ThemeCategory,
    Trainee,
    TrainingBase,
)
from .common import ActivityError, _require

if TYPE_CHECKING:
    from dangjian.people.models import Member


@transaction.atomic
def add_trainees(
    *, actor: Actor, activity: Activity, names: Iterable[str] = (), members: Iterable[Member] = ()
) -> int:
    _require(actor, activity.org)
    if activity.kind != Kind.TRAINING:
        raise ActivityError("只有培训活动登记参训人员。", code="kind")
    rows = [Trainee(activity=activity, name=n.strip()) for n in names if n.strip()]
    members = list(members)
    outside = [m for m in members if not m.org.path.startswith(activity.org.path)]
    if outside:
        raise ActivityError("参训党员不在本组织范围内。", code="not_member")
    rows += [Trainee(activity=activity, member=m, name=m.person.name) for m in members]
    Trainee.objects.bulk_create(rows)
    figures.mark(Trainee, [activity.org.path])
    log_action(
        actor=actor,
        action="activities.add_trainees",
        obj=activity,
        org=activity.org,
        data={"added": len(rows)},
    )
    return len(rows)


@transaction.atomic
def save_lecturer(
    *,
    actor: Actor,
    zone: Org,
    name: str,
    kind: str,
    title: str = "",
    listed_from: date,
    listed_to: date | None = None,
) -> Lecturer:
    _require(actor, zone)
    name = name.strip()
    if not name:
        raise ActivityError("请填写讲师姓名。", code="required")
    lecturer, _ = Lecturer.objects.update_or_create(
        zone=zone,
        name=name,
        kind=kind,
        defaults={"title": title, "listed_from": listed_from, "listed_to": listed_to},
    )
    log_action(actor=actor, action="activities.save_lecturer", obj=lecturer, org=zone, data={"name": name})
    return lecturer


@transaction.atomic
def save_theme_category(*, actor: Actor, zone: Org, name: str, order: int = 0) -> ThemeCategory:
    _require(actor, zone)
    if not name.strip():
        raise ActivityError("请填写主题大类名称。", code="required")
    category, _ = ThemeCategory.objects.update_or_create(
        zone=zone, name=name.strip(), defaults={"order": order}
    )
    log_action(
        actor=actor, action="activities.save_theme_category", obj=category, org=zone, data={"name": name}
    )
    return category


@transaction.atomic
def save_training_base(*, actor: Actor, zone: Org, name: str, place: str = "") -> TrainingBase:
    _require(actor, zone)
    if not name.strip():
        raise ActivityError("请填写培训基地名称。", code="required")
    base, _ = TrainingBase.objects.update_or_create(zone=zone, name=name.strip(), defaults={"place": place})
    log_action(actor=actor, action="activities.save_training_base", obj=base, org=zone, data={"name": name})
    return base
