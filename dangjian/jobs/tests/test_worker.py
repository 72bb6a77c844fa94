"""The worker runs imports queued by the pages and the API: checked, committed, progress rising."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from dangjian.jobs import runner
from dangjian.jobs.models import Job
from dangjian.people.models import Member
from dangjian.people.tests.factories import csv_bytes, roster_rows

from .conftest import use_backend

pytestmark = pytest.mark.usefixtures("committed_db")

ROWS = 2500


@pytest.fixture
def progress_log(monkeypatch):
    """Every progress value the job's row held, read back from the database as the worker wrote it."""
    seen: list[tuple[str, int, int]] = []
    write = runner.Progress.__call__

    def spy(self, done, total=0):
        write(self, done, total)
        seen.append(Job.objects.filter(pk=self.job_id).values_list("status", "done", "total").get())

    monkeypatch.setattr(runner, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(runner.Progress, "__call__", spy)
    return seen


def upload(client, rows):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("people:import"), {"org": "T-A", "file": SimpleUploadedFile("花名册.csv", csv_bytes(rows))}
    )
    assert response.status_code == 302
    return Job.objects.latest("pk")


def run_worker():
    call_command("worker", batch=True, no_schedule=True, verbosity=0)


def assert_rising(seen, status):
    values = [(done, total) for s, done, total in seen if s == status]
    assert len(values) >= 3, seen
    dones = [d for d, _ in values]
    assert dones == sorted(dones) and dones[0] < dones[-1]
    assert all(0 < d <= t for d, t in values)


def import_through_worker(client, progress_log):
    job = upload(client, roster_rows(ROWS))
    job.refresh_from_db()
    assert job.status == "queued" and job.step == "check"
    run_worker()
    job.refresh_from_db()
    assert job.status == "checked" and job.result["clean"], job.result
    assert job.result["counts"]["added"] == ROWS and Member.objects.count() == 0
    assert_rising(progress_log, "checking")

    assert client.post(reverse("people:import_commit", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == "committing"
    run_worker()
    job.refresh_from_db()
    assert job.status == "committed", job.error
    assert job.done == job.total and job.upload == ""
    assert Member.objects.filter(org__code="T-A").count() == ROWS
    assert_rising(progress_log, "committing")
    return job


def test_database_worker_checks_and_commits_an_import_with_progress_rising(
    settings, secretary_client, progress_log
):
    use_backend(settings, "db")
    import_through_worker(secretary_client, progress_log)


def test_rq_worker_checks_and_commits_an_import_with_progress_rising(
    redis_queue, secretary_client, progress_log
):
    import_through_worker(secretary_client, progress_log)
    assert redis_queue.count == 0


def test_a_failing_job_is_marked_failed_with_a_message_not_left_running(settings, secretary_client):
    use_backend(settings, "db")
    job = upload(secretary_client, roster_rows(3))
    Job.objects.filter(pk=job.pk).update(upload="")  # as after the 24-hour purge
    run_worker()
    job.refresh_from_db()
    assert job.status == "failed" and "过期" in job.error and job.worker == ""
