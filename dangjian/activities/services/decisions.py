"""Decisions of a 支部党员大会 (development steps, discipline) recorded with the meeting that took them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.scoping import require
from dangjian.orgs.models import Level

from ..models import (
    Activity,
    Decision,
    DecisionKind,
    Kind,
    Status,
)
from .common import CASE_DECISIONS, ActivityError


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
    from ..selectors import turnout

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
