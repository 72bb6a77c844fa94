"""What a page of the roll refuses, and how it says so (issue 9, points 1 and 8): ISO dates on the edit
page, record dates bounded, phones checked, every length limit named."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from dangjian.people.models import Person, Transfer

from .factories import MemberFactory, fresh_id
from .test_person_edit import form_data

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 12)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def member(branch):
    return MemberFactory(
        org=branch, joined_on=date(2001, 7, 1), full_on=date(2002, 7, 1), party_post="组织委员"
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_edit_page_fills_the_dates_as_iso_for_the_browsers_date_input(secretary_client, member):
    page = secretary_client.get(reverse("people:person_edit", args=[member.person_id])).content.decode()
    assert 'value="2001-07-01"' in page and 'value="2002-07-01"' in page
    assert "2001/07/01" not in page


def test_the_transfers_page_fills_its_date_as_iso(secretary_client, branch):
    page = secretary_client.get(reverse("people:transfers")).content.decode()
    assert f'value="{TODAY.isoformat()}"' in page


def test_a_join_date_of_1899_is_refused_by_name(secretary_client, member):
    url = reverse("people:person_edit", args=[member.person_id])
    response = secretary_client.post(url, form_data(member, joined_on="1899-07-01"))
    assert response.status_code == 200
    assert "入党日期不能早于1921年7月1日。" in response.content.decode()
    member.refresh_from_db()
    assert member.joined_on == date(2001, 7, 1)


def test_a_phone_abc_is_refused_on_the_edit_page(secretary_client, member):
    url = reverse("people:person_edit", args=[member.person_id])
    response = secretary_client.post(url, form_data(member, phone="abc"))
    assert "联系电话格式不正确" in response.content.decode()


def test_a_resident_phone_abc_is_refused_and_nobody_saved(secretary_client, branch):
    response = secretary_client.post(
        reverse("people:resident_new"),
        {"org": branch.pk, "household_number": "A001", "name": "赵老汉", "phone": "abc"},
        follow=True,
    )
    assert any("联系电话格式不正确" in m for m in messages_of(response))
    assert not Person.objects.filter(name="赵老汉").exists()


def transfer_in(client, branch, **changes):
    data = {
        "to_org": branch.pk,
        "person_name": "新来人",
        "id_number": fresh_id(date(1980, 4, 4)),
        "outside_org_name": "外省某支部",
        "applied_on": "2026-03-01",
        "months_away": 12,
        "status": "full",
        "joined_on": "2001-07-01",
        **changes,
    }
    return client.post(reverse("people:transfer_in"), data, follow=True)


def test_a_transfer_in_dated_next_year_is_refused(secretary_client, branch):
    response = transfer_in(secretary_client, branch, applied_on="2027-03-01")
    assert messages_of(response) == ["介绍信开具日期不能晚于今天。"]
    assert not Transfer.objects.exists()


def test_an_over_long_former_organization_names_the_field_and_its_limit(secretary_client, branch):
    response = transfer_in(secretary_client, branch, outside_org_name="某" * 101)
    said = messages_of(response)
    assert len(said) == 1 and "原所在组织最多100个字" in said[0] and "请完整填写" not in said[0]
    assert not Transfer.objects.exists()


def test_a_transfer_in_within_bounds_is_registered(secretary_client, branch):
    response = transfer_in(secretary_client, branch)
    assert messages_of(response) == ["转入登记已保存，待接收。"]
