"""Personas shared by every app's tests: a zone admin, a branch secretary, an outsider branch's secretary.

The tree: 测试区党工委 (T) → 甲村党支部 (T-A, with 党小组 T-A-G) · 乙村党支部 (T-B) · 丙社区党委 (T-C) → 丙社区第一党支部 (T-C1).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from hypothesis import settings as hypothesis_settings

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.accounts.services import ensure_default_roles
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Kind, Level, Org

PASSWORD = "Test-pass-2023"

# Property tests check correctness, not speed: on a machine shared by many test runs a single example
# can take longer than hypothesis's 200 ms default deadline without anything being wrong.
hypothesis_settings.register_profile("dangjian", deadline=None)
hypothesis_settings.load_profile("dangjian")


def _flush_past_append_only_triggers() -> None:
    """Transactional tests (``django_db(transaction=True)``) end with a flush, a TRUNCATE that the
    append-only triggers (audit log, payouts ledger) refuse. For that one transaction the test
    harness — never the application — runs as a replica, for which PostgreSQL fires no ordinary
    trigger. (SQLite has no such switch: see the next function.)"""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver installed
        return
    original = DatabaseOperations.execute_sql_flush
    if getattr(original, "past_triggers", False):
        return

    def execute_sql_flush(self, sql_list):
        from django.db import transaction

        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            original(self, sql_list)

    execute_sql_flush.past_triggers = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush


_flush_past_append_only_triggers()


def _flush_sqlite_past_append_only_triggers() -> None:
    """The same for SQLite, which has no replica role: for the flush alone the harness lifts the
    append-only triggers and puts them back as they were (their SQL is kept in sqlite_master)."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush
    if getattr(original, "past_triggers", False):
        return

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for _, sql in triggers:
                    cursor.execute(sql)

    execute_sql_flush.past_triggers = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush


_flush_sqlite_past_append_only_triggers()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def workday_morning():
    """Freeze the clock at 09:30 Beijing time on a Tuesday and give that day.

    For every test about "today" or the time of day (a QR link valid 4 h from an 08:00 start, a
    meeting held today): without it such a test passes in the morning and fails after noon.
    """
    day = date(2026, 5, 12)
    with time_machine.travel(datetime(2026, 5, 12, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield day


@pytest.fixture(autouse=True)
def login_policy_off(settings):
    """Tests log personas in with force_login; the login policy (2FA, password expiry) has its own tests."""
    settings.LOGIN_POLICY_ENFORCED = False


@pytest.fixture(autouse=True)
def audit_checkpoints_apart(settings, tmp_path):
    """Each test keeps its audit checkpoints in its own file, never the checkout's var/."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture
def roles(db):
    from django.db import transaction

    with transaction.atomic():
        ensure_default_roles(actor=SYSTEM)
    return {r.identifier: r for r in Role.objects.all()}


@pytest.fixture
def zone(db) -> Org:
    return Org.objects.add_root(
        instance=Org(code="T", name="测试区党工委", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
    )


@pytest.fixture
def branch(zone) -> Org:
    org = Org.objects.add_child(
        zone, instance=Org(code="T-A", name="甲村党支部", level=Level.BRANCH, kind=Kind.VILLAGE)
    )
    Org.objects.add_child(
        org, instance=Org(code="T-A-G", name="甲村党支部第一党小组", level=Level.GROUP, kind=Kind.VILLAGE)
    )
    return Org.objects.get(pk=org.pk)


@pytest.fixture
def other_branch(zone, branch) -> Org:
    return Org.objects.add_child(
        Org.objects.get(pk=zone.pk),
        instance=Org(code="T-B", name="乙村党支部", level=Level.BRANCH, kind=Kind.VILLAGE),
    )


@pytest.fixture
def community(zone, other_branch) -> Org:
    committee = Org.objects.add_child(
        Org.objects.get(pk=zone.pk),
        instance=Org(code="T-C", name="丙社区党委", level=Level.COMMITTEE, kind=Kind.COMMUNITY),
    )
    Org.objects.add_child(
        committee, instance=Org(code="T-C1", name="丙社区第一党支部", level=Level.BRANCH, kind=Kind.COMMUNITY)
    )
    return Org.objects.get(pk=committee.pk)


def make_user(username: str, role: Role | None = None, org: Org | None = None, subtree: bool = True) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=username, home_org=org)
    if role is not None:
        RoleAssignment.objects.create(user=user, role=role, org=org, subtree=subtree)
    return user


@pytest.fixture
def admin_user(roles, zone, branch, other_branch, community) -> User:
    return make_user("zoneadmin", roles["zone_admin"], Org.objects.get(pk=zone.pk))


@pytest.fixture
def secretary(roles, branch) -> User:
    return make_user("secretary", roles["secretary"], branch)


@pytest.fixture
def outsider(roles, other_branch) -> User:
    return make_user("outsider", roles["secretary"], other_branch)


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user) -> Client:
    return _client_for(admin_user)


@pytest.fixture
def secretary_client(secretary) -> Client:
    return _client_for(secretary)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return _client_for(outsider)


@pytest.fixture
def token_for(db):
    """Returns a function giving an API bearer header for a user."""
    from django.db import transaction

    from dangjian.accounts.services import issue_token

    def make(user: User) -> dict:
        with transaction.atomic():
            raw = issue_token(actor=SYSTEM, user=user)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


@pytest.fixture(autouse=True)
def jobs_run_immediately(settings, tmp_path):
    """Background jobs run inside the request in tests, and their files go to a temporary folder;
    the worker's own tests (dangjian/jobs/tests) switch to the database and RQ backends."""
    settings.TASKS_BACKEND = "immediate"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
