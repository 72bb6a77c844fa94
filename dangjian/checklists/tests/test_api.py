"""The checklists API: scoped like the pages, the same rules, errors as {code, message}."""

import pytest

from dangjian.checklists.models import Report, SupervisionVisit
from dangjian.checklists.tests import factories as f
from dangjian.checklists.tests.factories import LiaisonGroupFactory
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(admin_user, branch, other_branch):
    return f.task(Org.objects.get(code="T"), [branch, other_branch])


def test_a_secretary_lists_tasks_and_sees_only_their_own_assignment(client, secretary, token_for, task):
    headers = token_for(secretary)
    tasks = client.get("/api/v1/checklists/tasks?year=2023", **headers).json()
    assert [t["title"] for t in tasks["items"]] == [task.title]
    owners = client.get("/api/v1/checklists/assignments?year=2023", **headers).json()
    assert [a["org"] for a in owners["items"]] == ["T-A"]


def test_a_report_on_another_branchs_task_answers_404(client, outsider, token_for, task):
    response = client.post(
        f"/api/v1/checklists/tasks/{task.pk}/reports",
        {"org": "T-A", "text": "完成"},
        content_type="application/json",
        **token_for(outsider),
    )
    assert response.status_code == 404 and Report.objects.count() == 0


def test_report_then_review_through_the_api(client, secretary, admin_user, token_for, task, time_machine):
    time_machine.move_to("2023-05-10 10:00", tick=False)
    response = client.post(
        f"/api/v1/checklists/tasks/{task.pk}/reports",
        {"org": "T-A", "text": "完成", "final": True},
        content_type="application/json",
        **token_for(secretary),
    )
    assert response.status_code == 201
    report_id = response.json()["id"]
    own = client.post(
        f"/api/v1/checklists/reports/{report_id}/review",
        {"accept": True},
        content_type="application/json",
        **token_for(secretary),
    )
    assert own.status_code == 404  # a secretary does not review
    done = client.post(
        f"/api/v1/checklists/reports/{report_id}/review",
        {"accept": True},
        content_type="application/json",
        **token_for(admin_user),
    )
    assert done.json()["state"] == "accepted"
    matrix = client.get("/api/v1/checklists/matrix?org=T&year=2023", **token_for(admin_user)).json()
    assert matrix["grand"] == {"total": 2, "done": 1, "late": 0, "submitted": 0}


def test_a_deadline_before_the_start_is_a_400_with_a_chinese_message(client, admin_user, token_for, branch):
    response = client.post(
        "/api/v1/checklists/tasks",
        {
            "zone": "T",
            "category": "projects",
            "title": "甲",
            "start_on": "2023-05-01",
            "due_on": "2023-04-01",
            "owners": ["T-A"],
        },
        content_type="application/json",
        **token_for(admin_user),
    )
    assert response.status_code == 400 and response.json()["code"] == "due_before_start"


def test_a_liaison_member_plans_and_records_a_visit(client, roles, zone, branch, token_for, time_machine):
    from conftest import make_user

    time_machine.move_to("2023-05-10 10:00", tick=False)
    group = LiaisonGroupFactory(zone=Org.objects.get(pk=zone.pk), covers=[branch])
    user = make_user("liaison")
    group.members.add(user)
    headers = token_for(user)
    planned = client.post(
        "/api/v1/checklists/visits",
        {"group_id": group.pk, "org": "T-A", "planned_on": "2023-05-08", "topic": "主题教育"},
        content_type="application/json",
        **headers,
    )
    assert planned.status_code == 201
    recorded = client.post(
        f"/api/v1/checklists/visits/{planned.json()['id']}/record",
        {
            "visited_on": "2023-05-08",
            "summary": "查阅台账",
            "problems": [{"description": "记录不全", "rectify_by": "2023-06-01"}],
        },
        content_type="application/json",
        **headers,
    )
    assert recorded.json()["problems"] == 1
    assert SupervisionVisit.objects.get().status == "done"
    problems = client.get("/api/v1/checklists/problems", **headers).json()
    assert problems["count"] == 1
