"""Projects API: scoped lists, 422 for out-of-range input, services behind every write."""

from datetime import date

import pytest
import time_machine

from .factories import ProjectFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_project_list_is_scoped_to_the_tokens_orgs(client, token_for, secretary, branch, other_branch):
    ProjectFactory(org=branch, name="甲村冷库", started_on=date(2023, 2, 1))
    ProjectFactory(org=other_branch, name="乙村大棚", started_on=date(2023, 2, 1))
    body = client.get("/api/v1/projects?year=2023", **token_for(secretary)).json()
    assert body["count"] == 1 and body["items"][0]["name"] == "甲村冷库"


@pytest.mark.parametrize(
    "payload",
    [
        {"investment_fen": -1},
        {"investment_fen": 10**20},
        {"kind": "spaceship"},
        {"weight": 0},
    ],
)
def test_out_of_range_project_input_answers_422(client, token_for, secretary, branch, payload):
    data = {"org": branch.code, "name": "甲村光伏", "kind": "rural"} | payload
    response = client.post("/api/v1/projects", data, content_type="application/json", **token_for(secretary))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_progress_over_100_answers_422_and_a_rule_break_answers_400(client, token_for, secretary, branch):
    project = ProjectFactory(org=branch, progress=50)
    headers = token_for(secretary)
    url = f"/api/v1/projects/{project.pk}/progress"
    assert client.post(url, {"progress": 101}, content_type="application/json", **headers).status_code == 422
    response = client.post(url, {"progress": 20}, content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["code"] == "backwards"


def test_creating_a_project_for_another_branch_answers_404(client, token_for, secretary, other_branch):
    response = client.post(
        "/api/v1/projects",
        {"org": other_branch.code, "name": "越权项目", "kind": "rural"},
        content_type="application/json",
        **token_for(secretary),
    )
    assert response.status_code == 404


@time_machine.travel(date(2024, 1, 15), tick=False)
def test_a_teams_members_come_with_their_home_branch_and_another_branchs_team_is_404(
    client, token_for, admin_user, secretary, zone, branch, other_branch
):
    from dangjian.people.tests.factories import MemberFactory
    from dangjian.projects import services

    team = TeamFactory(org=branch, name="冷库党员突击队")
    member = MemberFactory(org=other_branch, person__name="王乙")
    services.add_team_member(actor=admin_user, team=team, member=member)
    body = client.get(f"/api/v1/projects/teams/{team.pk}", **token_for(secretary)).json()
    assert body["members"] == 1
    assert body["members_list"][0] | {"joined_on": None} == {
        "member_name": "王乙",
        "home_org_code": other_branch.code,
        "home_org_name": other_branch.name,
        "joined_on": None,
    }
    elsewhere = TeamFactory(org=other_branch)
    assert client.get(f"/api/v1/projects/teams/{elsewhere.pk}", **token_for(secretary)).status_code == 404


@time_machine.travel(date(2024, 1, 15), tick=False)
def test_adding_a_member_out_of_the_tokens_scope_answers_404_and_adds_no_one(
    client, token_for, secretary, branch, other_branch
):
    from dangjian.people.tests.factories import MemberFactory

    team = TeamFactory(org=branch)
    stranger = MemberFactory(org=other_branch)
    response = client.post(
        f"/api/v1/projects/teams/{team.pk}/members",
        {"member_id": stranger.pk},
        content_type="application/json",
        **token_for(secretary),
    )
    assert response.status_code == 404 and not team.members.exists()
