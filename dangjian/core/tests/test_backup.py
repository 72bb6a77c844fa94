"""A backup restores into an empty database with the same records and an audit chain that verifies.

The backup reads committed data (pg_dump is another process; SQLite's online backup cannot copy a
connection's own open transaction), so the round trip is a transactional test; the restore and the
checks on the copy run as an operator would run them, as commands against the copy's DATABASE_URL.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dangjian.core import backup as backup_mod
from dangjian.core.backup import BackupError, decrypt_stream, encrypt_stream, iter_counts
from dangjian.core.checkpoints import write_checkpoint
from dangjian.core.models import AuditEntry
from dangjian.people.tests.factories import MemberFactory, PersonFactory

KEY = "nR8Cq1wB2u2B0Q7dEJ1T2fKZpjWgYq3o0i6sVhVqk1c="
OTHER_KEY = "1Vh1m8Z7uYz8T8X2mFq7cQ3qQ2dYb7yJkq0wJ6u8pQY="


def _manage(*args: str, database_url: str, expect_ok: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DANGJIAN_AUDIT_CHECKPOINT_FILE": str(settings.AUDIT_CHECKPOINT_FILE),
        "DANGJIAN_BACKUP_KEY": settings.BACKUP_KEY,
    }
    env.pop("DANGJIAN_TEST_DB", None)
    proc = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if expect_ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _counts(database_url: str) -> dict[str, int]:
    script = (
        "import json; from dangjian.core.backup import iter_counts; print(json.dumps(dict(iter_counts())))"
    )
    return json.loads(
        _manage("shell", "-c", script, database_url=database_url).stdout.strip().splitlines()[-1]
    )


@pytest.fixture
def empty_database(tmp_path):
    """A URL of a new, empty database beside the test one: another file, or another PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    sd = connection.settings_dict
    name = f"{sd['NAME']}_restore"[:63]
    params = {"host": sd["HOST"] or None, "port": sd["PORT"] or None, "user": sd["USER"] or None}
    params["password"] = sd["PASSWORD"] or None
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd["PASSWORD"] else "")
    yield f"postgres://{auth}@{sd['HOST'] or 'localhost'}:{sd['PORT'] or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_into_an_empty_database_with_the_same_records_and_a_valid_chain(
    admin_user, secretary, branch, other_branch, tmp_path, empty_database
):
    for org in (branch, other_branch):
        MemberFactory.create_batch(3, org=org)
    PersonFactory(org=branch)
    write_checkpoint()
    before = dict(iter_counts())
    head = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    archive = tmp_path / "dangjian.backup"

    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())

    backed = AuditEntry.objects.order_by("-id").first()
    assert (backed.action, backed.actor_id, backed.actor_name) == ("core.backup", None, "系统")
    assert backed.data["audit_last_id"] == head[0]
    assert b"Person" not in archive.read_bytes() and b"CREATE TABLE" not in archive.read_bytes()

    out = _manage("restore", str(archive), database_url=empty_database).stdout
    assert "已恢复" in out

    after = _counts(empty_database)
    assert before["people.Person"] == 7 and before["people.Member"] == 6
    # The same rows in every table; the audit log has one entry more: the restore's own.
    assert {k: v for k, v in after.items() if k != "core.AuditEntry"} == {
        k: v for k, v in before.items() if k != "core.AuditEntry"
    }
    assert after["core.AuditEntry"] == before["core.AuditEntry"] + 1
    verified = _manage("verify_audit", database_url=empty_database).stdout
    assert "审计日志完整" in verified
    script = (
        "from dangjian.core.models import AuditEntry as A; e = A.objects.order_by('-id').first(); "
        "print(e.action, e.actor_name, e.prev_hash)"
    )
    last = _manage("shell", "-c", script, database_url=empty_database).stdout.splitlines()[-1].split()
    assert last == ["core.restore", "系统", head[1]]

    # A second restore finds the data of the first and refuses, changing nothing.
    again = _manage("restore", str(archive), database_url=empty_database, expect_ok=False)
    assert again.returncode != 0 and "已有数据" in again.stderr
    assert _counts(empty_database) == after


def test_backup_is_refused_without_a_key(settings, tmp_path):
    settings.BACKUP_KEY = ""
    with pytest.raises(CommandError, match="DANGJIAN_BACKUP_KEY"):
        call_command("backup", str(tmp_path / "x.backup"))
    assert not (tmp_path / "x.backup").exists()


def test_restore_is_refused_into_a_database_that_holds_data(admin_user, tmp_path, settings):
    archive = tmp_path / "a.backup"
    with archive.open("wb") as dst:
        encrypt_stream(io.BytesIO(b"x"), dst, key=settings.BACKUP_KEY, header={"vendor": connection.vendor})
    entries = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="已有数据"):
        call_command("restore", str(archive))
    assert AuditEntry.objects.count() == entries


def test_restore_is_refused_for_another_databases_kind_of_backup(db, tmp_path, settings):
    archive = tmp_path / "a.backup"
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with archive.open("wb") as dst:
        encrypt_stream(io.BytesIO(b"x"), dst, key=settings.BACKUP_KEY, header={"vendor": other})
    with pytest.raises(CommandError, match="不能恢复到"):
        call_command("restore", str(archive))


def _seal(data: bytes, key: str = KEY) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, key=key, header={"vendor": "sqlite"})
    return out.getvalue()


def _open(sealed: bytes, key: str = KEY) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(sealed), out, key=key)
    return out.getvalue()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(backup_mod, "CHUNK", 16)


@pytest.mark.parametrize("size", [0, 1, 16, 17, 100])
def test_the_archive_round_trips_in_chunks(small_chunks, size):
    data = os.urandom(size)
    assert _open(_seal(data)) == data


def test_a_changed_byte_is_refused(small_chunks):
    sealed = bytearray(_seal(b"a" * 100))
    sealed[-20] ^= 1
    with pytest.raises(BackupError, match="损坏或被改动"):
        _open(bytes(sealed))


def test_a_truncated_archive_is_refused_even_at_a_chunk_boundary(small_chunks):
    sealed = _seal(b"a" * 100)
    chunk = 1 + 4 + 16 + 16  # flag, length, 16 bytes, tag
    with pytest.raises(BackupError):
        _open(sealed[: len(sealed) - (1 + 4 + 4 + 16)])  # the last (4-byte) chunk cut off
    with pytest.raises(BackupError):
        _open(sealed[:-chunk])


def test_an_edited_header_is_refused(small_chunks):
    sealed = _seal(b"a" * 40)
    with pytest.raises(BackupError):
        _open(sealed.replace(b'"sqlite"', b'"sqlitf"'))


def test_the_wrong_key_says_so():
    with pytest.raises(BackupError, match="不是用当前的"):
        _open(_seal(b"data"), key=OTHER_KEY)
