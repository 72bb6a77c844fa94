"""The import page: the same report as the command, commit after a clean dry run, rejected rows."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.people.models import Member

from .factories import roster_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, rows, name="花名册.xlsx"):
    return client.post(
        reverse("people:import"), {"org": "T-A", "file": SimpleUploadedFile(name, xlsx_bytes(rows))}
    )


def test_clean_upload_shows_counts_and_commits_on_confirmation(secretary_client):
    response = upload(secretary_client, roster_rows(4))
    report = response.context["report"]
    assert report.ok and report.counts["added"] == 4
    assert Member.objects.count() == 0
    commit = secretary_client.post(reverse("people:import_commit", args=[response.context["token"]]))
    assert commit.status_code == 302
    assert Member.objects.count() == 4


def test_bad_rows_are_listed_and_downloadable_as_xlsx(secretary_client):
    rows = roster_rows(3)
    rows[1][5] = "410611580313000"
    response = upload(secretary_client, rows)
    page = response.content.decode()
    assert "第4行" in page and "15位旧身份证号需先转换为18位" in page
    rejected = secretary_client.get(reverse("people:import_rejected", args=[response.context["token"]]))
    sheet = list(
        CalamineWorkbook.from_filelike(io.BytesIO(rejected.content)).get_sheet_by_index(0).iter_rows()
    )
    assert len(sheet) == 3  # title, header, the one bad row
    assert sheet[2][0] == 4 and "15位" in sheet[2][1]
    commit = secretary_client.post(reverse("people:import_commit", args=[response.context["token"]]))
    assert commit.status_code == 200 and Member.objects.count() == 0


def test_another_users_upload_token_is_not_found(secretary_client, client, admin_user):
    token = upload(secretary_client, roster_rows(1)).context["token"]
    client.force_login(admin_user)
    assert client.post(reverse("people:import_commit", args=[token])).status_code == 404
