from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from dangjian.accounts.models import RoleAssignment, User
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_zone_admin_creates_a_user_and_grants_a_role(admin_client, roles):
    response = admin_client.post(
        reverse("accounts:users"),
        {
            "username": "clerk1",
            "display_name": "党务干事",
            "password": "Qibin-river-2023",
            "org": Org.objects.get(code="T-A").pk,
        },
    )
    user = User.objects.get(username="clerk1")
    assert response.status_code == 302
    admin_client.post(
        reverse("accounts:user", args=[user.pk]),
        {"role": roles["clerk"].pk, "org": Org.objects.get(code="T-A").pk, "subtree": "on"},
    )
    assert RoleAssignment.objects.filter(user=user, role__identifier="clerk", org__code="T-A").exists()


def test_a_weak_initial_password_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        reverse("accounts:users"),
        {"username": "clerk1", "password": "abc", "org": Org.objects.get(code="T-A").pk},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="clerk1").exists()
    assert "密码" in response.content.decode()


def test_an_admin_of_one_branch_cannot_grant_a_role_on_another(roles, admin_user, branch, other_branch):
    branch_admin = make_user("branchadmin", roles["zone_admin"], branch)
    target = make_user("target", None, branch)
    client = Client()
    client.force_login(branch_admin)
    response = client.post(
        reverse("accounts:user", args=[target.pk]),
        {"role": roles["viewer"].pk, "org": other_branch.pk, "subtree": "on"},
    )
    assert response.status_code == 200
    assert "不在您可选的范围内" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_an_already_expired_assignment_is_refused(admin_client, roles):
    target = make_user("target", None, Org.objects.get(code="T-A"))
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = admin_client.post(
        reverse("accounts:user", args=[target.pk]),
        {"role": roles["viewer"].pk, "org": target.home_org.pk, "valid_to": yesterday},
    )
    assert "失效日期已过" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_secretary_cannot_reach_user_management(secretary_client):
    assert secretary_client.get(reverse("accounts:users")).status_code == 404


def test_users_of_another_branch_are_not_found_by_a_branch_admin(roles, branch, other_branch):
    branch_admin = make_user("branchadmin", roles["zone_admin"], branch)
    stranger = make_user("stranger", roles["secretary"], other_branch)
    client = Client()
    client.force_login(branch_admin)
    assert client.get(reverse("accounts:user", args=[stranger.pk])).status_code == 404
    assert "stranger" not in client.get(reverse("accounts:users")).content.decode()


def test_ending_an_assignment_revokes_it_at_once(admin_client, secretary, secretary_client):
    assert secretary_client.get(reverse("orgs:detail", args=["T-A"])).status_code == 200
    assignment = RoleAssignment.objects.get(user=secretary)
    admin_client.post(reverse("accounts:end_assignment", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.valid_to < timezone.localdate()
    assert secretary_client.get(reverse("orgs:detail", args=["T-A"])).status_code == 404


def test_the_user_and_grant_forms_pick_the_org_by_name(admin_client, admin_user):
    for url in (reverse("accounts:users"), reverse("accounts:user", args=[admin_user.pk])):
        page = admin_client.get(url).content.decode()
        assert "组织代码" not in page and "/pick/orgs.org/?cap=accounts.manage" in page
