import pytest
from django.db import transaction
from django.urls import reverse

from conftest import make_user
from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(zone, branch, other_branch):
    with transaction.atomic():
        log_action(actor=SYSTEM, action="test.in_branch", org=Org.objects.get(code="T-A"))
        log_action(actor=SYSTEM, action="test.other_branch", org=Org.objects.get(code="T-B"))
        log_action(actor=SYSTEM, action="test.no_org")


def test_zone_auditor_sees_every_entry_including_logins(client, roles, zone, entries):
    client.force_login(make_user("auditor", roles["auditor"], zone))
    page = client.get(reverse("core:audit")).content.decode()
    assert "test.in_branch" in page
    assert "test.other_branch" in page
    assert "test.no_org" in page


def test_branch_auditor_sees_only_the_branchs_entries(client, roles, branch, entries):
    client.force_login(make_user("auditor", roles["auditor"], branch))
    page = client.get(reverse("core:audit")).content.decode()
    assert "test.in_branch" in page
    assert "test.other_branch" not in page
    assert "test.no_org" not in page


def test_secretary_cannot_open_the_audit_log(secretary_client):
    assert secretary_client.get(reverse("core:audit")).status_code == 404
