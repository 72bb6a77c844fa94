"""Pages: who sees what, reports through the page, the matrix, pickers, and ledgers printed as paper files."""

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from dangjian.checklists.models import LedgerEntry, Report
from dangjian.checklists.tests import factories as f
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(admin_user, branch, other_branch, community):
    return f.task(Org.objects.get(code="T"), [branch, other_branch, Org.objects.get(code="T-C1")])


def test_the_zone_admin_sees_the_list_with_completion(admin_client, task):
    page = admin_client.get(reverse("checklists:index") + "?org=T&year=2023").content.decode()
    assert "开展“五星”支部创建" in page and "0/3" in page


def test_a_secretary_sees_their_branch_task_and_not_another_branchs_page(secretary_client, task):
    assert secretary_client.get(reverse("checklists:assignment", args=[task.pk, "T-A"])).status_code == 200
    assert secretary_client.get(reverse("checklists:assignment", args=[task.pk, "T-B"])).status_code == 404


def test_an_outsider_cannot_open_the_zone_matrix(outsider_client, task):
    assert outsider_client.get(reverse("checklists:matrix") + "?org=T&year=2023").status_code == 404


def test_secretary_reports_through_the_page_with_a_photo(secretary_client, task):
    url = reverse("checklists:report_submit", args=[task.pk, "T-A"])
    response = secretary_client.post(url, {"text": "已召开动员会", "files": [f.png()], "final": "on"})
    assert response.status_code == 302
    assert Report.objects.get().evidence.count() == 1


def test_a_page_report_with_a_bad_file_shows_the_error_and_saves_nothing(secretary_client, task):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("checklists:report_submit", args=[task.pk, "T-A"])
    bad = SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = secretary_client.post(url, {"text": "进展", "files": [bad]})
    assert response.status_code == 400 and "不是可接受的佐证材料" in response.content.decode()
    assert Report.objects.count() == 0


def test_the_admin_accepts_a_report_from_the_review_list(secretary, admin_client, task, branch):
    r = f.report(secretary, f.assignment(task, branch))
    assert "五星" in admin_client.get(reverse("checklists:reviews")).content.decode()
    admin_client.post(reverse("checklists:report_review", args=[r.pk]), {"decision": "accept"})
    assert Report.objects.get(pk=r.pk).state == "accepted"


def test_the_matrix_rolls_completion_up_to_the_zones_children(
    secretary, admin_user, admin_client, task, branch
):
    f.review(admin_user, f.report(secretary, f.assignment(task, branch)))
    page = admin_client.get(reverse("checklists:matrix") + "?org=T&year=2023").content.decode()
    assert "甲村党支部" in page and "丙社区党委" in page and "33%" in page


def _owner_search(client, text: str) -> str:
    params = {"cap": "checklists.manage", "field": "owners", "box": "id_owners", "multi": "1", "q": text}
    return client.get(reverse("core:pick", args=["orgs.grassroots"]), params).content.decode()


def test_the_task_form_offers_grassroots_owners_by_name_not_the_zone(admin_client, task):
    page = admin_client.get(reverse("checklists:task_new") + "?org=T&year=2023").content.decode()
    assert "/pick/orgs.grassroots/" in page and "/pick/people.person/" in page
    assert "测试区党工委" not in _owner_search(admin_client, "测试")
    page = _owner_search(admin_client, "甲村")
    assert "甲村党支部" in page and "第一党小组" not in page


def test_the_org_switch_lists_only_orgs_in_scope(secretary_client, task):
    page = secretary_client.get(reverse("checklists:index") + "?year=2023").content.decode()
    assert "/pick/orgs.org/?cap=checklists.view" in page
    params = {"cap": "checklists.view", "field": "org", "box": "org-switch", "by": "code", "q": "村"}
    page = secretary_client.get(reverse("core:pick", args=["orgs.org"]), params).content.decode()
    assert "甲村党支部" in page and "乙村党支部" not in page and "T-A" in page


def test_a_task_given_to_an_org_out_of_scope_is_refused(admin_client, task):
    outside = Org.objects.add_root(
        instance=Org(code="X", name="外区党工委", level="working_committee", kind="zone")
    )
    response = admin_client.post(
        reverse("checklists:task_new") + "?org=T&year=2023",
        {
            "category": "projects",
            "title": "推进红色工地建设",
            "start_on": "2023-03-01",
            "due_on": "2023-09-30",
            "evidence_kinds": ["file"],
            "owners": [outside.pk],
        },
    )
    assert response.status_code == 200 and "不在您可选的范围内" in response.content.decode()


def test_creating_a_task_through_the_page_with_picked_owners(admin_client, branch, other_branch):
    response = admin_client.post(
        reverse("checklists:task_new") + "?org=T&year=2023",
        {
            "category": "projects",
            "title": "推进红色工地建设",
            "start_on": "2023-03-01",
            "due_on": "2023-02-01",
            "evidence_kinds": ["file", "link"],
            "owners": [branch.pk, other_branch.pk],
        },
    )
    assert "完成时限不能早于开始日期" in response.content.decode()
    response = admin_client.post(
        reverse("checklists:task_new") + "?org=T&year=2023",
        {
            "category": "projects",
            "title": "推进红色工地建设",
            "start_on": "2023-03-01",
            "due_on": "2023-09-30",
            "evidence_kinds": ["file", "link"],
            "owners": [branch.pk, other_branch.pk],
            "publish": "on",
        },
    )
    assert response.status_code == 302


@pytest.fixture
def ledger(admin_user, task):
    return LedgerEntry.objects.create(zone=Org.objects.get(code="T"), name="争先夺优台账", order=1)


def test_a_ledger_prints_with_cover_repeated_header_and_page_numbers(admin_client, ledger, time_machine):
    time_machine.move_to("2023-07-03 09:00", tick=False)
    page = admin_client.get(reverse("checklists:ledger_print", args=[ledger.pk, "T", 2023])).content.decode()
    assert "制表日期：2023年7月3日" in page
    assert "counter(page)" in page and "counter(pages)" in page and "table-header-group" in page
    assert "开展“五星”支部创建" in page


def test_the_ledger_xlsx_has_a_cover_and_the_print_settings(admin_client, ledger):
    response = admin_client.get(reverse("checklists:ledger_xlsx", args=[ledger.pk, "T", 2023]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cover, sheet = book.worksheets[0], book.worksheets[1]
    assert cover.title == "封面" and "测试区党工委" in [c.value for c in cover["A"]]
    assert sheet.page_setup.paperSize == 9
    # Fit to one page wide (1 is the file format's default, so it may be left out) and any number tall.
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$3"
    assert "第 &P 页 共 &N 页" in sheet.oddFooter.center.text


def test_a_branch_secretary_prints_their_own_part_of_a_ledger(secretary_client, ledger):
    page = secretary_client.get(
        reverse("checklists:ledger_print", args=[ledger.pk, "T-A", 2023])
    ).content.decode()
    assert "甲村党支部" in page and "乙村党支部" not in page
    assert (
        secretary_client.get(reverse("checklists:ledger_print", args=[ledger.pk, "T", 2023])).status_code
        == 404
    )


def test_a_catalogue_entry_whose_module_is_missing_says_so(admin_client, admin_user):
    LedgerEntry.objects.create(zone=Org.objects.get(code="T"), name="信访维稳台账")
    page = admin_client.get(reverse("checklists:ledgers") + "?org=T&year=2023").content.decode()
    assert "信访维稳台账" in page and "尚未启用" in page


def test_deadline_tests_use_a_frozen_clock(admin_client, task, time_machine):
    time_machine.move_to("2023-07-15 09:00", tick=False)
    page = admin_client.get(reverse("checklists:index") + "?org=T&year=2023").content.decode()
    assert "逾期未完成" in page
    time_machine.move_to("2023-06-15 09:00", tick=False)
    page = admin_client.get(reverse("checklists:index") + "?org=T&year=2023").content.decode()
    assert "逾期未完成" not in page


@pytest.mark.skipif(__import__("shutil").which("chromium") is None, reason="Chromium is not installed")
def test_the_ledger_pdf_is_a4_with_the_cover_first(admin_client, ledger):
    response = admin_client.get(reverse("checklists:ledger_pdf", args=[ledger.pk, "T", 2023]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert date.today()  # the PDF is drawn from the records each time


def test_a_grant_on_a_committee_alone_does_not_print_its_branches(roles, community, ledger):
    from conftest import _client_for, make_user

    user = make_user("committee_only", roles["viewer"], Org.objects.get(code="T-C"), subtree=False)
    client = _client_for(user)
    assert client.get(reverse("checklists:ledger_print", args=[ledger.pk, "T-C", 2023])).status_code == 404


def test_the_visit_and_the_rewards_and_discipline_ledgers_print_from_the_records(
    admin_client, admin_user, branch
):
    from dangjian.casework.models import Visit
    from dangjian.people.tests.factories import MemberFactory
    from dangjian.ratings import services as ratings

    Visit.objects.create(
        org=branch, date=date(2023, 5, 6), visitor="张书记", visitee="李大爷", raised="屋顶漏雨"
    )
    watched = MemberFactory(
        org=branch, person__name="赵某", watch_from=date(2023, 4, 1), watch_until=date(2024, 4, 1)
    )
    c = ratings.create_campaign(
        actor=admin_user,
        zone=Org.objects.get(code="T"),
        year=2023,
        name="示范岗",
        purpose="model",
        nominee_kind="person",
        criteria="c",
        winners=1,
        judges=[admin_user],
    )
    n = ratings.nominate(actor=admin_user, campaign=c, org=branch, nominee_name="王凤侠", reason="r")
    ratings.start_scoring(actor=admin_user, campaign=c)
    ratings.score_nomination(actor=admin_user, nomination=n, score=90)
    ratings.publish_campaign(actor=admin_user, campaign=c)
    zone = Org.objects.get(code="T")
    visits = LedgerEntry.objects.create(zone=zone, name="走访台账", order=4)
    honours = LedgerEntry.objects.create(zone=zone, name="奖惩台账", order=5)
    page = admin_client.get(reverse("checklists:ledger_print", args=[visits.pk, "T", 2023])).content.decode()
    assert "李大爷" in page and "屋顶漏雨" in page and "全年走访群众1人次" in page
    page = admin_client.get(reverse("checklists:ledger_print", args=[honours.pk, "T", 2023])).content.decode()
    assert "王凤侠" in page and "示范岗" in page and watched.person.name in page and "留党察看" in page
    assert (
        admin_client.get(reverse("checklists:ledger_xlsx", args=[honours.pk, "T", 2023])).status_code == 200
    )


def test_a_zones_ledgers_export_as_one_zip_written_by_the_worker(admin_client, admin_user, ledger):
    from zipfile import ZipFile

    from dangjian.jobs.models import Job, JobStatus

    LedgerEntry.objects.create(zone=Org.objects.get(code="T"), name="组织生活台账", order=2)
    response = admin_client.post(reverse("checklists:ledgers_zip", args=["T", 2023]))
    job = Job.objects.get(kind="checklists.ledgers_zip")
    assert response.url == reverse("jobs:export", args=[job.pk])
    assert job.status == JobStatus.DONE and job.done == job.total == 2
    download = admin_client.get(reverse("jobs:export_download", args=[job.pk]))
    archive = ZipFile(io.BytesIO(download.content))
    assert archive.namelist() == [
        "01 测试区党工委2023年争先夺优台账.xlsx",
        "02 测试区党工委2023年组织生活台账.xlsx",
    ]
    one = admin_client.get(reverse("checklists:ledger_xlsx", args=[ledger.pk, "T", 2023]))
    zipped = openpyxl.load_workbook(io.BytesIO(archive.read(archive.namelist()[0])))
    alone = openpyxl.load_workbook(io.BytesIO(one.content))
    assert [[c.value for c in r] for r in zipped.worksheets[1].iter_rows()] == [
        [c.value for c in r] for r in alone.worksheets[1].iter_rows()
    ]


def test_a_secretary_cannot_zip_the_zones_ledgers_only_her_branchs(secretary_client, secretary, ledger):
    from dangjian.jobs.models import Job

    assert secretary_client.post(reverse("checklists:ledgers_zip", args=["T", 2023])).status_code == 404
    secretary_client.post(reverse("checklists:ledgers_zip", args=["T-A", 2023]))
    job = Job.objects.get(kind="checklists.ledgers_zip", user=secretary)
    assert job.org.code == "T-A" and job.status == "done"
