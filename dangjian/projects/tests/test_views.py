"""Projects pages: scope (out of scope is 404), a fixed number of queries, the ledger on paper."""

import io
from datetime import date

import openpyxl
import pytest
import time_machine
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


# --- the rules of issue #18 through the pages (the services are tested in test_services) -----------


def _messages(response) -> str:
    return "；".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def on_site(branch):
    # A project begun and half done, whose progress is reported from its page.
    return ProjectFactory(org=branch, name="甲村冷库", progress=50, started_on=date(2023, 2, 1))


@time_machine.travel(date(2024, 1, 15), tick=False)
def test_progress_above_100_on_the_page_is_refused_and_nothing_is_saved(secretary_client, on_site):
    response = secretary_client.post(
        f"/projects/{on_site.pk}/progress/", {"progress": 101, "reported_on": "2024-01-10"}, follow=True
    )
    assert "当前进度（%）" in _messages(response)
    on_site.refresh_from_db()
    assert on_site.progress == 50 and not on_site.reports.exists()


@time_machine.travel(date(2024, 1, 15), tick=False)
def test_going_backwards_on_the_page_without_a_reason_is_refused_in_chinese(secretary_client, on_site):
    url = f"/projects/{on_site.pk}/progress/"
    response = secretary_client.post(url, {"progress": 30, "reported_on": "2024-01-10"}, follow=True)
    assert "请填写回调原因" in _messages(response)
    on_site.refresh_from_db()
    assert on_site.progress == 50 and not on_site.reports.exists()
    secretary_client.post(url, {"progress": 30, "reported_on": "2024-01-10", "reason": "暴雨返工"})
    on_site.refresh_from_db()
    assert on_site.progress == 30 and on_site.reports.get().reason == "暴雨返工"


@time_machine.travel(date(2024, 1, 15), tick=False)
def test_a_site_photo_uploaded_on_the_page_is_kept_with_the_report(
    secretary_client, on_site, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    photo = SimpleUploadedFile("site.jpg", out.getvalue(), content_type="image/jpeg")
    page = secretary_client.get(f"/projects/{on_site.pk}/").content.decode()
    assert 'name="photo"' in page
    secretary_client.post(
        f"/projects/{on_site.pk}/progress/",
        {"progress": 60, "reported_on": "2024-01-10", "photo": photo},
    )
    report = on_site.reports.get()
    assert report.photo and secretary_client.get(f"/projects/reports/{report.pk}/photo/").status_code == 200


def test_making_a_project_the_child_of_its_own_sub_project_on_the_page_is_refused(admin_client, zone):
    top = ProjectFactory(org=zone, name="示范带")
    child = ProjectFactory(org=zone, parent=top, name="石佛寺村")
    response = admin_client.post(
        f"/projects/{top.pk}/edit/",
        {
            "org": zone.pk,
            "name": "示范带",
            "kind": "industry",
            "initiative": "",
            "status": "building",
            "investment_yuan": "1000000",
            "parent": child.pk,
            "weight": 1,
            "started_on": "2023-03-01",
            "version": top.version,
        },
    )
    assert response.status_code == 200
    top.refresh_from_db()
    assert top.parent_id is None


def test_an_absurd_investment_on_the_page_is_refused_with_a_chinese_message(secretary_client, branch):
    response = secretary_client.post(
        "/projects/new/",
        {
            "org": branch.pk,
            "name": "甲村光伏",
            "kind": "rural",
            "status": "planning",
            "investment_yuan": "99999999999999",
            "weight": 1,
        },
    )
    assert "金额超过1万亿元" in response.content.decode()
    from dangjian.projects.models import Project

    assert not Project.objects.exists()


@time_machine.travel(date(2024, 1, 15), tick=False)
def test_posting_a_member_of_another_branch_to_a_team_answers_404_and_adds_no_one(
    secretary_client, branch, other_branch
):
    from dangjian.people.tests.factories import MemberFactory

    team = TeamFactory(org=branch)
    stranger = MemberFactory(org=other_branch)
    response = secretary_client.post(f"/projects/teams/{team.pk}/members/", {"member": stranger.pk})
    assert response.status_code == 404
    assert not team.members.exists()


@time_machine.travel(date(2024, 1, 15), tick=False)
def test_a_team_page_shows_each_members_home_branch(admin_client, zone, branch, other_branch):
    from dangjian.people.tests.factories import MemberFactory

    team = TeamFactory(org=branch)
    member = MemberFactory(org=other_branch, person__name="王乙")
    admin_client.post(f"/projects/teams/{team.pk}/members/", {"member": member.pk})
    page = admin_client.get(f"/projects/teams/{team.pk}/").content.decode()
    assert "王乙" in page and other_branch.name in page


def test_the_investment_chart_is_in_yi_yuan_when_a_bar_reaches_one_yi(admin_client, zone):
    ProjectFactory(org=zone, name="耕德电子产业园", investment=102 * 10**10, started_on=date(2021, 3, 18))
    ProjectFactory(org=zone, name="冷库", investment=4_236 * 10**6, status="planning", started_on=None)
    response = admin_client.get(f"/projects/?org={zone.code}&year=2023")
    chart = response.context["charts"][0]
    assert chart["unit"] == "亿元" and "按类型和状态的投资（亿元）" in response.content.decode()
    by_status = {s["name"]: s["data"] for s in chart["series"]}
    assert chart["categories"] == ["产业项目"]
    assert by_status == {"谋划": [0.42], "在建": [102.0]}


def test_a_village_chart_is_in_wan_yuan_and_an_empty_year_says_so(admin_client, zone, branch):
    ProjectFactory(org=branch, name="甲村冷库", investment=4_236 * 10**6, kind="rural")
    chart = admin_client.get(f"/projects/?org={branch.code}&year=2023").context["charts"][0]
    assert chart["unit"] == "万元" and chart["series"][0]["data"] == [4236.0]
    empty = admin_client.get(f"/projects/?org={branch.code}&year=2019")
    assert empty.context["charts"] == [] and "data-no-chart" in empty.content.decode()


def test_the_ledger_reads_each_sub_project_under_its_parent(admin_client, zone, branch, other_branch):
    # The parent's owner (乙村) sorts after the child's (甲村): the child still follows its parent.
    belt = ProjectFactory(org=other_branch, name="示范带")
    ProjectFactory(org=branch, parent=belt, name="甲村段")
    ProjectFactory(org=branch, name="甲村冷库")
    rows = admin_client.get(f"/projects/ledger/{zone.code}/2023/").context["rows"]
    names = [r[1] for r in rows]
    assert names.index("甲村段") == names.index("示范带") + 1
    assert [r[0] for r in rows] == [1, 2, 3]


def test_the_ledger_xlsx_holds_investment_and_progress_as_numbers_that_add_up(admin_client, zone, branch):
    ProjectFactory(org=branch, name="甲村冷库", investment=1_234_567_800, progress=40)  # 1234.5678万元
    ProjectFactory(org=branch, name="甲村大棚", investment=10**8, progress=0)  # 100万元
    response = admin_client.get(f"/projects/ledger/{branch.code}/2023/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = {sheet.cell(row=r, column=2).value: r for r in range(4, sheet.max_row + 1)}
    investment = sheet.cell(row=rows["甲村冷库"], column=8)
    assert investment.value == pytest.approx(1234.5678) and investment.number_format == "#,##0.00"
    assert sheet.cell(row=rows["甲村冷库"], column=12).value == pytest.approx(0.4)
    assert sheet.cell(row=rows["甲村大棚"], column=8).value == 100


def test_a_project_in_no_initiative_shows_no_initiative_row(admin_client, zone):
    project = ProjectFactory(org=zone, name="姬庄村孝善文化广场", initiative="")
    page = admin_client.get(f"/projects/{project.pk}/").content.decode()
    assert "专项行动" not in page and "（无）" not in page


def test_the_forms_ask_to_pick_rather_than_show_dashes(admin_client, zone):
    for url in [
        "/projects/new/",
        "/projects/teams/new/",
        "/projects/enterprises/new/",
        "/projects/places/new/",
    ]:
        page = admin_client.get(url).content.decode()
        assert "---------" not in page and "请选择" in page, url
