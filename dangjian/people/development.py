"""发展党员: the 25 steps of the 细则 (2014) in five stages, with their timing rules (DOMAIN.md).

Every step is logged (``DevelopmentStep``) with its date, the rule that bound it, who entered it and
when. A step taken before its prerequisites, or too early, is refused with the rule named; a failed
step (政治审查 not passed, the higher committee refusing) ends the case and blocks every later one.
Time limits count calendar months (``core.dates``). A date more than a month back needs a note and is
marked as a late entry (补录); a note explains, it never makes a late step on time. Admission, 转正,
extension and cancellation are decisions of a recorded, quorate 支部党员大会 (``activities.Decision``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import Actor, acting_user, actor_label
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
APPROVAL_AT_MOST_MONTHS = 6
BACKDATE_NOTE_MONTHS = 1

# The 25 steps (number, code, label) in the order of the 细则.
STEPS = [
    (1, "apply", "递交入党申请书"),
    (2, "talk", "党组织派人谈话"),
    (3, "activist", "推荐和确定入党积极分子"),
    (4, "activist_filed", "入党积极分子报上级党委备案"),
    (5, "mentors", "指定培养联系人"),
    (6, "review", "培养教育考察（每半年一次）"),
    (7, "candidate", "确定发展对象"),
    (8, "candidate_filed", "发展对象报上级党委备案"),
    (9, "introducers", "确定入党介绍人"),
    (10, "political_review", "政治审查"),
    (11, "training", "集中培训"),
    (12, "committee_review", "支部委员会审查"),
    (13, "pre_review", "上级党委预审"),
    (14, "application_form", "填写入党志愿书"),
    (15, "vote", "支部党员大会讨论接收预备党员"),
    (16, "higher_talk", "上级党委派人谈话"),
    (17, "approve", "上级党委审批"),
    (18, "approval_filed", "再上一级党委组织部门备案"),
    (19, "placed", "编入党支部和党小组"),
    (20, "oath", "入党宣誓"),
    (21, "probation_review", "预备党员继续教育考察"),
    (22, "conversion_request", "提出转正申请"),
    (23, "conversion_vote", "支部党员大会讨论转正"),
    (24, "conversion_approve", "上级党委审批转正"),
    (25, "archive", "材料归档"),
]
STEP_LABELS = {code: label for _, code, label in STEPS} | {
    "extend": "延长预备期",
    "cancel": "取消预备党员资格",
    "refuse": "上级党委不予批准",
    "stop": "终止",
    # Older logs
    "full": "转为正式党员",
}
STEP_NUMBERS = {code: n for n, code, _ in STEPS}

# The rule each step is bound by, as the person page shows it.
RULES = {
    "apply": "细则第五、六条：年满18岁，向工作、学习所在单位党组织提出入党申请",
    "talk": "细则第七条：收到入党申请书后一个月内派人谈话",
    "activist": "细则第八、九条：党员推荐、群团组织推优，支委会研究确定",
    "activist_filed": "细则第九条：确定入党积极分子报上级党委备案",
    "mentors": "细则第十条：指定一至两名正式党员作培养联系人",
    "review": "细则第十二条：每半年对入党积极分子进行一次考察",
    "candidate": "细则第十三条：经过一年以上培养教育和考察，支委会讨论确定",
    "candidate_filed": "细则第十四条：确定发展对象报上级党委备案",
    "introducers": "细则第十五条：两名正式党员作入党介绍人",
    "political_review": "细则第十六条：政治审查未经审查或审查不合格的，不能发展入党",
    "training": "细则第十七条：集中培训时间一般不少于3天（或不少于24个学时）",
    "committee_review": "细则第十八条：支部委员会对发展对象进行严格审查",
    "pre_review": "细则第十九条：上级党委预审，预审合格的发给《入党志愿书》",
    "application_form": "细则第二十条：发展对象填写《入党志愿书》",
    "vote": "细则第二十一、二十二条：支部党员大会讨论，赞成人数超过应到会有表决权党员的半数",
    "higher_talk": "细则第二十四条：上级党委审批前派人谈话",
    "approve": "细则第二十五条：上级党委在三个月内审批，特殊情况可延长，最长不超过六个月",
    "approval_filed": "细则第二十六条：审批后报再上一级党委组织部门备案",
    "placed": "细则第二十八条：预备党员编入党支部和党小组",
    "oath": "细则第二十九条：预备党员面向党旗进行入党宣誓",
    "probation_review": "细则第三十条：继续教育考察预备党员",
    "conversion_request": "细则第三十一条：预备期满，本人提出书面转正申请",
    "conversion_vote": "细则第三十一条、党章第七条：预备期满由支部党员大会讨论转正",
    "conversion_approve": "细则第三十二条：上级党委在三个月内审批转正，最长不超过六个月",
    "archive": "细则第三十四条：入党材料归档",
    "extend": "党章第七条：需要继续考察和教育的，可以延长预备期，但不能超过一年",
    "cancel": "党章第七条：不履行党员义务、不具备党员条件的，取消预备党员资格",
    "refuse": "细则第二十五条：上级党委审批不予批准",
    "stop": "细则：发展程序终止",
    "full": "党章第七条：党龄从预备期满转为正式党员之日算起",
}

# Steps with no rule of their own beyond their order: (stage in which allowed, steps done before).
SIMPLE_STEPS = {
    "activist_filed": (Stage.ACTIVIST, ("activist",)),
    "candidate_filed": (Stage.CANDIDATE, ("candidate",)),
    "pre_review": (Stage.CANDIDATE, ("committee_review",)),
    "application_form": (Stage.CANDIDATE, ("pre_review",)),
    "higher_talk": (Stage.PROBATIONARY, ("vote",)),
    "approval_filed": (Stage.PROBATIONARY, ("approve",)),
    "placed": (Stage.PROBATIONARY, ("approve",)),
    "oath": (Stage.PROBATIONARY, ("approve",)),
    "probation_review": (Stage.PROBATIONARY, ("approve",)),
    "conversion_request": (Stage.PROBATIONARY, ("approve",)),
    "archive": (Stage.FULL, ("conversion_approve",)),
}


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
    decision=None,
    **data,
) -> DevelopmentStep:
    user = acting_user(actor)
    row = DevelopmentStep.objects.create(
        case=case,
        step=step,
        on=on,
        note=note[:200],
        rule=rule or RULES.get(step, ""),
        overdue=overdue,
        late_entry=add_months(on, BACKDATE_NOTE_MONTHS) < timezone.localdate(),
        recorded_by=user,
        recorded_by_name=actor_label(actor)[:50],
        decision=decision,
    )
    if decision is not None:
        data |= {
            "decision": decision.pk,
            "for": decision.votes_for,
            "against": decision.votes_against,
            "abstain": decision.votes_abstain,
            "voting_expected": decision.voting_expected,
            "passed": decision.passed,
        }
    log_action(
        actor=actor,
        action=f"people.development.{step}",
        obj=case,
        org=case.org,
        data={"on": on, "note": note, "overdue": overdue, **data},
    )
    return row


def _done(case: DevelopmentCase, step: str) -> date | None:
    return case.steps.filter(step=step).order_by("on").values_list("on", flat=True).first()


def _require_done(case: DevelopmentCase, *steps: str) -> None:
    for step in steps:
        if _done(case, step) is None:
            raise RuleError(
                f"须先完成“{STEP_LABELS[step]}”（第{STEP_NUMBERS[step]}步）。", code=f"needs_{step}"
            )


def _open(case: DevelopmentCase, *stages: str) -> None:
    if case.stage == Stage.STOPPED:
        raise RuleError("该发展程序已终止，后续环节不能进行。", code="stopped")
    if case.stage not in stages:
        raise RuleError(f"当前阶段为“{case.get_stage_display()}”，不能进行此环节。", code="stage")


def _full_members(members: list[Member], org: Org, on: date, what: str, low: int, high: int) -> list[Member]:
    chosen = {m.pk: m for m in members}
    if not low <= len(chosen) <= high:
        count = f"{low}名" if low == high else f"{low}至{high}名"
        raise RuleError(f"须指定{count}正式党员作{what}。", code="count")
    for m in chosen.values():
        if m.left_on is not None or not m.has_vote_on(on) or m.status != MemberStatus.FULL:
            raise RuleError(f"{m.person.name}不是正式党员，不能作{what}。", code="not_full")
    return list(chosen.values())


def _end_membership(case: DevelopmentCase, on: date, reason: str) -> Member | None:
    """Cancelling the qualification or the higher committee refusing ends the membership."""
    member = Member.objects.filter(person=case.person, left_on__isnull=True).first()
    if member is not None:
        member.left_on, member.left_reason = on, reason[:50]
        member.save(update_fields=["left_on", "left_reason", "updated_at"])
        MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).update(
            ended_on=on, reason=reason[:50]
        )
    case.stage, case.stopped_reason = Stage.STOPPED, reason[:200]
    case.save(update_fields=["stage", "stopped_reason"])
    return member


def _decide(case: DevelopmentCase, meeting, kind: str, subject: str, votes: tuple[int, int, int]):
    from dangjian.activities.services import decision_for

    if meeting.org_id != case.org_id:
        raise RuleError("须由本人所在党支部的支部党员大会讨论表决。", code="other_branch")
    return decision_for(
        activity=meeting,
        kind=kind,
        subject=subject,
        votes_for=votes[0],
        votes_against=votes[1],
        votes_abstain=votes[2],
        person=case.person,
    )


def _within_approval_limit(start: date, on: date, reason: str, what: str) -> None:
    """Three months; up to six with a recorded reason; never later. A 补录 note is not a reason."""
    if on <= add_months(start, APPROVAL_WITHIN_MONTHS):
        return
    latest = add_months(start, APPROVAL_AT_MOST_MONTHS)
    if on > latest:
        raise RuleError(
            f"{what}最长不超过六个月（最迟{latest:%Y年%m月%d日}），超过期限不能登记。",
            code="approval_too_late",
        )
    if not reason.strip():
        raise RuleError(f"{what}应在三个月内完成；超过三个月须填写延长审批的原因。", code="approval_reason")


# ---------------------------------------------------------------- stage 1: 申请入党


@transaction.atomic
def register_application(
    *, actor: Actor, person: Person, org: Org, applied_on: date, note: str = ""
) -> DevelopmentCase:
    """入党申请: the applicant is at least 18 on the day of applying."""
    _check(actor, org)
    _check_date(None, applied_on, note)
    age = person.age_on(applied_on)
    if age is not None and age < MIN_AGE:
        raise RuleError("入党申请人须年满18周岁。", code="min_age")
    if Member.objects.filter(person=person, left_on__isnull=True).exists():
        raise RuleError("此人已是党员。", code="already_member")
    if DevelopmentCase.objects.filter(person=person).exclude(stage=Stage.STOPPED).exists():
        raise RuleError("此人已在发展程序中。", code="open_case")
    case = DevelopmentCase.objects.create(person=person, org=org, applied_on=applied_on)
    _log(case, "apply", applied_on, note, actor)
    return case


@transaction.atomic
def record_talk(*, actor: Actor, case: DevelopmentCase, on: date, note: str = "") -> DevelopmentCase:
    """谈话: within one calendar month of the application. A late talk is recorded as it happened,
    with a note required, and stays marked overdue."""
    _check(actor, case.org)
    _open(case, Stage.APPLICANT)
    _check_date(case, on, note)
    overdue = on > add_months(case.applied_on, TALK_WITHIN_MONTHS)
    if overdue and not note.strip():
        raise RuleError("应在收到入党申请书后一个月内谈话；逾期谈话须填写说明。", code="talk_late")
    case.talked_on = on
    case.save(update_fields=["talked_on"])
    _log(case, "talk", on, note, actor, overdue=overdue)
    return case


# ---------------------------------------------------------------- stage 2: 入党积极分子


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
def assign_mentors(
    *, actor: Actor, case: DevelopmentCase, mentors: list[Member], on: date, note: str = ""
) -> DevelopmentCase:
    """培养联系人: one or two full members."""
    _check(actor, case.org)
    _open(case, Stage.ACTIVIST)
    _check_date(case, on, note)
    chosen = _full_members(mentors, case.org, on, "培养联系人", 1, 2)
    case.mentors.set(chosen)
    _log(case, "mentors", on, note or "、".join(m.person.name for m in chosen), actor)
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
    """发展对象: at least one calendar year as activist, one review in every half year, filed with the
    higher committee and with 培养联系人 assigned."""
    _check(actor, case.org)
    _open(case, Stage.ACTIVIST)
    _check_date(case, on, note)
    assert case.activist_on is not None  # an open activist case has its date (_open)
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
    _require_done(case, "activist_filed", "mentors")
    case.stage, case.candidate_on = Stage.CANDIDATE, on
    case.save(update_fields=["stage", "candidate_on"])
    _log(case, "candidate", on, note, actor)
    return case


# ---------------------------------------------------------------- stage 3: 发展对象


@transaction.atomic
def assign_introducers(
    *, actor: Actor, case: DevelopmentCase, introducers: list[Member], on: date, note: str = ""
) -> DevelopmentCase:
    """入党介绍人: two full members."""
    _check(actor, case.org)
    _open(case, Stage.CANDIDATE)
    _check_date(case, on, note)
    chosen = _full_members(introducers, case.org, on, "入党介绍人", 2, 2)
    case.introducers.set(chosen)
    _log(case, "introducers", on, note or "、".join(m.person.name for m in chosen), actor)
    return case


@transaction.atomic
def record_political_review(
    *, actor: Actor, case: DevelopmentCase, passed: bool, on: date, note: str = ""
) -> DevelopmentCase:
    """政治审查: nobody is admitted before it is finished and passed; failing it ends the case."""
    _check(actor, case.org)
    _open(case, Stage.CANDIDATE)
    _check_date(case, on, note)
    case.political_review_passed = passed
    case.save(update_fields=["political_review_passed"])
    _log(case, "political_review", on, note or ("合格" if passed else "不合格"), actor, passed=passed)
    if not passed:
        case.stage, case.stopped_reason = Stage.STOPPED, "政治审查不合格"
        case.save(update_fields=["stage", "stopped_reason"])
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
    _log(case, "training", on, f"{hours}学时 {note}".strip(), actor, hours=hours)
    return case


@transaction.atomic
def record_committee_review(
    *, actor: Actor, case: DevelopmentCase, on: date, note: str = ""
) -> DevelopmentCase:
    """支部委员会审查: after 备案, the introducers, a passed 政治审查 and the training."""
    _check(actor, case.org)
    _open(case, Stage.CANDIDATE)
    _check_date(case, on, note)
    _require_done(case, "candidate_filed", "introducers", "political_review")
    if case.political_review_passed is not True:
        raise RuleError("政治审查未完成或不合格，不能发展入党。", code="political_review")
    if case.training_hours < MIN_TRAINING_HOURS:
        raise RuleError("发展对象须经过不少于三天或24学时的集中培训。", code="training")
    _log(case, "committee_review", on, note, actor)
    return case


@transaction.atomic
def record_step(
    *, actor: Actor, case: DevelopmentCase, step: str, on: date, note: str = ""
) -> DevelopmentCase:
    """A step whose only rule is its place in the order (备案, 预审, 志愿书, 谈话, 宣誓, 转正申请…)."""
    if step not in SIMPLE_STEPS:
        raise RuleError("未知的环节。", code="step")
    stage, before = SIMPLE_STEPS[step]
    _check(actor, case.org)
    _open(case, stage)
    _check_date(case, on, note)
    _require_done(case, *before)
    if _done(case, step) is not None:
        raise RuleError(f"“{STEP_LABELS[step]}”已登记。", code="done")
    _log(case, step, on, note, actor)
    return case


# ---------------------------------------------------------------- stage 4: 预备党员的接收


@transaction.atomic
def admit_probationary(
    *,
    actor: Actor,
    case: DevelopmentCase,
    meeting,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    note: str = "",
) -> Member | None:
    """支部党员大会接收为预备党员: a decision of the branch's quorate 党员大会, passed when "for" exceeds
    half of the voting members who should attend. The probation year counts from the meeting; the
    member goes on the branch's roll as 预备党员. A vote that fails is recorded and admits nobody."""
    _check(actor, case.org)
    _open(case, Stage.CANDIDATE)
    on = meeting.date
    _check_date(case, on, note)
    _require_done(case, "committee_review", "pre_review", "application_form")
    if case.political_review_passed is not True:
        raise RuleError("政治审查未完成或不合格，不能发展入党。", code="political_review")
    decision = _decide(
        case, meeting, "admit", f"接收{case.person.name}为预备党员", (votes_for, votes_against, votes_abstain)
    )
    if not decision.passed:
        _log(case, "vote", on, note or "表决未通过", actor, decision=decision)
        return None
    case.stage, case.voted_on, case.admission_decision = Stage.PROBATIONARY, on, decision
    case.save(update_fields=["stage", "voted_on", "admission_decision"])
    member = Member.objects.filter(person=case.person).first()
    if member is None:
        member = Member.objects.create(
            person=case.person, org=case.org, status=MemberStatus.PROBATIONARY, joined_on=on
        )
    else:  # once a member, off the roll since
        member.org, member.status, member.joined_on, member.full_on = (
            case.org,
            MemberStatus.PROBATIONARY,
            on,
            None,
        )
        member.left_on, member.left_reason = None, ""
        member.save()
    MembershipPeriod.objects.create(member=member, org=case.org, started_on=on, reason="接收为预备党员")
    _log(case, "vote", on, note, actor, decision=decision)
    return member


@transaction.atomic
def record_approval(
    *,
    actor: Actor,
    case: DevelopmentCase,
    on: date,
    approved: bool = True,
    reason: str = "",
    note: str = "",
) -> DevelopmentCase:
    """上级党委审批: after its talk, within three months of the meeting (six at most, with a recorded
    reason). A refusal ends the membership, with the reason, and the case."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    _check_date(case, on, note)
    if case.approved_on is not None:
        raise RuleError("上级党委已审批。", code="done")
    _require_done(case, "higher_talk")
    assert case.voted_on is not None  # a probationary case was voted on
    _within_approval_limit(case.voted_on, on, reason, "上级党委审批")
    if not approved:
        if not (reason or note).strip():
            raise RuleError("请填写不予批准的原因。", code="reason")
        _end_membership(case, on, f"上级党委不予批准：{(reason or note).strip()}")
        _log(case, "refuse", on, (reason or note).strip(), actor)
        return case
    case.approved_on, case.approval_reason = on, reason.strip()
    case.save(update_fields=["approved_on", "approval_reason"])
    _log(case, "approve", on, "；".join(x for x in (reason.strip(), note.strip()) if x), actor)
    return case


# ---------------------------------------------------------------- stage 5: 教育考察和转正


@transaction.atomic
def extend_probation(
    *,
    actor: Actor,
    case: DevelopmentCase,
    months: int,
    meeting,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    note: str = "",
) -> DevelopmentCase:
    """延长预备期: once, by 6 to 12 months, decided by the branch's quorate 党员大会."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    on = meeting.date
    _check_date(case, on, note)
    if case.extension_months:
        raise RuleError("预备期只能延长一次。", code="extend_once")
    if not 6 <= months <= 12:
        raise RuleError("预备期延长时间为半年至一年。", code="extend_range")
    decision = _decide(
        case,
        meeting,
        "extend",
        f"延长{case.person.name}的预备期{months}个月",
        (votes_for, votes_against, votes_abstain),
    )
    if decision.passed:
        case.extension_months = months
        case.save(update_fields=["extension_months"])
    _log(case, "extend", on, f"延长{months}个月 {note}".strip(), actor, decision=decision)
    return case


@transaction.atomic
def cancel_probation(
    *,
    actor: Actor,
    case: DevelopmentCase,
    reason: str,
    meeting,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
) -> DevelopmentCase:
    """取消预备党员资格, decided by the branch's quorate 党员大会: the membership ends, with the reason."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    on = meeting.date
    _check_date(case, on, reason)
    if not reason.strip():
        raise RuleError("请填写取消预备党员资格的原因。", code="reason")
    decision = _decide(
        case,
        meeting,
        "cancel",
        f"取消{case.person.name}的预备党员资格",
        (votes_for, votes_against, votes_abstain),
    )
    if decision.passed:
        _end_membership(case, on, f"取消预备党员资格：{reason.strip()}")
    _log(case, "cancel", on, reason.strip(), actor, decision=decision)
    return case


@transaction.atomic
def vote_conversion(
    *,
    actor: Actor,
    case: DevelopmentCase,
    meeting,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    note: str = "",
) -> DevelopmentCase:
    """支部党员大会讨论转正: on or after the end of the probation (a year from the admission vote, plus
    any extension), on the member's written request, by a quorate meeting."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    on = meeting.date
    _check_date(case, on, note)
    if case.approved_on is None:
        raise RuleError("上级党委尚未审批接收为预备党员，不能讨论转正。", code="not_approved")
    _require_done(case, "conversion_request")
    due = case.conversion_due_on
    if due and on < due:
        raise RuleError(
            f"预备期为一年（含延长期），{due:%Y年%m月%d日}前不能讨论转正。", code="probation_year"
        )
    if case.conversion_voted_on is not None:
        raise RuleError("支部党员大会已通过转正，待上级党委审批。", code="done")
    decision = _decide(
        case,
        meeting,
        "convert",
        f"{case.person.name}按期转为正式党员",
        (votes_for, votes_against, votes_abstain),
    )
    if decision.passed:
        case.conversion_voted_on, case.conversion_decision = on, decision
        case.save(update_fields=["conversion_voted_on", "conversion_decision"])
    _log(
        case,
        "conversion_vote",
        on,
        note or ("" if decision.passed else "表决未通过"),
        actor,
        decision=decision,
    )
    return case


@transaction.atomic
def approve_conversion(
    *, actor: Actor, case: DevelopmentCase, on: date, reason: str = "", note: str = ""
) -> Member:
    """上级党委审批转正, within three months of the meeting (six at most, with a reason). The member is
    full from the day the probation ended — 党龄 counts from there (党章 Article 7)."""
    _check(actor, case.org)
    _open(case, Stage.PROBATIONARY)
    _check_date(case, on, note)
    if case.conversion_voted_on is None:
        raise RuleError("支部党员大会尚未通过转正。", code="needs_conversion_vote")
    _within_approval_limit(case.conversion_voted_on, on, reason, "上级党委审批转正")
    due = case.conversion_due_on
    member = Member.objects.get(person=case.person)
    member.status, member.full_on = MemberStatus.FULL, due
    member.save(update_fields=["status", "full_on", "updated_at"])
    case.stage, case.full_on, case.conversion_approved_on = Stage.FULL, due, on
    case.save(update_fields=["stage", "full_on", "conversion_approved_on"])
    _log(case, "conversion_approve", on, "；".join(x for x in (reason.strip(), note.strip()) if x), actor)
    return member


@transaction.atomic
def stop_case(*, actor: Actor, case: DevelopmentCase, on: date, reason: str) -> DevelopmentCase:
    """A failed step before admission: the case stops and every later step is refused. A 预备党员's
    case ends only by a decision (``cancel_probation``) or the higher committee refusing."""
    _check(actor, case.org)
    if case.stage in (Stage.STOPPED, Stage.FULL):
        raise RuleError("该发展程序已结束。", code="closed")
    if case.stage == Stage.PROBATIONARY:
        raise RuleError("预备党员须经支部党员大会讨论取消预备党员资格。", code="needs_decision")
    if not reason.strip():
        raise RuleError("请填写终止原因。", code="reason")
    case.stage, case.stopped_reason = Stage.STOPPED, reason
    case.save(update_fields=["stage", "stopped_reason"])
    _log(case, "stop", on, reason, actor)
    return case


def history(case: DevelopmentCase) -> list[dict]:
    """The whole procedure for the person page: every one of the 25 steps in order with its date(s),
    the rule that bound it and who recorded it (empty where not yet done), then the other events."""
    rows = list(case.steps.select_related("decision", "decision__activity").order_by("on", "id"))
    by_step: dict[str, list[DevelopmentStep]] = {}
    for row in rows:
        by_step.setdefault(row.step, []).append(row)
    out = [
        {
            "number": n,
            "code": code,
            "label": label,
            "rule": RULES.get(code, ""),
            "entries": by_step.get(code, []),
        }
        for n, code, label in STEPS
    ]
    extra = [r for r in rows if r.step not in STEP_NUMBERS]
    for r in extra:
        out.append(
            {
                "number": None,
                "code": r.step,
                "label": STEP_LABELS.get(r.step, r.step),
                "rule": r.rule,
                "entries": [r],
            }
        )
    return out


# ---------------------------------------------------------------- one entry point for the page's form


@dataclass(frozen=True)
class StepInput:
    """What the development page's one form carries; each step takes the part it needs."""

    on: date | None = None
    note: str = ""
    meeting: Any = None  # the 支部党员大会 that decided (the decision steps)
    votes_for: int = 0
    votes_against: int = 0
    votes_abstain: int = 0
    people: tuple[Member, ...] = ()  # mentors or introducers
    refused: bool = False
    hours: int = 0
    reason: str = ""
    months: int = 0

    @property
    def votes(self) -> dict[str, int]:
        return {
            "votes_for": self.votes_for,
            "votes_against": self.votes_against,
            "votes_abstain": self.votes_abstain,
        }


# Steps on a date of their own, and steps decided by a 支部党员大会 (they take its meeting instead).
_DATED: dict[str, Callable[[Actor, DevelopmentCase, StepInput, date], Any]] = {
    "talk": lambda a, c, v, on: record_talk(actor=a, case=c, on=on, note=v.note),
    "activist": lambda a, c, v, on: make_activist(actor=a, case=c, on=on, note=v.note),
    "mentors": lambda a, c, v, on: assign_mentors(
        actor=a, case=c, mentors=list(v.people), on=on, note=v.note
    ),
    "review": lambda a, c, v, on: record_review(actor=a, case=c, on=on, note=v.note),
    "candidate": lambda a, c, v, on: make_candidate(actor=a, case=c, on=on, note=v.note),
    "introducers": lambda a, c, v, on: assign_introducers(
        actor=a, case=c, introducers=list(v.people), on=on, note=v.note
    ),
    "political_review": lambda a, c, v, on: record_political_review(
        actor=a, case=c, passed=not v.refused, on=on, note=v.note
    ),
    "training": lambda a, c, v, on: record_training(actor=a, case=c, on=on, hours=v.hours, note=v.note),
    "committee_review": lambda a, c, v, on: record_committee_review(actor=a, case=c, on=on, note=v.note),
    "approve": lambda a, c, v, on: record_approval(
        actor=a, case=c, on=on, approved=not v.refused, reason=v.reason, note=v.note
    ),
    "conversion_approve": lambda a, c, v, on: approve_conversion(
        actor=a, case=c, on=on, reason=v.reason, note=v.note
    ),
    "stop": lambda a, c, v, on: stop_case(actor=a, case=c, on=on, reason=v.reason or v.note),
}
_DECIDED: dict[str, Callable[[Actor, DevelopmentCase, StepInput, Any], Any]] = {
    "vote": lambda a, c, v, m: admit_probationary(actor=a, case=c, meeting=m, note=v.note, **v.votes),
    "conversion_vote": lambda a, c, v, m: vote_conversion(actor=a, case=c, meeting=m, note=v.note, **v.votes),
    "extend": lambda a, c, v, m: extend_probation(
        actor=a, case=c, months=v.months, meeting=m, note=v.note, **v.votes
    ),
    "cancel": lambda a, c, v, m: cancel_probation(
        actor=a, case=c, reason=v.reason or v.note, meeting=m, **v.votes
    ),
}
DECISION_STEPS = tuple(_DECIDED)


def is_form_step(step: str) -> bool:
    return step in _DATED or step in _DECIDED or step in SIMPLE_STEPS


def take_step(*, actor: Actor, case: DevelopmentCase, step: str, values: StepInput) -> Any:
    """Record ``step`` of ``case`` from the development page's form: the one place that knows which
    service each step is and what it takes. A decision step needs its meeting, every other a date."""
    if step in _DECIDED:
        if values.meeting is None:
            raise PeopleError("请选择作出决定的支部党员大会。", code="meeting")
        return _DECIDED[step](actor, case, values, values.meeting)
    if not is_form_step(step):
        raise PeopleError("没有这个发展步骤。", code="unknown_step")
    if values.on is None:
        raise PeopleError("请填写日期。", code="date")
    if step in _DATED:
        return _DATED[step](actor, case, values, values.on)
    return record_step(actor=actor, case=case, step=step, on=values.on, note=values.note)
