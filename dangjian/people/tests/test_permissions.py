"""Permission matrix for members: three personas × in/out of scope × pages, export, reveal, API."""

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEntry
from dangjian.jobs.models import Job
from dangjian.orgs.models import Org

from .factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(admin_user, secretary, outsider):
    return {"admin": admin_user, "secretary": secretary, "outsider": outsider}


@pytest.fixture
def members(everyone):
    return {
        "T-A": MemberFactory(org=Org.objects.get(code="T-A"), person__name="王凤侠"),
        "T-B": MemberFactory(org=Org.objects.get(code="T-B"), person__name="李建国"),
    }


MATRIX = [
    ("admin", "T-A", True),
    ("admin", "T-B", True),
    ("secretary", "T-A", True),
    ("secretary", "T-B", False),
    ("outsider", "T-A", False),
    ("outsider", "T-B", True),
]


@pytest.mark.parametrize(("persona", "code", "may_see"), MATRIX)
def test_person_page_answers_404_out_of_scope(client, everyone, members, persona, code, may_see):
    client.force_login(everyone[persona])
    response = client.get(reverse("people:person", args=[members[code].person_id]))
    assert response.status_code == (200 if may_see else 404)


@pytest.mark.parametrize(("persona", "code", "may_see"), MATRIX)
def test_member_api_answers_404_out_of_scope(client, everyone, members, token_for, persona, code, may_see):
    response = client.get(f"/api/v1/members/{members[code].pk}", **token_for(everyone[persona]))
    assert response.status_code == (200 if may_see else 404)
    if may_see:
        body = response.json()
        assert "*" in body["id_number"] and body["id_number"] != members[code].person.id_number


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", {"王凤侠", "李建国"}), ("secretary", {"王凤侠"}), ("outsider", {"李建国"})],
)
def test_member_list_api_and_roster_show_only_the_personas_scope(
    client, everyone, members, token_for, persona, expected
):
    body = client.get("/api/v1/members?limit=10", **token_for(everyone[persona])).json()
    assert {i["name"] for i in body["items"]} == expected
    assert body["count"] == len(expected)
    client.force_login(everyone[persona])
    page = client.get(reverse("people:roster")).content.decode()
    for name in {"王凤侠", "李建国"}:
        assert (name in page) == (name in expected)


@pytest.mark.parametrize(("persona", "code", "may_reveal"), MATRIX)
def test_reveal_needs_the_capability_on_the_persons_org_and_is_audited(
    client, everyone, members, persona, code, may_reveal
):
    client.force_login(everyone[persona])
    person = members[code].person
    before = AuditEntry.objects.filter(action="people.reveal_pii").count()
    response = client.post(reverse("people:reveal", args=[person.pk]), {"field": "id_number"})
    assert response.status_code == (200 if may_reveal else 404)
    assert (person.id_number in response.content.decode()) == may_reveal
    assert AuditEntry.objects.filter(action="people.reveal_pii").count() == before + (1 if may_reveal else 0)


def test_viewer_without_reveal_capability_cannot_reveal(client, roles, members):
    from conftest import make_user

    viewer = make_user("viewer", roles["viewer"], Org.objects.get(code="T"))
    client.force_login(viewer)
    person = members["T-A"].person
    assert client.get(reverse("people:person", args=[person.pk])).status_code == 200
    assert client.post(reverse("people:reveal", args=[person.pk])).status_code == 404


def test_person_page_never_shows_the_full_id_number(client, everyone, members):
    client.force_login(everyone["admin"])
    person = members["T-A"].person
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert person.id_number not in page
    assert person.masked_id in page


def test_export_is_masked_unless_full_is_asked_and_allowed(client, everyone, members):
    import io

    from python_calamine import CalamineWorkbook

    def cells(response):
        book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        return [str(c) for row in book.get_sheet_by_index(0).iter_rows() for c in row]

    client.force_login(everyone["secretary"])
    number = members["T-A"].person.id_number
    assert number not in cells(client.get(reverse("people:export")))
    full = cells(client.get(reverse("people:export") + "?full=1"))
    assert number in full
    assert members["T-B"].person.id_number not in full
    assert AuditEntry.objects.filter(action="people.export_roster", data__full=True).count() == 1


def test_outsider_cannot_import_into_or_transfer_from_another_branch(client, everyone, members):
    from .factories import roster_rows, xlsx_bytes

    client.force_login(everyone["outsider"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("花名册.xlsx", xlsx_bytes(roster_rows(1)))
    refused = client.post(reverse("people:import"), {"org": "T-A", "file": upload})
    assert "不在您可选的范围内" in refused.content.decode() and not Job.objects.exists()
    response = client.post(
        reverse("people:transfer_out", args=[members["T-A"].person_id]),
        {"applied_on": "2024-01-01", "months_away": 12},
    )
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, members):
    response = client.get(reverse("people:roster"))
    assert response.status_code == 302


def test_person_page_shows_sections_other_modules_register(client, everyone, members):
    from dangjian.core import registry
    from dangjian.people import sections

    sections.register("test.visits", "走访记录", 90, lambda person, actor: f"<p>走访{person.name}</p>")
    sections.register("test.hidden", "隐藏", 91, lambda person, actor: "")
    try:
        client.force_login(everyone["admin"])
        page = client.get(reverse("people:person", args=[members["T-A"].person_id])).content.decode()
    finally:
        registry._unregister("section", "test.visits")
        registry._unregister("section", "test.hidden")
    assert "<p>走访王凤侠</p>" in page and "走访记录" in page
    assert "隐藏" not in page
