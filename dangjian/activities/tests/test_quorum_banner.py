"""A 支部党员大会 is judged for quorum once attendance is recorded, never before (issue 9, point 9)."""

import pytest
from django.urls import reverse

from dangjian.activities import selectors, services
from dangjian.activities.models import Activity, Kind, Status
from dangjian.activities.services import Mark

from .factories import meeting, member

pytestmark = pytest.mark.django_db

BANNER = "未达法定人数，表决无效"


@pytest.fixture
def roll(branch):
    return [member(branch, f"党员{i}") for i in range(5)]


@pytest.fixture
def congress(branch, roll):
    return meeting(branch, kind=Kind.PARTY_CONGRESS, title="支部党员大会", status=Status.PLANNED)


def test_a_new_congress_shows_no_quorum_banner_before_attendance_is_taken(secretary_client, congress):
    page = secretary_client.get(reverse("activities:detail", args=[congress.pk])).content.decode()
    assert BANNER not in page
    assert selectors.turnout(congress).quorate is None
    annotated = selectors.with_counts(Activity.objects.filter(pk=congress.pk)).get()
    assert selectors.quorate(annotated) is None


def test_the_list_shows_no_quorum_badge_before_attendance_is_taken(secretary_client, congress):
    page = secretary_client.get(reverse("activities:index") + "?year=2023").content.decode()
    assert congress.title in page and "未达法定人数" not in page


def test_the_banner_shows_once_attendance_falls_short(secretary, secretary_client, congress, roll):
    services.set_attendance(actor=secretary, activity=congress, marks=[Mark(roll[0].pk, "present")])
    page = secretary_client.get(reverse("activities:detail", args=[congress.pk])).content.decode()
    assert BANNER in page
    page = secretary_client.get(reverse("activities:index") + "?year=2023").content.decode()
    assert "未达法定人数" in page
