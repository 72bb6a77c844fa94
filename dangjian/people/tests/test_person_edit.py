"""Editing a person and their membership, and taking a member off the roll, from the person page."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEntry
from dangjian.people.models import Member, Person

from .factories import MemberFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(branch):
    return MemberFactory(org=branch, person__name="王凤侠", person__phone="13912345678", party_post="")


@pytest.fixture
def stranger(other_branch):
    return MemberFactory(org=other_branch, person__name="赵外人", party_post="组织委员")


def form_data(member: Member, **changes) -> dict:
    """The edit form as the page fills it in (phone left empty), with ``changes`` typed over it."""
    p = member.person
    data = {
        "name": p.name,
        "ethnicity": p.ethnicity,
        "education": p.education,
        "work_post": p.work_post,
        "address": p.address,
        "phone": "",
        "status": member.status,
        "joined_on": member.joined_on.isoformat() if member.joined_on else "",
        "full_on": member.full_on.isoformat() if member.full_on else "",
        "party_post": member.party_post,
        "dues_category": member.dues_category,
    }
    if member.is_village_cadre:
        data["is_village_cadre"] = "on"
    if member.is_floating:
        data["is_floating"] = "on"
    data.update(changes)
    return data


def audit_count() -> int:
    return AuditEntry.objects.count()


def test_edit_page_is_prefilled_and_keeps_the_phone_masked(secretary_client, member):
    response = secretary_client.get(reverse("people:person_edit", args=[member.person_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="王凤侠"' in page
    assert "13912345678" not in page
    assert member.person.masked_phone in page
    assert member.person.id_number not in page
    assert "birth_date" not in response.context["person_form"].fields  # year and month only, as text


def test_person_page_links_to_the_edit_page(secretary_client, member):
    page = secretary_client.get(reverse("people:person", args=[member.person_id])).content.decode()
    assert reverse("people:person_edit", args=[member.person_id]) in page


def test_secretary_edits_own_member_and_one_audit_entry_is_written(secretary_client, member):
    before = audit_count()
    url = reverse("people:person_edit", args=[member.person_id])
    response = secretary_client.post(url, form_data(member, work_post="村委会主任", address="一组3号"))
    assert response.status_code == 302
    person = Person.objects.get(pk=member.person_id)
    assert (person.work_post, person.address) == ("村委会主任", "一组3号")
    assert audit_count() == before + 1
    assert AuditEntry.objects.latest("id").action == "people.update_person"


def test_secretary_edits_membership_fields_with_one_audit_entry(secretary_client, member):
    before = audit_count()
    url = reverse("people:person_edit", args=[member.person_id])
    data = form_data(member, party_post="组织委员", is_floating="on", dues_category="farmer")
    assert secretary_client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert (member.party_post, member.is_floating, member.dues_category) == ("组织委员", True, "farmer")
    assert audit_count() == before + 1
    assert AuditEntry.objects.latest("id").action == "people.update_member"


def test_saving_without_changes_writes_no_audit_entry(secretary_client, member):
    before = audit_count()
    url = reverse("people:person_edit", args=[member.person_id])
    assert secretary_client.post(url, form_data(member)).status_code == 302
    assert audit_count() == before


def test_secretary_gets_404_for_the_outsider_branchs_person(secretary_client, stranger):
    before = audit_count()
    edit = reverse("people:person_edit", args=[stranger.person_id])
    remove = reverse("people:person_remove", args=[stranger.person_id])
    assert secretary_client.get(edit).status_code == 404
    assert secretary_client.post(edit, form_data(stranger, name="改名", party_post="")).status_code == 404
    assert secretary_client.post(remove, {"left_on": "2024-01-02", "reason": "去世"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.person.name == "赵外人"
    assert (stranger.party_post, stranger.left_on) == ("组织委员", None)
    assert audit_count() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"joined_on": "2001-02-30"}, "有效的日期"),
        ({"joined_on": "2005-07-01", "full_on": "2004-07-01"}, "转正日期不能早于入党日期"),
        ({"joined_on": "2999-01-01", "full_on": ""}, "入党日期不能晚于今天"),
        ({"status": "probationary"}, "预备党员没有转正日期"),
    ],
)
def test_bad_dates_are_rejected_with_a_message_and_nothing_is_saved(
    secretary_client, member, changes, message
):
    before = audit_count()
    url = reverse("people:person_edit", args=[member.person_id])
    response = secretary_client.post(url, form_data(member, work_post="新单位", **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    member.refresh_from_db()
    assert (member.joined_on, member.full_on, member.status) == (date(2000, 7, 1), date(2001, 7, 1), "full")
    assert member.person.work_post == ""
    assert audit_count() == before


def test_removing_from_the_roll_takes_the_member_off_the_roster(secretary_client, member):
    roster = secretary_client.get(reverse("people:roster"))
    assert member.pk in {m.pk for m in roster.context["page"]}
    page = secretary_client.get(reverse("people:person_edit", args=[member.person_id])).content.decode()
    assert "data-confirm" in page
    url = reverse("people:person_remove", args=[member.person_id])
    response = secretary_client.post(url, {"left_on": "2024-03-05", "reason": "去世", "reason_text": ""})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.left_on, member.left_reason) == (date(2024, 3, 5), "去世")
    assert AuditEntry.objects.latest("id").action == "people.remove_member"
    roster = secretary_client.get(reverse("people:roster"))
    assert member.pk not in {m.pk for m in roster.context["page"]}


def test_removal_needs_a_reason_for_other_and_a_real_date(secretary_client, member):
    url = reverse("people:person_remove", args=[member.person_id])
    assert secretary_client.post(url, {"left_on": "2024-02-30", "reason": "去世"}).status_code == 302
    assert secretary_client.post(url, {"left_on": "2024-03-05", "reason": "其他"}).status_code == 302
    assert secretary_client.get(url).status_code == 405
    member.refresh_from_db()
    assert member.left_on is None


def test_the_phone_stays_unchanged_when_the_field_is_left_empty(secretary_client, member):
    url = reverse("people:person_edit", args=[member.person_id])
    assert secretary_client.post(url, form_data(member, phone="", education="本科")).status_code == 302
    person = Person.objects.get(pk=member.person_id)
    assert (person.phone, person.education) == ("13912345678", "本科")
    assert secretary_client.post(url, form_data(member, phone="13800001111")).status_code == 302
    person.refresh_from_db()
    assert person.phone == "13800001111"


def test_sex_and_birth_date_are_editable_only_without_an_id_number(secretary_client, branch):
    resident = PersonFactory(org=branch, id_number="", name="李四")
    url = reverse("people:person_edit", args=[resident.pk])
    data = {"name": "李四", "sex": "女", "birth_date": "1970-05-06", "phone": ""}
    assert secretary_client.post(url, data).status_code == 302
    resident.refresh_from_db()
    assert (resident.sex, resident.birth_date) == ("女", date(1970, 5, 6))
