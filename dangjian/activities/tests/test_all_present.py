"""全部出席: one tap records every unmarked member present; only the exceptions take a tap each."""

from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from dangjian.activities import services
from dangjian.activities.models import Attendance, Kind, Participation
from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.core.scoping import OutOfScope

from .factories import meeting, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(branch):
    return [member(branch, f"甲村党员{i}") for i in range(6)]


@pytest.fixture
def theme_day(branch):
    return meeting(branch, kind=Kind.THEME_DAY, day=date(2023, 5, 10), title="五月主题党日")


def statuses(activity) -> dict[str, str]:
    return dict(Attendance.objects.filter(activity=activity).values_list("member__person__name", "status"))


def test_all_present_records_every_unmarked_member_present_and_the_exceptions_as_given(
    secretary, theme_day, roll
):
    leave = services.Mark(roll[2].pk, Participation.LEAVE, "外出务工")
    with transaction.atomic():
        counts = services.mark_all_present(actor=secretary, activity=theme_day, exceptions=[leave])
    assert counts == {"added": 6, "changed": 0}
    assert statuses(theme_day) == {m.person.name: "present" for m in roll} | {"甲村党员2": "leave"}


def test_all_present_writes_one_audit_entry_saying_how_many_were_present_by_default(
    secretary, theme_day, roll
):
    absent = services.Mark(roll[0].pk, Participation.ABSENT, "未请假")
    with transaction.atomic():
        services.mark_all_present(actor=secretary, activity=theme_day, exceptions=[absent])
    entry = AuditEntry.objects.get(action="activities.mark_all_present")
    assert entry.data == {"added": 6, "changed": 0, "present_by_default": 5, "exceptions": 1}


def test_all_present_keeps_marks_already_recorded(secretary, theme_day, roll):
    with transaction.atomic():
        services.set_attendance(
            actor=SYSTEM, activity=theme_day, marks=[services.Mark(roll[1].pk, Participation.ABSENT, "生病")]
        )
    with transaction.atomic():
        services.mark_all_present(actor=secretary, activity=theme_day)
    assert statuses(theme_day)["甲村党员1"] == "absent"
    assert list(statuses(theme_day).values()).count("present") == 5


def test_all_present_refuses_an_absence_without_a_reason_and_records_nobody(secretary, theme_day, roll):
    with pytest.raises(services.ActivityError, match="缺席原因"), transaction.atomic():
        services.mark_all_present(
            actor=secretary, activity=theme_day, exceptions=[services.Mark(roll[0].pk, Participation.ABSENT)]
        )
    assert not Attendance.objects.exists()


def test_another_branchs_secretary_cannot_mark_all_present(outsider, theme_day, roll):
    with pytest.raises(OutOfScope), transaction.atomic():
        services.mark_all_present(actor=outsider, activity=theme_day)
    assert not Attendance.objects.exists()


def test_the_all_present_button_saves_and_returns_to_the_roll_to_correct_exceptions(
    secretary_client, theme_day, roll
):
    url = reverse("activities:attendance", args=[theme_day.pk])
    assert (
        '全部出席（其余<span data-count="unmarked">6</span>人）' in secretary_client.get(url).content.decode()
    )
    response = secretary_client.post(url, {"all": "1", f"s{roll[3].pk}": "leave", f"r{roll[3].pk}": "病假"})
    assert response.status_code == 302 and response.url == url
    assert statuses(theme_day)["甲村党员3"] == "leave"
    assert list(statuses(theme_day).values()).count("present") == 5
    page = secretary_client.get(url).content.decode()
    assert "已登记全部出席" in page and '未标记 <span data-count="unmarked">0</span> 人' in page


def test_a_refused_save_shows_the_marks_that_were_posted(secretary_client, theme_day, roll):
    url = reverse("activities:attendance", args=[theme_day.pk])
    response = secretary_client.post(url, {"all": "1", f"s{roll[4].pk}": "absent"})
    page = response.content.decode()
    assert response.status_code == 400 and "缺席原因" in page
    assert 'value="absent" autocomplete="off" checked' in page
    assert not Attendance.objects.exists()


def test_the_all_present_button_answers_404_for_another_branch(outsider_client, theme_day, roll):
    response = outsider_client.post(reverse("activities:attendance", args=[theme_day.pk]), {"all": "1"})
    assert response.status_code == 404
    assert not Attendance.objects.exists()
