from datetime import date

import pytest

from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_the_api_lists_every_registered_figure_for_the_actors_top_org(
    client, admin_user, token_for, temp_metric
):
    Org.objects.filter(code="T-A").update(founded_on=date(2023, 2, 1))
    body = client.get("/api/v1/reports/figures?year=2023", **token_for(admin_user)).json()
    assert body["org_code"] == "T"
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["orgs.grassroots"]["article_text"] == "4个"
    assert figures["testing.founded"]["value"] == 1


def test_the_api_rolls_a_figure_up_by_child(client, admin_user, token_for):
    body = client.get(
        "/api/v1/reports/figures/orgs.grassroots?org=T&year=2023", **token_for(admin_user)
    ).json()
    assert body["value"] == 4
    assert {c["code"]: c["value"] for c in body["children"]} == {"T-A": 1, "T-B": 1, "T-C": 2}


@pytest.mark.parametrize(
    "path", ["/api/v1/reports/figures?org=T", "/api/v1/reports/figures/orgs.grassroots?org=T-B"]
)
def test_the_api_answers_404_out_of_scope(client, secretary, token_for, path):
    response = client.get(path, **token_for(secretary))
    assert response.status_code == 404
