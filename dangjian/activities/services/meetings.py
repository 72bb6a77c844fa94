"""Recording and editing a meeting or activity (组织生活), with its participating orgs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.versioning import check_version, save_versioned
from dangjian.orgs.models import Org

from ..models import (
    Activity,
)
from .common import EDITABLE_FIELDS, ActivityError, _check_participants, _check_values, _require


@transaction.atomic
def record_activity(
    *, actor: Actor, org: Org, kind: str, title: str, date: date, participants: Iterable[Org] = (), **fields
) -> Activity:
    """Plan or record a meeting/activity of ``org`` (a zone-wide one lists its participating orgs)."""
    _require(actor, org)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ActivityError(f"字段“{'、'.join(sorted(unknown))}”不能在此填写。", code="field")
    values = {"kind": kind, "title": title.strip(), "date": date, **fields}
    _check_values(org, values)
    participants = _check_participants(actor, org, participants)
    activity = Activity.objects.create(org=org, **values)
    if participants:
        activity.participants.set(participants)
    log_action(
        actor=actor,
        action="activities.record_activity",
        obj=activity,
        org=org,
        data={"kind": kind, "title": activity.title, "date": date, "status": activity.status},
    )
    return activity


@transaction.atomic
def update_activity(
    *,
    actor: Actor,
    activity: Activity,
    participants: Iterable[Org] | None = None,
    version: int | None = None,
    **fields,
) -> Activity:
    """``version``: the activity's version the edit was drawn from; a stale one raises ``StaleEdit``."""
    _require(actor, activity.org)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ActivityError(f"字段“{'、'.join(sorted(unknown))}”不能在此修改。", code="field")
    values = {f: getattr(activity, f) for f in EDITABLE_FIELDS}
    values.update(fields)
    _check_values(activity.org, values)
    changes = {k: v for k, v in fields.items() if getattr(activity, k) != v}
    for key, value in changes.items():
        setattr(activity, key, value)
    if changes:
        save_versioned(activity, fields=changes, expected=version)
    else:
        check_version(activity, version)
    if participants is not None:
        activity.participants.set(_check_participants(actor, activity.org, participants))
        changes["participants"] = sorted(p.code for p in participants)
    log_action(
        actor=actor,
        action="activities.update_activity",
        obj=activity,
        org=activity.org,
        data={k: (str(v) if hasattr(v, "pk") else v) for k, v in changes.items()},
    )
    return activity
