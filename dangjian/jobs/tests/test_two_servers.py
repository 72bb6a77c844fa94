"""Two app servers (gunicorn on two ports) sharing one PostgreSQL and one Redis, as deploy/ sets them up:
a session started on one is good on the other, failed logins spread over both add up to a lockout, the
cache's rate limits count across both, and a job queued through one runs on the worker beside them.

Only on PostgreSQL (the servers need a database they can share with this test; `make test` runs it in
its PostgreSQL run) and with Redis (skipped without it, failed instead when REQUIRE_REDIS is set).
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.db import connection

from dangjian.accounts.models import RoleAssignment, User
from dangjian.people.models import Member
from dangjian.people.tests.factories import csv_bytes, roster_rows

from .conftest import REDIS_URL, _redis_db

pytestmark = pytest.mark.usefixtures("committed_db")

PASSWORD = "Two-servers-2023"
ROWS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    import requests

    for _ in range(300):
        try:
            requests.get(f"{url}/healthz", timeout=10)
            return
        except requests.RequestException:  # not listening yet, or its worker still starting Django
            if proc.poll() is not None:
                raise RuntimeError(f"{url} exited: {proc.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /healthz")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Two gunicorn servers and an RQ worker on the test database and this checkout's Redis database,
    with production settings (no debug, keys of their own); yields the two servers' addresses. Started
    once for the module (each start costs seconds of Django start-up); every test's rows are its own."""
    import redis

    if connection.vendor != "postgresql":
        pytest.skip("two app servers share PostgreSQL: this runs in make test's PostgreSQL run")
    redis_url = f"{REDIS_URL}/{_redis_db()}"
    try:
        # This checkout's own database, emptied before the worker starts: no queue or counts left over.
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"Redis at {REDIS_URL} is not reachable and REQUIRE_REDIS is set")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    tmp_path = tmp_path_factory.mktemp("two-servers")
    env = {
        **os.environ,
        "PYTHONPATH": str(django_settings.BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "DANGJIAN_TASKS": "rq",
        "DANGJIAN_MEDIA_ROOT": str(tmp_path / "media"),  # a shared folder (or S3) in production
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",  # plain http on loopback; nginx terminates TLS in deploy/
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DANGJIAN_PII_KEYS": Fernet.generate_key().decode(),
        "DANGJIAN_PII_INDEX_KEY": secrets.token_hex(32),
        "DANGJIAN_AUDIT_KEY": secrets.token_hex(32),
        "DANGJIAN_AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints.jsonl"),
        "DANGJIAN_BACKUP_KEY": Fernet.generate_key().decode(),
        "DANGJIAN_PUBLIC_LOOKUP_LIMIT": "3",
        # Fixed windows: a day's makes it unlikely that the test's four look-ups straddle two.
        "DANGJIAN_PUBLIC_LOOKUP_WINDOW_SECONDS": "86400",
    }
    for name in ("DANGJIAN_TEST_DB", "DANGJIAN_DEMO", "DANGJIAN_RQ_REDIS_URL"):
        env.pop(name, None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    procs = []
    try:
        urls = []
        for _ in range(2):
            port = _free_port()
            procs.append(
                subprocess.Popen(
                    [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                    cwd=django_settings.BASE_DIR,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        procs.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--no-schedule"],
                cwd=django_settings.BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for url, proc in zip(urls, procs, strict=False):
            _wait_healthy(url, proc)
        yield urls
    finally:
        for proc in procs:
            _stop(proc)


@pytest.fixture
def people(settings, roles, branch):
    """A read-only leader (no second factor asked of that role), a branch secretary who imports through
    the API, and an account to lock; passwords hashed as the servers hash them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    made = {}
    for username, role in (("leader", "viewer"), ("importer", "secretary"), ("target", None)):
        user = User.objects.create_user(username=username, password=PASSWORD, home_org=branch)
        if role:
            RoleAssignment.objects.create(user=user, role=roles[role], org=branch, subtree=True)
        made[username] = user
    return made


def _login(session, url: str, username: str, password: str):
    import re

    form = session.get(f"{url}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return session.post(
        f"{url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )


def test_a_session_started_on_one_server_is_good_on_the_other(servers, people):
    import requests

    one, other = servers
    browser = requests.Session()
    assert _login(browser, one, "leader", PASSWORD).status_code == 302
    page = browser.get(f"{other}/orgs/", allow_redirects=False, timeout=30)
    assert page.status_code == 200 and "甲村党支部" in page.text
    stranger = requests.get(f"{other}/orgs/", allow_redirects=False, timeout=30)
    assert stranger.status_code == 302 and "/accounts/login/" in stranger.headers["Location"]


def test_five_failed_logins_spread_over_both_servers_lock_the_account(servers, people):
    import requests

    # Three on one server, two on the other: neither alone reaches five, the fifth locks the account.
    answers = [
        _login(requests.Session(), servers[i % 2], "target", "wrong-password").status_code for i in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429]
    locked = _login(requests.Session(), servers[1], "target", PASSWORD)
    assert locked.status_code == 429 and "sessionid" not in locked.cookies
    # The leader, never failed, still logs in on either: the lockout is the account's, not the address's.
    assert _login(requests.Session(), servers[1], "leader", PASSWORD).status_code == 302


def test_rate_limits_are_counted_across_both_servers(servers, people):
    import requests

    answers = [
        requests.post(
            f"{servers[i % 2]}/api/v1/public/requests/lookup",
            json={"tracking_code": "ABCD-2345", "phone_last4": "1234"},
            timeout=30,
        ).status_code
        for i in range(4)
    ]
    assert answers[:3] == [404, 404, 404] and answers[3] == 429


def test_a_job_queued_through_one_server_runs_on_the_worker_and_is_seen_on_the_other(
    servers, people, token_for
):
    import requests

    one, other = servers
    headers = {"Authorization": token_for(people["importer"])["HTTP_AUTHORIZATION"]}
    started = requests.post(
        f"{one}/api/v1/imports/members",
        data={"org": "T-A"},
        files={"file": ("花名册.csv", csv_bytes(roster_rows(ROWS)))},
        headers=headers,
        timeout=30,
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]

    def status_on_other(wanted: str) -> dict:
        for _ in range(300):
            job = requests.get(f"{other}/api/v1/imports/{job_id}", headers=headers, timeout=30).json()
            if job["status"] == wanted or job["status"] == "failed":
                return job
            time.sleep(0.2)
        return job

    checked = status_on_other("checked")
    assert checked["status"] == "checked" and checked["counts"]["added"] == ROWS, checked
    committing = requests.post(f"{other}/api/v1/imports/{job_id}/commit", headers=headers, timeout=30)
    assert committing.status_code == 202, committing.text
    assert status_on_other("committed")["status"] == "committed"
    assert Member.objects.filter(org__code="T-A").count() == ROWS
