"""Input out of range answers 422 with {code, message}, saves nothing, and the server keeps serving
(issue 9, point 10)."""

import pytest

from dangjian.activities.models import Activity

pytestmark = pytest.mark.django_db


def _lists() -> list[str]:
    """Every list of the API: each GET operation that takes an offset."""
    from dangjian.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return [
        path
        for path, operations in schema["paths"].items()
        if any(p["name"] == "offset" for p in operations.get("get", {}).get("parameters", []))
    ]


LISTS = _lists()


@pytest.fixture
def auth(admin_user, token_for):
    return token_for(admin_user)


def assert_422(response):
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) >= {"code", "message"} and body["message"]


@pytest.mark.parametrize("year", ["10000", "-109", "99999999999999999999"])
def test_a_year_out_of_range_is_422(client, auth, year):
    assert_422(client.get(f"/api/v1/activities?year={year}", **auth))


@pytest.mark.parametrize("path", LISTS)
def test_an_offset_past_64_bits_is_422_on_every_list(client, auth, path):
    assert client.get(path, **auth).status_code in (200, 422)  # 422: a required filter is missing
    assert_422(client.get(f"{path}?offset=9223372036854775808", **auth))
    assert_422(client.get(f"{path}?limit=-1", **auth))


def activity(**changes):
    return {"org": "T-A", "kind": "committee", "title": "支委会", "date": "2023-05-10", **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {"days": -5},
        {"days": 12345678901234567890},
        {"audience": 12345678901234567890},
        {"minutes_long": -1},
        {"date": "1899-05-10"},
        {"title": "长" * 201},
    ],
)
def test_a_new_activity_out_of_range_is_refused_and_nothing_saved(client, auth, changes):
    response = client.post("/api/v1/activities", activity(**changes), content_type="application/json", **auth)
    assert response.status_code in (400, 422), response.content
    assert set(response.json()) >= {"code", "message"}
    assert not Activity.objects.exists()
    # The server keeps serving.
    assert client.get("/api/v1/activities", **auth).status_code == 200


def test_a_database_refusal_is_422_not_500(client, auth, monkeypatch):
    from django.db import IntegrityError

    from dangjian.activities import services

    def refuse(**kwargs):
        raise IntegrityError("CHECK constraint failed")

    monkeypatch.setattr(services, "record_activity", refuse)
    response = client.post("/api/v1/activities", activity(), content_type="application/json", **auth)
    assert_422(response)


def test_the_schema_documents_422_on_every_operation(admin_client):
    schema = admin_client.get("/api/v1/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "422" not in operation["responses"]
    ]
    assert missing == []


def test_a_team_can_be_formed_through_the_api(client, auth):
    """Found by the schema test: /projects/{project_id} caught /projects/teams and answered 405."""
    body = {"org": "T-A", "name": "防汛突击队", "formed_on": "2023-06-01"}
    response = client.post("/api/v1/projects/teams", body, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
