"""Who may be put on (or back on) a roll, and by whom.

An import or a transfer-in creates new persons, or updates persons whose record is in the actor's
scope. A person recorded anywhere else — a resident of another village, a former member, anyone — is
refused with one neutral message that does not say where (or whether) the person is on file, and the
attempt is audited: a stream of such matches is how an ID-number oracle would show itself, so more
than ``ORACLE_ALERT_THRESHOLD`` matches a day for one user raises an alert on the security page.

Nobody is brought back onto a roll by an import: ``readmit_member`` is its own audited service for a
zone admin (``members.readmit``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.models import AuditEntry
from dangjian.core.pii import mask_id
from dangjian.core.scoping import covers_path, require
from dangjian.orgs.models import Level, Org

from .models import Member, MembershipPeriod, Person
from .services import PeopleError

NOT_HERE = "该身份证号不能在本支部登记，请联系上级党组织"
NOT_HERE_CODE = "not_here"
ORACLE_ACTION = "people.id_out_of_scope"
ORACLE_ALERT_THRESHOLD = 20
# A member who left by transfer may come back by transfer; any other way off the roll (death,
# expulsion, 自行脱党) needs the zone admin's re-admission.
TRANSFER_REASONS = ("转出",)


def person_in_scope(actor: Actor, capability: str, person_path: str, member_path: str | None) -> bool:
    """The person's record (and their membership, if any) lie inside the actor's scope."""
    if not covers_path(actor, capability, person_path):
        return False
    return member_path is None or covers_path(actor, capability, member_path)


def left_by_transfer(reason: str) -> bool:
    return any((reason or "").startswith(r) for r in TRANSFER_REASONS)


@transaction.atomic
def record_out_of_scope_matches(
    *, actor: Actor, source: str, org: Org, id_numbers: list[str], rows=()
) -> None:
    """Audit that an import or transfer-in named persons recorded outside the actor's scope.

    Only masked numbers are kept: the audit log itself must not become a list of ID numbers.
    """
    log_action(
        actor=actor,
        action=ORACLE_ACTION,
        org=org,
        data={
            "source": source,
            "matches": len(id_numbers),
            "ids": [mask_id(n) for n in id_numbers[:50]],
            "rows": list(rows)[:50],
        },
    )


@dataclass
class OracleAlert:
    user: str
    day: date
    matches: int
    attempts: int


def oracle_alerts(
    *, since: datetime | None = None, threshold: int = ORACLE_ALERT_THRESHOLD
) -> list[OracleAlert]:
    """Users whose out-of-scope ID matches exceed ``threshold`` on one day (local time), newest first."""
    since = since or timezone.now() - timedelta(days=30)
    totals: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    entries = AuditEntry.objects.filter(action=ORACLE_ACTION, at__gte=since).values_list(
        "actor_name", "at", "data"
    )
    for name, at, data in entries.iterator():
        key = (name, timezone.localtime(at).date())
        totals[key][0] += int((data or {}).get("matches", 0))
        totals[key][1] += 1
    alerts = [OracleAlert(u, d, m, a) for (u, d), (m, a) in totals.items() if m > threshold]
    return sorted(alerts, key=lambda a: (a.day, a.matches), reverse=True)


@transaction.atomic
def readmit_member(*, actor: Actor, member: Member, org: Org, on: date, reason: str) -> Member:
    """恢复党籍: put a member taken off the roll back on a branch's roll, with the decision recorded.

    Only a zone admin holds ``members.readmit``; the member's last branch and the new one must both be
    in their scope. History keeps the gap: a new period opens, the old ones stay closed.
    """
    require(actor, "members.readmit", member.org)
    require(actor, "members.readmit", org)
    if member.left_on is None:
        raise PeopleError("该党员仍在册，无需恢复。", code="on_roll")
    if org.level != Level.BRANCH:
        raise PeopleError("党员只能登记在党支部。", code="not_a_branch")
    reason = (reason or "").strip()
    if not reason:
        raise PeopleError("请填写恢复党籍的依据（如上级党组织的决定文号）。", code="required")
    if on < member.left_on:
        raise PeopleError("恢复日期不能早于离开日期。", code="dates")
    previous = {"left_on": member.left_on, "left_reason": member.left_reason, "org": member.org.code}
    member.org, member.left_on, member.left_reason = org, None, ""
    member.save(update_fields=["org", "left_on", "left_reason", "updated_at"])
    # The person is registered where their membership is (as a transfer does).
    Person.objects.filter(pk=member.person_id).update(org=org)
    MembershipPeriod.objects.create(member=member, org=org, started_on=on, reason="恢复党籍")
    log_action(
        actor=actor,
        action="people.readmit_member",
        obj=member,
        org=org,
        data={**previous, "on": on, "reason": reason[:200]},
    )
    return member
