"""Writes on organizational life: one transaction and one audit entry each; rule violations raise
ActivityError with a Chinese message and a ``code``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import figures
from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.dates import RecordDateError, check_record_date
from dangjian.core.images import ImageRejected, clean_image
from dangjian.core.scoping import require
from dangjian.core.versioning import check_version, save_versioned
from dangjian.orgs.models import Level, Org
from dangjian.people.models import Member, MembershipPeriod
from dangjian.people.selectors import member_for_user

from .models import (
    LECTURE_KINDS,
    Activity,
    ActivityPhoto,
    Appraisal,
    Attendance,
    ComplianceRule,
    Decision,
    DecisionKind,
    Grade,
    Kind,
    Lecturer,
    Participation,
    Period,
    Status,
    ThemeCategory,
    Trainee,
    TrainingBase,
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


def eligible_members(activity: Activity):
    """Members on the roll of the organizing org's subtree or a participating org's on the day of the
    activity — read from the membership history, never from today's branch — and members whose
    temporary relationship (临时组织关系) placed them with one of those orgs that day."""
    from dangjian.people.selectors import hosted_on, period_on_q

    paths = [activity.org.path] + list(activity.participants.values_list("path", flat=True))
    where = Q()
    for path in paths:
        where |= Q(org__path__startswith=path)
    periods = MembershipPeriod.objects.filter(where, period_on_q(activity.date)).values("member_id")
    hosted = hosted_on(paths, activity.date)
    return Member.objects.filter(Q(pk__in=periods) | Q(pk__in=hosted))


def _voter_test(activity: Activity):
    """Whether a member counts toward this meeting's quorum (``Attendance.voting``), see
    ``selectors.quorum_basis``: on the branch's roll that day with a vote, or on its committee."""
    from dangjian.orgs.selectors import committee_on
    from dangjian.people.selectors import roll_on, voting_q

    from .selectors import COMMITTEE, ROLL, quorum_basis

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
    figures.mark(Attendance, [activity.org.path])  # bulk writes send no signals
    return {"added": len(new), "changed": len(changed)}


# --- QR check-in -----------------------------------------------------------------------------------


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


# --- Photos ----------------------------------------------------------------------------------------


@transaction.atomic
def add_photo(*, actor: Actor, activity: Activity, upload, caption: str = "") -> ActivityPhoto:
    """Store an image through core's image gate (bytes and pixels capped, upright, no EXIF/GPS)."""
    _require(actor, activity.org)
    try:
        image = clean_image(upload, what="照片", formats=tuple(IMAGE_FORMATS))
    except ImageRejected as exc:
        raise ActivityError(exc.messages[0], code=exc.code) from None
    name = f"{timezone.now():%Y%m%d%H%M%S%f}.{image.extension}"
    photo = ActivityPhoto(activity=activity, content_type=image.content_type, caption=caption.strip()[:100])
    photo.image.save(name, ContentFile(image.content, name=name), save=False)
    photo.save()
    log_action(
        actor=actor,
        action="activities.add_photo",
        obj=activity,
        org=activity.org,
        data={"photo": photo.pk, "bytes": len(image.content)},
    )
    return photo


# --- Trainees, rosters, rules, appraisal ---------------------------------------------------------


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
def save_rule(
    *, actor: Actor, zone: Org, kind: str, period: str, min_count: int, valid_from: date
) -> ComplianceRule:
    """Change how often a meeting is required, from ``valid_from`` on; earlier periods keep the old rule."""
    _require(actor, zone)
    if zone.level != Level.WORKING_COMMITTEE:
        raise ActivityError("频次规则由党工委统一设置。", code="zone_only")
    if kind not in Kind.values or period not in Period.values:
        raise ActivityError("请选择会议类型和周期。", code="invalid")
    if not 0 <= min_count <= 31:
        raise ActivityError("次数应在0至31之间。", code="min_count")
    rule, _ = ComplianceRule.objects.update_or_create(
        zone=zone,
        kind=kind,
        valid_from=valid_from,
        defaults={
            "period": period,
            "min_count": min_count,
            "created_by": acting_user(actor),
        },
    )
    figures.mark_all(Activity)  # the compliance calendar follows the rules
    log_action(
        actor=actor,
        action="activities.save_rule",
        obj=rule,
        org=zone,
        data={"kind": kind, "period": period, "min_count": min_count, "valid_from": valid_from},
    )
    return rule


def ensure_default_rules(zone: Org) -> int:
    """DOMAIN.md's frequencies for a zone that has none yet (no audit: part of setting a zone up)."""
    if ComplianceRule.objects.filter(zone=zone).exists():
        return 0
    ComplianceRule.objects.bulk_create(
        ComplianceRule(zone=zone, kind=k, period=p, min_count=n, valid_from=DEFAULT_RULES_FROM)
        for k, p, n in DEFAULT_RULES
    )
    figures.mark_all(Activity)  # the compliance calendar follows the rules
    return len(DEFAULT_RULES)


@transaction.atomic
def record_appraisals(*, actor: Actor, org: Org, year: int, grades: dict[int, str]) -> int:
    """The year's 民主评议党员 for a branch: one grade per member; 优秀 at most one third of those graded."""
    _require(actor, org)
    if year > timezone.localdate().year:
        raise ActivityError("不能评议未来年度。", code="future")
    if any(g not in Grade.values for g in grades.values()):
        raise ActivityError("评议等次只能是优秀、合格、基本合格、不合格。", code="grade")
    # The branch appraises the members on its roll that year (membership history), not those whose
    # branch is this one today: a member who moved on 1 July is on both rolls, one before he came.
    roll = set(
        MembershipPeriod.objects.filter(org__path__startswith=org.path, member_id__in=list(grades))
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=date(year, 12, 31)))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=date(year, 1, 1)))
        .values_list("member_id", flat=True)
    )
    strangers = sorted(set(grades) - roll)
    if strangers:
        raise ActivityError(f"以下人员不是本支部党员：{'、'.join(map(str, strangers))}", code="not_member")
    merged = dict(Appraisal.objects.filter(org=org, year=year).values_list("member_id", "grade"))
    merged.update(grades)
    excellent = sum(1 for g in merged.values() if g == Grade.EXCELLENT)
    if excellent * 3 > len(merged):
        raise ActivityError(
            f"评为优秀的党员（{excellent}名）不能超过参评党员（{len(merged)}名）的三分之一。",
            code="too_many_excellent",
        )
    existing = {a.member_id: a for a in Appraisal.objects.filter(year=year, member_id__in=list(grades))}
    new, changed = [], []
    for member_id, grade in grades.items():
        row = existing.get(member_id)
        if row is None:
            new.append(Appraisal(org=org, year=year, member_id=member_id, grade=grade))
        elif row.grade != grade or row.org_id != org.pk:
            row.grade, row.org = grade, org
            changed.append(row)
    Appraisal.objects.bulk_create(new)
    Appraisal.objects.bulk_update(changed, ["grade", "org"])
    log_action(
        actor=actor,
        action="activities.record_appraisals",
        org=org,
        data={"year": year, "graded": len(grades), "excellent": excellent},
    )
    return len(grades)


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


# --- Decisions of a 支部党员大会 ------------------------------------------------------------------------


def decision_for(
    *,
    activity: Activity,
    kind: str,
    subject: str,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    person=None,
) -> Decision:
    """Check and store a vote of a branch's 支部党员大会 (no audit entry: the calling service writes
    the one entry of its action). The meeting must be held and quorate — more than half of the
    voting members on the branch's roll that day present (支部工作条例 Article 9); the vote passes
    only when "for" exceeds half of those voting members (细则 Article 22)."""
    from .selectors import turnout

    if activity.kind != Kind.PARTY_CONGRESS or activity.org.level != Level.BRANCH:
        raise ActivityError("表决须在党支部的支部党员大会上进行。", code="not_a_congress")
    if activity.status != Status.HELD or activity.date > timezone.localdate():
        raise ActivityError("该支部党员大会尚未召开。", code="not_held")
    t = turnout(activity)
    if not t.marked:
        raise ActivityError("请先登记本次大会的出席情况，再录入表决结果。", code="not_quorate")
    if not t.quorate:
        raise ActivityError(
            f"有表决权的党员应到{t.voting_expected}名、实到{t.voting_present}名，未超过半数："
            "大会未达法定人数，不能表决（《支部工作条例》第九条）。",
            code="not_quorate",
        )
    counts = (votes_for, votes_against, votes_abstain)
    if any(not isinstance(n, int) or n < 0 for n in counts):
        raise ActivityError("票数须为非负整数。", code="votes")
    if sum(counts) > t.voting_present:
        raise ActivityError(
            f"赞成、反对、弃权合计{sum(counts)}票，超过实到有表决权党员{t.voting_present}名。", code="votes"
        )
    return Decision.objects.create(
        activity=activity,
        kind=kind,
        subject=subject[:200],
        person=person,
        voting_expected=t.voting_expected,
        voting_present=t.voting_present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        passed=votes_for * 2 > t.voting_expected,
    )


@transaction.atomic
def record_decision(
    *,
    actor: Actor,
    activity: Activity,
    subject: str,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
) -> Decision:
    """Any other matter put to the vote of a branch's 支部党员大会."""
    require(actor, "activities.edit", activity.org)
    decision = decision_for(
        activity=activity,
        kind=DecisionKind.OTHER,
        subject=subject,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
    )
    log_action(
        actor=actor,
        action="activities.record_decision",
        obj=activity,
        org=activity.org,
        data={"decision": decision.pk, "for": votes_for, "passed": decision.passed},
    )
    return decision


# Which development step each kind of decision is (people.development holds the rules of each).
CASE_DECISIONS: dict[str, str] = {
    DecisionKind.ADMIT: "admit_probationary",
    DecisionKind.CONVERT: "vote_conversion",
    DecisionKind.EXTEND: "extend_probation",
    DecisionKind.CANCEL: "cancel_probation",
}


def record_meeting_decision(
    *,
    actor: Actor,
    activity: Activity,
    kind: str,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    case=None,
    subject: str = "",
    months: int | None = None,
    reason: str = "",
    note: str = "",
) -> Decision:
    """A vote taken at a branch's 支部党员大会, from its meeting page or the API. Admission, 转正,
    extension and cancellation go through the development procedure (which checks the case's own
    rules and records the step); anything else is ``record_decision``. Each is one transaction with
    one audit entry, written by the service it reaches. A vote that fails is kept, and changes
    nothing else."""
    from dangjian.people import development

    votes = {"votes_for": votes_for, "votes_against": votes_against, "votes_abstain": votes_abstain}
    if kind == DecisionKind.OTHER:
        return record_decision(actor=actor, activity=activity, subject=subject, **votes)
    if kind not in CASE_DECISIONS or case is None:
        raise ActivityError("请选择表决事项和涉及的发展对象或预备党员。", code="kind")
    common = {"actor": actor, "case": case, "meeting": activity, **votes}
    if kind == DecisionKind.EXTEND:
        development.extend_probation(months=months or 0, note=note, **common)
    elif kind == DecisionKind.CANCEL:
        development.cancel_probation(reason=reason, **common)
    else:
        getattr(development, CASE_DECISIONS[kind])(note=note, **common)
    return Decision.objects.filter(activity=activity, kind=kind, person=case.person).latest("id")
