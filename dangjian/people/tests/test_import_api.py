"""The import API: upload (202), follow the check, commit a clean one (202) or be told 409; scoped."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.people.models import Member

from .factories import csv_bytes, roster_rows

pytestmark = pytest.mark.django_db


def post_file(client, headers, rows, org="T-A"):
    return client.post(
        "/api/v1/imports/members",
        {"org": org, "file": SimpleUploadedFile("花名册.csv", csv_bytes(rows))},
        **headers,
    )


def test_a_clean_file_is_checked_then_committed_through_the_api(client, secretary, token_for):
    auth = token_for(secretary)
    started = post_file(client, auth, roster_rows(3))
    assert started.status_code == 202, started.content
    body = started.json()
    assert set(body) == {"id", "status"}
    report = client.get(f"/api/v1/imports/{body['id']}", **auth).json()
    assert report["status"] == "checked" and report["issues"] == [] and report["warnings"] == []
    assert report["counts"] == {"added": 3, "updated": 0, "unchanged": 0}
    assert report["progress"]["done"] == report["progress"]["total"] > 0
    committed = client.post(f"/api/v1/imports/{body['id']}/commit", **auth)
    assert committed.status_code == 202
    assert client.get(f"/api/v1/imports/{body['id']}", **auth).json()["status"] == "committed"
    assert Member.objects.filter(org__code="T-A").count() == 3


def test_a_file_with_issues_lists_them_by_row_and_column_and_cannot_be_committed(
    client, secretary, token_for
):
    auth = token_for(secretary)
    rows = roster_rows(2)
    rows[1][5] = "123"
    job_id = post_file(client, auth, rows).json()["id"]
    report = client.get(f"/api/v1/imports/{job_id}", **auth).json()
    assert report["status"] == "checked"
    assert [(i["row"], i["column"]) for i in report["issues"]] == [(4, "公民身份号码")]
    refused = client.post(f"/api/v1/imports/{job_id}/commit", **auth)
    assert refused.status_code == 409 and refused.json()["code"] == "not_clean"
    assert Member.objects.count() == 0


def test_another_branchs_import_is_not_found(client, secretary, outsider, token_for):
    job_id = post_file(client, token_for(secretary), roster_rows(1)).json()["id"]
    theirs = token_for(outsider)
    assert client.get(f"/api/v1/imports/{job_id}", **theirs).status_code == 404
    assert client.post(f"/api/v1/imports/{job_id}/commit", **theirs).status_code == 404


def test_uploading_to_a_branch_out_of_scope_is_not_found(client, secretary, token_for):
    assert post_file(client, token_for(secretary), roster_rows(1), org="T-B").status_code == 404
