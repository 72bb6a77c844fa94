"""组织关系转接: 申请 → 转出审批 → 在途 → 接收 / 退回 / 超期 (DOMAIN.md).

Away more than 6 months at a fixed place → a formal transfer letter (valid ``valid_days``, 90 by
default, configurable per transfer); 6 months or less → a temporary certificate. A transfer between
two branches on the platform moves the member when received and closes/opens history periods; one
out to an organization off the platform takes the member off the roll when the receipt comes back;
one in from outside creates the member when received.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.dates import add_months
from dangjian.core.pii import blind_index
from dangjian.core.scoping import require
from dangjian.orgs.models import Level, Org

from . import registration
from .models import Member, MembershipPeriod, MemberStatus, Person, Transfer, TransferKind, TransferState
from .services import PeopleError, prepare_person, record_date

DEFAULT_VALID_DAYS = 90
TEMPORARY_DEFAULT_MONTHS = 3
FORMAL_AFTER_MONTHS = 6


def _log(actor: Actor, transfer: Transfer, action: str, **data) -> None:
    org = transfer.from_org or transfer.to_org
    log_action(actor=actor, action=f"people.transfer.{action}", obj=transfer, org=org, data=data)


def kind_for(months_away: int) -> str:
    return TransferKind.FORMAL if months_away > FORMAL_AFTER_MONTHS else TransferKind.TEMPORARY


@transaction.atomic
def request_transfer_out(
    *,
    actor: Actor,
    member: Member,
    applied_on: date,
    months_away: int,
    to_org: Org | None = None,
    outside_org_name: str = "",
    reason: str = "",
    valid_days: int = DEFAULT_VALID_DAYS,
) -> Transfer:
    require(actor, "members.edit", member.org, message="该党员不在您的管理范围内。")
    if member.left_on:
        raise PeopleError("该党员已不在册。", code="left")
    if to_org is None and not outside_org_name.strip():
        raise PeopleError("请填写接收组织。", code="required")
    if to_org is not None and (to_org.level != Level.BRANCH or to_org.pk == member.org_id):
        raise PeopleError("接收组织须为另一个党支部。", code="to_org")
    if Transfer.objects.filter(
        member=member, state__in=[TransferState.APPLIED, TransferState.APPROVED, TransferState.IN_TRANSIT]
    ).exists():
        raise PeopleError("该党员已有未办结的转接。", code="open_transfer")
    transfer = Transfer.objects.create(
        member=member,
        kind=kind_for(months_away),
        from_org=member.org,
        to_org=to_org,
        outside_org_name=outside_org_name.strip(),
        person_name=member.person.name,
        reason=reason,
        months_away=months_away,
        applied_on=applied_on,
        valid_days=valid_days,
    )
    _log(actor, transfer, "request_out", member=member.pk, kind=transfer.kind)
    return transfer


def _incoming_refusal(actor: Actor, to_org: Org, name: str, id_index: str | None) -> PeopleError | None:
    """Why the person with this ID may not come in to ``to_org`` by transfer, or None.

    Someone recorded outside the actor's scope gets the neutral refusal and nothing else; inside it,
    the name must match, a current member moves by a transfer between branches, and a member taken off
    the roll otherwise than by transfer comes back only through re-admission.
    """
    if not id_index:
        return None  # no ID number, nobody on file to compare with
    person = Person.objects.filter(id_index=id_index).select_related("org").first()
    if person is None:
        return None
    member = Member.objects.filter(person=person).select_related("org").first()
    if not registration.person_in_scope(
        actor, "members.edit", person.org.path, member.org.path if member else None
    ):
        return PeopleError(registration.NOT_HERE, code=registration.NOT_HERE_CODE)
    if person.name != name:
        return PeopleError("姓名与系统中同一身份证号登记的姓名不一致。", code="name_differs")
    if member is not None and member.left_on is None:
        return PeopleError("此人已在党员名册中，请由转出支部发起转接。", code="on_platform")
    if member is not None and not registration.left_by_transfer(member.left_reason):
        return PeopleError("此人已离开党员名册，转入不能恢复党籍，请由区级管理员办理恢复。", code="left_roll")
    return None


def _refuse(actor: Actor, to_org: Org, id_number: str, error: PeopleError, source: str) -> None:
    if error.code == registration.NOT_HERE_CODE:
        registration.record_out_of_scope_matches(
            actor=actor, source=source, org=to_org, id_numbers=[id_number]
        )
    raise error


def request_transfer_in(
    *,
    actor: Actor,
    to_org: Org,
    person_name: str,
    id_number: str,
    outside_org_name: str,
    applied_on: date,
    months_away: int = 12,
    reason: str = "",
    status: str = "",
    joined_on: date | None = None,
    full_on: date | None = None,
) -> Transfer:
    """A member coming from an organization off the platform; the letter arrives already issued.
    The letter states the member's status (预备/正式) and 入党日期: both are asked for, since the roll,
    the vote and the dues flags depend on them.

    Not atomic itself: a refusal for a person out of scope is audited in its own transaction and then
    raised; the write proper is ``_request_transfer_in``.
    """
    require(actor, "members.edit", to_org, message="接收组织须为您管理范围内的党支部。")
    if to_org.level != Level.BRANCH:
        raise PeopleError("接收组织须为您管理范围内的党支部。", code="out_of_scope")
    if status not in MemberStatus.values or joined_on is None:
        raise PeopleError("请填写转入党员的党员状态（预备党员/正式党员）和入党日期。", code="required")
    if full_on is not None and (status != MemberStatus.FULL or full_on < joined_on):
        raise PeopleError("转正日期须晚于入党日期，且只有正式党员填写。", code="dates")
    record_date(applied_on, "介绍信开具日期")
    record_date(joined_on, "入党日期")
    record_date(full_on, "转正日期")
    if len(outside_org_name or "") > 100:
        raise PeopleError("原所在组织最多100个字。", code="max_length")
    probe = Person(org=to_org, name=person_name, id_number=id_number)
    try:
        prepare_person(probe)
    except Exception as exc:  # IdNumberError carries the Chinese message
        raise PeopleError(str(exc), code=getattr(exc, "code", "id")) from None
    refusal = _incoming_refusal(actor, to_org, probe.name, probe.id_index)
    if refusal is not None:
        _refuse(actor, to_org, probe.id_number, refusal, "transfer_in")
    return _request_transfer_in(
        actor=actor,
        to_org=to_org,
        probe=probe,
        outside_org_name=outside_org_name,
        applied_on=applied_on,
        months_away=months_away,
        reason=reason,
        arriving=(status, joined_on, full_on),
    )


@transaction.atomic
def _request_transfer_in(
    *,
    actor: Actor,
    to_org: Org,
    probe: Person,
    outside_org_name: str,
    applied_on: date,
    months_away: int,
    reason: str,
    arriving: tuple,
) -> Transfer:
    transfer = Transfer.objects.create(
        arriving_status=arriving[0],
        arriving_joined_on=arriving[1],
        arriving_full_on=arriving[2],
        kind=kind_for(months_away),
        state=TransferState.IN_TRANSIT,
        to_org=to_org,
        outside_org_name=outside_org_name.strip(),
        person_name=probe.name,
        person_id_number=probe.id_number,
        reason=reason,
        months_away=months_away,
        applied_on=applied_on,
        approved_on=applied_on,
        issued_on=applied_on,
    )
    _log(actor, transfer, "request_in")
    return transfer


def _side(actor: Actor, transfer: Transfer, side: str) -> None:
    org = transfer.from_org if side == "from" else transfer.to_org
    message = "此环节须由{}办理。".format("转出支部" if side == "from" else "接收支部")
    if org is None:
        raise PeopleError(message, code="out_of_scope")
    require(actor, "members.edit", org, message=message)


def _state(transfer: Transfer, *allowed: str) -> None:
    if transfer.state not in allowed:
        raise PeopleError(f"当前状态为“{transfer.get_state_display()}”，不能办理此环节。", code="state")


@transaction.atomic
def approve_transfer(*, actor: Actor, transfer: Transfer, on: date) -> Transfer:
    _side(actor, transfer, "from")
    _state(transfer, TransferState.APPLIED)
    transfer.state, transfer.approved_on = TransferState.APPROVED, on
    transfer.save(update_fields=["state", "approved_on"])
    _log(actor, transfer, "approve", on=on)
    return transfer


@transaction.atomic
def issue_letter(*, actor: Actor, transfer: Transfer, on: date) -> Transfer:
    """The letter (or certificate) is issued: the transfer is 在途 until a receipt comes back."""
    _side(actor, transfer, "from")
    _state(transfer, TransferState.APPROVED)
    transfer.state, transfer.issued_on = TransferState.IN_TRANSIT, on
    transfer.save(update_fields=["state", "issued_on"])
    _log(actor, transfer, "issue", on=on, due_on=transfer.due_on)
    return transfer


def _close_period(member: Member, on: date, reason: str) -> None:
    MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).update(ended_on=on, reason=reason)


def receive_transfer(*, actor: Actor, transfer: Transfer, on: date) -> Transfer:
    """The receipt: the member is on the receiving roll from ``on`` (or off the platform's roll).

    A transfer in from outside is checked again at receipt, as at request: the person it names may
    have been recorded elsewhere since (or the transfer predates the check).
    """
    if transfer.member_id is None and transfer.to_org is not None:
        _side(actor, transfer, "to")
        index = blind_index("id", transfer.person_id_number)
        refusal = _incoming_refusal(actor, transfer.to_org, transfer.person_name, index)
        if refusal is not None:
            _refuse(actor, transfer.to_org, transfer.person_id_number, refusal, "transfer_receive")
    return _receive_transfer(actor=actor, transfer=transfer, on=on)


@transaction.atomic
def _receive_transfer(*, actor: Actor, transfer: Transfer, on: date) -> Transfer:
    _state(transfer, TransferState.IN_TRANSIT, TransferState.EXPIRED)
    if transfer.to_org is not None:
        _side(actor, transfer, "to")
    else:
        _side(actor, transfer, "from")  # the receipt from outside comes back to the sending branch
    member = transfer.member
    if member is not None and transfer.kind == TransferKind.TEMPORARY:
        # A temporary relationship: the host records and counts the member's organizational life
        # until it ends; the formal relationship, the roll, dues and the vote stay at home.
        transfer.host_until = add_months(on, transfer.months_away or TEMPORARY_DEFAULT_MONTHS)
    elif member is not None and transfer.to_org is not None:
        _close_period(member, on, "转出")
        member.org = transfer.to_org
        member.save(update_fields=["org", "updated_at"])
        # The person is registered where their membership is, so the new branch sees their page.
        Person.objects.filter(pk=member.person_id).update(org=transfer.to_org)
        MembershipPeriod.objects.create(member=member, org=transfer.to_org, started_on=on, reason="转入")
    elif member is not None:
        _close_period(member, on, f"转出至{transfer.outside_org_name}")
        member.left_on, member.left_reason = on, "转出"
        member.save(update_fields=["left_on", "left_reason", "updated_at"])
    else:
        to_org = transfer.to_org
        assert to_org is not None  # a transfer in from outside the platform names the receiving branch
        index = blind_index("id", transfer.person_id_number)
        refusal = _incoming_refusal(actor, to_org, transfer.person_name, index)
        if refusal is not None:  # recorded elsewhere since the check before this transaction
            raise refusal
        person = Person.objects.filter(id_index=index).first()
        if person is None:
            person = prepare_person(
                Person(org=transfer.to_org, name=transfer.person_name, id_number=transfer.person_id_number)
            )
            person.save()
        member = Member.objects.filter(person=person).first()
        stated = {
            "status": transfer.arriving_status or MemberStatus.FULL,
            "joined_on": transfer.arriving_joined_on,
            "full_on": transfer.arriving_full_on,
        }
        if member is None:
            member = Member.objects.create(person=person, org=to_org, **stated)
        else:  # came back to the platform after leaving it
            member.org, member.left_on, member.left_reason = to_org, None, ""
            for key, value in stated.items():
                if value:
                    setattr(member, key, value)
            member.save()
        MembershipPeriod.objects.create(
            member=member, org=to_org, started_on=on, reason=f"由{transfer.outside_org_name}转入"
        )
        transfer.member = member
    transfer.state, transfer.closed_on = TransferState.RECEIVED, on
    transfer.save(update_fields=["state", "closed_on", "member", "host_until"])
    _log(actor, transfer, "receive", on=on)
    return transfer


@transaction.atomic
def return_transfer(*, actor: Actor, transfer: Transfer, on: date, note: str = "") -> Transfer:
    """退回: the receiving side refuses; the member stays where they were."""
    _state(transfer, TransferState.IN_TRANSIT, TransferState.EXPIRED)
    _side(actor, transfer, "to" if transfer.to_org is not None else "from")
    transfer.state, transfer.closed_on, transfer.note = TransferState.RETURNED, on, note
    transfer.save(update_fields=["state", "closed_on", "note"])
    _log(actor, transfer, "return", on=on, note=note)
    return transfer


@transaction.atomic
def mark_overdue_transfers(*, actor: Actor, today: date | None = None) -> int:
    """超期: transfers in transit past their letter's validity, marked in one statement."""
    require(actor, "members.edit")
    today = today or timezone.localdate()
    overdue = [
        t.pk
        for t in Transfer.objects.filter(state=TransferState.IN_TRANSIT, issued_on__isnull=False).only(
            "pk", "issued_on", "valid_days", "state"
        )
        if t.is_overdue(today)
    ]
    if overdue:
        Transfer.objects.filter(pk__in=overdue).update(state=TransferState.EXPIRED)
        log_action(actor=actor, action="people.transfer.mark_overdue", data={"transfers": overdue})
    return len(overdue)


def mark_overdue_transfers_daily() -> int:
    """The daily schedule's item: overdue flags are set once a day, not computed on display."""
    from dangjian.core.actors import SYSTEM

    return mark_overdue_transfers(actor=SYSTEM)
