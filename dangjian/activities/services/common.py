"""What every organizational-life write shares: the error type, editable fields, default rules and
the scope and value checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.dates import RecordDateError, check_record_date
from dangjian.core.scoping import require
from dangjian.orgs.models import Org

from ..models import (
    LECTURE_KINDS,
    DecisionKind,
    Kind,
    Period,
    Status,
)


class ActivityError(ValidationError):
    pass


EDITABLE_FIELDS = (
    "kind",
    "status",
    "title",
    "theme_category",
    "date",
    "start_time",
    "minutes_long",
    "place",
    "host",
    "recorder",
    "agenda",
    "minutes",
    "lecturer",
    "lecturer_name",
    "audience",
    "training_base",
    "days",
    "hours",
    "series",
)


# DOMAIN.md defaults for the compliance calendar (kind, period, at least).
DEFAULT_RULES = [
    (Kind.PARTY_CONGRESS, Period.QUARTER, 1),
    (Kind.COMMITTEE, Period.MONTH, 1),
    (Kind.LECTURE, Period.QUARTER, 1),
    (Kind.THEME_DAY, Period.MONTH, 1),
    (Kind.LIFE_MEETING, Period.YEAR, 1),
]


DEFAULT_RULES_FROM = date(2000, 1, 1)


CHECKIN_HOURS = 4


CHECKIN_SALT = "activities.checkin"


IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def _require(actor: Actor, org: Org, capability: str = "activities.edit") -> None:
    require(actor, capability, org)


def _zone_of(org: Org) -> Org:
    return org if org.depth == 1 else Org.objects.get(path=org.path[: Org.steplen])


def _check_values(org: Org, values: dict) -> None:
    status = values.get("status", Status.HELD)
    day = values.get("date")
    if day is None:
        raise ActivityError("请填写日期。", code="required")
    try:
        check_record_date(day, "活动日期", future=True)  # a planned meeting may be ahead; none before 1921
    except RecordDateError as exc:
        raise ActivityError(exc.message, code=exc.code) from None
    if not (values.get("title") or "").strip():
        raise ActivityError("请填写主题。", code="required")
    if status == Status.HELD and day > timezone.localdate():
        raise ActivityError("未来日期的活动不能标记为已召开。", code="future_held")
    zone_path = org.path[: Org.steplen]
    for field in ("theme_category", "lecturer", "training_base"):
        ref = values.get(field)
        if ref is not None and not ref.zone.path.startswith(zone_path):
            raise ActivityError("所选主题大类、讲师或培训基地不属于本区。", code="foreign")
    if values.get("kind") not in Kind.values:
        raise ActivityError("请选择活动类型。", code="kind")
    if values.get("audience") and values.get("kind") not in LECTURE_KINDS:
        raise ActivityError("只有党课、宣讲登记受众人数。", code="audience")


def _check_participants(actor: Actor, org: Org, participants: Iterable[Org]) -> list[Org]:
    participants = list(participants)
    for p in participants:
        if not p.path.startswith(org.path) or p.pk == org.pk:
            raise ActivityError(f"参与组织“{p.name}”不在主办组织之下。", code="participants")
    return participants


# Which development step each kind of decision is (people.development holds the rules of each).
CASE_DECISIONS: dict[str, str] = {
    DecisionKind.ADMIT: "admit_probationary",
    DecisionKind.CONVERT: "vote_conversion",
    DecisionKind.EXTEND: "extend_probation",
    DecisionKind.CANCEL: "cancel_probation",
}
