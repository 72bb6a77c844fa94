"""Casework pages for the three personas: queue, request page and workflow, totals, visits, targets,
research, settings, ledgers and pickers; everything out of scope is 404."""

import io
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.casework import services
from dangjian.casework.models import Request, Status, Visit
from dangjian.core.actors import SYSTEM

from .factories import aware, categories, request, theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def cats(zone):
    return categories(zone)


@pytest.fixture
def item(branch, cats):
    return request(branch, cats["environment"], description="楼道堆放杂物")


PAGES = [
    "/casework/",
    "/casework/requests/",
    "/casework/totals/",
    "/casework/visits/",
    "/casework/targets/",
    "/casework/research/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_casework_page_opens_for_a_secretary(secretary_client, item, url):
    response = secretary_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "onclick" not in html and "<script>" not in html


@pytest.mark.parametrize("url", PAGES)
def test_casework_pages_are_404_for_a_login_without_casework(client, roles, zone, url):
    from conftest import make_user

    client.force_login(make_user("auditor1", roles["auditor"], zone))
    assert client.get(url).status_code == 404


def test_the_queue_lists_the_secretarys_new_request(secretary_client, item):
    assert "楼道堆放杂物" in secretary_client.get("/casework/").content.decode()


def test_an_outsider_gets_404_for_another_branchs_request(outsider_client, item):
    assert outsider_client.get(f"/casework/requests/{item.pk}/").status_code == 404
    assert outsider_client.post(f"/casework/requests/{item.pk}/start/", {"version": 1}).status_code == 404


def test_a_secretary_moves_a_request_through_the_workflow_on_its_page(secretary_client, item):
    url = f"/casework/requests/{item.pk}/"
    assert secretary_client.post(url + "start/", {"version": 1}).status_code == 302
    assert secretary_client.post(url + "resolve/", {"reply": "已清理", "version": 2}).status_code == 302
    assert (
        secretary_client.post(url + "close/", {"satisfaction": "satisfied", "version": 3}).status_code == 302
    )
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    html = secretary_client.get(url).content.decode()
    assert "回访评价" in html and "已清理" in html


def test_a_stale_form_is_refused_not_applied(secretary_client, item):
    url = f"/casework/requests/{item.pk}/"
    secretary_client.post(url + "start/", {"version": 1})
    response = secretary_client.post(url + "resolve/", {"reply": "已清理", "version": 1})
    assert response.status_code == 400 and "已被他人更新" in response.content.decode()


def test_transfer_picks_the_receiving_branch_by_name_and_the_sender_keeps_reading(
    secretary_client, item, other_branch
):
    found = secretary_client.get(
        "/pick/orgs.zone/", {"field": "to_org", "box": "id_to_org", "cap": "casework.edit", "q": "乙村"}
    )
    assert "乙村党支部" in found.content.decode() and "T-B" not in found.content.decode()
    response = secretary_client.post(
        f"/casework/requests/{item.pk}/transfer/", {"to_org": other_branch.pk, "version": 1}
    )
    assert response.status_code == 302
    page = secretary_client.get(f"/casework/requests/{item.pk}/")
    assert page.status_code == 200 and "仅可查看" in page.content.decode()


def test_the_org_picker_lists_only_orgs_in_scope(secretary_client, other_branch):
    html = secretary_client.get(
        "/pick/orgs.org/", {"field": "org", "box": "f-org", "cap": "casework.view", "q": "村"}
    ).content.decode()
    assert "甲村党支部" in html and "乙村党支部" not in html


def test_a_posted_org_out_of_scope_is_an_invalid_choice(secretary_client, branch, other_branch, cats):
    response = secretary_client.post(
        f"/casework/requests/new/?org={branch.pk}",
        {"org": other_branch.pk, "category": cats["policy"].pk, "source": "phone", "description": "咨询"},
    )
    assert response.status_code == 200 and Request.objects.count() == 0
    assert "乙村党支部" not in response.content.decode()


def test_a_secretary_records_a_request_and_is_shown_its_code_once(secretary_client, branch, cats):
    response = secretary_client.post(
        f"/casework/requests/new/?org={branch.pk}",
        {
            "org": branch.pk,
            "category": cats["policy"].pk,
            "source": "phone",
            "description": "咨询医保",
            "phone": "13800001111",
        },
        follow=True,
    )
    assert "查询码" in response.content.decode()
    assert Request.objects.get().org == branch


@time_machine.travel(aware(date(2023, 5, 10)), tick=False)
def test_a_visit_to_a_key_target_is_recorded_and_counted(secretary_client, secretary, branch):
    with transaction.atomic():
        target = services.mark_key_target(
            actor=SYSTEM, org=branch, name="王大爷", reason="alone_elder", marked_on=date(2023, 1, 1)
        )
    response = secretary_client.post(
        f"/casework/visits/new/?org={branch.pk}",
        {
            "org": branch.pk,
            "date": "2023-05-09",
            "visitor": "李书记",
            "target": target.pk,
            "raised": "屋顶漏雨",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.target == target and visit.visitee == "王大爷"


@time_machine.travel(aware(date(2023, 12, 20)), tick=False)
def test_ledgers_print_and_export_for_a_branch_and_year(secretary_client, branch, cats):
    request(branch, cats["policy"], received=date(2023, 3, 1), description='=HYPERLINK("x")')
    with transaction.atomic():
        services.record_visit(
            actor=SYSTEM, org=branch, date=date(2023, 4, 1), visitor="李书记", visitee="张大娘"
        )
    html = secretary_client.get("/casework/ledger/requests/T-A/2023/").content.decode()
    assert "甲村党支部2023年民生实事台账" in html and "139****5678" in html and "13912345678" not in html
    assert "data-print" in html and "onclick" not in html
    xlsx = secretary_client.get("/casework/ledger/requests/T-A/2023/xlsx/")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert '=HYPERLINK("x")' in cells and sheet.print_title_rows
    assert "张大娘" in secretary_client.get("/casework/ledger/visits/T-A/2023/").content.decode()


def _ledger_rows(client, path: str) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(path).content)).active
    return [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] is not None]


@time_machine.travel(aware(date(2023, 12, 20)), tick=False)
def test_ledger_rows_carry_the_labels_the_masked_phone_and_lateness_by_the_date_in_beijing(
    secretary_client, branch, cats
):
    late = request(branch, cats["policy"], received=date(2023, 3, 1), description="路灯坏了")
    on_time = request(branch, cats["policy"], received=date(2023, 3, 1), description="路灯坏了")
    # Finished at 01:00 in Beijing on the day after its deadline: still the deadline's day in UTC.
    after = timezone.make_aware(datetime.combine(late.deadline + timedelta(days=1), time(1)))
    Request.objects.filter(pk=late.pk).update(status=Status.RESOLVED, resolved_at=after)
    Request.objects.filter(pk=on_time.pk).update(
        status=Status.RESOLVED, resolved_at=after - timedelta(days=1)
    )
    with transaction.atomic():
        target = services.mark_key_target(
            actor=SYSTEM, org=branch, name="王大爷", reason="alone_elder", marked_on=date(2023, 1, 1)
        )
        services.record_visit(
            actor=SYSTEM, org=branch, date=date(2023, 4, 1), visitor="李书记", visitee="王大爷", target=target
        )

    rows = _ledger_rows(secretary_client, "/casework/ledger/requests/T-A/2023/xlsx/")
    # Two requests alike in every column shown are still two rows.
    assert [r[4] for r in rows] == ["路灯坏了", "路灯坏了"]
    assert {r[2] for r in rows} == {cats["policy"].name} and {r[3] for r in rows} == {"来访"}
    assert {r[6] for r in rows} == {"139****5678"} and {r[10] for r in rows} == {"已办结"}
    assert sorted(r[11] or "" for r in rows) == ["", "逾期"]
    visit = _ledger_rows(secretary_client, "/casework/ledger/visits/T-A/2023/xlsx/")
    assert [(r[3], r[4], r[6]) for r in visit] == [("李书记", "王大爷", "是（独居老人）")]


@time_machine.travel(aware(date(2023, 12, 20)), tick=False)
def test_the_ledgers_issue_as_many_queries_for_12_records_as_for_2(secretary_client, branch, cats):
    def count() -> list[int]:
        counts = []
        for which in ("requests", "visits"):
            with CaptureQueriesContext(connection) as ctx:
                assert secretary_client.get(f"/casework/ledger/{which}/T-A/2023/xlsx/").status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    def add(n: int) -> None:
        for i, category in zip(range(n), [*cats.values()] * n, strict=False):
            request(branch, category, received=date(2023, 3, 1 + i), description=f"诉求{i}")
            with transaction.atomic():
                target = services.mark_key_target(
                    actor=SYSTEM,
                    org=branch,
                    name=f"对象{i}",
                    reason="alone_elder",
                    marked_on=date(2023, 1, 1),
                )
                services.record_visit(
                    actor=SYSTEM, org=branch, date=date(2023, 4, 1 + i), visitor="李书记", target=target
                )

    add(2)
    few = count()
    add(10)
    assert count() == few


def test_a_ledger_of_another_branch_is_404(outsider_client, branch):
    assert outsider_client.get("/casework/ledger/visits/T-A/2023/").status_code == 404


def test_research_page_sums_the_themes(admin_client, zone):
    theme(zone, title="关于养老服务的调研")
    html = admin_client.get("/casework/research/?year=2023").content.decode()
    assert "关于养老服务的调研" in html and "1项课题" in html


def test_the_zone_admin_edits_a_category_time_limit(admin_client, zone, cats):
    c = cats["policy"]
    response = admin_client.post(
        "/casework/settings/T/", {"category": c.pk, "name": c.name, "deadline_days": 4, "active": "on"}
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.deadline_days == 4


def test_a_secretary_cannot_edit_categories(secretary_client, zone, cats):
    c = cats["policy"]
    response = secretary_client.post(
        "/casework/settings/T/", {"category": c.pk, "name": "x", "deadline_days": 1}
    )
    assert response.status_code == 404


def test_the_calendar_page_lists_the_2023_holidays(admin_client, zone):
    html = admin_client.get("/casework/calendar/T/2023/").content.decode()
    assert "春节" in html and "调休上班" in html


def test_the_person_page_shows_visits_received(secretary_client, branch):
    from dangjian.people.tests.factories import PersonFactory

    person = PersonFactory(org=branch, name="赵秀英")
    with transaction.atomic():
        services.record_visit(
            actor=SYSTEM,
            org=branch,
            date=date(2023, 4, 1),
            visitor="李书记",
            person=person,
            raised="咨询低保",
        )
    html = secretary_client.get(f"/people/p/{person.pk}/").content.decode()
    assert "咨询低保" in html


def test_the_staff_api_lists_the_queue_and_resolves(secretary, token_for, item):
    from django.test import Client

    client = Client(**token_for(secretary))
    body = client.get("/api/v1/casework/requests", {"queue": "new"}).json()
    assert body["count"] == 1 and body["items"][0]["phone"] == "139****5678"
    response = client.post(
        f"/api/v1/casework/requests/{item.pk}/resolve", {"reply": "好"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "resolved"


def test_the_staff_api_hides_other_branches(outsider, token_for, item):
    from django.test import Client

    client = Client(**token_for(outsider))
    assert client.get(f"/api/v1/casework/requests/{item.pk}").status_code == 404
