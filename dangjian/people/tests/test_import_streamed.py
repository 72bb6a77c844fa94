"""A committing import writes each chunk of rows as soon as it is checked (and lets it go), while
the next rows are still being read: all or nothing still holds, whatever chunk a problem is found in
and whichever way the commit is written (in one transaction, or staged under a hidden org)."""

import pytest

from dangjian.core import importing
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Org
from dangjian.people import importers
from dangjian.people.importers import STAGE_PREFIX, import_members
from dangjian.people.models import Member, MembershipPeriod, Person

from .factories import roster_rows, xlsx_bytes

ROWS = 23


@pytest.fixture(params=["never", "always"], ids=["one_transaction", "staged"])
def chunked(request, settings, monkeypatch):
    """Rows read, checked and written five at a time (the first chunk is the eight data rows read
    with the header), so a 23-row file has four chunks: Excel rows 3-10, 11-15, 16-20 and 21-25."""
    settings.IMPORT_STAGED_COMMIT = request.param
    monkeypatch.setattr(importing, "BLOCK", 5)
    monkeypatch.setattr(importers, "STAGE_CHUNK", 5)
    monkeypatch.setattr(importers, "REMOVE_CHUNK", 5)
    return request.param


def commit(org, data, **kwargs):
    return import_members(actor=SYSTEM, org=org, data=data, filename="花名册.xlsx", dry_run=False, **kwargs)


def nothing_written() -> bool:
    return (
        Person.objects.count() == Member.objects.count() == MembershipPeriod.objects.count() == 0
        and not Org.objects.filter(code__startswith=STAGE_PREFIX).exists()
    )


def spy_writes(monkeypatch) -> list[int]:
    """The size of each chunk handed to be written while the file is checked."""
    written: list[int] = []
    original = importers.MemberImporter.write_chunk

    def write_chunk(self, rows):
        written.append(len(rows))
        return original(self, rows)

    monkeypatch.setattr(importers.MemberImporter, "write_chunk", write_chunk)
    return written


@pytest.mark.django_db
def test_a_clean_file_is_written_chunk_by_chunk_and_counted_whole(chunked, branch, monkeypatch):
    written = spy_writes(monkeypatch)
    report = commit(branch, xlsx_bytes(roster_rows(ROWS)))
    assert report.committed, report.issues
    assert written == [8, 5, 5, 5]
    assert report.counts == {"rows": ROWS, "added": ROWS, "updated": 0, "unchanged": 0}
    assert report.rows == []  # the rows written were let go
    assert Member.objects.filter(org=branch).count() == ROWS
    assert MembershipPeriod.objects.filter(org=branch).count() == ROWS
    assert not Org.objects.filter(code__startswith=STAGE_PREFIX).exists()


@pytest.mark.django_db
def test_a_bad_row_in_the_last_chunk_leaves_the_database_as_it_was(chunked, branch, monkeypatch):
    written = spy_writes(monkeypatch)
    rows = roster_rows(ROWS)
    rows[21][5] = "410611199001011234"  # a wrong check digit, on Excel row 24
    report = commit(branch, xlsx_bytes(rows))
    assert written == [8, 5, 5]  # three chunks were written before the fourth was checked
    assert not report.ok and not report.committed
    assert [(i.row, i.column) for i in report.issues] == [(24, "公民身份号码")]
    assert report.counts["rows"] == ROWS - 1 and report.counts["added"] == ROWS - 1
    assert nothing_written()


@pytest.mark.django_db
def test_a_late_duplicate_of_a_row_already_written_names_that_row_and_writes_nothing(
    chunked, branch, monkeypatch
):
    written = spy_writes(monkeypatch)
    rows = roster_rows(ROWS)
    rows[20] = [21, rows[1][1], *rows[1][2:]]  # row 23 repeats row 4, written in the first chunk
    report = commit(branch, xlsx_bytes(rows))
    assert written == [8, 5, 5]
    assert [(i.row, i.code, i.message) for i in report.issues] == [
        (23, "duplicate_in_file", "与第4行身份证号重复")
    ]
    assert nothing_written()


@pytest.mark.django_db
def test_once_a_row_is_refused_nothing_more_is_written_and_every_later_row_is_still_checked(
    chunked, branch, monkeypatch
):
    written = spy_writes(monkeypatch)
    rows = roster_rows(ROWS)
    rows[10][2] = "未知"  # row 13, in the second chunk
    rows[19][2] = "未知"  # row 22, in the fourth
    report = commit(branch, xlsx_bytes(rows))
    assert written == [8]
    assert [i.row for i in report.issues] == [13, 22]
    assert nothing_written()


@pytest.mark.django_db
def test_a_write_that_fails_in_a_late_chunk_undoes_the_chunks_written_before_it(chunked, branch, monkeypatch):
    written = spy_writes(monkeypatch)
    original = importers.MemberImporter._insert_added

    def failing(self, values, *args, **kwargs):
        if len(written) == 4:
            raise importers.ValidationError("模拟写入失败", code="test")
        return original(self, values, *args, **kwargs)

    monkeypatch.setattr(importers.MemberImporter, "_insert_added", failing)
    with pytest.raises(importers.ValidationError):
        commit(branch, xlsx_bytes(roster_rows(ROWS)))
    assert written == [8, 5, 5, 5]
    assert nothing_written()


@pytest.mark.django_db
def test_a_failing_commit_after_every_chunk_was_written_leaves_the_database_as_it_was(
    chunked, branch, monkeypatch
):
    def failing_audit(**kwargs):
        raise RuntimeError("模拟提交失败")

    monkeypatch.setattr(importers, "log_action", failing_audit)
    with pytest.raises(RuntimeError):
        commit(branch, xlsx_bytes(roster_rows(ROWS)))
    assert nothing_written()


@pytest.mark.django_db
def test_reimporting_a_streamed_file_finds_every_row_unchanged(chunked, branch):
    data = xlsx_bytes(roster_rows(ROWS))
    assert commit(branch, data).committed
    again = commit(branch, data)
    assert again.committed
    assert again.counts == {"rows": ROWS, "added": 0, "updated": 0, "unchanged": ROWS}
    assert Person.objects.count() == ROWS
