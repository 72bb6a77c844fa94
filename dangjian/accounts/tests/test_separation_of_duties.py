"""Issue 8, breach 2: separation of duties (三员分立) — who may grant and revoke which role."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from conftest import make_user
from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.roles import ADMIN_DUTIES, BUSINESS_ROLES, GRANT_RULES
from dangjian.accounts.services import end_role, grant_role
from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def secadmin(roles, zone):
    return make_user("anquan", roles["secadmin"], zone)


@pytest.fixture
def sysadmin(roles, zone):
    return make_user("xitong", roles["sysadmin"], zone)


def test_a_zone_admin_cannot_grant_themselves_any_role(admin_user, roles, zone):
    for role in roles.values():
        with pytest.raises(ValidationError):
            grant_role(actor=admin_user, user=admin_user, role=role, org=zone)
    assert RoleAssignment.objects.filter(user=admin_user).count() == 1


def test_a_zone_admin_made_auditor_by_themselves_still_cannot_read_the_audit_log(
    admin_client, admin_user, roles, zone
):
    response = admin_client.post(
        reverse("accounts:user", args=[admin_user.pk]),
        {"role": roles["auditor"].pk, "org": zone.pk, "subtree": "on"},
    )
    assert response.status_code == 200  # the form, with the refusal
    assert admin_client.get(reverse("core:audit")).status_code == 404


def test_a_sysadmin_cannot_make_themselves_staff_or_grant_anything(sysadmin, roles, zone, branch):
    other = make_user("someone", None, branch)
    with pytest.raises(ValidationError):
        grant_role(actor=sysadmin, user=sysadmin, role=roles["staff"], org=zone)
    with pytest.raises(ValidationError):
        grant_role(actor=sysadmin, user=other, role=roles["viewer"], org=branch)


def test_a_zone_admin_grants_business_roles_inside_the_subtree_only(admin_user, roles, branch, zone):
    other = make_user("someone", None, branch)
    for identifier in BUSINESS_ROLES:
        grant_role(actor=admin_user, user=other, role=roles[identifier], org=branch)
    for identifier in ["zone_admin", "auditor", *ADMIN_DUTIES]:
        with pytest.raises(ValidationError):
            grant_role(actor=admin_user, user=other, role=roles[identifier], org=branch)


def test_a_branch_scoped_zone_admin_cannot_grant_above_their_node(roles, zone, branch, other_branch):
    local = make_user("localadmin", roles["zone_admin"], branch)
    other = make_user("someone", None, branch)
    with pytest.raises(ValidationError):
        grant_role(actor=local, user=other, role=roles["viewer"], org=Org.objects.get(pk=zone.pk))
    with pytest.raises(ValidationError):
        grant_role(actor=local, user=other, role=roles["viewer"], org=other_branch)


def test_the_security_admin_grants_and_revokes_every_role_including_the_duties(secadmin, roles, zone):
    for identifier in ["zone_admin", "auditor", *ADMIN_DUTIES]:
        target = make_user(f"u_{identifier}", None, zone)
        assignment = grant_role(actor=secadmin, user=target, role=roles[identifier], org=zone)
        end_role(actor=secadmin, assignment=assignment)


def test_the_three_duties_exclude_each_other_and_every_business_role(secadmin, roles, zone, branch):
    auditadmin = make_user("shenji", roles["auditadmin"], zone)
    for identifier in ["sysadmin", "secadmin", "staff", "viewer"]:
        with pytest.raises(ValidationError, match="互斥"):
            grant_role(actor=secadmin, user=auditadmin, role=roles[identifier], org=zone)
    clerk = make_user("clerk", roles["clerk"], branch)
    with pytest.raises(ValidationError, match="互斥"):
        grant_role(actor=secadmin, user=clerk, role=roles["sysadmin"], org=zone)
    with pytest.raises(ValidationError, match="互斥"):
        grant_role(actor=SYSTEM, user=clerk, role=roles["secadmin"], org=zone)


def test_nobody_revokes_their_own_role(admin_user):
    assignment = admin_user.assignments.get()
    with pytest.raises(ValidationError):
        end_role(actor=admin_user, assignment=assignment)


def test_only_the_audit_duties_read_the_audit_log(client, roles, zone, secadmin, sysadmin, admin_user):
    readers = {
        "auditor": make_user("a1", roles["auditor"], zone),
        "auditadmin": make_user("a2", roles["auditadmin"], zone),
    }
    for user in [secadmin, sysadmin, admin_user]:
        client.force_login(user)
        assert client.get(reverse("core:audit")).status_code == 404, user
    for user in readers.values():
        client.force_login(user)
        assert client.get(reverse("core:audit")).status_code == 200


def test_audit_view_in_a_configured_role_confers_nothing(client, roles, zone, admin_user):
    # A role edited to include audit.view (e.g. in the Django admin) still does not read the log.
    zone_admin = roles["zone_admin"]
    zone_admin.capabilities = [*zone_admin.capabilities, "audit.view"]
    zone_admin.save()
    client.force_login(User.objects.get(pk=admin_user.pk))
    assert client.get(reverse("core:audit")).status_code == 404


def test_grants_and_revokes_are_audited_with_who_what_and_where(admin_user, roles, branch):
    other = make_user("someone", None, branch)
    assignment = grant_role(actor=admin_user, user=other, role=roles["clerk"], org=branch)
    end_role(actor=admin_user, assignment=assignment)
    entries = AuditEntry.objects.filter(action__in=["accounts.grant_role", "accounts.end_role"]).order_by(
        "id"
    )
    assert [(e.actor_id, e.data["user"], e.data["role"], e.data["org"]) for e in entries] == [
        (admin_user.pk, "someone", "clerk", "T-A"),
        (admin_user.pk, "someone", "clerk", "T-A"),
    ]
    assert {e.org_path for e in entries} == {branch.path}


def test_the_grant_command_acts_as_the_system_to_make_the_first_security_admin(roles, zone):
    make_user("first", None, zone)
    call_command("grant", "first", "secadmin", zone.code, "--subtree")
    entry = AuditEntry.objects.get(action="accounts.grant_role")
    assert entry.actor_id is None and entry.actor_name == "系统"


def test_the_rules_table_names_only_known_roles():
    from dangjian.accounts.roles import DEFAULT_ROLES, EVERY_ROLE

    for granter, (grantable, _) in GRANT_RULES.items():
        assert granter in DEFAULT_ROLES
        assert grantable == EVERY_ROLE or set(grantable) <= set(DEFAULT_ROLES)


def test_seed_demo_has_one_login_for_each_duty():
    from dangjian.accounts.seed import DEMO_USERS

    assert sorted(role for _, _, role, _, _ in DEMO_USERS if role in ADMIN_DUTIES) == sorted(ADMIN_DUTIES)
