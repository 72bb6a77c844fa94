"""QR check-in: a signed, expiring token per meeting; a member's own login checks them in."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.people.selectors import member_for_user

from ..models import (
    Activity,
    Attendance,
    Participation,
    Status,
)
from .attendance import _voter_test, eligible_members
from .common import CHECKIN_HOURS, CHECKIN_SALT, ActivityError


def checkin_expires_at(activity: Activity):
    return activity.starts_at + timedelta(hours=CHECKIN_HOURS)


def checkin_token(activity: Activity) -> str:
    """A signed token naming the activity and when check-in closes (4h after the start)."""
    expires = int(checkin_expires_at(activity).timestamp())
    return signing.TimestampSigner(salt=CHECKIN_SALT).sign_object({"a": activity.pk, "e": expires})


def activity_for_token(token: str) -> Activity:
    try:
        payload = signing.TimestampSigner(salt=CHECKIN_SALT).unsign_object(token, max_age=timedelta(days=2))
    except signing.SignatureExpired:
        raise ActivityError("签到二维码已过期。", code="expired") from None
    except signing.BadSignature:
        raise ActivityError("签到二维码无效。", code="bad_token") from None
    if timezone.now().timestamp() > payload.get("e", 0):
        raise ActivityError("签到二维码已过期。", code="expired")
    activity = Activity.objects.select_related("org").filter(pk=payload.get("a")).first()
    if activity is None or activity.status == Status.CANCELLED:
        raise ActivityError("该活动不存在或已取消。", code="bad_token")
    return activity


@transaction.atomic
def check_in(*, actor: Actor, token: str) -> tuple[Attendance, bool]:
    """Mark the logged-in member present; a second scan changes nothing (returns created=False).

    The signed token is the authority (what ``activities.checkin`` means), so this checks it rather
    than a role: a member needs no role to say they were there, only to be on that meeting's roll.
    """
    if not getattr(actor, "is_authenticated", False):
        raise ActivityError("请先登录再签到。", code="login")
    activity = activity_for_token(token)
    if activity.date > timezone.localdate():
        raise ActivityError("活动尚未开始，暂不能签到。", code="not_yet")
    member = member_for_user(actor)
    if member is None or not eligible_members(activity).filter(pk=member.pk).exists():
        raise ActivityError("您不是该组织在册党员，无需在此签到。", code="not_member")
    row = Attendance.objects.select_for_update().filter(activity=activity, member=member).first()
    if row is not None and row.status == Participation.PRESENT:
        return row, False
    now = timezone.now()
    if row is None:
        row = Attendance.objects.create(
            activity=activity,
            member=member,
            status=Participation.PRESENT,
            voting=_voter_test(activity)(member),
            checked_in_at=now,
        )
    else:
        row.status, row.reason, row.checked_in_at = Participation.PRESENT, "", now
        row.save(update_fields=["status", "reason", "checked_in_at"])
    log_action(
        actor=actor, action="activities.check_in", obj=activity, org=activity.org, data={"member": member.pk}
    )
    return row, True
