"""A big roster commit does not hold SQLite's one write lock for the whole file: the new rows are
written first in short transactions, under a hidden org nobody's scope reaches, then moved onto the
branch in one short transaction; a failure anywhere leaves the database as it was."""

import pytest
from django.db import connection, connections

from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Org
from dangjian.people import importers
from dangjian.people.importers import STAGE_PREFIX, import_members, purge_stages, stage_code_for
from dangjian.people.models import Member, MembershipPeriod, Person
from dangjian.people.selectors import members_visible_to, persons_visible_to

from .factories import roster_rows, xlsx_bytes

ROWS = 23


@pytest.fixture
def staged(settings, monkeypatch):
    settings.IMPORT_STAGED_COMMIT = "always"  # the SQLite way on either database
    monkeypatch.setattr(importers, "STAGE_CHUNK", 5)
    monkeypatch.setattr(importers, "REMOVE_CHUNK", 5)


def commit(org, data, **kwargs):
    return import_members(actor=SYSTEM, org=org, data=data, filename="花名册.xlsx", dry_run=False, **kwargs)


@pytest.mark.django_db
def test_staged_rows_are_invisible_until_the_switch_and_removed_when_it_fails(
    staged, branch, admin_user, monkeypatch
):
    seen = {}

    def failing_switch(self, expected):
        stage = self._stage
        seen["staged"] = Person.objects.filter(org=stage).count()
        seen["members_seen_by_admin"] = members_visible_to(admin_user).count()
        seen["persons_seen_by_admin"] = persons_visible_to(admin_user, "members.view").count()
        raise importers.ValidationError("模拟切换失败", code="test")

    monkeypatch.setattr(importers.MemberImporter, "_switch_in", failing_switch)
    with pytest.raises(importers.ValidationError):
        commit(branch, xlsx_bytes(roster_rows(ROWS)))
    assert seen == {"staged": ROWS, "members_seen_by_admin": 0, "persons_seen_by_admin": 0}
    assert Person.objects.count() == Member.objects.count() == MembershipPeriod.objects.count() == 0
    assert not Org.objects.filter(code__startswith=STAGE_PREFIX).exists()


@pytest.mark.django_db
def test_a_staged_commit_puts_every_row_on_the_branch_and_leaves_no_stage(staged, branch):
    report = commit(branch, xlsx_bytes(roster_rows(ROWS)))
    assert report.committed and report.counts["added"] == ROWS
    assert Member.objects.filter(org=branch).count() == ROWS
    assert Person.objects.filter(org=branch).count() == ROWS
    assert MembershipPeriod.objects.filter(org=branch, ended_on__isnull=True).count() == ROWS
    assert not Org.objects.filter(code__startswith=STAGE_PREFIX).exists()


@pytest.mark.django_db
def test_a_retried_import_first_removes_what_its_killed_attempt_staged(staged, branch):
    data = xlsx_bytes(roster_rows(ROWS))
    code = stage_code_for(41, branch)
    killed = importers.MemberImporter(actor=SYSTEM, org=branch, stage_code=code)
    report = killed.parse(data, "花名册.xlsx")
    killed.stage(report.rows)  # the attempt dies here, before its commit
    assert Person.objects.filter(org__code=code).count() == ROWS
    assert commit(branch, data, stage_code=code).committed
    assert Person.objects.count() == Member.objects.filter(org=branch).count() == ROWS


@pytest.mark.django_db
def test_the_daily_purge_removes_stages_of_imports_that_are_over_and_keeps_running_ones(staged, branch):
    for n, job_id in enumerate((7, 8)):
        attempt = importers.MemberImporter(
            actor=SYSTEM, org=branch, stage_code=stage_code_for(job_id, branch)
        )
        attempt.stage(attempt.parse(xlsx_bytes(roster_rows(ROWS, start=n * ROWS)), "花名册.xlsx").rows)
    assert purge_stages(active_job_ids={8}) == 3 * ROWS  # persons, members and periods of job 7
    assert list(Org.objects.filter(code__startswith=STAGE_PREFIX).values_list("code", flat=True)) == [
        stage_code_for(8, branch)
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's single write lock")
def test_another_writer_saves_within_a_second_while_a_big_commit_runs(settings, monkeypatch, branch):
    from .factories import PersonFactory

    settings.IMPORT_STAGED_COMMIT = "auto"  # what a SQLite deployment runs
    monkeypatch.setattr(importers, "STAGE_CHUNK", 5)
    other = PersonFactory(org=branch, name="别的用户")
    results: list[str] = []

    def another_user_saves(done, total):
        # The bar's second half is the commit. Whenever the import is between two of its own
        # transactions, another user's one-row save must go through within a second; a commit that
        # held the lock for the whole file would never be between two, and nobody would have saved.
        if done <= total // 2 or connection.in_atomic_block:
            return
        conn = connections.create_connection("default")
        try:
            conn.ensure_connection()
            conn.connection.execute("PRAGMA busy_timeout = 1000")
            with conn.cursor() as cursor:
                cursor.execute(
                    "UPDATE people_person SET address = %s WHERE id = %s", [f"第{done}步", other.pk]
                )
            conn.commit()
            results.append("ok")
        except Exception as exc:  # noqa: BLE001 — what the other user would see
            results.append(str(exc))
        finally:
            conn.close()

    assert commit(branch, xlsx_bytes(roster_rows(ROWS)), progress=another_user_saves).committed
    assert results and set(results) == {"ok"}, results
    assert Member.objects.filter(org=branch).count() == ROWS


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's write-ahead log")
def test_a_staged_commit_checkpoints_the_log_once_at_its_end_and_puts_the_settings_back(staged, branch):
    def pragma(name: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name}")
            return int(cursor.fetchone()[0])

    before = {name: pragma(name) for name in ("wal_autocheckpoint", "cache_size")}
    during: list[int] = []
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = commit(
            branch,
            xlsx_bytes(roster_rows(ROWS)),
            progress=lambda *_: during.append(pragma("wal_autocheckpoint")),
        )
    assert report.committed
    assert during and set(during) == {0}  # no checkpoint after each chunk's commit
    checkpoints = [i for i, sql in enumerate(statements) if "wal_checkpoint" in sql]
    writes = [i for i, sql in enumerate(statements) if sql.startswith(("INSERT", "UPDATE"))]
    assert len(checkpoints) == 1 and checkpoints[0] > max(writes)
    assert {name: pragma(name) for name in before} == before
