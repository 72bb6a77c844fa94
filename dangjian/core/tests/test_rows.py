"""core.rows.insert_row stores what Model.objects.create would: each field's own preparation
(encryption, JSON, time zone) on both databases."""

import pytest
from django.db import transaction
from django.utils import timezone

from dangjian.core.models import AuditEntry
from dangjian.core.rows import insert_row

pytestmark = pytest.mark.django_db


def test_an_inserted_row_reads_back_as_the_orm_wrote_it(admin_user):
    at = timezone.now()
    values = {
        "at": at,
        "actor": admin_user.pk,
        "actor_name": "管理员",
        "action": "core.test",
        "object_type": "",
        "object_id": "7",
        "org_path": "0001",
        "data": {"名单": [1, 2], "ok": True},
        "ip": "127.0.0.1",
        "prev_hash": "0" * 64,
        "hash": "a" * 64,
    }
    with transaction.atomic():
        pk = insert_row(AuditEntry, values)
    row = AuditEntry.objects.get(pk=pk)
    assert row.at == at and timezone.is_aware(row.at)
    assert (row.actor_id, row.data, row.ip, row.hash) == (
        admin_user.pk,
        {"名单": [1, 2], "ok": True},
        "127.0.0.1",
        "a" * 64,
    )


def test_only_concrete_fields_are_taken():
    from dangjian.payouts.models import Payment

    with pytest.raises(ValueError), transaction.atomic():
        insert_row(Payment, {"reversal": None})  # the reverse side of a one-to-one: no column here


def test_a_row_read_by_hand_loads_as_the_orm_loads_it_and_defers_the_rest(admin_user):
    from django.db import connection

    from dangjian.core.rows import instance_from_row

    with transaction.atomic():
        pk = insert_row(
            AuditEntry,
            {
                "at": timezone.now(),
                "action": "core.test",
                "data": {"名单": [1]},
                "prev_hash": "0",
                "hash": "b" * 64,
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, at, data FROM core_auditentry WHERE id = %s", [pk])
        row = cursor.fetchone()
    entry = instance_from_row(AuditEntry, ["id", "at", "data"], row)
    stored = AuditEntry.objects.get(pk=pk)
    assert (entry.pk, entry.at, entry.data) == (stored.pk, stored.at, {"名单": [1]})
    assert timezone.is_aware(entry.at)
    assert entry.get_deferred_fields() >= {"hash", "action"} and entry.hash == "b" * 64  # loaded when asked


def test_a_refused_statement_raises_djangos_error_and_the_statement_still_runs_after_it(admin_user):
    from django.db import IntegrityError

    from dangjian.core.rows import fetch

    sql = "INSERT INTO core_auditentry (at, actor_name, action, object_type, object_id, org_path, data, prev_hash, hash) VALUES (%s, '', 'core.test', '', '', '', '{}', '0', %s) RETURNING id"  # noqa: E501
    with transaction.atomic():
        first = fetch(sql, [timezone.now(), "e" * 64])
    # The first time a new statement runs on this connection it is refused, inside a transaction
    # that is rolled back; then the same statement runs again.
    other = sql.replace("'core.test'", "'core.test2'")
    with pytest.raises(IntegrityError), transaction.atomic():
        fetch(other, [timezone.now(), "e" * 64])
    for n in range(3):
        with transaction.atomic():
            assert fetch(other, [timezone.now(), f"{n}" * 64])[0][0] > first[0][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        fetch(other, [timezone.now(), "1" * 64])
    assert AuditEntry.objects.filter(action="core.test2").count() == 3


def _prepared_here() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_a_statement_is_prepared_once_per_session_and_outlives_a_rolled_back_transaction():
    from django.db import connection

    from dangjian.core.rows import fetch

    if connection.vendor != "postgresql":
        pytest.skip("statements are prepared on PostgreSQL only")
    sql = "SELECT %s::int + 1, '100%%'"
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert fetch(sql, [1]) == [(2, "100%")]
        raise ZeroDivisionError  # the transaction that prepared it is rolled back
    prepared = _prepared_here()
    assert len([n for n in prepared if n.startswith("dj_")]) >= 1
    for n in range(3):
        with transaction.atomic():
            assert fetch(sql, [n]) == [(n + 1, "100%")]
    assert _prepared_here() == prepared  # executed, not prepared again


def test_a_session_another_process_prepared_on_is_asked_what_it_holds():
    """A session inherited through fork() may hold statements this process never prepared: they are
    read from the server rather than prepared twice (which PostgreSQL refuses)."""
    from django.db import connection

    from dangjian.core import rows

    if connection.vendor != "postgresql":
        pytest.skip("statements are prepared on PostgreSQL only")
    sql = "SELECT %s::text || 'x'"
    assert rows.fetch(sql, ["a"]) == [("ax",)]
    pid, held = rows._SESSIONS[connection.connection]
    rows._SESSIONS[connection.connection] = pid + 1, set()  # as the forked process finds it
    assert rows.fetch(sql, ["b"]) == [("bx",)]
    assert rows._SESSIONS[connection.connection][1] >= held
