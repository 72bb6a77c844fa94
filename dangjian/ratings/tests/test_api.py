"""The ratings API: published ratings and campaigns, scoped like the pages; the anonymous vote."""

import pytest

from dangjian.core.actors import SYSTEM
from dangjian.ratings import services

from .factories import scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(roles, zone, branch, other_branch):
    scheme(zone)
    services.publish_rating(actor=SYSTEM, org=branch, year=2023)
    services.publish_rating(actor=SYSTEM, org=other_branch, year=2023)


def test_a_secretary_lists_only_their_own_branchs_rating(client, token_for, secretary, admin_user, rated):
    mine = client.get("/api/v1/ratings?year=2023", **token_for(secretary)).json()
    assert [r["org_code"] for r in mine["items"]] == ["T-A"] and mine["count"] == 1
    everyone = client.get("/api/v1/ratings?year=2023", **token_for(admin_user)).json()
    assert everyone["count"] == 2
    assert client.get("/api/v1/ratings?year=2023&org=T-B", **token_for(secretary)).status_code == 404


def test_a_year_out_of_range_is_a_clear_422(client, token_for, admin_user, rated):
    r = client.get("/api/v1/ratings?year=10000", **token_for(admin_user))
    assert r.status_code == 422


def test_the_anonymous_vote_refuses_a_wrong_code_with_a_chinese_reason(client, db):
    r = client.post(
        "/api/v1/public/ratings/vote",
        {"code": "WRONGCODE12", "choice": "satisfied"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["message"]
