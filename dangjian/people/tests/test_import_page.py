"""The import page: the same report as the command, commit after a clean dry run, rejected rows."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.jobs.models import Job
from dangjian.people.models import Member

from .factories import roster_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def upload(client, rows, name="花名册.xlsx"):
    response = client.post(
        reverse("people:import"), {"org": "T-A", "file": SimpleUploadedFile(name, xlsx_bytes(rows))}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.latest("pk")


def test_clean_upload_shows_counts_and_commits_on_confirmation(secretary_client):
    job = upload(secretary_client, roster_rows(4))
    page = secretary_client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    assert "全部4行无误：将新增4名" in page
    assert Member.objects.count() == 0
    commit = secretary_client.post(reverse("people:import_commit", args=[job.pk]))
    assert commit.status_code == 302
    assert Member.objects.count() == 4
    job.refresh_from_db()
    assert job.status == "committed" and job.upload == ""


def test_bad_rows_are_listed_and_downloadable_as_xlsx(secretary_client):
    rows = roster_rows(3)
    rows[1][5] = "410611580313000"
    job = upload(secretary_client, rows)
    page = secretary_client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    assert "第4行" in page and "15位旧身份证号需先转换为18位" in page
    rejected = secretary_client.get(reverse("people:import_rejected", args=[job.pk]))
    sheet = list(
        CalamineWorkbook.from_filelike(io.BytesIO(rejected.content)).get_sheet_by_index(0).iter_rows()
    )
    assert len(sheet) == 3  # the file's own title and header, the one bad row
    assert sheet[0][0] == "甲村党支部党员花名册" and sheet[1][:2] == ["序号", "姓名"]
    assert sheet[1][-2:] == ["问题", "原行号"]
    assert "15位" in sheet[2][-2] and sheet[2][-1] == 4 and sheet[2][5] == "410611580313000"
    commit = secretary_client.post(reverse("people:import_commit", args=[job.pk]))
    assert commit.status_code == 302 and Member.objects.count() == 0
    job.refresh_from_db()
    assert job.status == "checked"


def test_another_branchs_secretary_cannot_see_or_commit_the_import(secretary_client, client, outsider):
    job = upload(secretary_client, roster_rows(1))
    client.force_login(outsider)
    assert client.get(reverse("people:import_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("people:import_commit", args=[job.pk])).status_code == 404


def test_the_upload_is_stored_encrypted(secretary_client):
    from django.core.files.storage import default_storage

    job = upload(secretary_client, roster_rows(2))
    with default_storage.open(job.upload, "rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"gAAAA") and b"PK" not in stored[:10]


def test_the_report_polls_while_the_job_runs_and_stops_when_done(secretary_client):
    job = upload(secretary_client, roster_rows(2))
    Job.objects.filter(pk=job.pk).update(status="checking", done=500, total=1000)
    partial = secretary_client.get(
        reverse("people:import_job", args=[job.pk]), headers={"HX-Request": "true"}
    )
    html = partial.content.decode()
    assert 'hx-trigger="every 1s"' in html and "50%" in html and "<html" not in html
    Job.objects.filter(pk=job.pk).update(status="checked", done=1000)
    assert (
        'hx-trigger="every 1s"'
        not in secretary_client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    )


SAMPLE = Path(__file__).parent / "data" / "roster-sample.xlsx"


def _fix_rejected_rows(content: bytes) -> bytes:
    """What a clerk does with the download: correct each flagged cell, keep everything else."""
    import openpyxl

    from dangjian.core.idcard import check_char, make_id

    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    header = [c.value for c in sheet[2]]
    name, id_col, problem = header.index("姓名"), header.index("公民身份号码"), header.index("问题")
    for row in sheet.iter_rows(min_row=3):
        text = row[problem].value or ""
        if "姓名" in text:
            row[name].value = "韩立新"
        if "校验" in text:
            number = str(row[id_col].value)
            row[id_col].value = number[:17] + check_char(number[:17])
        if "重复" in text and row[name].value == "范杰":
            row[id_col].value = make_id("410611", date(1997, 12, 6), 61, "女")
        row[problem].value = None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_rejected_rows_of_the_sample_roster_fixed_and_uploaded_again_import(secretary_client):
    first = secretary_client.post(
        reverse("people:import"),
        {"org": "T-A", "file": SimpleUploadedFile("王屯村党支部党员花名册.xlsx", SAMPLE.read_bytes())},
    )
    assert first.status_code == 302
    job = Job.objects.latest("pk")
    assert not job.result["clean"] and Member.objects.count() == 0
    flagged = {i["row"] for i in job.result["issues"]}
    assert {7, 14, 23} <= flagged
    rejected = secretary_client.get(reverse("people:import_rejected", args=[job.pk])).content
    sheet = list(CalamineWorkbook.from_filelike(io.BytesIO(rejected)).get_sheet_by_index(0).iter_rows())
    assert sheet[0][0] == "王屯村党支部党员花名册" and sheet[1][1] == "姓名"  # never 第1列…第12列
    assert not any(str(c).startswith("第1列") for c in sheet[1])

    again = secretary_client.post(
        reverse("people:import"),
        {"org": "T-A", "file": SimpleUploadedFile("问题行.xlsx", _fix_rejected_rows(rejected))},
    )
    assert again.status_code == 302
    job = Job.objects.latest("pk")
    assert job.result["clean"], job.result["issues"]
    secretary_client.post(reverse("people:import_commit", args=[job.pk]))
    assert Member.objects.count() == len(flagged) == job.result["rows"]
    assert Member.objects.filter(person__name__in=["韩立新", "范杰"]).count() == 2
