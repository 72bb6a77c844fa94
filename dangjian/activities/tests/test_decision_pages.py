"""Issue 13, point 2 on the meeting page and the API: admission, 转正, extension and cancellation are
decisions of a recorded, quorate 支部党员大会, with for / against / abstain and the voting members present."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.activities.models import Decision
from dangjian.people.models import Member, MemberStatus
from dangjian.people.tests.factories import MemberFactory, PersonFactory, fresh_id
from dangjian.people.tests.test_party_rules import N, congress, to_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(branch):
    return MemberFactory.create_batch(10, org=branch)


@pytest.fixture
def candidate(secretary, branch, roll):
    person = PersonFactory(org=branch, id_number=fresh_id(date(2000, 1, 1), "女"))
    return to_vote(secretary, branch, person, roll)


def _post(client, meeting, **data):
    body = {"kind": "admit", "votes_against": 0, "votes_abstain": 0, "note": N} | data
    return client.post(reverse("activities:decision", args=[meeting.pk]), body, follow=True)


def test_an_admission_recorded_on_the_congress_page_admits_the_candidate_with_the_counts(
    secretary, secretary_client, branch, roll, candidate
):
    """细则第二十二条: passed when "for" exceeds half of the voting members who should attend."""
    meeting = congress(secretary, branch, date(2022, 6, 1), roll[:8])
    page = secretary_client.get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert "有表决权的党员应到10名、实到8名" in page and "超过半数，可以表决" in page
    assert f'value="{candidate.pk}"' in page and "onchange" not in page
    response = _post(secretary_client, meeting, case=candidate.pk, votes_for=7, votes_against=1)
    page = response.content.decode()
    assert "表决通过：赞成7票" in page
    decision = Decision.objects.get()
    assert (decision.voting_expected, decision.voting_present, decision.votes_for, decision.passed) == (
        10,
        8,
        7,
        True,
    )
    assert Member.objects.get(person=candidate.person).status == MemberStatus.PROBATIONARY
    assert "10 / 8" in page and "7 / 1 / 0" in page


def test_a_congress_without_quorum_refuses_the_vote_with_the_rule_named(
    secretary, secretary_client, branch, roll, candidate
):
    """支部工作条例第九条: a 党员大会 is quorate when more than half of the voting members attend."""
    meeting = congress(secretary, branch, date(2022, 6, 1), roll[:5])
    page = secretary_client.get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert "未达法定人数，不能表决" in page and 'name="votes_for"' not in page
    page = _post(secretary_client, meeting, case=candidate.pk, votes_for=5).content.decode()
    assert "不能登记表决" in page and "应到10名、实到5名，未超过半数" in page
    assert not Decision.objects.exists()
    assert not Member.objects.filter(person=candidate.person).exists()


def test_a_vote_of_half_those_who_should_attend_is_recorded_as_not_passed_and_admits_nobody(
    secretary, secretary_client, branch, roll, candidate
):
    """细则第二十二条: 5 for out of 10 who should attend is not more than half, even with 6 present."""
    meeting = congress(secretary, branch, date(2022, 6, 1), roll[:6])
    page = _post(secretary_client, meeting, case=candidate.pk, votes_for=5, votes_against=1).content.decode()
    assert "未通过" in page and "至少须6票" in page
    assert Decision.objects.get().passed is False
    assert not Member.objects.filter(person=candidate.person, left_on__isnull=True).exists()


def test_another_matter_is_put_to_the_vote_with_its_subject(secretary, secretary_client, branch, roll):
    meeting = congress(secretary, branch, date(2022, 6, 1), roll[:8])
    page = _post(
        secretary_client, meeting, kind="other", subject="2022年党费使用方案", votes_for=8
    ).content.decode()
    assert "“2022年党费使用方案”表决通过" in page
    assert Decision.objects.get().kind == "other"


def test_another_branchs_secretary_cannot_record_a_vote(secretary, outsider_client, branch, roll):
    meeting = congress(secretary, branch, date(2022, 6, 1), roll[:8])
    response = outsider_client.post(
        reverse("activities:decision", args=[meeting.pk]), {"kind": "other", "subject": "x", "votes_for": 8}
    )
    assert response.status_code == 404
    assert not Decision.objects.exists()


def test_the_api_records_a_conversion_vote_and_refuses_one_without_quorum(
    secretary, token_for, client, branch, roll, candidate
):
    """The API reaches the same services: 400 with the rule when the meeting is not quorate."""
    from dangjian.people import development

    headers = token_for(secretary)
    url = lambda m: f"/api/v1/activities/{m.pk}/decisions"  # noqa: E731
    admitting = congress(secretary, branch, date(2022, 6, 1), roll[:8])
    response = client.post(
        url(admitting),
        {"kind": "admit", "case_id": candidate.pk, "votes_for": 8, "note": N},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["passed"] is True and response.json()["voting_expected"] == 10
    candidate.refresh_from_db()
    development.record_step(actor=secretary, case=candidate, step="higher_talk", on=date(2022, 6, 20), note=N)
    development.record_approval(actor=secretary, case=candidate, on=date(2022, 7, 1), note=N)
    development.record_step(
        actor=secretary, case=candidate, step="conversion_request", on=date(2023, 5, 20), note=N
    )
    thin = congress(secretary, branch, date(2023, 6, 20), roll[:3])
    response = client.post(
        url(thin),
        {"kind": "convert", "case_id": candidate.pk, "votes_for": 3, "note": N},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400 and response.json()["code"] == "not_quorate"
    full = congress(secretary, branch, date(2023, 6, 21), roll[:9])
    response = client.post(
        url(full),
        {"kind": "convert", "case_id": candidate.pk, "votes_for": 9, "note": N},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201 and response.json()["kind_display"] == "预备党员转正"
    listed = client.get(url(full), **headers).json()
    assert [d["votes_for"] for d in listed] == [9]
