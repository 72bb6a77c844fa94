"""The roster page: filters, search by name / pinyin initials, fixed query count."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import MemberFactory, fresh_id

pytestmark = pytest.mark.django_db


def names(client, **params) -> set[str]:
    response = client.get(reverse("people:roster"), params)
    assert response.status_code == 200
    return {m.person.name for m in response.context["page"]}


@pytest.fixture
def roster(branch, secretary):
    MemberFactory(org=branch, person__name="王凤侠", person__id_number=fresh_id(date(1950, 2, 3), "女"))
    MemberFactory(org=branch, person__name="李建国", status="probationary", full_on=None, is_floating=True)
    MemberFactory(org=branch, person__name="张秀英", is_village_cadre=True, person__education="本科")
    return branch


def test_search_by_pinyin_initials_finds_the_member(secretary_client, roster):
    assert names(secretary_client, q="wfx") == {"王凤侠"}
    assert names(secretary_client, q="WF") == {"王凤侠"}


def test_search_by_name_but_never_by_id_number_in_the_query_string(secretary_client, roster):
    from dangjian.people.models import Person

    assert names(secretary_client, q="建国") == {"李建国"}
    number = Person.objects.get(name="王凤侠").id_number
    # A search by ID is a posted, audited reveal (people:find_by_id), never a GET parameter.
    assert names(secretary_client, q=number.lower()) == set()
    assert names(secretary_client, q=number[:10]) == set()


def test_filters_narrow_the_roster(secretary_client, roster):
    assert names(secretary_client, status="probationary") == {"李建国"}
    assert names(secretary_client, elder="1") == {"王凤侠"}
    assert names(secretary_client, floating="1") == {"李建国"}
    assert names(secretary_client, cadre="1") == {"张秀英"}
    assert names(secretary_client, education="本科") == {"张秀英"}
    assert names(secretary_client, age_band="70+") == {"王凤侠"}


def test_roster_shows_masked_numbers_only(secretary_client, roster):
    from dangjian.people.models import Person

    page = secretary_client.get(reverse("people:roster")).content.decode()
    for person in Person.objects.all():
        assert person.id_number not in page
        assert person.masked_id in page


def _queries(client, params=None) -> int:
    client.get(reverse("people:roster"), params or {})  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("people:roster"), params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_roster_page_issues_the_same_number_of_queries_for_5_or_60_members(secretary_client, branch):
    MemberFactory.create_batch(5, org=branch)
    small = _queries(secretary_client)
    MemberFactory.create_batch(55, org=branch)
    assert _queries(secretary_client) == small
    assert _queries(secretary_client, {"page": 2}) == small


def test_htmx_filter_returns_only_the_rows_partial(secretary_client, roster):
    response = secretary_client.get(reverse("people:roster"), {"q": "wfx"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "王凤侠" in body and "<html" not in body


def test_secretary_registers_a_resident_in_a_new_household(secretary_client, branch):
    from dangjian.people.models import Household, Person

    number = fresh_id(date(1940, 3, 3), "男")
    response = secretary_client.post(
        reverse("people:resident_new"),
        {
            "org": branch.pk,
            "household_number": "A001",
            "address": "甲村1组",
            "name": "赵老汉",
            "id_number": number,
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="赵老汉")
    assert person.household == Household.objects.get(number="A001") and person.birth_date == date(1940, 3, 3)
    assert not hasattr(person, "membership") or person.membership is None


def test_outsider_cannot_register_a_resident_in_another_village(outsider_client, branch):
    from dangjian.people.models import Person

    response = outsider_client.post(
        reverse("people:resident_new"),
        {"org": branch.pk, "household_number": "A001", "name": "赵老汉"},
        follow=True,
    )
    assert "不在您可选的范围内" in response.content.decode()
    assert not Person.objects.filter(name="赵老汉").exists()


def test_member_api_filters_and_paginates(client, secretary, roster, token_for):
    headers = token_for(secretary)
    body = client.get("/api/v1/members?q=wfx", **headers).json()
    assert [i["name"] for i in body["items"]] == ["王凤侠"] and body["count"] == 1
    body = client.get("/api/v1/members?limit=2&offset=2", **headers).json()
    assert body["count"] == 3 and len(body["items"]) == 1
    body = client.get("/api/v1/members?status=probationary&floating=true", **headers).json()
    assert [i["name"] for i in body["items"]] == ["李建国"]
