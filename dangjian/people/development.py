"""发展党员: the five stages and their timing rules (DOMAIN.md). A step taken too early is refused
with the rule named; a failed step stops the case; every step's date is logged with when it was
entered, and a date more than 30 days in the past needs a note (no silent back-dating)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import Actor, actor_label
from dangjian.core.audit import log_action
from dangjian.core.dates import add_months, add_years, half_years
from dangjian.core.scoping import require
from dangjian.orgs.models import Org

from .models import DevelopmentCase, DevelopmentStep, Member, MembershipPeriod, MemberStatus, Person, Stage
from .services import PeopleError

MIN_AGE = 18
# Time limits are calendar months and years (core.dates), never counts of days.
TALK_WITHIN_MONTHS = 1
ACTIVIST_MIN_YEARS = 1
MIN_TRAINING_HOURS = 24
APPROVAL_WITHIN_MONTHS = 3
BACKDATE_NOTE_MONTHS = 1


class RuleError(PeopleError):
    """A development rule refused the step; the message names the rule."""


def _check(actor: Actor, org: Org) -> None:
    require(actor, "members.edit", org)


def _check_date(case: DevelopmentCase | None, on: date, note: str) -> None:
    today = timezone.localdate()
    if on > today:
        raise RuleError("日期不能晚于今天。", code="future")
    if add_months(on, BACKDATE_NOTE_MONTHS) < today and not note.strip():
        raise RuleError("补录一个月以前的日期须填写说明（不得无说明倒签）。", code="backdate_note")
    if case is not None:
        last = case.steps.order_by("-on").values_list("on", flat=True).first()
        if last and on < last:
            raise RuleError("日期不能早于上一环节的日期。", code="order")


def _log(
    case: DevelopmentCase,
    step: str,
    on: date,
    note: str,
    actor: Actor,
    *,
    rule: str = "",
    overdue: bool = False,
) -> DevelopmentStep:
    user = actor if getattr(actor, "is_authenticated", False) else None
    row = DevelopmentStep.objects.create(
        case=case,
        step=step,
        on=on,
        note=note,
        rule=rule or RULES.get(step, ""),
        overdue=overdue,
        late_entry=add_months(on, BACKDATE_NOTE_MONTHS) < timezone.localdate(),
        recorded_by=user,
        recorded_by_name=actor_label(actor)[:50],
    )
    log_action(
        actor=actor,
        action=f"people.development.{step}",
        obj=case,
        org=case.org,
        data={"on": on, "note": note, "overdue": overdue},
    )
    return row


def _age_on(person: Person, on: date) -> int | None:
    return person.age_on(on)


@transaction.atomic
def register_application(
    *, actor: Actor, person: Person, org: Org, applied_on: date, note: str = ""
) -> DevelopmentCase:
    """入党申请: the applicant is at least 18 on the day of applying."""
    _check(actor, org)
    _check_date(None, applied_on, note)
    age = _age_on(person, applied_on)
    if age is not None and age < MIN_AGE:
        raise RuleError("入党申请人须年满18周岁。", code="min_age")
    if hasattr(person, "membership"):
        raise RuleError("此人已是党员。", code="already_member")
    if DevelopmentCase.objects.filter(person=person).exclude(stage=Stage.STOPPED).exists():
        raise RuleError("此人已在发展程序中。", code="open_case")
    case = DevelopmentCase.objects.create(person=person, org=org, applied_on=applied_on)
    _log(case, "apply", applied_on, note, actor)
    return case


def _open(case: DevelopmentCase, *stages: str) -> None:
    if case.stage == Stage.STOPPED:
        raise RuleError("该发展程序已终止，后续环节不能进行。", code="stopped")
    if case.stage not in stages:
        raise RuleError(f"当前阶段为“{case.get_stage_display()}”，不能进行此环节。", code="stage")


@transaction.atomic
def record_talk(*, actor: Actor, case: DevelopmentCase, on: date, note: str = "") -> DevelopmentCase:
    """谈话: within one month of the application; a late talk is recorded with its note required."""
    _check(actor, case.org)
    _open(case, Stage.APPLICANT)
    _check_date(case, on, note)
    # A talk after the month is recorded as it happened and marked overdue; no note makes it on time.
    overdue = on > add_months(case.applied_on, TALK_WITHIN_MONTHS)
    if overdue and not note.strip():
        raise RuleError("应在收到入党申请书后一个月内谈话；逾期谈话须填写说明。", code="talk_late")
    case.talked_on = on
    case.save(update_fields=["talked_on"])
    _log(case, "talk", on, note, actor, overdue=overdue)
    return case


@transaction.atomic
def make_activist(*, actor: Actor, case: DevelopmentCase, on: date, note: str = "") -> DevelopmentCase:
    _check(actor, case.org)
    _open(case, Stage.APPLICANT)
    _check_date(case, on, note)
    if case.talked_on is None:
        raise RuleError("确定入党积极分子前须先进行谈话。", code="talk_first")
    case.stage, case.activist_on = Stage.ACTIVIST, on
    case.save(update_fields=["stage", "activist_on"])
    _log(case, "activist", on, note, actor)
    return case


@transaction.atomic
def record_review(*, actor: Actor, case: DevelopmentCase, on: date, note: str = "") -> DevelopmentCase:
    """半年考察 of an activist."""
    _check(actor, case.org)
    _open(case, Stage.ACTIVIST)
    _check_date(case, on, note)
    _log(case, "review", on, note, actor)
    return case


@transaction.atomic
def make_candidate(*, actor: Actor, case: DevelopmentCase, on: date, note: str = "") -> DevelopmentCase:
    """发展对象: at least one year as activist, reviewed every half year."""
    _check(actor, case.org)
    _open(case, Stage.ACTIVIST)
    _check_date(case, on, note)
    earliest = add_years(case.activist_on, ACTIVIST_MIN_YEARS)
    if on < earliest:
        raise RuleError(
            f"入党积极分子经过一年以上培养教育和考察方可列为发展对象（最早{earliest:%Y年%m月%d日}）。",
            code="activist_one_year",
        )
    reviews = list(case.steps.filter(step="review").values_list("on", flat=True))
    for first, last in half_years(case.activist_on, on):
        if not any(first < r <= last for r in reviews):
            raise RuleError(
                f"入党积极分子须每半年考察一次：{first:%Y年%m月%d日}至{last:%Y年%m月%d日}的半年没有考察记录。",
                code="reviews",
            )
    case.stage, case.candidate_on = Stage.CANDIDATE, on
    case.save(update_fields=["stage", "candidate_on"])
    _log(case, "candidate", on, note, actor)
    return case


@transaction.atomic
def record_training(
    *, actor: Actor, case: DevelopmentCase, hours: int, on: date, note: str = ""
) -> DevelopmentCase:
    _check(actor, case.org)
    _open(case, Stage.CANDIDATE)
    _check_date(case, on, note)
    if hours <= 0:
        raise RuleError("学时须大于零。", code="hours")
    case.training_hours += hours
    case.save(update_fields=["training_hours"])
    _log(case, "training", on, f"{hours}学时 {note}".strip(), actor)
    return case


@transaction.atomic
def admit_probationary(
    *, actor: Actor, case: DevelopmentCase, voted_on: date, introducers: list[Member], note: str = ""
) -> Member:
    """支部大会接收为预备党员: 2 full members as introducers, training ≥ 24 学时 (or 3 days);
    the probation year counts from the vote. The member goes on the branch's roll as 预备党员."""
    _check(actor, case.org)
    _open(case, Stage.CANDIDATE)
    _check_date(case, voted_on, note)
    full = [m for m in introducers if m.status == MemberStatus.FULL and m.left_on is None]
    if len({m.pk for m in full}) < 2:
        raise RuleError("须有两名正式党员作入党介绍人。", code="introducers")
    if case.training_hours < MIN_TRAINING_HOURS:
        raise RuleError("发展对象须经过不少于三天或24学时的集中培训。", code="training")
    case.stage, case.voted_on = Stage.PROBATIONARY, voted_on
    case.save(update_fields=["stage", "voted_on"])
    case.introducers.set(full)
    member = Member.objects.create(
        person=case.person, org=case.org, status=MemberStatus.PROBATIONARY, joined_on=voted_on
    )
    MembershipPeriod.objects.create(member=member, org=case.org, started_on=voted_on, reason="接收为预备党员")
    _log(case, "vote", voted_on, note, actor)
    return member


@transaction.atomic
def record_approval(*, actor: Actor, case: DevelopmentCase, on: date, note: str = "") -> DevelopmentCase:
    """上级党委审批: within three months of the branch meeting's vote."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    _check_date(case, on, note)
    if on > add_months(case.voted_on, APPROVAL_WITHIN_MONTHS) and not note.strip():
        raise RuleError("上级党委应在三个月内审批；超过期限须填写说明。", code="approval_late")
    case.approved_on = on
    case.save(update_fields=["approved_on"])
    _log(case, "approve", on, note, actor)
    return case


@transaction.atomic
def extend_probation(
    *, actor: Actor, case: DevelopmentCase, months: int, on: date, note: str = ""
) -> DevelopmentCase:
    """延长预备期: once, by 6 to 12 months."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    _check_date(case, on, note)
    if case.extension_months:
        raise RuleError("预备期只能延长一次。", code="extend_once")
    if not 6 <= months <= 12:
        raise RuleError("预备期延长时间为半年至一年。", code="extend_range")
    case.extension_months = months
    case.save(update_fields=["extension_months"])
    _log(case, "extend", on, f"延长{months}个月 {note}".strip(), actor)
    return case


@transaction.atomic
def convert_to_full(*, actor: Actor, case: DevelopmentCase, on: date, note: str = "") -> Member:
    """转正: not before the probation year (plus any extension) has run, and after approval."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    _check_date(case, on, note)
    due = case.conversion_due_on
    if case.approved_on is None:
        raise RuleError("上级党委尚未审批接收为预备党员，不能转正。", code="not_approved")
    if due and on < due:
        raise RuleError(f"预备期为一年（含延长期），{due:%Y年%m月%d日}前不能转正。", code="probation_year")
    member = Member.objects.get(person=case.person)
    # 党龄 counts from the day the probation ends (党章 Article 7), not from the meeting's day.
    member.status, member.full_on = MemberStatus.FULL, due or on
    member.save(update_fields=["status", "full_on", "updated_at"])
    case.stage, case.full_on = Stage.FULL, on
    case.save(update_fields=["stage", "full_on"])
    _log(case, "full", on, note, actor)
    return member


@transaction.atomic
def stop_case(*, actor: Actor, case: DevelopmentCase, on: date, reason: str) -> DevelopmentCase:
    """A failed step: the case stops and every later step is refused."""
    _check(actor, case.org)
    if case.stage in (Stage.STOPPED, Stage.FULL):
        raise RuleError("该发展程序已结束。", code="closed")
    if not reason.strip():
        raise RuleError("请填写终止原因。", code="reason")
    case.stage, case.stopped_reason = Stage.STOPPED, reason
    case.save(update_fields=["stage", "stopped_reason"])
    _log(case, "stop", on, reason, actor)
    return case


STEP_LABELS = {
    "apply": "递交入党申请",
    "talk": "谈话",
    "activist": "确定为入党积极分子",
    "review": "半年考察",
    "candidate": "确定为发展对象",
    "training": "集中培训",
    "vote": "支部大会接收为预备党员",
    "approve": "上级党委审批",
    "extend": "延长预备期",
    "full": "转为正式党员",
    "stop": "终止",
}


# The rule each step is bound by, as the person page shows it.
RULES = {
    "apply": "细则第五条：年满18岁，向工作、学习所在单位党组织提出入党申请",
    "talk": "细则第七条：收到入党申请书后一个月内派人谈话",
    "activist": "细则第八、九条：党员推荐、群团组织推优，支委会研究确定",
    "review": "细则第十二条：每半年对入党积极分子进行一次考察",
    "candidate": "细则第十三条：经过一年以上培养教育和考察，支委会讨论确定",
    "training": "细则第十七条：集中培训时间一般不少于3天（或不少于24个学时）",
    "vote": "细则第二十一、二十二条：支部党员大会讨论，赞成人数超过应到会有表决权党员的半数",
    "approve": "细则第二十五条：上级党委在三个月内审批，特殊情况可延长，最长不超过六个月",
    "extend": "党章第七条：预备期可以延长，但不能超过一年",
    "full": "党章第七条：党龄从预备期满转为正式党员之日算起",
    "stop": "细则第三十一条：不具备党员条件的，取消预备党员资格",
}
