"""Spreadsheets are read as a stream under caps on rows, columns and cell size, named in Chinese."""

import io
import tracemalloc
import zipfile
from datetime import date, datetime

import pytest
import xlsxwriter

from dangjian.core.importing import ImportColumn, Importer, read_table
from dangjian.core.sheets import Caps, SheetRejected, iter_rows


class TwoColumns(Importer):
    columns = [ImportColumn("name", "姓名", required=True), ImportColumn("unit", "工作单位")]

    def commit(self, rows):
        return {"rows": len(rows)}


@pytest.fixture
def small_caps(settings):
    settings.IMPORT_MAX_ROWS = 100
    settings.IMPORT_MAX_COLUMNS = 10
    settings.IMPORT_MAX_CELL_CHARS = 50


def xlsx(rows, **cells) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    for ref, value in cells.items():
        sheet.write(ref, value)
    book.close()
    return out.getvalue()


def issue(data: bytes, name: str):
    report = TwoColumns().parse(data, name)
    assert not report.ok and report.file_issues, "the file should be refused as a whole"
    return report.file_issues[0]


def roster(n: int) -> list[list[str]]:
    return [["姓名", "工作单位"]] + [[f"党员{i}", "村委会"] for i in range(n)]


def test_an_xlsx_over_the_row_cap_is_refused_naming_the_cap(small_caps):
    found = issue(xlsx(roster(150)), "a.xlsx")
    assert found.code == "too_many_rows" and "100行" in found.message


def test_an_xlsx_within_the_caps_imports(small_caps):
    report = TwoColumns().run(xlsx(roster(90)), "a.xlsx", dry_run=True)
    assert report.ok and len(report.rows) == 90


def test_an_xlsx_cell_far_out_is_refused_before_anything_is_built(small_caps):
    # One cell at XFD1048576: a reader that builds the dense grid allocates 17 billion cells.
    found = issue(xlsx(roster(3), XFD1048576="x"), "sparse.xlsx")
    assert found.code in ("too_many_rows", "too_many_columns")


def test_an_xlsx_with_too_many_columns_is_refused_naming_the_cap(small_caps):
    found = issue(
        xlsx([["姓名", "工作单位"] + [f"列{i}" for i in range(20)], ["王芳", "村委会"]]), "wide.xlsx"
    )
    assert found.code == "too_many_columns" and "10列" in found.message and "第1行" in found.message


def test_an_overlong_cell_is_refused_naming_the_cap_and_the_cell(small_caps):
    found = issue(xlsx([*roster(2), ["王芳", "长" * 60]]), "long.xlsx")
    assert found.code == "cell_too_long" and "50个字" in found.message and "第4行第2列" in found.message


def test_an_overlong_shared_string_is_refused_when_a_cell_uses_it(small_caps):
    data = xlsx([*roster(1), ["李明", "单" * 400]])
    found = issue(data, "shared.xlsx")
    assert found.code == "cell_too_long"


def test_a_csv_of_many_short_rows_is_refused_at_the_cap_with_flat_memory(settings):
    settings.IMPORT_MAX_ROWS = 50_000
    data = "姓名,工作单位\n".encode() + b"a,b\n" * 3_300_000  # ~13 MB, 3.3 million rows
    tracemalloc.start()
    try:
        found = issue(data, "many.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.code == "too_many_rows" and "50000行" in found.message
    assert peak < 150 * 1024 * 1024, f"peak {peak // 1024 // 1024} MB"


def test_a_csv_cell_over_the_cap_is_refused(small_caps):
    data = ("姓名,工作单位\n王芳," + "长" * 200 + "\n").encode()
    found = issue(data, "long.csv")
    assert found.code == "cell_too_long" and "50个字" in found.message


def test_a_csv_giant_field_is_refused_without_being_built(small_caps):
    data = b'\xe5\xa7\x93\xe5\x90\x8d,x\n"' + b"a" * 5_000_000 + b'"\n'
    assert issue(data, "giant.csv").code == "cell_too_long"


def _ods(rows_xml: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{rows_xml}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    return out.getvalue()


def _ods_row(*cells: str, repeat: int = 1) -> str:
    inner = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in cells
    )
    attr = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attr}>{inner or '<table:table-cell/>'}</table:table-row>"


def test_an_ods_row_repeated_a_million_times_is_refused(small_caps):
    data = _ods(_ods_row("姓名", "工作单位") + _ods_row("王芳", "村委会", repeat=1_000_000))
    assert issue(data, "bomb.ods").code == "too_many_rows"


def test_an_ods_with_a_million_trailing_empty_rows_reads_its_data(small_caps):
    data = _ods(_ods_row("姓名", "工作单位") + _ods_row("王芳", "村委会") + _ods_row(repeat=1_048_000))
    report = TwoColumns().run(data, "tail.ods", dry_run=True)
    assert report.ok and [r.values["name"] for r in report.rows] == ["王芳"]


def test_an_ods_cell_repeated_across_the_sheet_is_refused(small_caps):
    cell = '<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell>'
    data = _ods(_ods_row("姓名", "工作单位") + f"<table:table-row>{cell}</table:table-row>")
    assert issue(data, "wide.ods").code == "too_many_columns"


def test_the_streaming_xlsx_reader_reads_what_calamine_reads(settings, monkeypatch):
    from python_calamine import CalamineWorkbook

    from dangjian.core import sheets

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    cn = book.add_format({"num_format": 'yyyy"年"m"月"'})
    sheet.write(0, 1, "某支部花名册")
    sheet.write_row(2, 0, ["姓名", "身份证号", "入党时间", "转正时间", "党龄", "在岗"])
    sheet.write_row(3, 0, ["王芳", "110101199003078515"])
    sheet.write_datetime(3, 2, datetime(1985, 3, 1), day)
    sheet.write_datetime(3, 3, datetime(1986, 3, 1, 12, 30), cn)
    sheet.write_number(3, 4, 38)
    sheet.write_boolean(3, 5, True)
    sheet.write_number(5, 2, 1.5)
    sheet.write_rich_string(6, 0, "张", book.add_format({"bold": True}), "三")
    book.close()
    data = out.getvalue()
    through_calamine = list(iter_rows(data, ".xlsx"))
    monkeypatch.setattr(sheets, "_calamine_can_read", lambda *args: None)
    ours = [[c for c in row] for row in iter_rows(data, ".xlsx")]
    theirs = [
        list(r) for r in CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).iter_rows()
    ]

    def squeeze(rows):
        return [[None if c == "" else c for c in row] + [None] * (8 - len(row)) for row in rows]

    assert squeeze(ours) == squeeze(theirs)
    assert ours[3][2] == date(1985, 3, 1) and ours[3][3] == datetime(1986, 3, 1, 12, 30)
    assert ours[6][0] == "张三"
    assert through_calamine == ours  # the same rows, the same Nones, the same lengths


def _watch_calamine(monkeypatch) -> list[str]:
    """Which reader each file went to: "calamine" or "stream"."""
    from dangjian.core import sheets

    used: list[str] = []
    real = sheets._calamine_rows

    def calamine(*args):
        used.append("calamine")
        return real(*args)

    real_stream = sheets._stream_xlsx

    def stream(*args):
        used.append("stream")
        return real_stream(*args)

    monkeypatch.setattr(sheets, "_calamine_rows", calamine)
    monkeypatch.setattr(sheets, "_stream_xlsx", stream)
    return used


def test_a_plain_roster_is_read_by_calamine_and_a_file_crossing_a_cap_never_reaches_it(
    small_caps, monkeypatch
):
    used = _watch_calamine(monkeypatch)
    assert TwoColumns().run(xlsx(roster(90)), "a.xlsx", dry_run=True).ok
    assert issue(xlsx(roster(150)), "a.xlsx").code == "too_many_rows"
    assert issue(xlsx(roster(3), XFD1048576="x"), "sparse.xlsx").code in ("too_many_rows", "too_many_columns")
    assert issue(xlsx(roster(3), K5="x"), "wide.xlsx").code == "too_many_columns"
    assert used == ["calamine", "stream", "stream", "stream"]


def _rewrite_sheet(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


def test_cells_without_a_plain_reference_are_streamed(small_caps, monkeypatch):
    used = _watch_calamine(monkeypatch)
    # Sequential cells (no r) could sit anywhere: only the streaming reader counts them exactly.
    data = _rewrite_sheet(xlsx(roster(2)), lambda body: body.replace(b' r="B3"', b""))
    report = TwoColumns().run(data, "a.xlsx", dry_run=True)
    assert report.ok and [r.values["unit"] for r in report.rows] == ["村委会", "村委会"]
    assert used == ["stream"]


@pytest.mark.parametrize("second", [b' r="K3"', b' r = "K3"', b'\nr="K3"', b' t="s" r="K3"'])
def test_a_cell_with_a_second_reference_is_never_handed_to_calamine(small_caps, monkeypatch, second):
    # calamine places a cell at the last r of its tag, spaces around = or not: K3 is past the cap.
    used = _watch_calamine(monkeypatch)
    data = _rewrite_sheet(xlsx(roster(2)), lambda body: body.replace(b'<c r="B3"', b'<c r="B3"' + second))
    assert not TwoColumns().parse(data, "a.xlsx").ok
    assert used == ["stream"]


@pytest.mark.parametrize("chunk", [61, 64, 97])
def test_the_scan_sees_a_tag_split_across_chunks(small_caps, monkeypatch, chunk):
    from dangjian.core import sheets

    monkeypatch.setattr(sheets, "CHUNK", chunk)  # every tag of the sheet is split somewhere
    used = _watch_calamine(monkeypatch)
    assert TwoColumns().run(xlsx(roster(90)), "a.xlsx", dry_run=True).ok
    far = _rewrite_sheet(xlsx(roster(90)), lambda body: body.replace(b'<c r="B50"', b'<c r="B50" r="B101"'))
    assert not TwoColumns().parse(far, "a.xlsx").ok
    assert used == ["calamine", "stream"]


def test_the_scan_patterns_take_exactly_the_rows_and_columns_inside_the_caps():
    import re

    from dangjian.core.sheets import _at_most, _column_letters, _letters_below

    for cap in (1, 9, 10, 11, 99, 100, 101, 110, 1000, 50_000, 100_100):
        inside = re.compile(_at_most(cap) + "$")
        assert [k for k in range(2 * cap + 100) if inside.match(str(k))] == list(range(1, cap + 1))
        assert not inside.match("01")
    for cap in (1, 25, 26, 27, 100, 702, 703, 16_384):
        inside = re.compile(_letters_below(cap) + "$")
        assert [k for k in range(cap + 800) if inside.match(_column_letters(k))] == list(range(cap))


def test_a_dtd_in_the_shared_strings_is_refused():
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)  # not constant_memory: its text goes to sharedStrings.xml
    book.add_worksheet().write_row(0, 0, ["姓名", "工作单位"])
    book.close()
    bad = io.BytesIO()
    with zipfile.ZipFile(out, "r") as src, zipfile.ZipFile(bad, "w") as dst:
        assert "xl/sharedStrings.xml" in src.namelist()
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/sharedStrings.xml":
                body = body.replace(b"<sst", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><sst', 1)
            dst.writestr(info, body)
    with pytest.raises(SheetRejected) as exc:
        list(iter_rows(bad.getvalue(), ".xlsx", Caps(100, 10, 50, 1000)))
    assert exc.value.code == "unsafe_xml"


def test_a_dtd_in_the_sheet_is_refused():
    data = xlsx(roster(1))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1)
            dst.writestr(info, body)
    with pytest.raises(SheetRejected) as exc:
        list(iter_rows(out.getvalue(), ".xlsx", Caps(100, 10, 50, 1000)))
    assert exc.value.code == "unsafe_xml"


def test_read_table_keeps_excel_row_numbers_for_blank_rows():
    rows = list(read_table(xlsx([["a"], [], [], ["b"]]), ".xlsx"))
    assert rows[0][0] == "a" and rows[3][0] == "b" and rows[1] == [] and len(rows) == 4
