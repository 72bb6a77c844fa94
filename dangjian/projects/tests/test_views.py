"""Projects pages: scope (out of scope is 404), a fixed number of queries, the ledger on paper."""

import io
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import EnterpriseFactory, PlaceFactory, ProjectFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(zone, branch, other_branch):
    return {
        "own": ProjectFactory(org=branch, name="甲村冷库", started_on=date(2023, 2, 1)),
        "other": ProjectFactory(org=other_branch, name="乙村大棚", started_on=date(2023, 2, 1)),
    }


def test_secretary_sees_own_branch_projects_only(secretary_client, projects, branch):
    page = secretary_client.get(f"/projects/?org={branch.code}&year=2023").content.decode()
    assert "甲村冷库" in page and "乙村大棚" not in page


def test_another_branchs_project_answers_404(secretary_client, projects):
    assert secretary_client.get(f"/projects/{projects['other'].pk}/").status_code == 404
    assert secretary_client.get(f"/projects/{projects['own'].pk}/").status_code == 200


def test_outsider_cannot_edit_or_report_on_anothers_project(outsider_client, projects):
    pk = projects["own"].pk
    assert outsider_client.get(f"/projects/{pk}/edit/").status_code == 404
    assert outsider_client.post(f"/projects/{pk}/progress/", {"progress": 90}).status_code == 404


def test_zone_admin_pages_of_the_module_render(admin_client, zone, branch, projects):
    team = TeamFactory(org=branch, project=projects["own"])
    enterprise = EnterpriseFactory(org=zone)
    place = PlaceFactory(org=zone)
    for url in [
        "/projects/?year=2023",
        "/projects/new/",
        f"/projects/{projects['own'].pk}/",
        f"/projects/{projects['own'].pk}/edit/",
        "/projects/teams/?year=2023",
        "/projects/teams/new/",
        f"/projects/teams/{team.pk}/",
        "/projects/enterprises/?year=2023",
        "/projects/enterprises/new/",
        f"/projects/enterprises/{enterprise.pk}/",
        "/projects/places/",
        f"/projects/places/{place.pk}/edit/",
        f"/projects/ledger/{zone.code}/2023/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "te_office" not in response.content.decode()


def test_the_project_list_issues_the_same_number_of_queries_for_5_and_50_projects(admin_client, zone, branch):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(f"/projects/?org={zone.code}&year=2023").status_code == 200
        return len(ctx.captured_queries)

    ProjectFactory.create_batch(5, org=branch)
    few = count()
    ProjectFactory.create_batch(45, org=branch)
    assert count() == few


def test_registering_a_project_through_the_page_takes_yuan_and_stores_fen(secretary_client, branch):
    response = secretary_client.post(
        "/projects/new/",
        {
            "org": branch.pk,
            "name": "甲村光伏",
            "kind": "rural",
            "initiative": "",
            "status": "building",
            "investment_yuan": "1,250,000.50",
            "weight": 1,
            "started_on": "2023-04-01",
        },
    )
    assert response.status_code == 302
    from dangjian.projects.models import Project

    assert Project.objects.get(name="甲村光伏").investment == 125_000_050


def test_a_negative_investment_on_the_page_is_refused_with_a_chinese_message(secretary_client, branch):
    response = secretary_client.post(
        "/projects/new/",
        {
            "org": branch.pk,
            "name": "甲村光伏",
            "kind": "rural",
            "status": "planning",
            "investment_yuan": "-5",
            "weight": 1,
        },
    )
    assert response.status_code == 200
    assert "金额不能为负数" in response.content.decode()


def test_the_ledger_xlsx_prints_a4_landscape_fitted_with_repeated_headers(admin_client, zone, projects):
    response = admin_client.get(f"/projects/ledger/{zone.code}/2023/?format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.page_setup.paperSize == 9
    assert sheet.page_setup.orientation == "landscape"
    # fitToWidth is left out of the file when it is 1 (the default); fitToHeight 0 means "as many as needed"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$3"
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    names = [sheet.cell(row=r, column=2).value for r in range(4, sheet.max_row + 1)]
    assert set(names) == {"甲村冷库", "乙村大棚"}


def test_a_secretarys_ledger_of_another_branch_answers_404(secretary_client, other_branch):
    assert secretary_client.get(f"/projects/ledger/{other_branch.code}/2023/").status_code == 404


def test_a_team_member_search_lists_only_members_in_scope(secretary_client, branch, other_branch):
    from dangjian.people.tests.factories import MemberFactory

    team = TeamFactory(org=branch)
    MemberFactory(org=branch, person__name="张甲")
    MemberFactory(org=other_branch, person__name="张乙")
    page = secretary_client.get(f"/projects/teams/{team.pk}/?q=张").content.decode()
    assert "张甲" in page and "张乙" not in page
