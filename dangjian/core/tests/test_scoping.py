from datetime import date, timedelta

import pytest

from conftest import make_user
from dangjian.accounts.models import RoleAssignment
from dangjian.core.scoping import has_capability, scoped
from dangjian.orgs.models import LiaisonGroup, Org


def visible_codes(user) -> set[str]:
    return set(scoped(Org.objects.all(), user, "orgs.view").values_list("code", flat=True))


@pytest.mark.django_db
def test_secretary_sees_own_branch_and_what_is_below_it(secretary, outsider):
    assert visible_codes(secretary) == {"T-A", "T-A-G"}


@pytest.mark.django_db
def test_zone_admin_sees_the_whole_zone(admin_user):
    assert visible_codes(admin_user) == {"T", "T-A", "T-A-G", "T-B", "T-C", "T-C1"}


@pytest.mark.django_db
def test_node_only_assignment_does_not_reach_below(roles, branch):
    user = make_user("nodeonly", roles["viewer"], branch, subtree=False)
    assert visible_codes(user) == {"T-A"}


@pytest.mark.django_db
def test_expired_or_future_assignment_grants_nothing(roles, branch):
    user = make_user("expired", None, branch)
    today = date.today()
    RoleAssignment.objects.create(
        user=user, role=roles["viewer"], org=branch, valid_to=today - timedelta(days=1)
    )
    RoleAssignment.objects.create(
        user=user, role=roles["viewer"], org=branch, valid_from=today + timedelta(days=2)
    )
    assert visible_codes(user) == set()


@pytest.mark.django_db
def test_liaison_member_reads_and_supervises_assigned_subtrees_only(zone, community, other_branch, roles):
    user = make_user("liaison", None, zone)
    group = LiaisonGroup.objects.create(zone=zone, name="第一联络组")
    group.orgs.add(community)
    group.members.add(user)
    assert visible_codes(user) == {"T-C", "T-C1"}
    assert has_capability(user, "orgs.supervise", Org.objects.get(code="T-C1"))
    assert not has_capability(user, "orgs.edit", Org.objects.get(code="T-C1"))


@pytest.mark.django_db
def test_user_without_assignments_sees_nothing(zone):
    assert visible_codes(make_user("nobody", None, zone)) == set()


@pytest.mark.django_db
def test_inactive_user_sees_nothing(secretary):
    secretary.is_active = False
    assert visible_codes(secretary) == set()
