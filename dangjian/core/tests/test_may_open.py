"""Menus, tabs and buttons ask the view's own check (``may_open``): no link answers 404 to who sees it."""

import pytest
from django.urls import reverse

from dangjian.core.context_processors import NAV
from dangjian.core.scoping import may_open, view_capability
from dangjian.orgs.models import LiaisonGroup

pytestmark = pytest.mark.django_db

# Pages without arguments that menus and tabs lead to.
PAGES = [
    *NAV.values(),
    "people:transfers",
    "people:development",
    "people:dues",
    "people:households",
    "people:import",
    "people:import_batch_upload",
    "activities:compliance",
    "orgs:liaison_groups",
    "accounts:me",
]


@pytest.fixture
def liaison_member(roles, zone, branch):
    from conftest import make_user

    user = make_user("lianluo")
    group = LiaisonGroup.objects.create(zone=zone, name="第一联络组")
    group.orgs.add(branch)
    group.members.add(user)
    return user


@pytest.fixture
def auditor(roles, zone):
    from conftest import make_user

    return make_user("shenji", roles["auditor"], zone)


@pytest.fixture
def personas(admin_user, secretary, outsider, liaison_member, auditor):
    return {"admin": admin_user, "secretary": secretary, "liaison": liaison_member, "auditor": auditor}


@pytest.mark.parametrize("name", PAGES)
def test_may_open_answers_what_the_page_answers(client, personas, name):
    for who, user in personas.items():
        client.force_login(user)
        status = client.get(reverse(name)).status_code
        assert may_open(user, name) == (status != 404), f"{who} {name}: page answered {status}"


def test_every_page_a_link_may_lead_to_declares_its_capability():
    assert view_capability("people:import") == "members.import"
    assert view_capability("core:healthz") is None
    assert view_capability("activities:mine") == "authenticated"


def test_a_liaison_member_sees_no_import_tab_that_would_answer_404(client, liaison_member):
    client.force_login(liaison_member)
    page = client.get(reverse("people:roster")).content.decode()
    assert 'href="/people/transfers/"' in page and 'href="/people/import/"' not in page
    assert client.get(reverse("people:import")).status_code == 404


def test_a_secretary_sees_the_import_tab(secretary_client):
    assert 'href="/people/import/"' in secretary_client.get(reverse("people:transfers")).content.decode()


def test_the_auditor_sees_no_liaison_group_edit_link(client, auditor, zone):
    group = LiaisonGroup.objects.create(zone=zone, name="第二联络组")
    client.force_login(auditor)
    page = client.get(reverse("orgs:liaison_groups")).content.decode()
    edit = reverse("orgs:liaison_group_edit", args=[zone.code, group.pk])
    assert "第二联络组" in page and edit not in page
    assert client.get(edit).status_code == 404


def test_the_zone_admin_still_edits_liaison_groups(admin_client, zone):
    group = LiaisonGroup.objects.create(zone=zone, name="第二联络组")
    page = admin_client.get(reverse("orgs:liaison_groups")).content.decode()
    assert reverse("orgs:liaison_group_edit", args=[zone.code, group.pk]) in page
