"""Permission matrix for orgs: three personas × in/out of scope × list/detail/edit/API."""

import pytest
from django.urls import reverse

from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(admin_user, secretary, outsider):
    return {"admin": admin_user, "secretary": secretary, "outsider": outsider}


# (persona, org code, may see, may edit)
MATRIX = [
    ("admin", "T-A", True, True),
    ("admin", "T-B", True, True),
    ("secretary", "T-A", True, True),
    ("secretary", "T-A-G", True, True),
    ("secretary", "T-B", False, False),
    ("secretary", "T", False, False),
    ("outsider", "T-A", False, False),
    ("outsider", "T-B", True, True),
]


@pytest.mark.parametrize(("persona", "code", "may_see", "may_edit"), MATRIX)
def test_org_pages_answer_404_out_of_scope(client, everyone, persona, code, may_see, may_edit):
    client.force_login(everyone[persona])
    detail = client.get(reverse("orgs:detail", args=[code]))
    edit = client.get(reverse("orgs:edit", args=[code]))
    assert detail.status_code == (200 if may_see else 404)
    assert edit.status_code == (200 if may_edit else 404)


@pytest.mark.parametrize(("persona", "code", "may_see", "may_edit"), MATRIX)
def test_org_api_answers_404_out_of_scope(client, everyone, token_for, persona, code, may_see, may_edit):
    response = client.get(f"/api/v1/orgs/{code}", **token_for(everyone[persona]))
    assert response.status_code == (200 if may_see else 404)
    if not may_see:
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"T", "T-A", "T-A-G", "T-B", "T-C", "T-C1"}),
        ("secretary", {"T-A", "T-A-G"}),
        ("outsider", {"T-B"}),
    ],
)
def test_org_list_api_shows_only_the_personas_scope(client, everyone, token_for, persona, expected):
    body = client.get("/api/v1/orgs?limit=100", **token_for(everyone[persona])).json()
    assert {item["code"] for item in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        ("admin", ["甲村党支部", "乙村党支部", "丙社区党委"], []),
        ("secretary", ["甲村党支部"], ["乙村党支部", "丙社区党委", "测试区党工委"]),
    ],
)
def test_tree_page_lists_only_orgs_in_scope(client, everyone, persona, visible, hidden):
    client.force_login(everyone[persona])
    page = client.get(reverse("orgs:tree")).content.decode()
    for name in visible:
        assert name in page
    for name in hidden:
        assert name not in page


def test_secretary_cannot_post_an_edit_to_another_branch(client, everyone):
    client.force_login(everyone["secretary"])
    response = client.post(
        reverse("orgs:edit", args=["T-B"]),
        {"name": "改名", "level": "branch", "kind": "village", "term_years": 5},
    )
    assert response.status_code == 404
    assert Org.objects.get(code="T-B").name == "乙村党支部"


def test_secretary_cannot_load_another_branchs_tree_children(client, everyone):
    client.force_login(everyone["secretary"])
    assert client.get(reverse("orgs:children", args=["T-C"])).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, everyone):
    response = client.get(reverse("orgs:detail", args=["T-A"]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
