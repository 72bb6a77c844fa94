"""A 100,000-row 花名册 through the page and the worker: request times, rows/s, progress, and how long
another writer waits while the commit runs (the SQLite lock question).

    .venv/bin/python bench/bench_jobs.py [ROWS]     # or `python bench/run.py jobs`; BENCH_JOBS_ROWS

SQLite only (on PostgreSQL writers do not wait for each other). Uses its own database in a fresh
DANGJIAN_VAR_DIR (a temporary directory unless given); starts `manage.py worker` as a subprocess.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DATABASES = ("sqlite",)
ROWS = (
    int(sys.argv[1])
    if sys.argv[1:] and sys.argv[1].isdigit()
    else int(os.environ.get("BENCH_JOBS_ROWS", 100_000))
)

# Never the developer's own database: a fresh SQLite file in its own directory, which the worker
# subprocess inherits through the environment.
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DANGJIAN_VAR_DIR", tempfile.mkdtemp(prefix="bench-jobs-"))
# The bench roster is larger than the default row cap of an upload.
os.environ.setdefault("DANGJIAN_IMPORT_MAX_ROWS", str(max(ROWS + 100, 50_000)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# The bench user is made here: the login policy (second factor, first password change) would answer
# its requests with a redirect to its own pages instead of the import.
settings.LOGIN_POLICY_ENFORCED = False

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402


def main(rows: int) -> None:
    from bench_people import write_roster
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.accounts.models import Role, RoleAssignment, User
    from dangjian.accounts.services import ensure_default_roles
    from dangjian.core.actors import SYSTEM
    from dangjian.jobs.models import Job
    from dangjian.orgs.models import Kind, Level, Org
    from dangjian.people.models import Member

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        ensure_default_roles(actor=SYSTEM)
    zone = Org.objects.add_root(
        instance=Org(code="BJ", name="基准区", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
    )
    Org.objects.add_child(
        zone, instance=Org(code="BJ-1", name="基准测试党支部", level=Level.BRANCH, kind=Kind.VILLAGE)
    )
    user = User.objects.create_user(username="bench", password="Bench-pass-2023x", display_name="bench")
    RoleAssignment.objects.create(
        user=user, role=Role.objects.get(identifier="zone_admin"), org=zone, subtree=True
    )
    path = Path(os.environ["DANGJIAN_VAR_DIR"]) / "roster.xlsx"
    write_roster(path, rows, "jobs-bench")
    client = Client()
    client.force_login(user)

    t = time.perf_counter()
    response = client.post(
        "/people/import/", {"org": "BJ-1", "file": SimpleUploadedFile("roster.xlsx", path.read_bytes())}
    )
    upload_s = time.perf_counter() - t
    assert response.status_code == 302, response.status_code
    job = Job.objects.latest("pk")
    connection.close()

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-schedule", "--interval", "0.2"],
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        t = time.perf_counter()
        seen = []
        while True:
            job.refresh_from_db()
            seen.append(job.done)
            if job.status not in ("queued", "checking"):
                break
            time.sleep(0.2)
        check_s = time.perf_counter() - t
        assert job.status == "checked" and job.result["clean"], job.result.get("issues", [])[:3]
        page_t = time.perf_counter()
        client.get(f"/people/import/{job.pk}/", headers={"HX-Request": "true"})
        poll_s = time.perf_counter() - page_t

        waits = []
        failures: list[str] = []
        stop = threading.Event()

        from dangjian.jobs.models import ScheduleRun

        probe_row = ScheduleRun.objects.create(name="bench.probe", day="2000-01-01")
        connection.close()

        def other_writer():
            # A real one-row write every 0.1 s, as another user saving a form would (a write that
            # matches no row takes no lock in SQLite and would prove nothing).
            from django.db import OperationalError, connections

            conn = connections.create_connection("default")
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    with conn.cursor() as cur:
                        cur.execute(
                            "UPDATE jobs_schedulerun SET finished_at = CURRENT_TIMESTAMP WHERE id = %s",
                            [probe_row.pk],
                        )
                        conn.commit()
                except OperationalError as exc:  # "database is locked" after the busy timeout
                    failures.append(str(exc))
                    conn.rollback()
                waits.append(time.perf_counter() - t0)
                time.sleep(0.1)
            conn.close()

        t = time.perf_counter()
        response = client.post(f"/people/import/{job.pk}/commit/")
        commit_req_s = time.perf_counter() - t
        probe = threading.Thread(target=other_writer)
        probe.start()
        t = time.perf_counter()
        while True:
            job.refresh_from_db()
            if job.status not in ("committing",):
                break
            time.sleep(0.2)
        commit_s = time.perf_counter() - t
        stop.set()
        probe.join()
    finally:
        worker.terminate()
        worker.wait(10)
    assert job.status == "committed", job.error
    n = Member.objects.count()
    print(f"database: {connection.vendor}; rows: {n}")
    print(
        f"upload request: {upload_s:.2f} s; commit request: {commit_req_s:.2f} s; progress poll: {poll_s:.3f} s"
    )
    print(
        f"check job: {check_s:.1f} s ({rows / check_s:,.0f} rows/s); progress values seen: {len(set(seen))}"
    )
    print(f"commit job (re-check + write): {commit_s:.1f} s ({rows / commit_s:,.0f} rows/s)")
    waits.sort()
    print(
        f"another writer during the commit: max wait {waits[-1]:.2f} s, p99 {waits[int(len(waits) * 0.99)]:.2f} s"
        f" over {len(waits)} one-row writes; {len(failures)} refused ({failures[:1]})"
    )


if __name__ == "__main__":
    main(ROWS)
