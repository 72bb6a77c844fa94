"""Issue 13 on the pages: the rules that lived only as services reached from the person and dues pages.
Each test names the rule it shows."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from dangjian.activities import services as activities
from dangjian.activities.models import Kind
from dangjian.activities.selectors import turnout
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import Org
from dangjian.people.models import DuesWaiver, MemberStatus
from dangjian.people.selectors import unpaid_dues

from .factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = date(2024, 8, 15)


# ---------------------------------------------------------------- 留党察看 (党章第四十条)


@time_machine.travel(TODAY)
def test_a_member_placed_under_watch_on_the_person_page_loses_the_vote_at_the_next_congress(
    secretary, secretary_client, branch
):
    """党章第四十条: 留党察看 removes the vote — the member no longer counts toward a 党员大会's quorum."""
    roll = MemberFactory.create_batch(3, org=branch)
    watched = roll[0]
    response = secretary_client.post(
        reverse("people:person_watch", args=[watched.person_id]),
        {"started_on": "2024-03-01", "until": "2025-03-01", "decision": "测试区纪工委 纪字〔2024〕3号"},
    )
    assert response.status_code == 302
    watched.refresh_from_db()
    assert (watched.watch_from, watched.watch_until) == (date(2024, 3, 1), date(2025, 3, 1))
    meeting = activities.record_activity(
        actor=secretary, org=branch, kind=Kind.PARTY_CONGRESS, title="八月支部党员大会", date=date(2024, 8, 1)
    )
    assert turnout(meeting).voting_expected == 2
    page = secretary_client.get(reverse("people:person", args=[watched.person_id])).content.decode()
    assert "察看期内" in page and "纪字〔2024〕3号" in page and "党章第四十条" in page
    entry = AuditEntry.objects.get(action="people.place_under_watch")
    assert entry.data["until"] == "2025-03-01"


@time_machine.travel(TODAY)
def test_watch_longer_than_two_years_is_refused_naming_article_40(secretary, secretary_client, branch):
    """党章第四十条: 留党察看最长不超过两年."""
    member = MemberFactory(org=branch)
    response = secretary_client.post(
        reverse("people:person_watch", args=[member.person_id]),
        {"started_on": "2024-03-01", "until": "2026-03-02", "decision": "决定"},
        follow=True,
    )
    assert "最长不超过两年（党章第四十条）" in response.content.decode()
    member.refresh_from_db()
    assert member.watch_from is None


@time_machine.travel(TODAY)
def test_a_probationary_member_cannot_be_placed_under_watch(secretary, secretary_client, branch):
    """A 预备党员 who breaks discipline has the probation extended or the qualification cancelled."""
    member = MemberFactory(
        org=branch, status=MemberStatus.PROBATIONARY, full_on=None, joined_on=date(2024, 1, 1)
    )
    response = secretary_client.post(
        reverse("people:person_watch", args=[member.person_id]),
        {"started_on": "2024-03-01", "until": "2025-03-01", "decision": "决定"},
        follow=True,
    )
    assert "留党察看只适用于正式党员" in response.content.decode()


def test_another_branchs_secretary_cannot_place_a_member_under_watch(outsider_client, branch):
    member = MemberFactory(org=branch)
    response = outsider_client.post(
        reverse("people:person_watch", args=[member.person_id]),
        {"started_on": "2024-03-01", "until": "2025-03-01", "decision": "决定"},
    )
    assert response.status_code == 404


# ---------------------------------------------------------------- dues waivers (2008 党费规定)


def _waive(client, member, **extra):
    data = {
        "member_id": member.pk,
        "kind": "exempt",
        "reason": "low_income",
        "from_month": "2024-01",
        "to_month": "",
        "approved_by": "测试区党工委",
        "approved_on": "2024-01-05",
        "next": reverse("people:dues") + "?month=2024-08",
    } | extra
    return client.post(reverse("people:dues_waive"), data, follow=True)


@time_machine.travel(TODAY)
def test_an_exemption_recorded_on_the_dues_page_takes_the_member_off_the_unpaid_list(
    secretary, secretary_client, branch
):
    """2008 党费规定: 免交 with a recorded approval is not six months unpaid (党章第九条)."""
    member = MemberFactory(org=branch, joined_on=date(2010, 1, 1))
    page = secretary_client.get(reverse("people:dues"), {"month": "2024-08"}).content.decode()
    assert "经批准免交/少交" in page and 'data-shows="reduced:[data-waiver-amount]"' in page
    response = _waive(secretary_client, member)
    page = response.content.decode()
    assert "已登记" in page and "2024年8月经批准免交、少交党费的党员" in page and "享受低保" in page
    assert member not in unpaid_dues(secretary, today=TODAY)


@time_machine.travel(TODAY)
def test_a_waiver_without_the_approving_organization_is_refused(secretary, secretary_client, branch):
    member = MemberFactory(org=branch)
    _waive(secretary_client, member, approved_by="")
    assert not DuesWaiver.objects.exists()


@time_machine.travel(TODAY)
def test_a_reduced_rate_from_the_person_page_needs_the_monthly_amount(secretary, secretary_client, branch):
    """2008 党费规定: 少交 states what is paid each month."""
    member = MemberFactory(org=branch)
    response = _waive(secretary_client, member, kind="reduced", reason="hardship", monthly="")
    assert "少交须填写每月交纳的金额" in response.content.decode()
    _waive(secretary_client, member, kind="reduced", reason="hardship", monthly="0.20")
    assert DuesWaiver.objects.get().monthly_fen == 20
    page = secretary_client.get(reverse("people:person", args=[member.person_id])).content.decode()
    assert "少交（每月0.20元）" in page and "生活困难" in page


def test_another_branchs_secretary_cannot_waive_dues(outsider_client, branch):
    member = MemberFactory(org=branch)
    assert _waive(outsider_client, member).status_code == 404
    assert not DuesWaiver.objects.exists()


# ---------------------------------------------------------------- temporary relationships (临时组织关系)


@time_machine.travel(TODAY)
def test_the_host_branch_receives_a_temporary_certificate_and_records_the_members_attendance(
    roles, secretary, secretary_client, outsider, outsider_client, branch, other_branch
):
    """DOMAIN.md transfers: away six months or less → temporary certificate; the host branch records
    and counts the member's organizational life, while roll, dues and the vote stay at home."""
    from dangjian.people import transfers
    from dangjian.people.models import Transfer
    from dangjian.people.selectors import without_organizational_life

    member = MemberFactory(org=branch, joined_on=date(2010, 1, 1))
    person_page = secretary_client.get(reverse("people:person", args=[member.person_id])).content.decode()
    # The receiving branch is picked by name from the zone's branches (outside her own scope too).
    assert "6个月及以下开具临时组织关系证明" in person_page and "/pick/orgs.zone_branch/" in person_page
    other = Org.objects.get(code="T-B")
    secretary_client.post(
        reverse("people:transfer_out", args=[member.person_id]),
        {"applied_on": "2024-03-01", "months_away": 6, "to_org": other.pk, "valid_days": 90},
    )
    t = Transfer.objects.get()
    assert t.kind == "temporary"
    transfers.approve_transfer(actor=secretary, transfer=t, on=date(2024, 3, 2))
    transfers.issue_letter(actor=secretary, transfer=t, on=date(2024, 3, 3))
    with time_machine.travel(date(2024, 3, 10)):
        assert (
            outsider_client.post(reverse("people:transfer_action", args=[t.pk, "receive"])).status_code == 302
        )
    outsider_client.force_login(outsider)  # the idle-session timeout saw five months pass
    t.refresh_from_db()
    assert t.state == "received" and t.host_until == date(2024, 9, 10)
    member.refresh_from_db()
    assert member.org == branch, "the roll stays at home"
    response = outsider_client.get(reverse("people:transfers"))
    assert response.status_code == 200, response
    page = response.content.decode()
    assert "在接收支部参加组织生活至2024-09-10" in page

    host_day = activities.record_activity(
        actor=outsider,
        org=other_branch,
        kind=Kind.THEME_DAY,
        title="乙村五月主题党日",
        date=date(2024, 5, 10),
    )
    page = outsider_client.get(reverse("activities:attendance", args=[host_day.pk])).content.decode()
    assert member.person.name in page and "临时组织关系" in page
    response = outsider_client.post(
        reverse("activities:attendance", args=[host_day.pk]), {f"s{member.pk}": "present"}
    )
    assert response.status_code == 302
    assert member not in without_organizational_life(secretary, today=date(2024, 9, 1))
    home = secretary_client.get(reverse("people:person", args=[member.person_id])).content.decode()
    assert "临时组织关系：在乙村党支部参加组织生活至2024-09-10" in home
