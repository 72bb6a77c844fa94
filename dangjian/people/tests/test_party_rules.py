"""Issue 13, "Party rules done right": each test names the rule it enforces."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.activities import services as activities
from dangjian.activities.models import Kind
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import CommitteeTerm
from dangjian.people import development, transfers
from dangjian.people.models import DevelopmentCase, Member, MemberStatus, Stage, TransferKind
from dangjian.people.selectors import conversions_due

from .factories import MemberFactory, PersonFactory, fresh_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(branch):
    return PersonFactory(org=branch, id_number=fresh_id(date(2000, 1, 1), "女"))


# ---------------------------------------------------------------- point 8: calendar arithmetic


@time_machine.travel(date(2024, 10, 31))
def test_talk_on_31_october_after_an_application_on_30_september_is_overdue(admin_user, branch, applicant):
    """细则第七条: the talk is due within one calendar month — 30 Sept → by 30 Oct, not 31 days."""
    case = development.register_application(
        actor=admin_user, person=applicant, org=branch, applied_on=date(2024, 9, 30), note="补录"
    )
    with pytest.raises(ValidationError) as exc:
        development.record_talk(actor=admin_user, case=case, on=date(2024, 10, 31))
    assert exc.value.code == "talk_late"
    development.record_talk(actor=admin_user, case=case, on=date(2024, 10, 31), note="本人外出，延后谈话")
    step = case.steps.get(step="talk")
    assert step.overdue, "a note explains a late talk but never makes it on time"


@time_machine.travel(date(2024, 10, 31))
def test_talk_on_30_october_is_within_the_month(admin_user, branch, applicant):
    case = development.register_application(
        actor=admin_user, person=applicant, org=branch, applied_on=date(2024, 9, 30), note="补录"
    )
    development.record_talk(actor=admin_user, case=case, on=date(2024, 10, 30))
    assert not case.steps.get(step="talk").overdue


def _activist_from(admin_user, branch, person, activist_on: date):
    n = "补录"
    case = development.register_application(
        actor=admin_user, person=person, org=branch, applied_on=date(2022, 12, 1), note=n
    )
    development.record_talk(actor=admin_user, case=case, on=date(2022, 12, 20), note=n)
    development.make_activist(actor=admin_user, case=case, on=activist_on, note=n)
    development.record_step(actor=admin_user, case=case, step="activist_filed", on=activist_on, note=n)
    mentors = MemberFactory.create_batch(1, org=branch)
    development.assign_mentors(actor=admin_user, case=case, mentors=mentors, on=activist_on, note=n)
    return case


def test_an_activist_appointed_1_march_2023_is_not_a_candidate_on_29_february_2024(
    admin_user, branch, applicant
):
    """细则第十三条: one calendar year as activist — appointed 2023-03-01, not before 2024-03-01."""
    n = "补录"
    case = _activist_from(admin_user, branch, applicant, date(2023, 3, 1))
    development.record_review(actor=admin_user, case=case, on=date(2023, 9, 1), note=n)
    development.record_review(actor=admin_user, case=case, on=date(2024, 2, 28), note=n)
    with pytest.raises(ValidationError) as exc:
        development.make_candidate(actor=admin_user, case=case, on=date(2024, 2, 29), note=n)
    assert exc.value.code == "activist_one_year"
    development.make_candidate(actor=admin_user, case=case, on=date(2024, 3, 1), note=n)


def test_a_half_year_without_a_review_blocks_the_candidate_even_with_two_reviews(
    admin_user, branch, applicant
):
    """细则第十二条: one review in each half year, not two reviews anywhere."""
    n = "补录"
    case = _activist_from(admin_user, branch, applicant, date(2023, 3, 1))
    development.record_review(actor=admin_user, case=case, on=date(2023, 5, 1), note=n)
    development.record_review(actor=admin_user, case=case, on=date(2023, 6, 1), note=n)
    with pytest.raises(ValidationError) as exc:
        development.make_candidate(actor=admin_user, case=case, on=date(2024, 3, 1), note=n)
    assert exc.value.code == "reviews"


def test_probation_from_a_vote_on_31_august_2022_extended_6_months_ends_29_february_2024(branch, applicant):
    """党章第七条: probation of one year from the vote, extended by months, in calendar months."""
    case = DevelopmentCase(
        person=applicant, org=branch, applied_on=date(2020, 1, 1), voted_on=date(2022, 8, 31)
    )
    case.extension_months = 6
    assert case.conversion_due_on == date(2024, 2, 29)


def test_a_committee_elected_on_29_february_is_due_on_28_february_five_years_on():
    assert CommitteeTerm.due_date(date(2024, 2, 29), 5) == date(2029, 2, 28)


# ---------------------------------------------------------------- point 4: 党龄


def test_standing_counts_from_the_end_of_probation_not_from_the_conversion_meeting(branch):
    """党章第七条: 党龄 from the day the probation ends — probation ending 2024-04-01, meeting on
    2024-05-20: one year of standing on 2025-04-15."""
    member = MemberFactory(org=branch, joined_on=date(2023, 4, 1), full_on=date(2024, 4, 1))
    assert member.standing_years(date(2025, 4, 15)) == 1
    assert member.standing_years(date(2025, 3, 31)) == 0


# ---------------------------------------------------------------- the whole procedure (points 2, 5, 7)

N = "补录纸质档案"


@pytest.fixture
def roll(branch):
    """A branch of ten full members (the introducers and mentors come from it)."""
    return MemberFactory.create_batch(10, org=branch)


def congress(actor, branch, day: date, present):
    meeting = activities.record_activity(
        actor=actor, org=branch, kind=Kind.PARTY_CONGRESS, title="支部党员大会", date=day
    )
    activities.set_attendance(
        actor=actor, activity=meeting, marks=[activities.Mark(m.pk, "present") for m in present]
    )
    return meeting


def to_candidate(actor, branch, person, roll):
    case = development.register_application(
        actor=actor, person=person, org=branch, applied_on=date(2021, 1, 5), note=N
    )
    development.record_talk(actor=actor, case=case, on=date(2021, 1, 20), note=N)
    development.make_activist(actor=actor, case=case, on=date(2021, 3, 1), note=N)
    development.record_step(actor=actor, case=case, step="activist_filed", on=date(2021, 3, 5), note=N)
    development.assign_mentors(actor=actor, case=case, mentors=roll[:2], on=date(2021, 3, 6), note=N)
    development.record_review(actor=actor, case=case, on=date(2021, 9, 1), note=N)
    development.record_review(actor=actor, case=case, on=date(2022, 3, 1), note=N)
    development.make_candidate(actor=actor, case=case, on=date(2022, 3, 10), note=N)
    return case


def to_vote(actor, branch, person, roll):
    case = to_candidate(actor, branch, person, roll)
    development.record_step(actor=actor, case=case, step="candidate_filed", on=date(2022, 3, 15), note=N)
    development.assign_introducers(
        actor=actor, case=case, introducers=roll[2:4], on=date(2022, 3, 16), note=N
    )
    development.record_political_review(actor=actor, case=case, passed=True, on=date(2022, 4, 1), note=N)
    development.record_training(actor=actor, case=case, hours=24, on=date(2022, 4, 10), note=N)
    development.record_committee_review(actor=actor, case=case, on=date(2022, 4, 20), note=N)
    development.record_step(actor=actor, case=case, step="pre_review", on=date(2022, 5, 1), note=N)
    development.record_step(actor=actor, case=case, step="application_form", on=date(2022, 5, 10), note=N)
    return case


def admitted(actor, branch, person, roll, day=date(2022, 6, 1)):
    case = to_vote(actor, branch, person, roll)
    member = development.admit_probationary(
        actor=actor, case=case, meeting=congress(actor, branch, day, roll[:8]), votes_for=8, note=N
    )
    assert member is not None
    return case, member


def approved(actor, branch, person, roll):
    case, member = admitted(actor, branch, person, roll)
    development.record_step(actor=actor, case=case, step="higher_talk", on=date(2022, 6, 20), note=N)
    development.record_approval(actor=actor, case=case, on=date(2022, 7, 1), note=N)
    return case, member


def test_the_whole_procedure_from_application_to_full_membership(admin_user, branch, applicant, roll):
    """细则 (2014), 25 steps: each recorded with its date, its rule and who recorded it."""
    case, member = approved(admin_user, branch, applicant, roll)
    assert member.status == MemberStatus.PROBATIONARY and member.joined_on == date(2022, 6, 1)
    for step, day in [
        ("approval_filed", date(2022, 7, 5)),
        ("placed", date(2022, 7, 6)),
        ("oath", date(2022, 7, 7)),
        ("probation_review", date(2023, 1, 1)),
        ("conversion_request", date(2023, 5, 20)),
    ]:
        development.record_step(actor=admin_user, case=case, step=step, on=day, note=N)
    development.vote_conversion(
        actor=admin_user,
        case=case,
        meeting=congress(admin_user, branch, date(2023, 6, 20), roll[:8]),
        votes_for=9 - 1,
        note=N,
    )
    member = development.approve_conversion(actor=admin_user, case=case, on=date(2023, 7, 10), note=N)
    development.record_step(actor=admin_user, case=case, step="archive", on=date(2023, 7, 20), note=N)
    assert member.status == MemberStatus.FULL
    assert member.full_on == date(2023, 6, 1), "党龄 from the end of probation, not the meeting of 2023-06-20"
    steps = development.history(case)
    assert [s["number"] for s in steps[:25]] == list(range(1, 26))
    assert all(s["entries"] for s in steps[:25])
    first = steps[0]["entries"][0]
    assert first.rule.startswith("细则") and first.recorded_by == admin_user and first.late_entry


def test_admission_without_a_passed_political_review_is_refused(admin_user, branch, applicant, roll):
    """细则第十六条: nobody is admitted before the political review is finished and passed."""
    case = to_candidate(admin_user, branch, applicant, roll)
    development.record_step(actor=admin_user, case=case, step="candidate_filed", on=date(2022, 3, 15), note=N)
    development.assign_introducers(
        actor=admin_user, case=case, introducers=roll[2:4], on=date(2022, 3, 16), note=N
    )
    development.record_training(actor=admin_user, case=case, hours=24, on=date(2022, 4, 10), note=N)
    with pytest.raises(ValidationError) as exc:
        development.record_committee_review(actor=admin_user, case=case, on=date(2022, 4, 20), note=N)
    assert exc.value.code == "needs_political_review"
    development.record_political_review(
        actor=admin_user, case=case, passed=False, on=date(2022, 4, 21), note=N
    )
    case.refresh_from_db()
    assert case.stage == Stage.STOPPED
    with pytest.raises(ValidationError, match="已终止"):
        development.record_committee_review(actor=admin_user, case=case, on=date(2022, 4, 22), note=N)


def test_a_candidate_needs_filing_and_a_mentor_before_becoming_one(admin_user, branch, applicant, roll):
    """细则第九、十条: 备案 with the higher committee and 培养联系人 come before 发展对象."""
    case = development.register_application(
        actor=admin_user, person=applicant, org=branch, applied_on=date(2021, 1, 5), note=N
    )
    development.record_talk(actor=admin_user, case=case, on=date(2021, 1, 20), note=N)
    development.make_activist(actor=admin_user, case=case, on=date(2021, 3, 1), note=N)
    development.record_review(actor=admin_user, case=case, on=date(2021, 9, 1), note=N)
    development.record_review(actor=admin_user, case=case, on=date(2022, 3, 1), note=N)
    with pytest.raises(ValidationError) as exc:
        development.make_candidate(actor=admin_user, case=case, on=date(2022, 3, 10), note=N)
    assert exc.value.code == "needs_activist_filed"


def test_admission_is_a_decision_of_a_quorate_branch_meeting_not_a_date(admin_user, branch, applicant, roll):
    """细则第二十一条, 支部工作条例第九条: no meeting with a quorum, no admission."""
    case = to_vote(admin_user, branch, applicant, roll)
    thin = congress(admin_user, branch, date(2022, 6, 1), roll[:5])  # 5 of 10 voting members: no quorum
    with pytest.raises(ValidationError) as exc:
        development.admit_probationary(actor=admin_user, case=case, meeting=thin, votes_for=5, note=N)
    assert exc.value.code == "not_quorate"
    assert not Member.objects.filter(person=applicant).exists()


def test_admission_fails_when_for_is_half_of_those_who_should_attend(admin_user, branch, applicant, roll):
    """细则第二十二条: "for" must exceed half of the voting members who should attend (10 → 6)."""
    case = to_vote(admin_user, branch, applicant, roll)
    meeting = congress(admin_user, branch, date(2022, 6, 1), roll[:8])
    assert (
        development.admit_probationary(
            actor=admin_user, case=case, meeting=meeting, votes_for=5, votes_against=3, note=N
        )
        is None
    )
    case.refresh_from_db()
    assert case.stage == Stage.CANDIDATE and not Member.objects.filter(person=applicant).exists()
    step = case.steps.get(step="vote")
    assert (step.decision.votes_for, step.decision.voting_expected, step.decision.passed) == (5, 10, False)
    member = development.admit_probationary(
        actor=admin_user,
        case=case,
        meeting=congress(admin_user, branch, date(2022, 6, 15), roll[:8]),
        votes_for=6,
        votes_against=2,
        note=N,
    )
    assert member.joined_on == date(2022, 6, 15)


def test_approval_four_months_after_the_vote_needs_a_reason_and_a_late_entry_note_is_not_one(
    admin_user, branch, applicant, roll
):
    """细则第二十五条: approval within 3 months, 6 at most with a reason; 补录 never satisfies a limit."""
    case, _ = admitted(admin_user, branch, applicant, roll)
    development.record_step(actor=admin_user, case=case, step="higher_talk", on=date(2022, 6, 20), note=N)
    with pytest.raises(ValidationError) as exc:
        development.record_approval(actor=admin_user, case=case, on=date(2022, 10, 1), note=N)
    assert exc.value.code == "approval_reason"
    with pytest.raises(ValidationError) as exc:
        development.record_approval(
            actor=admin_user, case=case, on=date(2022, 12, 2), reason="党委换届", note=N
        )
    assert exc.value.code == "approval_too_late"
    development.record_approval(actor=admin_user, case=case, on=date(2022, 10, 1), reason="党委换届", note=N)
    case.refresh_from_db()
    assert case.approval_reason == "党委换届"


def test_approval_needs_the_higher_committees_talk_first(admin_user, branch, applicant, roll):
    """细则第二十四条: the higher committee talks with the candidate before approving."""
    case, _ = admitted(admin_user, branch, applicant, roll)
    with pytest.raises(ValidationError) as exc:
        development.record_approval(actor=admin_user, case=case, on=date(2022, 7, 1), note=N)
    assert exc.value.code == "needs_higher_talk"


def test_conversion_before_the_year_of_probation_and_without_a_request_is_refused(
    admin_user, branch, applicant, roll
):
    """党章第七条: 转正 is discussed when the probation ends, on the member's request (细则第三十一条)."""
    case, _ = approved(admin_user, branch, applicant, roll)
    early = congress(admin_user, branch, date(2023, 5, 31), roll[:8])
    with pytest.raises(ValidationError) as exc:
        development.vote_conversion(actor=admin_user, case=case, meeting=early, votes_for=8, note=N)
    assert exc.value.code == "needs_conversion_request"
    development.record_step(
        actor=admin_user, case=case, step="conversion_request", on=date(2023, 5, 20), note=N
    )
    with pytest.raises(ValidationError) as exc:
        development.vote_conversion(actor=admin_user, case=case, meeting=early, votes_for=8, note=N)
    assert exc.value.code == "probation_year"


def test_approval_of_conversion_later_than_six_months_is_refused(admin_user, branch, applicant, roll):
    """细则第三十二条: the higher committee approves 转正 within 3 months, 6 at most with a reason."""
    case, _ = approved(admin_user, branch, applicant, roll)
    development.record_step(
        actor=admin_user, case=case, step="conversion_request", on=date(2023, 5, 20), note=N
    )
    development.vote_conversion(
        actor=admin_user,
        case=case,
        meeting=congress(admin_user, branch, date(2023, 6, 1), roll[:8]),
        votes_for=8,
        note=N,
    )
    with pytest.raises(ValidationError) as exc:
        development.approve_conversion(
            actor=admin_user, case=case, on=date(2023, 12, 2), reason="延误", note=N
        )
    assert exc.value.code == "approval_too_late"


def test_extension_is_a_decision_and_moves_the_end_of_probation(admin_user, branch, applicant, roll):
    """党章第七条: probation extended once, by 6 to 12 months, by the branch meeting's decision."""
    case, _ = approved(admin_user, branch, applicant, roll)
    meeting = congress(admin_user, branch, date(2023, 6, 1), roll[:8])
    development.extend_probation(
        actor=admin_user, case=case, months=6, meeting=meeting, votes_for=7, votes_against=1, note=N
    )
    case.refresh_from_db()
    assert case.conversion_due_on == date(2023, 12, 1)
    with pytest.raises(ValidationError, match="只能延长一次"):
        development.extend_probation(
            actor=admin_user, case=case, months=6, meeting=meeting, votes_for=7, note=N
        )


def test_cancelling_a_probationary_members_qualification_ends_the_membership(
    admin_user, branch, applicant, roll
):
    """党章第七条: 取消预备党员资格 takes the person off the roll, audited with the reason."""
    case, member = approved(admin_user, branch, applicant, roll)
    with pytest.raises(ValidationError) as exc:
        development.stop_case(actor=admin_user, case=case, on=date(2023, 6, 1), reason="不具备党员条件")
    assert exc.value.code == "needs_decision"
    meeting = congress(admin_user, branch, date(2023, 6, 1), roll[:8])
    development.cancel_probation(
        actor=admin_user, case=case, reason="不履行党员义务", meeting=meeting, votes_for=7, votes_abstain=1
    )
    member.refresh_from_db()
    assert member.left_on == date(2023, 6, 1) and "不履行党员义务" in member.left_reason
    assert member.periods.get().ended_on == date(2023, 6, 1)
    entry = AuditEntry.objects.filter(action="people.development.cancel").get()
    assert entry.data["passed"] is True


def test_the_higher_committee_refusing_ends_the_membership(admin_user, branch, applicant, roll):
    """细则第二十五条: a refusal by the higher committee leaves nobody on the roll as 预备党员."""
    case, member = admitted(admin_user, branch, applicant, roll)
    development.record_step(actor=admin_user, case=case, step="higher_talk", on=date(2022, 6, 20), note=N)
    development.record_approval(
        actor=admin_user, case=case, on=date(2022, 7, 1), approved=False, reason="政治表现不合格", note=N
    )
    member.refresh_from_db()
    case.refresh_from_db()
    assert member.left_on == date(2022, 7, 1) and case.stage == Stage.STOPPED


def test_conversions_falling_due_are_listed_for_the_secretary(admin_user, secretary, branch, applicant, roll):
    case, _ = admitted(admin_user, branch, applicant, roll)
    assert [c.pk for c in conversions_due(secretary, today=date(2023, 4, 15))] == [case.pk]
    assert conversions_due(secretary, today=date(2023, 1, 1)) == []


def test_the_person_page_shows_every_step_with_its_date_rule_and_recorder(
    secretary, secretary_client, branch, applicant, roll
):
    """DOMAIN.md: the person page shows the whole development history — date, rule, who recorded it."""
    case, _ = admitted(secretary, branch, applicant, roll)
    page = secretary_client.get(reverse("people:person", args=[applicant.pk])).content.decode()
    assert "1. 递交入党申请书" in page and "25. 材料归档" in page
    assert "细则第七条：收到入党申请书后一个月内派人谈话" in page
    assert "2021-01-20" in page and "secretary" in page and "补录" in page
    assert "应到有表决权党员10名、实到8名，赞成8、反对0、弃权0" in page


def test_a_step_is_recorded_from_the_development_page_without_script(
    secretary, secretary_client, branch, applicant
):
    case = development.register_application(
        actor=secretary, person=applicant, org=branch, applied_on=date(2021, 1, 5), note=N
    )
    page = secretary_client.get(reverse("people:development")).content.decode()
    assert 'name="step"' in page and "onchange" not in page
    response = secretary_client.post(
        reverse("people:development_step", args=[case.pk, "do"]),
        {"step": "talk", "on": "2021-01-20", "note": N},
    )
    assert response.status_code == 302
    assert case.steps.filter(step="talk", on=date(2021, 1, 20)).exists()


def test_introducers_are_picked_by_name_on_the_development_page(
    secretary, secretary_client, branch, applicant, roll
):
    case = to_candidate(secretary, branch, applicant, roll)
    development.record_step(actor=secretary, case=case, step="candidate_filed", on=date(2022, 3, 15), note=N)
    page = secretary_client.get(reverse("people:development")).content.decode()
    assert f'id="intro-{case.pk}"' in page and "/pick/people.person/" in page and "张三、李四" not in page
    response = secretary_client.post(
        reverse("people:development_step", args=[case.pk, "do"]),
        {
            "step": "introducers",
            "on": "2022-03-16",
            "note": N,
            "introducers": [roll[2].person_id, roll[3].person_id],
        },
    )
    assert response.status_code == 302
    assert set(case.introducers.all()) == {roll[2], roll[3]}


def test_an_introducer_out_of_scope_is_refused(
    secretary, secretary_client, branch, other_branch, applicant, roll
):
    case = to_candidate(secretary, branch, applicant, roll)
    stranger = MemberFactory(org=other_branch)
    response = secretary_client.post(
        reverse("people:development_step", args=[case.pk, "do"]),
        {
            "step": "introducers",
            "on": "2022-03-16",
            "note": N,
            "introducers": [roll[2].person_id, stranger.person_id],
        },
        follow=True,
    )
    assert "不在您可选的范围内" in response.content.decode() and not case.introducers.exists()


# ---------------------------------------------------------------- point 3: temporary relationships


def test_a_received_temporary_certificate_keeps_the_member_on_the_home_roll(
    admin_user, secretary, branch, other_branch
):
    """DOMAIN.md transfers: a temporary relationship lets the host record organizational life; the
    formal relationship, the roll, dues and the vote stay at home."""
    from dangjian.activities.selectors import turnout

    member = MemberFactory(org=branch)
    t = transfers.request_transfer_out(
        actor=admin_user, member=member, applied_on=date(2023, 3, 1), months_away=3, to_org=other_branch
    )
    assert t.kind == TransferKind.TEMPORARY
    transfers.approve_transfer(actor=admin_user, transfer=t, on=date(2023, 3, 2))
    transfers.issue_letter(actor=admin_user, transfer=t, on=date(2023, 3, 3))
    transfers.receive_transfer(actor=admin_user, transfer=t, on=date(2023, 3, 10))
    member.refresh_from_db()
    assert member.org == branch and member.left_on is None
    assert member.periods.get().ended_on is None
    host_day = activities.record_activity(
        actor=admin_user, org=other_branch, kind=Kind.THEME_DAY, title="乙村主题党日", date=date(2023, 4, 10)
    )
    activities.set_attendance(
        actor=admin_user, activity=host_day, marks=[activities.Mark(member.pk, "present")]
    )
    host_congress = activities.record_activity(
        actor=admin_user, org=other_branch, kind=Kind.PARTY_CONGRESS, title="乙村大会", date=date(2023, 4, 10)
    )
    activities.set_attendance(
        actor=admin_user, activity=host_congress, marks=[activities.Mark(member.pk, "present")]
    )
    assert turnout(host_congress).voting_present == 0, "no vote at the host branch"
    home = activities.record_activity(
        actor=admin_user, org=branch, kind=Kind.PARTY_CONGRESS, title="甲村大会", date=date(2023, 4, 10)
    )
    assert turnout(home).voting_expected == 1, "the vote stays at home"
    after = activities.record_activity(
        actor=admin_user, org=other_branch, kind=Kind.THEME_DAY, title="七月主题党日", date=date(2023, 7, 10)
    )
    with pytest.raises(ValidationError):
        activities.set_attendance(
            actor=admin_user, activity=after, marks=[activities.Mark(member.pk, "present")]
        )


def test_a_temporary_certificate_sent_off_the_platform_keeps_the_member_on_the_roll(admin_user, branch):
    member = MemberFactory(org=branch)
    t = transfers.request_transfer_out(
        actor=admin_user,
        member=member,
        applied_on=date(2023, 3, 1),
        months_away=4,
        outside_org_name="郑州某社区党委",
    )
    transfers.approve_transfer(actor=admin_user, transfer=t, on=date(2023, 3, 2))
    transfers.issue_letter(actor=admin_user, transfer=t, on=date(2023, 3, 3))
    transfers.receive_transfer(actor=admin_user, transfer=t, on=date(2023, 3, 10))
    member.refresh_from_db()
    assert member.left_on is None and member.org == branch


# ---------------------------------------------------------------- point 6: yearly figures from the history


def test_a_member_who_moved_in_2024_counts_at_the_old_branch_for_2023(admin_user, zone, branch, other_branch):
    """Yearly figures read MembershipPeriod for 31 December of the year, not today's branch."""
    from dangjian.core import metrics

    member = MemberFactory(org=branch, joined_on=date(2010, 1, 1))
    t = transfers.request_transfer_out(
        actor=admin_user, member=member, applied_on=date(2024, 3, 1), months_away=12, to_org=other_branch
    )
    transfers.approve_transfer(actor=admin_user, transfer=t, on=date(2024, 3, 2))
    transfers.issue_letter(actor=admin_user, transfer=t, on=date(2024, 3, 3))
    transfers.receive_transfer(actor=admin_user, transfer=t, on=date(2024, 3, 10))
    on_roll = metrics.get("members.on_roll")
    assert on_roll.by_child(zone, 2023) == {branch.path: 1}
    assert on_roll.by_child(zone, 2024) == {other_branch.path: 1}


# ---------------------------------------------------------------- point 9: dues waivers, transfer-in


def test_an_approved_exemption_is_not_flagged_as_unpaid(admin_user, secretary, branch):
    """2008 党费规定: 免交 with a recorded approval (低保) is not six months unpaid (党章第九条)."""
    from dangjian.people import dues
    from dangjian.people.selectors import unpaid_dues

    member = MemberFactory(org=branch, joined_on=date(2010, 1, 1))
    assert member in unpaid_dues(secretary, today=date(2024, 8, 15))
    with pytest.raises(ValidationError):
        dues.grant_dues_waiver(
            actor=secretary,
            member=member,
            kind="exempt",
            reason="low_income",
            from_month=date(2024, 1, 1),
            approved_by="",
            approved_on=date(2024, 1, 5),
        )
    dues.grant_dues_waiver(
        actor=secretary,
        member=member,
        kind="exempt",
        reason="low_income",
        from_month=date(2024, 1, 1),
        approved_by="测试区党工委",
        approved_on=date(2024, 1, 5),
    )
    assert member not in unpaid_dues(secretary, today=date(2024, 8, 15))
    with pytest.raises(ValidationError) as exc:
        dues.record_dues_payment(
            actor=secretary, member=member, month=date(2024, 3, 1), paid_on=date(2024, 3, 9)
        )
    assert exc.value.code == "exempt"


def test_a_reduced_rate_is_what_the_month_costs(secretary, branch):
    """2008 党费规定: 少交 with approval — the month is paid at the reduced amount."""
    from dangjian.people import dues

    member = MemberFactory(org=branch)
    dues.grant_dues_waiver(
        actor=secretary,
        member=member,
        kind="reduced",
        reason="hardship",
        from_month=date(2024, 1, 1),
        to_month=date(2024, 12, 1),
        monthly_fen=10,
        approved_by="甲村党支部",
        approved_on=date(2024, 1, 5),
    )
    payment = dues.record_dues_payment(
        actor=secretary, member=member, month=date(2024, 2, 1), paid_on=date(2024, 2, 9)
    )
    assert payment.amount_fen == 10


def test_a_transfer_in_from_off_the_platform_states_status_and_joining_date_and_is_not_flagged_before_arrival(
    admin_user, secretary, branch
):
    """Transfer-in asks 预备/正式 and 入党日期; dues months before arrival are not unpaid."""
    from dangjian.people.selectors import unpaid_dues

    number = fresh_id(date(1980, 1, 1), "男")
    with pytest.raises(ValidationError) as exc:
        transfers.request_transfer_in(
            actor=admin_user,
            to_org=branch,
            person_name="赵建军",
            id_number=number,
            outside_org_name="上海某企业党委",
            applied_on=date(2024, 5, 1),
        )
    assert exc.value.code == "required"
    t = transfers.request_transfer_in(
        actor=admin_user,
        to_org=branch,
        person_name="赵建军",
        id_number=number,
        outside_org_name="上海某企业党委",
        applied_on=date(2024, 5, 1),
        status="probationary",
        joined_on=date(2023, 12, 1),
    )
    transfers.receive_transfer(actor=admin_user, transfer=t, on=date(2024, 5, 10))
    member = Member.objects.get(person__name="赵建军")
    assert (member.status, member.joined_on) == (MemberStatus.PROBATIONARY, date(2023, 12, 1))
    assert member not in unpaid_dues(secretary, today=date(2024, 8, 15))
    assert member in unpaid_dues(secretary, today=date(2024, 12, 15))


@time_machine.travel(date(2024, 10, 31))
def test_the_development_form_takes_each_step_through_one_service_that_asks_for_what_it_needs(
    admin_user, branch, applicant
):
    case = development.register_application(
        actor=admin_user, person=applicant, org=branch, applied_on=date(2024, 10, 8), note=""
    )
    take = development.take_step
    with pytest.raises(ValidationError) as exc:
        take(actor=admin_user, case=case, step="talk", values=development.StepInput())
    assert exc.value.code == "date"
    with pytest.raises(ValidationError) as exc:
        take(actor=admin_user, case=case, step="vote", values=development.StepInput(on=date(2024, 10, 30)))
    assert exc.value.code == "meeting"  # a 支部党员大会 decides, not a date
    with pytest.raises(ValidationError) as exc:
        take(
            actor=admin_user,
            case=case,
            step="no_such_step",
            values=development.StepInput(on=date(2024, 10, 30)),
        )
    assert exc.value.code == "unknown_step"
    take(
        actor=admin_user,
        case=case,
        step="talk",
        values=development.StepInput(on=date(2024, 10, 30), note="谈话"),
    )
    assert case.steps.get(step="talk").on == date(2024, 10, 30)
