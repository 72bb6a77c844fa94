"""Issue 13, "Party rules done right", on organizational life: each test names the rule it enforces."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.activities import selectors, services
from dangjian.activities.models import Appraisal, Grade, Kind
from dangjian.activities.services import Mark
from dangjian.orgs.models import CommitteePost, CommitteeTerm, Post
from dangjian.people.models import MembershipPeriod, MemberStatus

from .factories import meeting, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(branch):
    return [member(branch, f"党员{i}") for i in range(29)]


# ---------------------------------------------------------------- point 1: quorum from the roll


def test_one_member_scanning_in_does_not_make_a_branch_of_29_quorate(secretary, branch, roll):
    """支部工作条例第九条: 应到 is every voting member on the branch's roll that day, not the rows marked."""
    congress = meeting(branch, kind=Kind.PARTY_CONGRESS, title="支部党员大会")
    services.set_attendance(actor=secretary, activity=congress, marks=[Mark(roll[0].pk, "present")])
    t = selectors.turnout(congress)
    assert (t.expected, t.voting_expected, t.voting_present) == (29, 29, 1)
    assert t.quorate is False
    annotated = selectors.with_counts(type(congress).objects.filter(pk=congress.pk)).get()
    assert (annotated.expected, annotated.voting_expected) == (29, 29)
    assert selectors.quorate(annotated) is False


def test_probationary_members_and_members_under_watch_have_no_vote(secretary, branch):
    """党章第七条 (预备党员没有表决权) and 第四十条 (留党察看期间没有表决权)."""
    full = [member(branch, f"正式{i}") for i in range(3)]
    probationer = member(branch, "预备", status=MemberStatus.PROBATIONARY)
    watched = member(branch, "察看")
    watched.watch_from, watched.watch_until = date(2023, 1, 1), date(2024, 1, 1)
    watched.save()
    congress = meeting(branch, kind=Kind.PARTY_CONGRESS, title="支部党员大会")
    marks = [Mark(m.pk, "present") for m in (full[0], full[1], probationer, watched)]
    services.set_attendance(actor=secretary, activity=congress, marks=marks)
    t = selectors.turnout(congress)
    assert (t.expected, t.voting_expected, t.voting_present) == (5, 3, 2)
    assert t.quorate is True


def test_the_roll_on_the_meeting_day_counts_not_todays(secretary, branch, other_branch, roll):
    """Quorum reads MembershipPeriod for the day of the meeting: a member who left later still counts."""
    moved = roll[0]
    MembershipPeriod.objects.filter(member=moved).update(ended_on=date(2023, 7, 1))
    MembershipPeriod.objects.create(member=moved, org=other_branch, started_on=date(2023, 7, 1))
    moved.org = other_branch
    moved.save()
    march = meeting(branch, kind=Kind.PARTY_CONGRESS, title="三月大会", day=date(2023, 3, 10))
    september = meeting(branch, kind=Kind.PARTY_CONGRESS, title="九月大会", day=date(2023, 9, 10))
    assert selectors.turnout(march).voting_expected == 29
    assert selectors.turnout(september).voting_expected == 28


def _committee(branch, people, linked=True):
    term = CommitteeTerm.objects.create(
        org=branch, elected_on=date(2021, 3, 1), term_years=5, due_on=date(2026, 3, 1)
    )
    for post, m in zip([Post.SECRETARY, Post.DEPUTY, Post.ORGANIZATION], people, strict=True):
        CommitteePost.objects.create(
            term=term, post=post, person=m.person if linked else None, holder_name=m.person.name
        )


def test_a_committee_meeting_is_quorate_when_more_than_half_of_the_committee_attends(secretary, branch, roll):
    """支部工作条例第十条: a 支委会 counts its committee members, linked to people, not the roll."""
    _committee(branch, roll[:3])
    committee = meeting(branch, kind=Kind.COMMITTEE)
    services.set_attendance(
        actor=secretary, activity=committee, marks=[Mark(roll[0].pk, "present"), Mark(roll[5].pk, "present")]
    )
    t = selectors.turnout(committee)
    assert (t.expected, t.voting_present, t.quorate) == (3, 1, False)
    services.set_attendance(actor=secretary, activity=committee, marks=[Mark(roll[1].pk, "present")])
    assert selectors.turnout(committee).quorate is True


def test_a_committee_whose_posts_name_nobody_on_file_cannot_be_judged(secretary, branch, roll):
    _committee(branch, roll[:3], linked=False)
    committee = meeting(branch, kind=Kind.COMMITTEE)
    services.set_attendance(actor=secretary, activity=committee, marks=[Mark(roll[0].pk, "present")])
    assert selectors.turnout(committee).quorate is None


def test_a_zone_wide_activity_expects_the_members_who_were_asked(admin_user, zone, branch, roll):
    activity = meeting(zone, kind=Kind.THEME_DAY, title="全区主题党日", participants=[branch])
    services.set_attendance(
        actor=admin_user, activity=activity, marks=[Mark(m.pk, "present") for m in roll[:5]]
    )
    t = selectors.turnout(activity)
    assert (t.expected, t.present, t.quorate) == (5, 5, None)


# ---------------------------------------------------------------- point 2: decisions of a quorate meeting


def test_a_vote_at_a_meeting_without_quorum_is_refused(secretary, branch, roll):
    """支部工作条例第九条: a 支部党员大会 decides only when more than half of its voting members attend."""
    congress = meeting(branch, kind=Kind.PARTY_CONGRESS, title="支部党员大会")
    services.set_attendance(
        actor=secretary, activity=congress, marks=[Mark(m.pk, "present") for m in roll[:14]]
    )
    with pytest.raises(ValidationError) as exc:
        services.record_decision(actor=secretary, activity=congress, subject="议题", votes_for=14)
    assert exc.value.code == "not_quorate"


def test_a_vote_passes_only_when_for_exceeds_half_of_those_who_should_attend(secretary, branch, roll):
    """细则第二十二条: "for" must exceed half of the voting members who should attend, not of those present."""
    congress = meeting(branch, kind=Kind.PARTY_CONGRESS, title="支部党员大会")
    services.set_attendance(
        actor=secretary, activity=congress, marks=[Mark(m.pk, "present") for m in roll[:20]]
    )
    failed = services.record_decision(
        actor=secretary, activity=congress, subject="一", votes_for=14, votes_against=6
    )
    passed = services.record_decision(
        actor=secretary, activity=congress, subject="二", votes_for=15, votes_against=5
    )
    assert (failed.passed, passed.passed) == (False, True)
    assert (passed.voting_expected, passed.voting_present) == (29, 20)
    with pytest.raises(ValidationError):
        services.record_decision(
            actor=secretary, activity=congress, subject="三", votes_for=15, votes_against=6
        )


# ---------------------------------------------------------------- point 6: history, not today's branch


def test_a_member_who_moved_on_1_july_is_marked_at_the_old_branchs_march_meeting_only(
    secretary, admin_user, branch, other_branch, roll
):
    """MembershipPeriod decides the branch on the day of the meeting (DOMAIN.md, membership history)."""
    moved = roll[0]
    MembershipPeriod.objects.filter(member=moved).update(ended_on=date(2023, 7, 1))
    MembershipPeriod.objects.create(member=moved, org=other_branch, started_on=date(2023, 7, 1))
    moved.org = other_branch
    moved.save()
    old = meeting(branch, kind=Kind.THEME_DAY, title="三月主题党日", day=date(2023, 3, 10))
    new = meeting(other_branch, kind=Kind.THEME_DAY, title="乙村三月主题党日", day=date(2023, 3, 10))
    services.set_attendance(actor=secretary, activity=old, marks=[Mark(moved.pk, "present")])
    with pytest.raises(ValidationError) as exc:
        services.set_attendance(actor=admin_user, activity=new, marks=[Mark(moved.pk, "present")])
    assert exc.value.code == "not_member"


def test_the_old_branch_appraises_a_member_it_had_that_year(secretary, branch, other_branch, roll):
    """民主评议 follows the roll of the year, not today's branch."""
    moved = roll[0]
    MembershipPeriod.objects.filter(member=moved).update(ended_on=date(2023, 7, 1))
    MembershipPeriod.objects.create(member=moved, org=other_branch, started_on=date(2023, 7, 1))
    moved.org = other_branch
    moved.save()
    services.record_appraisals(actor=secretary, org=branch, year=2023, grades={moved.pk: Grade.QUALIFIED})
    assert Appraisal.objects.get(member=moved).org == branch
    with pytest.raises(ValidationError):
        services.record_appraisals(actor=secretary, org=branch, year=2024, grades={moved.pk: Grade.QUALIFIED})


# ---------------------------------------------------------------- point 10: organizational-life rules


def _rule_gaps(branch, today):
    from dangjian.orgs.models import Org

    (gaps,), _ = selectors.rule_gaps_in(Org.objects.filter(pk=branch.pk), [branch.path], 2023, today)
    return gaps


def test_a_month_without_a_party_group_meeting_is_flagged(branch):
    """支部工作条例第十一条: 党小组会 monthly — held by the branch's 党小组 (T-A-G)."""
    from dangjian.orgs.models import Org

    group = Org.objects.get(code="T-A-G")
    for month in (1, 2, 4):
        meeting(group, kind=Kind.GROUP, title=f"{month}月党小组会", day=date(2023, month, 5))
    gaps = _rule_gaps(branch, date(2023, 5, 20))
    assert gaps.group_months_missed == [3]


def test_a_year_without_a_lecture_by_the_secretary_is_flagged(branch, roll):
    """支部工作条例第十二条: the branch secretary gives at least one 党课 a year."""
    term = CommitteeTerm.objects.create(
        org=branch, elected_on=date(2021, 3, 1), term_years=5, due_on=date(2026, 3, 1)
    )
    CommitteePost.objects.create(term=term, post=Post.SECRETARY, person=roll[0].person, holder_name="党员0")
    meeting(branch, kind=Kind.LECTURE, title="党课", day=date(2023, 5, 10), lecturer_name="外请讲师")
    gaps = _rule_gaps(branch, date(2024, 1, 5))
    assert gaps.secretary_lecture is False
    meeting(branch, kind=Kind.LECTURE, title="书记讲党课", day=date(2023, 6, 10), lecturer_name="党员0")
    gaps = _rule_gaps(branch, date(2024, 1, 5))
    assert gaps.secretary_lecture is True


def test_a_theme_day_shorter_than_the_local_minimum_does_not_count(branch, settings):
    """Local rule as a setting (DOMAIN.md, configurable): a 主题党日 of at least 80 minutes by default."""
    meeting(branch, kind=Kind.THEME_DAY, title="主题党日", day=date(2023, 5, 10), minutes_long=60)
    assert selectors.held_counts(branch, 2023).get(branch.pk, {}).get(Kind.THEME_DAY, [0] * 13)[5] == 0
    settings.THEME_DAY_MIN_MINUTES = 45
    assert selectors.held_counts(branch, 2023)[branch.pk][Kind.THEME_DAY][5] == 1


def test_six_months_without_organizational_life_is_flagged_alongside_unpaid_dues(secretary, branch, roll):
    """党章第九条: six consecutive months without organizational life, without good reason, is flagged."""
    from dangjian.people.selectors import without_organizational_life

    active = roll[0]
    day = meeting(branch, kind=Kind.THEME_DAY, title="主题党日", day=date(2023, 5, 10))
    services.set_attendance(actor=secretary, activity=day, marks=[Mark(active.pk, "present")])
    flagged = set(without_organizational_life(secretary, today=date(2023, 8, 15)))
    assert active not in flagged and roll[1] in flagged
    assert active in set(without_organizational_life(secretary, today=date(2023, 12, 15)))
