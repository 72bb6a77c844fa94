"""Writes on persons and members: one transaction and one audit entry each.

Derived columns (blind indexes, pinyin initials, birth date and sex from the ID number) are filled
here by ``prepare_person``, never in ``save()``, so bulk paths (import, seed) fill them the same way.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import figures, idcard
from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.dates import RecordDateError, check_record_date
from dangjian.core.phones import PhoneError, clean_phone
from dangjian.core.pii import blind_index, mask_id
from dangjian.core.pinyin import name_initials
from dangjian.core.scoping import require
from dangjian.core.versioning import check_version, save_versioned
from dangjian.orgs.models import Level, Org

from .models import Household, Member, MembershipPeriod, MemberStatus, Person


class PeopleError(ValidationError):
    pass


def prepare_person(person: Person) -> Person:
    """Fill the derived fields of an unsaved or changed person from its plain values."""
    person.name = "".join((person.name or "").split())
    person.name_initials = name_initials(person.name)
    person.id_index = blind_index("id", person.id_number) if person.id_number else None
    person.phone_index = blind_index("phone", person.phone) if person.phone else ""
    if person.id_number:
        number = idcard.validate_id(person.id_number, today=timezone.localdate())
        person.id_number = number
        person.birth_date = idcard.birth_date(number)
        person.sex = idcard.sex(number)
    return person


def record_date(value: date | None, label: str) -> date | None:
    """``core.dates.check_record_date`` as this module's error (pages and API alike)."""
    try:
        return check_record_date(value, label)
    except RecordDateError as exc:
        raise PeopleError(exc.message, code=exc.code) from None


def _phone(value: str) -> str:
    try:
        return clean_phone(value)
    except PhoneError as exc:
        raise PeopleError(exc.message, code=exc.code) from None


def _check_branch(org: Org) -> None:
    if org.level != Level.BRANCH:
        raise PeopleError("党员只能登记在党支部。", code="not_a_branch")


def _id_or_error(id_number: str) -> str:
    try:
        return idcard.validate_id(id_number, today=timezone.localdate())
    except idcard.IdNumberError as exc:
        raise PeopleError(exc.message, code=exc.code) from None


PERSON_FIELDS = ("name", "ethnicity", "education", "phone", "address", "work_post", "is_shareholder")
# Sex and birth date come from the ID number when there is one; only editable without it.
DERIVED_FIELDS = ("sex", "birth_date")
MEMBER_FIELDS = (
    "status",
    "joined_on",
    "full_on",
    "party_post",
    "is_village_cadre",
    "is_floating",
    "dues_category",
)


@transaction.atomic
def create_person(
    *, actor: Actor, org: Org, name: str, id_number: str = "", household: Household | None = None, **fields
) -> Person:
    """A resident (or a member-to-be); the ID number, if given, must be valid and not yet on file."""
    require(actor, "members.edit", org)
    if not "".join(name.split()):
        raise PeopleError("请填写姓名。", code="required")
    number = _id_or_error(id_number) if id_number else ""
    if number and Person.objects.filter(id_index=blind_index("id", number)).exists():
        raise PeopleError("该身份证号已登记。", code="duplicate_id")
    if fields.get("phone"):
        fields["phone"] = _phone(fields["phone"])
    person = Person(org=org, name=name, id_number=number, household=household)
    for key in PERSON_FIELDS:
        if key in fields:
            setattr(person, key, fields[key])
    prepare_person(person)
    person.save()
    log_action(actor=actor, action="people.create_person", obj=person, org=org, data={"name": person.name})
    return person


@transaction.atomic
def update_person(*, actor: Actor, person: Person, version: int | None = None, **fields) -> Person:
    """``version``: the person's version the edit was drawn from; a stale one raises ``StaleEdit``."""
    require(actor, "members.edit", person.org)
    if fields.get("phone"):
        fields["phone"] = _phone(fields["phone"])
    changed = []
    for key, value in fields.items():
        if key not in PERSON_FIELDS + DERIVED_FIELDS:
            raise PeopleError(f"字段“{key}”不能在此修改。", code="field")
        if getattr(person, key) != value:
            if key in DERIVED_FIELDS and person.id_number:
                raise PeopleError("性别和出生日期由身份证号确定，不能单独修改。", code="derived")
            setattr(person, key, value)
            changed.append(key)
    if not changed:
        check_version(person, version)
    if changed:
        prepare_person(person)
        derived = ["name_initials", "id_index", "phone_index", "id_number", "birth_date", "sex"]
        save_versioned(person, fields=[*changed, *derived], expected=version)
        # PII values never go into the audit log, only which fields changed.
        log_action(actor=actor, action="people.update_person", obj=person, data={"fields": changed})
    return person


@transaction.atomic
def enroll_member(
    *,
    actor: Actor,
    person: Person,
    org: Org,
    status: str = MemberStatus.FULL,
    joined_on: date | None = None,
    full_on: date | None = None,
    reason: str = "",
    **fields,
) -> Member:
    """Put a person on a branch's roll and open their first history period."""
    require(actor, "members.edit", org)
    _check_branch(org)
    if Member.objects.filter(person=person).exists():
        raise PeopleError("此人已在党员名册中。", code="already_member")
    record_date(joined_on, "入党日期")
    record_date(full_on, "转正日期")
    if status == MemberStatus.FULL and joined_on and full_on and full_on < joined_on:
        raise PeopleError("转正日期不能早于入党日期。", code="dates")
    member = Member(person=person, org=org, status=status, joined_on=joined_on, full_on=full_on)
    for key in MEMBER_FIELDS:
        if key in fields:
            setattr(member, key, fields[key])
    member.save()
    MembershipPeriod.objects.create(
        member=member, org=org, started_on=joined_on or timezone.localdate(), reason=reason or "入党"
    )
    log_action(actor=actor, action="people.enroll_member", obj=member, org=org, data={"person": person.pk})
    return member


@transaction.atomic
def update_member(*, actor: Actor, member: Member, version: int | None = None, **fields) -> Member:
    """``version``: the membership's version the edit was drawn from; a stale one raises ``StaleEdit``."""
    require(actor, "members.edit", member.org)
    changed = {}
    for key, value in fields.items():
        if key not in MEMBER_FIELDS:
            raise PeopleError(f"字段“{key}”不能在此修改。", code="field")
        if getattr(member, key) != value:
            setattr(member, key, value)
            changed[key] = value
    for key, label in (("joined_on", "入党日期"), ("full_on", "转正日期")):
        if key in changed:
            record_date(changed[key], label)
    if member.joined_on and member.full_on and member.full_on < member.joined_on:
        raise PeopleError("转正日期不能早于入党日期。", code="dates")
    if not changed:
        check_version(member, version)
    if changed:
        save_versioned(member, fields=changed, expected=version)
        log_action(actor=actor, action="people.update_member", obj=member, data=changed)
    return member


@transaction.atomic
def remove_member(*, actor: Actor, member: Member, left_on: date, reason: str) -> Member:
    """Take a member off the roll (death, 出党, 自行脱党 decided by people); history is kept."""
    require(actor, "members.edit", member.org)
    if member.left_on:
        raise PeopleError("该党员已不在册。", code="already_left")
    if member.joined_on and left_on < member.joined_on:
        raise PeopleError("离开日期不能早于入党日期。", code="dates")
    member.left_on, member.left_reason = left_on, reason
    member.save(update_fields=["left_on", "left_reason", "updated_at"])
    MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).update(ended_on=left_on)
    figures.mark(MembershipPeriod, [member.org.path])  # an update() sends no signal
    log_action(
        actor=actor, action="people.remove_member", obj=member, data={"left_on": left_on, "reason": reason}
    )
    return member


@transaction.atomic
def reveal_person_pii(*, actor: Actor, person: Person, field: str = "id_number") -> str:
    """The full ID number (or phone) for an actor holding ``pii.reveal`` on the person's org; audited."""
    if field not in ("id_number", "phone"):
        raise PeopleError("不支持的字段。", code="field")
    require(actor, "pii.reveal", person.org, message="您无权查看完整个人信息。")
    log_action(actor=actor, action="people.reveal_pii", obj=person, data={"field": field})
    return getattr(person, field)


@transaction.atomic
def find_person_by_id(*, actor: Actor, id_number: str) -> Person | None:
    """A search by full ID number is a reveal: it needs ``pii.reveal`` and is audited (masked).

    Only persons the actor may reveal are found; anyone else answers None, as if not on file.
    """
    from .selectors import persons_visible_to

    require(actor, "pii.reveal", message="按身份证号查找须有查看完整个人信息的权限。")
    number = _id_or_error(id_number)
    person = (
        persons_visible_to(actor, "pii.reveal")
        .filter(id_index=blind_index("id", number))
        .select_related("org")
        .first()
    )
    log_action(
        actor=actor,
        action="people.search_id",
        obj=person,
        org=person.org if person else None,
        data={"id": mask_id(number), "found": person is not None},
    )
    return person


@transaction.atomic
def save_household(
    *, actor: Actor, org: Org, number: str, address: str = "", grid=None, household: Household | None = None
) -> Household:
    require(actor, "members.edit", org)
    number = number.strip()
    if not number:
        raise PeopleError("请填写户号。", code="required")
    clash = Household.objects.filter(org=org, number=number)
    if household is not None:
        clash = clash.exclude(pk=household.pk)
    if clash.exists():
        raise PeopleError(f"户号“{number}”已存在。", code="duplicate")
    if household is None:
        household = Household.objects.create(org=org, number=number, address=address, grid=grid)
    else:
        household.number, household.address, household.grid = number, address, grid
        household.save()
    log_action(actor=actor, action="people.save_household", obj=household, org=org, data={"number": number})
    return household


@transaction.atomic
def link_login(*, actor: Actor, person: Person, user) -> Person:
    """Tie a login to a person (one login per person, one person per login), so the member can check
    in by QR code and see their own record."""
    require(actor, "members.edit", person.org, message="该人员不在您的管理范围内。")
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise PeopleError("该账号已关联其他人员。", code="duplicate")
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    log_action(
        actor=actor, action="people.link_login", obj=person, org=person.org, data={"user": user.username}
    )
    return person


@transaction.atomic
def record_person_view(*, actor: Actor, person: Person) -> None:
    """A read of one person's record (PIPL: who looked at whose personal data, and when)."""
    require(actor, "members.view", person.org)
    log_action(actor=actor, action="people.view_person", obj=person, org=person.org)


@transaction.atomic
def record_roster_export(*, actor: Actor, org: Org | None, filters: dict, full: bool) -> None:
    """An export of the roll leaves the platform: audit who took which rows, masked or in full."""
    require(actor, "pii.reveal" if full else "members.view", org)
    log_action(actor=actor, action="people.export_roster", org=org, data={"filter": filters, "full": full})


# ---------------------------------------------------------------- 留党察看 (党章 Article 40)

WATCH_AT_MOST_YEARS = 2


@transaction.atomic
def place_under_watch(
    *, actor: Actor, member: Member, started_on: date, until: date, decision: str
) -> Member:
    """留党察看: the member stays on the roll but has no vote, and may not elect or be elected, from
    ``started_on`` until ``until`` (exclusive; at most two years, 党章 Article 40). Only a full
    member can be placed under it (a 预备党员 who breaks discipline has the probation extended or
    the qualification cancelled). ``decision`` names who decided, the document and the cause; the
    audit entry keeps every placement, the member row the one in force."""
    require(actor, "members.edit", member.org, message="该党员不在您的管理范围内。")
    decision = " ".join(decision.split())
    if member.left_on is not None:
        raise PeopleError("该党员已不在册。", code="left")
    if not decision:
        raise PeopleError("请填写留党察看的决定（批准机关、文号、事由）。", code="decision")
    if started_on > timezone.localdate():
        raise PeopleError("留党察看起始日期不能晚于今天。", code="future")
    if not member.is_full_on(started_on):
        raise PeopleError(
            "留党察看只适用于正式党员；预备党员违犯纪律的，延长预备期或取消预备党员资格。", code="not_full"
        )
    if member.watched_on(started_on):
        raise PeopleError("该党员在此日期已处于留党察看期内。", code="already")
    from dangjian.core.dates import add_years

    latest = add_years(started_on, WATCH_AT_MOST_YEARS)
    if until <= started_on or until > latest:
        raise PeopleError(
            f"留党察看期限最长不超过两年（党章第四十条）：期满日期须在{started_on:%Y年%m月%d日}之后、"
            f"不晚于{latest:%Y年%m月%d日}。",
            code="period",
        )
    member.watch_from, member.watch_until, member.watch_decision = started_on, until, decision[:200]
    member.save(update_fields=["watch_from", "watch_until", "watch_decision", "updated_at"])
    log_action(
        actor=actor,
        action="people.place_under_watch",
        obj=member,
        org=member.org,
        data={"from": started_on, "until": until, "decision": decision[:200]},
    )
    return member
