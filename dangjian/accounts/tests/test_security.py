import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from conftest import PASSWORD, make_user
from dangjian.accounts.models import ApiToken, RoleAssignment
from dangjian.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password", ["short1A", "alllowercaseletters", "abcdefgh12", "password123", "12345678"]
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_password_mixing_three_classes_is_accepted():
    validate_password("Qibin-river-2023")


def test_passwords_are_hashed_with_argon2(settings, zone):
    from config import settings as configured

    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    user = make_user("hashed", None, zone)
    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)


def test_successful_and_failed_logins_are_audited(client, secretary):
    client.post(reverse("accounts:login"), {"username": "secretary", "password": "wrong-Pass-1"})
    client.post(reverse("accounts:login"), {"username": "secretary", "password": PASSWORD})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "data"))
    assert ("accounts.login_failed", {"username": "secretary"}) in actions
    assert ("accounts.login", {"username": "secretary"}) in actions


def test_five_failures_lock_the_username_even_with_the_right_password(client, secretary, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "secretary", "password": "wrong-Pass-1"})
    response = client.post(reverse("accounts:login"), {"username": "secretary", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_a_trusted_proxy_logins_and_lockouts_record_the_clients_address_not_the_proxys(
    client, secretary, settings
):
    from axes.models import AccessAttempt

    settings.DANGJIAN_TRUSTED_PROXIES = ["10.9.0.0/24"]
    through_nginx = {"REMOTE_ADDR": "10.9.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    client.post(
        reverse("accounts:login"), {"username": "secretary", "password": "wrong-Pass-1"}, **through_nginx
    )
    client.post(reverse("accounts:login"), {"username": "secretary", "password": PASSWORD}, **through_nginx)
    assert set(
        AuditEntry.objects.filter(action__startswith="accounts.login").values_list("action", "ip")
    ) == {("accounts.login_failed", "203.0.113.7"), ("accounts.login", "203.0.113.7")}
    assert AccessAttempt.objects.count() == 0  # reset by the good login; the failed one was recorded
    # From anywhere else the header is anyone's to write: the connection's own address is kept.
    client.post(
        reverse("accounts:login"),
        {"username": "secretary", "password": "wrong-Pass-1"},
        REMOTE_ADDR="198.51.100.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert AccessAttempt.objects.get().ip_address == "198.51.100.2"
    assert AuditEntry.objects.filter(action="accounts.login_failed").latest("id").ip == "198.51.100.2"


def test_idle_session_is_logged_out_after_the_timeout(secretary_client, settings, time_machine):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    time_machine.move_to("2026-01-01 09:00", tick=False)
    assert secretary_client.get(reverse("orgs:tree")).status_code == 200
    time_machine.move_to("2026-01-01 09:29", tick=False)
    assert secretary_client.get(reverse("orgs:tree")).status_code == 200
    time_machine.move_to("2026-01-01 10:00", tick=False)
    response = secretary_client.get(reverse("orgs:tree"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_api_without_a_token_answers_401_with_a_code(client, secretary):
    response = client.get("/api/v1/orgs")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer", "Bearer not-a-real-token", "Basic abc", "Bearer " + "x" * 500])
def test_malformed_or_unknown_tokens_answer_401(client, secretary, header):
    response = client.get("/api/v1/orgs", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_revoked_token_no_longer_works(client, secretary, token_for):
    header = token_for(secretary)
    assert client.get("/api/v1/orgs", **header).status_code == 200
    ApiToken.objects.update(revoked=True)
    assert client.get("/api/v1/orgs", **header).status_code == 401


def test_bad_query_parameter_answers_422_with_a_code(client, secretary, token_for):
    response = client.get("/api/v1/orgs?limit=many", **token_for(secretary))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_issue_token_prints_a_working_token(client, secretary, capsys):
    call_command("issue_token", "secretary")
    raw = capsys.readouterr().out.strip()
    assert client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert ApiToken.objects.get().digest != raw


def test_grant_command_gives_a_role_on_a_subtree(roles, zone, branch, capsys):
    from conftest import make_user

    make_user("newcomer")
    call_command("grant", "newcomer", "viewer", "T", "--subtree")
    assignment = RoleAssignment.objects.get(user__username="newcomer")
    assert (assignment.role.identifier, assignment.org.code, assignment.subtree) == ("viewer", "T", True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ghost", "viewer", "T"], "用户"),
        (["newcomer", "emperor", "T"], "角色"),
        (["newcomer", "viewer", "NOPE"], "组织代码"),
    ],
)
def test_grant_command_names_what_is_wrong(roles, zone, args, message):
    from conftest import make_user

    make_user("newcomer")
    with pytest.raises(CommandError, match=message):
        call_command("grant", *args)
    assert not RoleAssignment.objects.filter(user__username="newcomer").exists()


def test_the_tokens_user_comes_with_the_grants_its_assignments_and_liaison_groups_give_today(
    roles, zone, branch, other_branch, token_for, django_assert_num_queries
):
    """The API reads the token's user and its grants in one statement; they must be the grants the
    pages compute (an active assignment, one ended yesterday left out, a liaison group's orgs)."""
    from datetime import timedelta

    from django.utils import timezone

    from dangjian.accounts.grants import grants_of
    from dangjian.accounts.services import user_for_api_token
    from dangjian.core.scoping import grants_for
    from dangjian.orgs.models import LiaisonGroup

    user = make_user("liaison-secretary", roles["secretary"], branch)
    RoleAssignment.objects.create(
        user=user,
        role=roles["secretary"],
        org=other_branch,
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    group = LiaisonGroup.objects.create(zone=zone, name="第一联系组")
    group.members.add(user)
    group.orgs.add(other_branch)
    raw = token_for(user)["HTTP_AUTHORIZATION"].removeprefix("Bearer ")

    found = user_for_api_token(raw)
    with django_assert_num_queries(0):  # they came with the user
        grants = grants_for(found)
    assert found == user
    assert sorted(grants, key=repr) == sorted(grants_of(user), key=repr)
    assert {g.path for g in grants} == {branch.path, other_branch.path}
    assert user_for_api_token(raw + "x") is None


def test_a_token_call_is_refused_once_the_only_assignment_has_ended(
    client, roles, branch, token_for, time_machine
):
    """Grants are today's: the token still authenticates, but the capability is gone (404)."""
    from datetime import date

    time_machine.move_to("2026-03-02 10:00 +08:00")
    user = make_user("short-term", roles["secretary"], branch)
    RoleAssignment.objects.filter(user=user).update(valid_to=date(2026, 3, 31))
    header = token_for(user)
    assert client.get("/api/v1/members", **header).status_code == 200
    time_machine.move_to("2026-04-01 10:00 +08:00")
    assert client.get("/api/v1/members", **header).status_code == 404
