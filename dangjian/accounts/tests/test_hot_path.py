"""The two questions every API request asks (whose token, which grants) are answered in SQL written
by hand; these pin them to what the ORM queries they replace answered."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.accounts import services
from dangjian.accounts.grants import grants_of
from dangjian.accounts.models import ApiToken, RoleAssignment, User
from dangjian.accounts.roles import effective_capabilities, role_capabilities
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import LiaisonGroup

pytestmark = pytest.mark.django_db


def test_a_token_gives_its_whole_user_with_aware_times_and_is_touched_once_a_minute(roles, branch):
    user = make_user("tablet", roles["secretary"], branch)
    raw = services.issue_token(actor=SYSTEM, user=user)
    found = services.user_for_api_token(raw)
    assert isinstance(found, User) and found.pk == user.pk and found.username == "tablet"
    assert found.home_org_id == user.home_org_id and found.is_active and not found.is_superuser
    assert timezone.is_aware(found.date_joined)
    first = ApiToken.objects.get(user=user).last_used_at
    assert first is not None
    assert services.user_for_api_token(raw) is not None
    assert ApiToken.objects.get(user=user).last_used_at == first  # within the minute: a read stays a read
    ApiToken.objects.filter(user=user).update(last_used_at=timezone.now() - timedelta(minutes=2))
    services.user_for_api_token(raw)
    assert timezone.now() - ApiToken.objects.get(user=user).last_used_at < timedelta(minutes=1)


def test_no_user_for_a_revoked_or_expired_token_or_an_inactive_user(roles, branch):
    user = make_user("tablet", roles["secretary"], branch)
    for spoil in (
        {"revoked": True},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ):
        raw = services.issue_token(actor=SYSTEM, user=user)
        assert services.user_for_api_token(raw) is not None
        ApiToken.objects.filter(digest=ApiToken.digest_of(raw)).update(**spoil)
        assert services.user_for_api_token(raw) is None
    raw = services.issue_token(actor=SYSTEM, user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert services.user_for_api_token(raw) is None
    assert services.user_for_api_token("dj_unknown") is None


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "held"),
    [
        (None, None, True),
        (date(2000, 1, 1), None, True),
        (None, date(2000, 1, 1), False),
        (date(2999, 1, 1), None, False),
        (None, "today", True),
        ("today", None, True),
    ],
)
def test_an_assignment_grants_only_inside_its_dates(roles, zone, branch, valid_from, valid_to, held):
    today = timezone.localdate()
    user = make_user("dated", roles["viewer"], branch)
    RoleAssignment.objects.filter(user=user).update(
        valid_from=today if valid_from == "today" else valid_from,
        valid_to=today if valid_to == "today" else valid_to,
        subtree=False,
    )
    grants = grants_of(user)
    assert bool(grants) == held
    if held:
        (grant,) = grants
        role = roles["viewer"]
        assert (grant.path, grant.subtree) == (branch.path, False)
        assert grant.capabilities == effective_capabilities(role.identifier, role.capabilities)


def test_a_liaison_holds_the_liaison_role_on_each_org_of_an_active_group(roles, zone, branch, other_branch):
    user = make_user("liaison", roles["viewer"], zone)
    group = LiaisonGroup.objects.create(zone=zone, name="第一联络组")
    group.members.add(user)
    group.orgs.add(branch, other_branch)
    asleep = LiaisonGroup.objects.create(zone=zone, name="停用联络组", active=False)
    asleep.members.add(user)
    asleep.orgs.add(zone)
    liaison = {(g.path, g.subtree) for g in grants_of(user) if g.capabilities == role_capabilities("liaison")}
    assert liaison == {(branch.path, True), (other_branch.path, True)}
    assert len(grants_of(user)) == 3  # the viewer role on the zone beside them
