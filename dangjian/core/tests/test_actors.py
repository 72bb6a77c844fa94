"""One actor: a user, SYSTEM or PUBLIC, checked by one require() and named as such in the audit log."""

import pickle

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from dangjian.core.actors import PUBLIC, SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.scoping import OutOfScope, has_capability, require, scoped
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_system_may_do_anything_anywhere(branch):
    require(SYSTEM, "members.edit", branch)
    assert has_capability(SYSTEM, "orgs.edit", branch)
    assert scoped(Org.objects.all(), SYSTEM, "orgs.view").count() == Org.objects.count()


def test_public_may_do_only_what_is_listed(branch):
    require(PUBLIC, "activities.checkin")
    with pytest.raises(OutOfScope):
        require(PUBLIC, "members.view", branch)
    assert not scoped(Org.objects.all(), PUBLIC, "orgs.view").exists()


def test_secretary_is_refused_outside_their_branch(secretary, other_branch, branch):
    require(secretary, "members.edit", branch)
    with pytest.raises(OutOfScope) as info:
        require(secretary, "members.edit", other_branch)
    assert info.value.code == "out_of_scope"


@pytest.mark.parametrize("stand_in", ["system", "seed_demo", None, AnonymousUser()])
def test_nothing_stands_in_for_an_actor(stand_in, branch):
    with pytest.raises(TypeError):
        require(stand_in, "members.edit", branch)
    with pytest.raises(TypeError), transaction.atomic():
        log_action(actor=stand_in, action="test.stand_in")


def test_audit_names_the_system_and_the_public(secretary):
    with transaction.atomic():
        by_system = log_action(actor=SYSTEM, action="test.system")
        by_public = log_action(actor=PUBLIC, action="test.public")
        by_user = log_action(actor=secretary, action="test.user")
    assert (by_system.actor_id, by_system.actor_name) == (None, "系统")
    assert (by_public.actor_id, by_public.actor_name) == (None, "公众")
    assert (by_user.actor_id, by_user.actor_name) == (secretary.pk, secretary.username)


def test_sentinels_stay_themselves_through_pickling():
    assert pickle.loads(pickle.dumps(SYSTEM)) is SYSTEM
    assert pickle.loads(pickle.dumps(PUBLIC)) is PUBLIC
