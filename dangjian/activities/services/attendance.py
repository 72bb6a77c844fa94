"""Attendance: who may attend a meeting (the roll on its day), marking the roll, and 全部出席."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dangjian.core import figures
from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.orgs.models import Org
from dangjian.people.selectors import members_placed_on

from ..models import (
    Activity,
    Attendance,
    Participation,
    Status,
)
from .common import ActivityError, _require


def eligible_members(activity: Activity):
    """Members on the roll of the organizing org's subtree or a participating org's on the day of the
    activity — read from the membership history, never from today's branch — and members whose
    temporary relationship (临时组织关系) placed them with one of those orgs that day."""
    paths = [activity.org.path] + list(activity.participants.values_list("path", flat=True))
    return members_placed_on(paths, activity.date)


def _voter_test(activity: Activity):
    """Whether a member counts toward this meeting's quorum (``Attendance.voting``), see
    ``selectors.quorum_basis``: on the branch's roll that day with a vote, or on its committee."""
    from dangjian.orgs.selectors import committee_on
    from dangjian.people.selectors import roll_on, voting_q

    from ..selectors import COMMITTEE, ROLL, quorum_basis

    basis = quorum_basis(activity)
    if basis == COMMITTEE:
        persons, _ = committee_on(activity.org, activity.date)
        return lambda m: m.person_id in persons
    if basis == ROLL:
        voters = set(
            roll_on(activity.org, activity.date).filter(voting_q(activity.date)).values_list("pk", flat=True)
        )
        return lambda m: m.pk in voters
    return lambda m: m.has_vote_on(activity.date)


@dataclass(frozen=True)
class Mark:
    member_id: int
    status: str
    reason: str = ""


@transaction.atomic
def set_attendance(*, actor: Actor, activity: Activity, marks: Iterable[Mark]) -> dict[str, int]:
    """Record who attended (present / absent with a reason / on leave); rows not listed stay as they are."""
    _require(actor, activity.org)
    counts = _write_attendance(activity, list(marks))
    log_action(actor=actor, action="activities.set_attendance", obj=activity, org=activity.org, data=counts)
    return counts


@transaction.atomic
def mark_all_present(*, actor: Actor, activity: Activity, exceptions: Iterable[Mark] = ()) -> dict[str, int]:
    """全部出席: the exceptions (请假, 缺席 with a reason, or any mark the secretary set) are recorded as
    given, and every other member eligible that day who has no mark yet is recorded present — one tap
    for a meeting of 28 instead of 28. Marks already recorded (a QR check-in, an earlier save) stay."""
    _require(actor, activity.org)
    exceptions = list(exceptions)
    listed = {m.member_id for m in exceptions}
    marked = set(Attendance.objects.filter(activity=activity).values_list("member_id", flat=True))
    rest = (
        eligible_members(activity).exclude(pk__in=listed | marked).order_by("pk").values_list("pk", flat=True)
    )
    present = [Mark(pk, Participation.PRESENT) for pk in rest]
    counts = _write_attendance(activity, exceptions + present)
    data = {**counts, "present_by_default": len(present), "exceptions": len(exceptions)}
    log_action(actor=actor, action="activities.mark_all_present", obj=activity, org=activity.org, data=data)
    return counts


def _write_attendance(activity: Activity, marks: list[Mark]) -> dict[str, int]:
    """The checks and the writes both attendance services share (the caller checked the actor)."""
    if activity.status == Status.CANCELLED:
        raise ActivityError("已取消的活动不能登记出席。", code="cancelled")
    if activity.date > timezone.localdate():
        raise ActivityError("活动尚未召开，不能登记出席。", code="not_yet")
    ids = {m.member_id for m in marks}
    if len(ids) != len(marks):
        raise ActivityError("同一党员不能重复登记。", code="duplicate")
    members = {m.pk: m for m in eligible_members(activity).filter(pk__in=ids)}
    strangers = sorted(ids - set(members))
    if strangers:
        raise ActivityError(
            f"以下人员不是本组织当日在册党员，不能登记出席：{'、'.join(map(str, strangers))}",
            code="not_member",
        )
    for m in marks:
        if m.status not in Participation.values:
            raise ActivityError("出席情况只能是出席、缺席或请假。", code="status")
        if m.status == Participation.ABSENT and not m.reason.strip():
            raise ActivityError(f"请填写{members[m.member_id].person.name}的缺席原因。", code="reason")
    existing = {a.member_id: a for a in Attendance.objects.filter(activity=activity, member_id__in=ids)}
    votes = _voter_test(activity)
    new, changed = [], []
    for m in marks:
        reason = m.reason.strip() if m.status != Participation.PRESENT else ""
        row = existing.get(m.member_id)
        if row is None:
            new.append(
                Attendance(
                    activity=activity,
                    member_id=m.member_id,
                    status=m.status,
                    reason=reason,
                    voting=votes(members[m.member_id]),
                )
            )
        elif (row.status, row.reason) != (m.status, reason):
            row.status, row.reason = m.status, reason
            changed.append(row)
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["status", "reason"])
    # Bulk writes send no signals. The members' own branches too: a member placed here by a temporary
    # relationship counts this meeting at home (党章 Article 9's six months, people.metrics).
    homes = {m.org_id for m in members.values()} - {activity.org_id}
    away = Org.objects.filter(pk__in=homes).values_list("path", flat=True) if homes else []
    figures.mark(Attendance, [activity.org.path, *away])
    return {"added": len(new), "changed": len(changed)}
