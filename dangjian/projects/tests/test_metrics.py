"""Projects' yearly figures: what counts in a year, sub-projects never counted twice."""

from datetime import date

import pytest

from dangjian.core import metrics
from dangjian.projects.models import Initiative, ProjectStatus

from .factories import EnterpriseFactory, ProjectFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_red_site_projects_count_as_completed_in_the_year_they_went_into_use(zone, branch):
    red = Initiative.RED_SITE
    ProjectFactory(org=branch, initiative=red, status=ProjectStatus.IN_USE, finished_on=date(2023, 9, 1))
    ProjectFactory(org=branch, initiative=red, status=ProjectStatus.IN_USE, finished_on=date(2024, 3, 1))
    ProjectFactory(org=branch, initiative=red, started_on=date(2023, 5, 1))
    assert metrics.get("projects.completed").value(zone, 2023) == 1
    # the one finished in 2024 was still under way at the end of 2023
    assert metrics.get("projects.in_progress").value(zone, 2023) == 2
    assert metrics.get("projects.in_progress").value(zone, 2024) == 1


def test_sub_projects_are_not_added_twice_to_an_initiatives_investment(zone, branch):
    belt = ProjectFactory(org=zone, initiative=Initiative.DEMO_BELT, investment=4_000_000_000)
    ProjectFactory(org=branch, parent=belt, initiative=Initiative.DEMO_BELT, investment=1_000_000_000)
    assert metrics.get("projects.demo_belt_investment").value(zone, 2023) == 4_000_000_000


def test_teams_and_enterprises_count_in_the_years_they_were_active(zone, branch):
    TeamFactory(org=branch, formed_on=date(2022, 5, 1), disbanded_on=date(2022, 12, 1))
    TeamFactory(org=branch, formed_on=date(2023, 5, 1))
    EnterpriseFactory(org=zone, workers=7000, joined_on=date(2021, 1, 1))
    EnterpriseFactory(org=zone, workers=5400, joined_on=date(2023, 6, 1))
    assert metrics.get("projects.commando_teams").value(zone, 2023) == 1
    assert metrics.get("projects.enterprises").value(zone, 2023) == 2
    assert metrics.get("projects.enterprise_workers").value(zone, 2023) == 12_400
    assert metrics.get("projects.enterprises").value(zone, 2022) == 1
