"""Two people open the same edit page; the second save must not silently revert the first's change
(issue 9, point 2). Orgs, persons, memberships and meetings carry a version; a stale save is refused
with "该记录已被他人修改" and the user's input stays on the form to reapply."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.activities.models import Activity
from dangjian.activities.tests.factories import meeting
from dangjian.core.actors import SYSTEM
from dangjian.core.versioning import StaleEdit
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Org
from dangjian.people import services as people_services
from dangjian.people.models import Member, Person
from dangjian.people.tests.factories import MemberFactory
from dangjian.people.tests.test_person_edit import form_data

pytestmark = pytest.mark.django_db

STALE = "该记录已被他人修改"


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="(\d+)"', page).group(1)


def second_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- services: one compare-and-increment


def test_a_service_refuses_a_save_from_an_older_version(admin_user, branch):
    org = Org.objects.get(pk=branch.pk)
    org_services.update_org(actor=admin_user, org=org, version=1, address="一组")
    assert Org.objects.get(pk=branch.pk).version == 2
    stale = Org.objects.get(pk=branch.pk)
    with pytest.raises(StaleEdit, match=STALE):
        org_services.update_org(actor=admin_user, org=stale, version=1, address="二组")
    assert Org.objects.get(pk=branch.pk).address == "一组"


def test_the_loaded_version_guards_a_save_without_one(admin_user, branch):
    """Two saves from copies loaded at the same time: the second finds the version moved on."""
    first, second = Org.objects.get(pk=branch.pk), Org.objects.get(pk=branch.pk)
    org_services.update_org(actor=admin_user, org=first, address="一组")
    with pytest.raises(StaleEdit):
        org_services.update_org(actor=admin_user, org=second, address="二组")


def test_person_and_member_services_step_their_versions(secretary, branch):
    member = MemberFactory(org=branch)
    person = people_services.update_person(actor=secretary, person=member.person, version=1, work_post="会计")
    assert person.version == 2 and Person.objects.get(pk=person.pk).version == 2
    member = people_services.update_member(actor=secretary, member=member, version=1, party_post="组织委员")
    assert Member.objects.get(pk=member.pk).version == 2
    with pytest.raises(StaleEdit):
        people_services.update_member(actor=secretary, member=member, version=1, party_post="宣传委员")


# ---------------------------------------------------------------- pages: refused, input kept, reapplied


def test_a_stale_person_edit_is_refused_and_the_input_kept(secretary, secretary_client, branch):
    member = MemberFactory(org=branch, joined_on=date(2001, 7, 1), full_on=date(2002, 7, 1))
    url = reverse("people:person_edit", args=[member.person_id])
    other = second_client(secretary)
    drawn = secretary_client.get(url).content.decode()
    assert hidden(drawn, "version") == "1" and hidden(drawn, "member_version") == "1"
    # Someone else saves first.
    other.post(url, form_data(member, work_post="村委会主任", version="1", member_version="1"))
    # The first page's save is refused; what was typed is still on the form.
    response = secretary_client.post(
        url, form_data(member, address="二组5号", version="1", member_version="1")
    )
    page = response.content.decode()
    assert response.status_code == 200 and STALE in page
    assert 'value="二组5号"' in page
    assert Person.objects.get(pk=member.person_id).work_post == "村委会主任"
    assert Person.objects.get(pk=member.person_id).address != "二组5号"
    # Saving again after looking applies it.
    again = secretary_client.post(
        url,
        form_data(
            member,
            address="二组5号",
            version=hidden(page, "version"),
            member_version=hidden(page, "member_version"),
        ),
    )
    assert again.status_code == 302
    assert Person.objects.get(pk=member.person_id).address == "二组5号"


def test_a_stale_membership_edit_is_refused(secretary, secretary_client, branch):
    member = MemberFactory(org=branch, joined_on=date(2001, 7, 1), full_on=date(2002, 7, 1))
    people_services.update_member(actor=SYSTEM, member=member, party_post="组织委员")
    url = reverse("people:person_edit", args=[member.person_id])
    response = secretary_client.post(
        url, form_data(member, party_post="宣传委员", version="1", member_version="1")
    )
    assert STALE in response.content.decode()
    assert Member.objects.get(pk=member.pk).party_post == "组织委员"


def test_a_stale_org_edit_is_refused_and_the_input_kept(admin_user, admin_client, branch):
    url = reverse("orgs:edit", args=[branch.code])
    org_services.update_org(actor=admin_user, org=Org.objects.get(pk=branch.pk), brand="红色引擎")
    data = {
        "name": branch.name,
        "short_name": "",
        "level": branch.level,
        "kind": branch.kind,
        "address": "甲村村委会",
        "founded_on": "",
        "brand": "",
        "term_years": 5,
        "active": "on",
        "version": "1",
    }
    page = admin_client.post(url, data).content.decode()
    assert STALE in page and 'value="甲村村委会"' in page
    assert Org.objects.get(pk=branch.pk).brand == "红色引擎"
    data["version"] = hidden(page, "version")
    assert admin_client.post(url, data).status_code == 302
    assert Org.objects.get(pk=branch.pk).address == "甲村村委会"


def test_a_stale_meeting_edit_is_refused_and_the_input_kept(secretary, secretary_client, branch):
    activity = meeting(branch, title="五月支委会")
    url = reverse("activities:edit", args=[activity.pk])
    drawn = secretary_client.get(url).content.decode()
    assert hidden(drawn, "version") == "1"
    from dangjian.activities import services

    services.update_activity(
        actor=secretary, activity=Activity.objects.get(pk=activity.pk), place="党员活动室"
    )
    data = {
        "kind": "committee",
        "status": "held",
        "title": "五月支委会（补记）",
        "date": "2023-05-10",
        "audience": 0,
        "version": "1",
    }
    page = secretary_client.post(url, data).content.decode()
    assert STALE in page and "五月支委会（补记）" in page
    fresh = Activity.objects.get(pk=activity.pk)
    assert (fresh.title, fresh.place) == ("五月支委会", "党员活动室")
