"""等保 2.0 level-3 login controls: second factor, password change and expiry, disabled accounts, tokens."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, make_user
from dangjian.accounts import services
from dangjian.accounts.models import ApiToken, User
from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy_on(settings):
    settings.LOGIN_POLICY_ENFORCED = True


def login(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def enrol(client: Client, user: User) -> list[str]:
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    return list(response.context["codes"])


# ---------------------------------------------------------------- second factor


def test_a_zone_admin_must_enrol_a_second_factor_before_anything_else(admin_user):
    client = login("zoneadmin")
    response = client.get(reverse("orgs:tree"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_setup")
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "<svg" in page  # the QR code, drawn on the server
    codes = enrol(client, admin_user)
    assert len(codes) == 10
    assert client.get(reverse("orgs:tree")).status_code == 200
    assert AuditEntry.objects.filter(action="accounts.otp_enrolled", actor=admin_user).exists()


def test_an_enrolled_user_enters_a_code_at_each_login(admin_user):
    enrol(login("zoneadmin"), admin_user)
    client = login("zoneadmin")
    assert client.get(reverse("orgs:tree"))["Location"] == reverse("accounts:otp_verify")
    assert client.post(reverse("accounts:otp_verify"), {"code": "000000"}).status_code == 200
    device = TOTPDevice.objects.get(user=admin_user, confirmed=True)
    device.refresh_from_db()
    device.last_t = -1  # the same code is single-use; a new login in the same step needs a fresh one
    device.throttle_reset(commit=False)  # the failed code above throttles the device for a second
    device.save()
    assert client.post(reverse("accounts:otp_verify"), {"code": code_for(device)}).status_code == 302
    assert client.get(reverse("orgs:tree")).status_code == 200


def test_a_recovery_code_works_once(admin_user):
    codes = enrol(login("zoneadmin"), admin_user)
    first = login("zoneadmin")
    assert first.post(reverse("accounts:otp_verify"), {"code": codes[0]}).status_code == 302
    second = login("zoneadmin")
    assert second.post(reverse("accounts:otp_verify"), {"code": codes[0]}).status_code == 200
    assert StaticToken.objects.filter(device__user=admin_user).count() == 9


def test_pii_reveal_holders_need_the_second_factor_and_viewers_do_not(roles, branch, secretary):
    assert login("secretary").get(reverse("orgs:tree"))["Location"] == reverse("accounts:otp_setup")
    make_user("viewer", roles["viewer"], branch)
    assert login("viewer").get(reverse("orgs:tree")).status_code == 200


def test_the_zone_setting_requires_it_of_everyone(settings, roles, branch):
    settings.OTP_REQUIRED_FOR_ALL = True
    make_user("viewer", roles["viewer"], branch)
    assert login("viewer").get(reverse("orgs:tree"))["Location"] == reverse("accounts:otp_setup")


def test_the_security_admin_requires_it_of_everyone_from_the_security_page(roles, zone, branch, admin_user):
    secadmin = make_user("anquan", roles["secadmin"], zone)
    make_user("viewer", roles["viewer"], branch)
    assert login("viewer").get(reverse("orgs:tree")).status_code == 200
    page = Client()
    page.force_login(secadmin)
    with pytest.MonkeyPatch.context() as mp:  # this part is about the switch, not the admin's own login
        mp.setattr("django.conf.settings.LOGIN_POLICY_ENFORCED", False)
        assert "所有用户登录均须二次验证" in page.get(reverse("accounts:security")).content.decode()
        answer = page.post(reverse("accounts:security_policy"), {"second_factor_for_everyone": "on"})
    assert answer["Location"] == reverse("accounts:security")
    assert login("viewer").get(reverse("orgs:tree"))["Location"] == reverse("accounts:otp_setup")
    entry = AuditEntry.objects.filter(action="accounts.set_security_policy").get()
    assert entry.actor == secadmin and entry.data == {"second_factor_for_everyone": True, "before": False}


def test_only_the_security_admin_sets_the_policy(admin_user):
    client = Client()
    client.force_login(admin_user)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.conf.settings.LOGIN_POLICY_ENFORCED", False)
        answer = client.post(reverse("accounts:security_policy"), {"second_factor_for_everyone": "on"})
    assert answer.status_code == 404
    assert not AuditEntry.objects.filter(action="accounts.set_security_policy").exists()


def test_demo_mode_exempts_the_seeded_demo_logins_only(settings, roles, zone, admin_user):
    settings.DANGJIAN_DEMO = True
    make_user("admin", roles["zone_admin"], zone)  # a seeded demo login's name
    assert login("admin").get(reverse("orgs:tree"), REMOTE_ADDR="127.0.0.1").status_code == 200
    assert login("zoneadmin").get(reverse("orgs:tree"))["Location"] == reverse("accounts:otp_setup")


# ---------------------------------------------------------------- passwords


@pytest.fixture
def viewer(roles, branch):
    return make_user("viewer", roles["viewer"], branch)


def test_an_account_made_by_an_administrator_changes_its_password_at_first_login(admin_user, branch):
    services.create_user(actor=admin_user, username="newbie", password="Initial-pass-1", org=branch)
    client = login("newbie", "Initial-pass-1")
    assert client.get(reverse("orgs:tree"))["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Initial-pass-1", "new_password": "Own-secret-22", "new_password2": "Own-secret-22"},
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code in (200, 302)
    assert not User.objects.get(username="newbie").must_change_password


def test_changing_a_password_needs_the_old_one(viewer):
    client = login("viewer")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password": "Own-secret-22", "new_password2": "Own-secret-22"},
    )
    assert "原密码不正确" in response.content.decode()


def test_the_last_five_passwords_are_refused(viewer):
    current = PASSWORD
    for n in range(5):
        new = f"Rotating-pass-{n}"
        services.change_own_password(actor=viewer, old_password=current, new_password=new)
        current = new
    for reused in ["Rotating-pass-0", "Rotating-pass-3", "Rotating-pass-4"]:
        with pytest.raises(services.AccountError, match="最近5次"):
            services.change_own_password(actor=viewer, old_password=current, new_password=reused)


def test_a_password_older_than_ninety_days_must_be_changed(viewer):
    User.objects.filter(pk=viewer.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    assert login("viewer").get(reverse("orgs:tree")).status_code == 200
    User.objects.filter(pk=viewer.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    assert login("viewer").get(reverse("orgs:tree"))["Location"] == reverse("accounts:password_change")


def test_an_administrator_reset_forces_a_change(admin_user, viewer):
    services.reset_password(actor=admin_user, user=viewer, new_password="Temporary-pass-9")
    assert User.objects.get(pk=viewer.pk).must_change_password
    assert AuditEntry.objects.filter(action="accounts.reset_password").exists()


# ---------------------------------------------------------------- accounts and tokens


def test_disabling_an_account_ends_its_sessions_and_tokens_at_once(client, admin_user, viewer, token_for):
    session = login("viewer")
    header = token_for(viewer)
    assert session.get(reverse("orgs:tree")).status_code == 200
    assert client.get("/api/v1/orgs", **header).status_code == 200
    services.set_user_active(actor=admin_user, user=viewer, active=False)
    assert SESSION_KEY not in session.session
    assert session.get(reverse("orgs:tree")).status_code == 302
    assert client.get("/api/v1/orgs", **header).status_code == 401
    assert not ApiToken.objects.filter(user=viewer, revoked=False).exists()


def test_nobody_disables_themselves(admin_user):
    with pytest.raises(services.AccountError):
        services.set_user_active(actor=admin_user, user=admin_user, active=False)


def test_tokens_have_a_name_an_expiry_and_a_last_use(client, viewer):
    raw = services.issue_token(actor=SYSTEM, user=viewer, name="数据对接")
    token = ApiToken.objects.get(user=viewer)
    assert token.name == "数据对接"
    assert timedelta(days=179) < token.expires_at - timezone.now() <= timedelta(days=180)
    assert client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_no_longer_works(client, viewer):
    raw = services.issue_token(actor=SYSTEM, user=viewer, name="短期", days=1)
    ApiToken.objects.filter(user=viewer).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_user_sees_creates_and_revokes_their_own_tokens(viewer, client):
    client.force_login(viewer)
    response = client.post(reverse("accounts:issue_token"), {"name": "报表工具", "days": "30"})
    raw = response.context["new_token"]
    assert raw.startswith("dj_") and "报表工具" in response.content.decode()
    token = ApiToken.objects.get(user=viewer)
    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert ApiToken.objects.get(pk=token.pk).revoked
    assert client.get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(viewer, admin_user, client):
    services.issue_token(actor=SYSTEM, user=admin_user, name="x")
    token = ApiToken.objects.get(user=admin_user)
    client.force_login(viewer)
    assert client.post(reverse("accounts:revoke_token", args=[token.pk])).status_code == 404


# ---------------------------------------------------------------- the security page


def test_the_security_page_lists_what_the_security_admin_must_act_on(
    settings, roles, zone, admin_user, client
):
    from dangjian.core.checkpoints import write_checkpoint

    secadmin = make_user("anquan", roles["secadmin"], zone)
    from django.db import transaction

    with transaction.atomic():
        services.record_login(username="x", success=False, ip=None)
    write_checkpoint()
    settings.LOGIN_POLICY_ENFORCED = False  # this test is about the page, not the second factor
    client.force_login(secadmin)
    page = client.get(reverse("accounts:security"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "zoneadmin" in body  # a zone admin without a second factor
    assert "哈希链与检查点校验通过" in body
    client.force_login(admin_user)
    assert client.get(reverse("accounts:security")).status_code == 404
