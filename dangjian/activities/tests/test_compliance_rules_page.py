"""Issue 13, point 10 on the compliance page: the monthly 党小组会, the secretary's yearly 党课 and the
six-month flags of 党章第九条, named, for the branches in scope."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from dangjian.activities import services
from dangjian.activities.models import Kind
from dangjian.people.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _page(client, year=2024):
    return client.get(reverse("activities:compliance"), {"org": "T-A", "year": year}).content.decode()


@time_machine.travel(date(2025, 3, 1))
def test_a_branch_with_party_groups_that_held_no_group_meeting_in_a_month_is_shown_with_the_rule(
    secretary, secretary_client, branch
):
    """支部工作条例: 党小组会 monthly, for a branch with 党小组."""
    from dangjian.orgs.models import Org

    group = Org.objects.get(code="T-A-G")
    for month in [m for m in range(1, 13) if m != 4]:
        services.record_activity(
            actor=secretary, org=group, kind=Kind.GROUP, title=f"{month}月党小组会", date=date(2024, month, 5)
        )
    page = _page(secretary_client)
    assert "党小组会一般每月召开1次" in page
    assert "<td>4月</td>" in page


@time_machine.travel(date(2025, 3, 1))
def test_a_branch_whose_secretary_gave_no_lecture_all_year_is_flagged_and_one_that_did_is_not(
    secretary, secretary_client, branch
):
    """支部工作条例: the branch secretary gives at least one 党课 a year."""
    assert "全年未讲" in _page(secretary_client)
    services.record_activity(
        actor=secretary,
        org=branch,
        kind=Kind.LECTURE,
        title="书记讲党课",
        date=date(2024, 6, 25),
        lecturer_name="支部书记",
    )
    assert "全年未讲" not in _page(secretary_client)


@time_machine.travel(date(2025, 3, 1))
def test_six_months_unpaid_and_without_organizational_life_are_flagged_by_name_with_article_9(
    secretary, secretary_client, branch
):
    """党章第九条: six consecutive months without organizational life or dues — flagged, not decided."""
    member = MemberFactory(org=branch, joined_on=date(2010, 1, 1))
    page = _page(secretary_client)
    assert "党章第九条" in page and "连续6个月未参加组织生活、未交纳党费的党员" in page
    link = f'<a href="/people/p/{member.person_id}/">{member.person.name}</a>'
    assert page.count(link) == 2, "flagged for dues and for organizational life"
    assert "?month=2025-01" in page


@time_machine.travel(date(2025, 3, 1))
def test_another_branchs_members_are_never_flagged_on_a_secretarys_compliance_page(
    secretary, secretary_client, branch, other_branch
):
    stranger = MemberFactory(org=other_branch, joined_on=date(2010, 1, 1))
    page = secretary_client.get(reverse("activities:compliance"), {"year": 2024}).content.decode()
    assert stranger.person.name not in page and "乙村党支部" not in page
