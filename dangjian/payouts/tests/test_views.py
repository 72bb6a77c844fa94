"""Payout pages: every page renders for those in scope, answers 404 out of scope, and the counter
pays once over the session with the same idempotency as the API."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.models import AuditEntry
from dangjian.core.pii import mask_id
from dangjian.orgs.models import Org
from dangjian.payouts.models import Payment, Programme

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(roles, admin_user):
    return f.signers(roles)


@pytest.fixture
def prog(branch, trio):
    return f.approved(branch, trio)


PAGES = ["programme", "publicity", "sign_sheet", "reconciliation"]


@pytest.mark.parametrize("name", PAGES)
def test_programme_pages_render_for_the_zone_admin_and_404_for_an_outsider(
    admin_client, outsider_client, prog, name
):
    url = reverse(f"payouts:{name}", args=[prog.pk])
    r = admin_client.get(url)
    assert r.status_code == 200
    assert prog.name in r.content.decode()
    assert outsider_client.get(url).status_code == 404


def test_the_index_lists_the_years_programmes_with_paid_totals(admin_client, prog):
    r = admin_client.get(reverse("payouts:index") + "?year=2023")
    assert "测试奖励" in r.content.decode() and "600.01" in r.content.decode()


def test_printed_lists_mask_id_numbers(admin_client, prog):
    number = prog.entitlements.first().id_number
    for name in ("publicity", "sign_sheet"):
        body = admin_client.get(reverse(f"payouts:{name}", args=[prog.pk])).content.decode()
        assert number not in body and mask_id(number) in body


def test_the_sign_sheet_and_publicity_export_as_xlsx(admin_client, prog):
    for name in ("publicity", "sign_sheet"):
        r = admin_client.get(reverse(f"payouts:{name}", args=[prog.pk]) + "?format=xlsx")
        assert r.status_code == 200 and r.content[:2] == b"PK"


def test_the_exported_lists_issue_as_many_queries_for_30_lines_as_for_3(admin_client, branch, trio):
    def count(prog: Programme, name: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = admin_client.get(reverse(f"payouts:{name}", args=[prog.pk]) + "?format=xlsx")
            assert r.status_code == 200 and r.content[:2] == b"PK"
        return len(ctx.captured_queries)

    few = f.approved(branch, trio, name="三人名单")
    many = f.approved(branch, trio, name="三十人名单", amounts=[100_00 + i for i in range(30)], first_seq=3)
    for name in ("publicity", "sign_sheet"):
        assert count(many, name) == count(few, name)


def test_the_counter_finds_a_resident_by_name(secretary_client, prog):
    r = secretary_client.get(reverse("payouts:counter") + "?q=受益人1", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "受益人1" in body and "受益人2" not in body and "data-pick" in body
    assert "<html" not in body  # the htmx answer is the results partial only


def test_the_counter_pays_once_and_replays_the_same_key(secretary_client, prog):
    line = prog.entitlements.first()
    url = reverse("payouts:counter_pay", args=[line.pk])
    body = json.dumps({"method": "counter", "signature_png": "data:image/png;base64," + f.png_b64()})
    first = secretary_client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    again = secretary_client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    other = secretary_client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert other.status_code == 409 and other.json()["code"] == "already_paid"
    assert Payment.objects.count() == 1


def test_the_counter_is_not_open_to_a_read_only_viewer(client, roles, prog):
    from conftest import make_user
    from dangjian.orgs.models import Org

    client.force_login(make_user("leader", roles["viewer"], Org.objects.get(code="T")))
    assert client.get(reverse("payouts:counter")).status_code == 404
    assert client.get(reverse("payouts:programme", args=[prog.pk])).status_code == 200


def test_a_reversal_is_requested_on_the_line_and_approved_by_another_person(client, prog, trio):
    from dangjian.core.actors import SYSTEM
    from dangjian.payouts import services

    line = prog.entitlements.first()
    payment = services.pay_entitlement(
        actor=SYSTEM, entitlement=line, method="counter", signature_png=f.png_b64()
    )
    client.force_login(trio[1])
    client.post(reverse("payouts:request_reversal", args=[payment.pk]), {"reason": "发错人"})
    req = payment.reversal_requests.get()
    client.post(reverse("payouts:decide_reversal", args=[req.pk]), {"decision": "approve"})
    req.refresh_from_db()
    assert req.state == "pending"  # the requester cannot approve
    client.force_login(trio[2])
    client.post(reverse("payouts:decide_reversal", args=[req.pk]), {"decision": "approve"})
    req.refresh_from_db()
    assert req.state == "approved" and hasattr(Payment.objects.get(pk=payment.pk), "reversal")


def test_three_people_sign_off_a_list_on_the_programme_page(client, branch, trio):
    prog = f.programme(branch)
    for user in trio:
        client.force_login(user)
        client.post(reverse("payouts:advance", args=[prog.pk]))
    prog.refresh_from_db()
    assert prog.status == "approved"
    assert AuditEntry.objects.filter(action="payouts.approved_list").count() == 1


def test_the_person_page_shows_their_payouts(admin_client, prog):
    person = prog.entitlements.first().person
    r = admin_client.get(reverse("people:person", args=[person.pk]))
    assert r.status_code == 200 and "测试奖励" in r.content.decode()


def test_a_published_campaign_links_to_a_prefilled_reward_programme_for_its_winners(
    admin_client, admin_user, zone, branch
):
    from dangjian.ratings import services as ratings

    c = ratings.create_campaign(
        actor=admin_user,
        zone=zone,
        year=2023,
        name="示范岗",
        purpose="model",
        nominee_kind="person",
        criteria="c",
        winners=1,
        judges=[admin_user],
    )
    winner = f.person(branch, "王凤侠")
    n = ratings.nominate(
        actor=admin_user, campaign=c, org=branch, nominee_name="王凤侠", person=winner, reason="r"
    )
    ratings.start_scoring(actor=admin_user, campaign=c)
    ratings.score_nomination(actor=admin_user, nomination=n, score=90)
    page = admin_client.get(reverse("ratings:campaign", args=[c.pk])).content.decode()
    assert "为获奖者发放奖励" not in page  # not before the result is published
    ratings.publish_campaign(actor=admin_user, campaign=c)
    page = admin_client.get(reverse("ratings:campaign", args=[c.pk])).content.decode()
    assert "为获奖者发放奖励" in page
    form = admin_client.get(reverse("payouts:new") + f"?rule=campaign&rule_campaign={c.pk}").content.decode()
    assert f'<option value="{c.pk}" selected>2023年 示范岗（已公布）</option>' in form
    r = admin_client.post(
        reverse("payouts:new"),
        {
            "org": zone.pk,
            "name": "示范岗奖励",
            "kind": "reward",
            "year": 2023,
            "rule": "campaign",
            "rule_campaign": c.pk,
            "amount_fen": "500",
            "scan_retention_days": 1095,
        },
    )
    assert r.status_code == 302
    prog = Programme.objects.get(name="示范岗奖励")
    admin_client.post(reverse("payouts:generate", args=[prog.pk]))
    assert list(prog.entitlements.values_list("name", "amount_fen")) == [("王凤侠", 500_00)]


def _list_csv(rows) -> bytes:
    lines = ["姓名,身份证号,金额（元）,备注"] + [",".join(map(str, r)) for r in rows]
    return "\n".join(lines).encode("utf-8-sig")


def _upload(client, prog, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("payouts:import_list", args=[prog.pk]),
        {"file": SimpleUploadedFile("名单.csv", content, content_type="text/csv")},
    )


def test_an_imported_list_is_written_by_the_worker_and_the_page_says_how_many(admin_client, branch):
    from dangjian.jobs.models import Job
    from dangjian.payouts import services

    prog = services.create_programme(
        actor=f.services_system(), org=branch, name="导入名单", kind="reward", year=2023, rule="listed"
    )
    people = [f.person(branch, f"村民{i}", seq=i) for i in range(3)]
    r = _upload(admin_client, prog, _list_csv([(p.name, p.id_number, "100.50", "") for p in people]))
    assert r.status_code == 302
    job = Job.objects.get(kind="payouts.import_list")
    assert job.status == "done" and job.result == {"lines": 3} and job.upload == ""
    assert sorted(prog.entitlements.values_list("amount_fen", flat=True)) == [100_50] * 3
    page = admin_client.get(reverse("payouts:programme", args=[prog.pk])).content.decode()
    assert "导入名单3人" in page


def test_a_list_with_an_unknown_id_or_a_wrong_name_writes_nothing_and_names_the_rows(admin_client, branch):
    from dangjian.payouts import services

    prog = services.create_programme(
        actor=f.services_system(), org=branch, name="导入名单", kind="reward", year=2023, rule="listed"
    )
    known = f.person(branch, "村民甲", seq=1)
    stranger = f.person(Org.objects.get(code="T-B"), "外人", seq=2)  # recorded by another branch
    rows = [
        (known.name, known.id_number, "10"),
        ("改了名", known.id_number, "10"),
        (stranger.name, stranger.id_number, "10"),
    ]
    _upload(admin_client, prog, _list_csv([(*r, "") for r in rows]))
    assert prog.entitlements.count() == 0
    page = admin_client.get(reverse("payouts:programme", args=[prog.pk])).content.decode()
    assert "未写入任何数据" in page
    assert "第3行：姓名与该身份证号登记的姓名不一致" in page and "第4行：本单位人员中没有该身份证号" in page


def _bank_result_from_export(client, batch, verdicts) -> bytes:
    """The batch file as the platform exports it, with 结果/说明 filled in as the bank returns it."""
    import io

    import openpyxl

    exported = client.get(reverse("payouts:bank_file", args=[batch.pk]))
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    sheet = book.active
    answered = 0
    for row in sheet.iter_rows():
        if str(row[0].value or "").strip().isdigit():
            row[4].value, row[5].value = verdicts[answered]
            answered += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _post_bank_result(client, batch, content: bytes, name: str = "回盘.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("payouts:bank_result", args=[batch.pk]), {"file": SimpleUploadedFile(name, content)}
    )


def test_the_banks_result_file_is_applied_by_the_worker_and_failed_lines_stay_unpaid(admin_client, prog):
    from dangjian.core.actors import SYSTEM
    from dangjian.jobs.models import Job
    from dangjian.payouts import selectors, services

    batch = services.create_bank_batch(actor=SYSTEM, programme=prog)
    lines = list(batch.lines.order_by("pk"))
    verdicts = [("失败", "账户冻结")] + [("成功", "")] * (len(lines) - 1)
    r = _post_bank_result(admin_client, batch, _bank_result_from_export(admin_client, batch, verdicts))
    assert r.status_code == 302
    job = Job.objects.get(kind="payouts.import_bank_result")
    assert job.status == "done" and job.upload == ""
    assert job.result == {"paid": len(lines) - 1, "failed": 1, "batch": batch.pk}
    assert [e.pk for e in selectors.unpaid_entitlements(prog)] == [lines[0].entitlement_id]
    assert Payment.objects.filter(entitlement__programme=prog, method="bank").count() == len(lines) - 1
    page = admin_client.get(reverse("payouts:programme", args=[prog.pk])).content.decode()
    assert f"批次{batch.pk}回盘已入账：成功{len(lines) - 1}人，失败1人" in page


def test_a_bank_result_with_an_unknown_verdict_pays_nobody_and_names_the_line(admin_client, prog):
    from dangjian.core.actors import SYSTEM
    from dangjian.payouts import services

    batch = services.create_bank_batch(actor=SYSTEM, programme=prog)
    verdicts = [("成功", "")] * (batch.lines.count() - 1) + [("待定", "")]
    _post_bank_result(admin_client, batch, _bank_result_from_export(admin_client, batch, verdicts))
    assert not Payment.objects.filter(entitlement__programme=prog).exists()
    batch.refresh_from_db()
    assert batch.state == "exported"
    page = admin_client.get(reverse("payouts:programme", args=[prog.pk])).content.decode()
    assert "回盘未入账，未写入任何数据" in page and "的结果须为“成功”或“失败”" in page


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_its_reason_not_a_generic_error(admin_client, prog):
    from dangjian.core.actors import SYSTEM
    from dangjian.jobs.models import Job
    from dangjian.payouts import services

    batch = services.create_bank_batch(actor=SYSTEM, programme=prog)
    _post_bank_result(admin_client, batch, b"%PDF-1.4 not a sheet", name="回盘.xlsx")
    job = Job.objects.get(kind="payouts.import_bank_result")
    assert job.status == "failed" and job.error and "任务执行出错" not in job.error
    assert not Payment.objects.filter(entitlement__programme=prog).exists()


def test_a_bank_result_uploaded_again_after_it_was_applied_is_refused_and_pays_nobody_twice(
    admin_client, prog
):
    from dangjian.core.actors import SYSTEM
    from dangjian.jobs.models import Job
    from dangjian.payouts import services

    batch = services.create_bank_batch(actor=SYSTEM, programme=prog)
    content = _bank_result_from_export(admin_client, batch, [("成功", "")] * batch.lines.count())
    _post_bank_result(admin_client, batch, content)
    paid = Payment.objects.filter(entitlement__programme=prog).count()
    r = _post_bank_result(admin_client, batch, content)
    assert Payment.objects.filter(entitlement__programme=prog).count() == paid == batch.lines.count()
    assert Job.objects.filter(kind="payouts.import_bank_result").count() == 1
    assert any("该批次已回盘" in m.message for m in r.wsgi_request._messages)
