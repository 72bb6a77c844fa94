"""The import page: the same report as the command, commit after a clean dry run, rejected rows."""

import io

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
    assert len(sheet) == 3  # title, header, the one bad row
    assert sheet[2][0] == 4 and "15位" in sheet[2][1]
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
