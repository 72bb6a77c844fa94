"""Backends for the worker's tests: the database backend always; RQ against the Redis on 127.0.0.1.

``.ci/run`` starts Redis and sets ``REQUIRE_REDIS=1``: there an unreachable Redis fails the RQ tests
instead of skipping them, so CI can never pass without having run them.
"""

import os
import zlib

import pytest

REDIS_URL = os.environ.get("DANGJIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _redis_db() -> int:
    # Parallel test runs (several worktrees) share one Redis: each checkout gets its own database.
    return 1 + zlib.crc32(os.environ.get("DANGJIAN_TEST_DB", os.getcwd()).encode()) % 15


def use_backend(settings, name: str) -> None:
    settings.TASKS_BACKEND = name
    if name == "db":
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    elif name == "rq":
        settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
        settings.RQ_QUEUES = {"default": {"URL": f"{REDIS_URL}/{_redis_db()}", "DEFAULT_TIMEOUT": 600}}


@pytest.fixture
def redis_queue(settings):
    """RQ as the backend, on an emptied queue; skipped without Redis unless REQUIRE_REDIS is set."""
    import redis

    use_backend(settings, "rq")
    try:
        redis.Redis.from_url(settings.RQ_QUEUES["default"]["URL"], socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"Redis at {REDIS_URL} is not reachable and REQUIRE_REDIS is set")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    import django_rq

    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def _audit_triggers(drop: bool) -> None:
    import importlib

    from django.db import connection

    triggers = importlib.import_module("dangjian.core.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            names, statements = ["core_auditentry_no_update", "core_auditentry_no_delete"], triggers.SQLITE
        else:
            names = [
                "core_auditentry_no_change ON core_auditentry",
                "core_auditentry_no_truncate ON core_auditentry",
            ]
            statements = triggers.POSTGRES
        for name in names:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if drop:
            cursor.execute("DELETE FROM core_auditentry")
        else:
            for sql in statements:
                cursor.execute(sql)


@pytest.fixture
def _audit_triggers_restored(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _audit_triggers(drop=False)


@pytest.fixture
def committed_db(_audit_triggers_restored, transactional_db):
    """A database whose writes really commit (a worker in another process must see them).

    The audit log refuses DELETE and TRUNCATE, so the flush after a transactional test would fail:
    its triggers are lifted just before the flush and put back just after it.
    """
    yield
    _audit_triggers(drop=True)
