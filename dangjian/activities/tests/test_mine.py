"""我的: a member's login without any role lands on their own branch, meetings, study, dues and check-in."""

from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from dangjian.activities import services
from dangjian.activities.models import Kind, Participation
from dangjian.activities.services import Mark
from dangjian.core.actors import SYSTEM
from dangjian.people.dues import record_dues_payment

from .factories import meeting, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(branch):
    return member(branch, "王芳", joined_on=date(2001, 7, 1))


@pytest.fixture
def member_client(client, me, roles):
    from conftest import make_user

    user = make_user("dangyuan")
    me.person.user = user
    me.person.save()
    client.force_login(user)
    return client


def _attend(activity, marks):
    with transaction.atomic():
        services.set_attendance(actor=SYSTEM, activity=activity, marks=marks)


def test_a_member_without_a_role_lands_on_their_own_page(member_client):
    response = member_client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("activities:mine")
    page = member_client.get(response["Location"]).content.decode()
    assert "尚未被授予任何组织的权限" not in page
    assert "我的 · 王芳" in page and "甲村党支部" in page and "扫码签到" in page


def test_my_page_shows_my_meetings_study_and_dues_and_nobody_elses(member_client, me, branch):
    other = member(branch, "李明")
    committee = meeting(branch, title="五月支委会", day=date(2023, 5, 10))
    lecture = meeting(branch, kind=Kind.LECTURE, title="七一专题党课", day=date(2023, 7, 1))
    _attend(committee, [Mark(me.pk, Participation.ABSENT, "出差"), Mark(other.pk, Participation.PRESENT)])
    _attend(lecture, [Mark(me.pk, Participation.PRESENT)])
    with transaction.atomic():
        record_dues_payment(
            actor=SYSTEM, member=me, month=date(2023, 1, 1), paid_on=date(2023, 1, 5), amount_fen=500
        )
    page = member_client.get(reverse("activities:mine") + "?year=2023").content.decode()
    assert "2023年应参加2次，出席1次" in page
    assert "五月支委会" in page and "七一专题党课" in page and "党课 · 七一专题党课" in page
    assert "2023年已交1个月，共5.00元" in page and "2月、3月" in page
    assert "李明" not in page


def test_my_page_links_only_to_pages_a_member_may_open(member_client, me, branch):
    held = meeting(branch, day=date(2023, 5, 10))
    _attend(held, [Mark(me.pk, Participation.PRESENT)])
    page = member_client.get(reverse("activities:mine") + "?year=2023").content.decode()
    assert reverse("activities:detail", args=[held.pk]) not in page  # a member has no activities.view
    assert 'href="/people/' not in page and 'href="/activities/compliance/' not in page


def test_a_login_linked_to_nobody_is_told_so(client, roles):
    from conftest import make_user

    client.force_login(make_user("nobody"))
    assert "尚未被授予任何组织的权限" in client.get(reverse("core:home")).content.decode()
    assert "尚未关联党员信息" in client.get(reverse("activities:mine")).content.decode()


def test_the_menu_offers_my_page_to_a_linked_member_only(member_client, secretary_client):
    assert 'href="/activities/mine/"' in member_client.get(reverse("activities:mine")).content.decode()
    assert (
        'href="/activities/mine/"' not in secretary_client.get(reverse("activities:index")).content.decode()
    )
