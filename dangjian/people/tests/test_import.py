"""The roster import, one error case at a time, on files shaped like the ones branches keep."""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import Org
from dangjian.people.models import Member, MembershipPeriod, Person

from .factories import (
    HEADER,
    MemberFactory,
    PersonFactory,
    atomic_import,
    csv_bytes,
    fresh_id,
    ods_bytes,
    roster_rows,
    xls_bytes,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db
SAMPLE = Path("/work/shared/samples/roster-sample.xlsx")
if not SAMPLE.exists():  # CI lays shared/ beside the clone
    SAMPLE = Path(__file__).resolve().parents[4] / "shared" / "samples" / "roster-sample.xlsx"


def run(org, data, filename="花名册.xlsx", dry_run=True, actor=SYSTEM):
    return atomic_import(actor=actor, org=org, data=data, filename=filename, dry_run=dry_run)


def codes(report) -> set[tuple[int, str]]:
    return {(i.row, i.code) for i in report.issues}


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared sample not available")
def test_the_sample_roster_reports_exactly_its_three_bad_rows(branch):
    report = run(branch, SAMPLE.read_bytes(), "roster-sample.xlsx")
    assert {r.number for r in report.bad_rows} == {7, 14, 23}
    assert (7, "checksum") in codes(report)
    assert (14, "required") in codes(report)
    assert (23, "duplicate_in_file") in codes(report)
    assert report.counts["added"] == 27
    assert Person.objects.count() == 0


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared sample not available")
def test_the_sample_roster_is_not_committed_while_it_has_errors(branch):
    report = run(branch, SAMPLE.read_bytes(), "roster-sample.xlsx", dry_run=False)
    assert not report.committed
    assert Member.objects.count() == 0


def test_a_clean_file_is_committed_with_one_audit_entry_and_history(branch):
    before = AuditEntry.objects.count()
    report = run(branch, xlsx_bytes(roster_rows(12)), dry_run=False)
    assert report.ok and report.committed
    assert report.counts == {"rows": 12, "added": 12, "updated": 0, "unchanged": 0}
    assert Member.objects.filter(org=branch).count() == 12
    assert MembershipPeriod.objects.filter(org=branch).count() == 12
    assert AuditEntry.objects.count() == before + 1
    person = Person.objects.order_by("pk").first()
    assert person.name_initials and person.birth_date and person.sex


def test_importing_the_same_file_again_changes_nothing(branch):
    data = xlsx_bytes(roster_rows(8))
    run(branch, data, dry_run=False)
    stamps = list(Member.objects.order_by("pk").values_list("updated_at", flat=True))
    report = run(branch, data, dry_run=False)
    assert report.counts == {"rows": 8, "added": 0, "updated": 0, "unchanged": 8}
    assert list(Member.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert Person.objects.count() == 8


def test_a_changed_phone_is_an_update_not_an_addition(branch):
    rows = roster_rows(3)
    run(branch, xlsx_bytes(rows), dry_run=False)
    rows[1][10] = "13800000000"
    report = run(branch, xlsx_bytes(rows), dry_run=False)
    assert report.counts["updated"] == 1 and report.counts["added"] == 0
    assert Person.objects.filter(name=rows[1][1]).get().phone == "13800000000"


def test_dry_run_writes_nothing(branch):
    report = run(branch, xlsx_bytes(roster_rows(5)))
    assert report.ok and report.counts["added"] == 5
    assert Person.objects.count() == 0


def test_bad_check_character_is_reported_by_row_and_column(branch):
    rows = roster_rows(3)
    rows[1][5] = rows[1][5][:17] + ("0" if rows[1][5][17] != "0" else "1")
    issue = run(branch, xlsx_bytes(rows)).issues[0]
    assert (issue.row, issue.column, issue.code) == (4, "公民身份号码", "checksum")
    assert issue.message == "身份证号校验位错误"


def test_impossible_birth_date_in_the_id_is_refused(branch):
    rows = roster_rows(1)
    first17 = "41061119870230" + "123"
    from dangjian.core.idcard import check_char

    rows[0][5] = first17 + check_char(first17)
    assert (3, "birthdate") in codes(run(branch, xlsx_bytes(rows)))


def test_id_stored_as_a_number_is_refused(branch):
    rows = roster_rows(2)
    rows[0][5] = float(rows[0][5][:17])
    report = run(branch, xlsx_bytes(rows))
    assert (3, "numeric_cell") in codes(report)
    assert "Excel存成了数字" in report.issues[0].message


def test_fifteen_digit_id_is_refused(branch):
    rows = roster_rows(1)
    rows[0][5] = "410611580313000"
    assert (3, "length15") in codes(run(branch, xlsx_bytes(rows)))


def test_duplicate_inside_the_file_names_the_first_row(branch):
    rows = roster_rows(4)
    rows[3][1:6] = rows[0][1:6]
    report = run(branch, xlsx_bytes(rows))
    assert codes(report) == {(6, "duplicate_in_file")}
    assert "与第3行身份证号重复" in report.issues[0].message


def test_a_row_refused_only_by_the_checks_across_rows_keeps_its_cells_for_the_error_report(branch):
    rows = roster_rows(4)
    rows[3][1:6] = rows[0][1:6]
    report = run(branch, xlsx_bytes(rows))
    (bad,) = report.bad_rows
    assert bad.number == 6 and bad.raw[1] == rows[3][1] and bad.raw[5] == rows[3][5]
    assert all(row.raw is None for row in report.rows if not row.issues)


def test_rows_across_a_block_boundary_keep_their_excel_numbers_and_checks(branch, monkeypatch):
    from dangjian.core import importing

    monkeypatch.setattr(importing, "BLOCK", 3)
    rows = roster_rows(8)
    rows[4][5] = rows[4][5][:-1] + ("0" if rows[4][5][-1] != "0" else "1")  # a wrong check character
    rows[6] = [None] * len(rows[6])  # an empty row is skipped
    rows[7][1:6] = rows[0][1:6]
    report = run(branch, xlsx_bytes(rows))
    assert [r.number for r in report.rows] == [3, 4, 5, 6, 7, 8, 10]
    assert codes(report) == {(7, "checksum"), (10, "duplicate_in_file")}


def test_member_on_another_branchs_roll_is_refused(branch, other_branch):
    member = MemberFactory(org=other_branch)
    rows = roster_rows(1)
    rows[0][1], rows[0][5] = member.person.name, member.person.id_number
    rows[0][2] = member.person.sex
    rows[0][4] = f"{member.person.birth_date:%Y.%m}"
    assert (3, "other_branch") in codes(run(branch, xlsx_bytes(rows)))


def test_name_differing_from_the_same_id_on_file_is_refused(branch):
    person = PersonFactory(org=branch, name="王凤侠", id_number=fresh_id(date(1970, 5, 5), "女"))
    rows = roster_rows(1)
    rows[0][1], rows[0][2], rows[0][4], rows[0][5] = "王凤霞", "女", "1970.05", person.id_number
    assert (3, "name_differs") in codes(run(branch, xlsx_bytes(rows)))


def test_a_resident_on_file_is_enrolled_not_duplicated(branch):
    person = PersonFactory(org=branch, name="王凤侠", id_number=fresh_id(date(1970, 5, 5), "女"))
    rows = roster_rows(1)
    rows[0][1:9] = ["王凤侠", "女", "汉族", "1970.05", person.id_number, "大专", "1995.07", "1996.07"]
    report = run(branch, xlsx_bytes(rows), dry_run=False)
    assert report.ok, report.issues
    assert report.counts["added"] == 1
    assert Person.objects.count() == 1
    assert Member.objects.get().person_id == person.pk


def test_missing_required_column_is_a_file_problem(branch):
    header = [h for h in HEADER if h != "公民身份号码"]
    rows = [r[:5] + r[6:] for r in roster_rows(2)]
    report = run(branch, xlsx_bytes(rows, header=header))
    assert [(i.code, i.column) for i in report.issues] == [("missing_column", "公民身份号码")]


def test_sex_contradicting_the_id_is_reported(branch):
    rows = roster_rows(1)
    rows[0][2] = "男" if rows[0][2] == "女" else "女"
    assert (3, "sex_mismatch") in codes(run(branch, xlsx_bytes(rows)))


def test_full_width_digits_trailing_spaces_and_lower_case_x_are_accepted(branch):
    rows = roster_rows(6)
    for row in rows:
        row[5] = row[5].translate(str.maketrans("0123456789X", "０１２３４５６７８９x")) + "  "
        row[1] = " " + row[1] + "　"
    report = run(branch, xlsx_bytes(rows), dry_run=False)
    assert report.ok, report.issues
    names = set(Person.objects.values_list("name", flat=True))
    assert names == {r[1].strip().strip("　") for r in rows}


def test_dates_written_every_way_are_read(branch):
    rows = roster_rows(5)
    ways = ["2010.03", "2010年3月", "2010-03-01", date(2010, 3, 1), "2010/3/1"]
    for row, way in zip(rows, ways, strict=True):
        row[7], row[8] = way, ""
        row[4] = None
    run(branch, xlsx_bytes(rows), dry_run=False)
    assert set(Member.objects.values_list("joined_on", flat=True)) == {date(2010, 3, 1)}


def test_merged_two_row_header_is_understood(branch):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["甲村党支部党员花名册"])
    sheet.append(["序号", "姓名", "性别", "公民身份号码", "党员时间", None, "联系电话"])
    sheet.append([None, None, None, None, "入党时间", "转正时间", None])
    for col in (1, 2, 3, 4, 7):
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    sheet.merge_cells(start_row=2, start_column=5, end_row=2, end_column=6)
    for r in roster_rows(3):
        sheet.append([r[0], r[1], r[2], r[5], r[7], r[8], r[10]])
    out = io.BytesIO()
    book.save(out)
    report = run(branch, out.getvalue(), dry_run=False)
    assert report.ok, report.issues
    assert report.header_row == 3
    assert Member.objects.filter(joined_on__isnull=False, full_on__isnull=False).count() == 3


def test_gbk_csv_is_read(branch):
    report = run(branch, csv_bytes(roster_rows(4), encoding="gbk"), "花名册.csv", dry_run=False)
    assert report.ok, report.issues
    assert Member.objects.count() == 4


def test_utf8_csv_is_read(branch):
    assert run(branch, csv_bytes(roster_rows(4)), "花名册.csv").counts["added"] == 4


def test_old_xls_is_read(branch):
    report = run(branch, xls_bytes(roster_rows(4)), "花名册.xls", dry_run=False)
    assert report.ok, report.issues
    assert Member.objects.count() == 4


def test_ods_is_read(branch):
    report = run(branch, ods_bytes(roster_rows(3)), "花名册.ods", dry_run=False)
    assert report.ok, report.issues
    assert Member.objects.count() == 3


def test_numeric_id_cell_in_an_old_xls_is_refused(branch):
    rows = roster_rows(2)
    rows[1][5] = float(rows[1][5][:15])
    assert (4, "numeric_cell") in codes(run(branch, xls_bytes(rows), "花名册.xls"))


def test_macro_enabled_workbook_is_refused(branch):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/vbaProject.bin", b"\0" * 10)
    assert codes(run(branch, data.getvalue())) == {(0, "macro")}
    assert codes(run(branch, b"x", "花名册.xlsm")) == {(0, "macro")}


def test_zip_bomb_is_refused(branch):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert codes(run(branch, data.getvalue())) == {(0, "zip_bomb")}


def test_xml_with_entity_declarations_is_refused(branch):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("[Content_Types].xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><Types>&a;</Types>')
    assert codes(run(branch, data.getvalue())) == {(0, "unsafe_xml")}


def test_file_over_the_size_limit_is_refused(branch, settings):
    settings.IMPORT_MAX_BYTES = 100
    assert codes(run(branch, xlsx_bytes(roster_rows(3)))) == {(0, "too_large")}


def test_secretary_cannot_import_into_another_branch(secretary, other_branch):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        run(other_branch, xlsx_bytes(roster_rows(1)), actor=secretary)


def test_command_exits_zero_only_for_a_clean_file(branch, tmp_path, capsys):
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(xlsx_bytes(roster_rows(3)))
    call_command("import_members", str(clean), "--org", "T-A", "--dry-run", "--no-progress")
    assert Member.objects.count() == 0
    call_command("import_members", str(clean), "--org", "T-A", "--no-progress")
    assert Member.objects.count() == 3
    rows = roster_rows(2)
    rows[0][5] = "410611580313000"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes(rows))
    with pytest.raises(SystemExit) as exc:
        call_command("import_members", str(bad), "--org", "T-A", "--no-progress")
    assert exc.value.code == 1
    assert "第3行「公民身份号码」：15位旧身份证号需先转换为18位" in capsys.readouterr().out
    assert Org.objects.get(code="T-A").members.count() == 3


def test_the_command_says_where_its_time_went_when_asked_for_detail(branch, tmp_path, capsys):
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(xlsx_bytes(roster_rows(3)))
    call_command("import_members", str(clean), "--org", "T-A", "--no-progress", verbosity=2)
    out = capsys.readouterr().out
    for phase in ("读取表格", "逐格清洗与逐行检查", "跨行与数据库检查", "提交"):
        assert f"用时：{phase} " in out
    call_command("import_members", str(clean), "--org", "T-A", "--no-progress")
    assert "用时" not in capsys.readouterr().out


def test_joining_before_eighteen_is_refused_but_the_month_of_the_birthday_is_not(branch):
    rows = roster_rows(2)
    for row, joined in zip(rows, ["-17", "-18"], strict=True):
        birth = date(1980, 6, 20)
        row[2], row[4], row[5] = "男", "1980.06", fresh_id(birth, "男")
        row[7], row[8] = f"{1980 - int(joined)}.06", ""
    assert codes(run(branch, xlsx_bytes(rows))) == {(3, "too_young")}


def test_imported_rows_get_keys_no_deleted_person_ever_had_and_their_periods_follow(branch):
    gone = PersonFactory(org=branch)
    gone_pk = gone.pk
    gone.delete()
    run(branch, xlsx_bytes(roster_rows(3)), dry_run=False)
    assert min(Person.objects.values_list("pk", flat=True)) > gone_pk
    for member in Member.objects.filter(org=branch).select_related("person"):
        period = MembershipPeriod.objects.get(member=member)
        assert period.started_on == (member.joined_on or period.started_on) and period.org_id == branch.pk
    # Later rows created the ordinary way take keys after the import's.
    assert PersonFactory(org=branch).pk > max(Member.objects.values_list("person_id", flat=True))


def test_a_committed_import_marks_the_branchs_member_figures_in_its_own_transaction(branch):
    from dangjian.core.models import FigureDirty

    FigureDirty.objects.all().delete()
    run(branch, xlsx_bytes(roster_rows(2)), dry_run=False)
    assert FigureDirty.objects.filter(model="people.membershipperiod", path=branch.path).exists()
