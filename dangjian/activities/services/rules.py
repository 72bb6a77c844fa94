"""The compliance calendar's rules and the yearly appraisal of members (民主评议)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from dangjian.core import figures
from dangjian.core.actors import Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.orgs.models import Level, Org
from dangjian.people.selectors import on_roll_during_year

from ..models import (
    Activity,
    Appraisal,
    ComplianceRule,
    Grade,
    Kind,
    Period,
)
from .common import DEFAULT_RULES, DEFAULT_RULES_FROM, ActivityError, _require


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
    roll = on_roll_during_year(org, year, grades)
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
