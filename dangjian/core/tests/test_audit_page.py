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


def test_the_audit_log_reads_as_a_sentence_with_chinese_details_on_demand(client, roles, zone):
    auditor = make_user("auditor", roles["auditor"], zone)
    auditor.display_name = "审计员甲"
    auditor.save()
    with transaction.atomic():
        log_action(actor=auditor, action="accounts.login", data={"username": "auditor", "total_fen": 150})
    client.force_login(auditor)
    page = client.get(reverse("core:audit")).content.decode()
    assert "审计员甲</strong> 登录" in page
    assert "<details" in page and "用户名" in page and "1.50元" in page
    assert "{&#x27;" not in page and "accounts.login" not in page.split("<ol", 1)[1]


def test_the_audit_filter_picks_the_org_by_name_and_keeps_its_code_in_the_url(
    client, roles, zone, branch, entries
):
    client.force_login(make_user("auditor", roles["auditor"], zone))
    page = client.get(reverse("core:audit"), {"org": "T-A"}).content.decode()
    assert "组织代码" not in page and "/pick/orgs.org/?cap=audit.view" in page
    assert 'name="org" value="T-A"' in page and "甲村党支部" in page
