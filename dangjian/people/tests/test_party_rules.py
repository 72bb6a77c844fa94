"""Issue 13, "Party rules done right": each test names the rule it enforces."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.orgs.models import CommitteeTerm
from dangjian.people import development
from dangjian.people.models import DevelopmentCase

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
