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


def _all_by_expat(monkeypatch) -> None:
    """From here on every xlsx is read by expat alone (the plain reader hands over at once)."""
    from dangjian.core import sheets

    monkeypatch.setattr(sheets, "_plain_rows", lambda *args: iter([sheets._HAND_OVER]))


def test_the_plain_reader_reads_what_expat_and_calamine_read(settings, monkeypatch):
    from python_calamine import CalamineWorkbook

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})  # inline strings, rich text too
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
    sheet.write_rich_string(6, 0, "张", book.add_format({"bold": True}), "三")  # hands over here
    sheet.write_row(7, 0, ["李四", "&<>\"'", "a\r\nb"])
    book.close()
    data = out.getvalue()
    used = _watch_readers(monkeypatch)
    plain = list(iter_rows(data, ".xlsx"))
    assert used == ["expat"]  # from the rich text on
    _all_by_expat(monkeypatch)
    ours = list(iter_rows(data, ".xlsx"))
    theirs = [
        list(r) for r in CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).iter_rows()
    ]

    def squeeze(rows):
        return [[None if c == "" else c for c in row] + [None] * (8 - len(row)) for row in rows]

    assert squeeze(ours) == squeeze(theirs)
    assert ours[3][2] == date(1985, 3, 1) and ours[3][3] == datetime(1986, 3, 1, 12, 30)
    assert ours[6][0] == "张三" and ours[7] == ["李四", "&<>\"'", "a\r\nb"]
    assert plain == ours  # the same rows, the same Nones, the same lengths


def _every_kind_of_cell(constant_memory: bool) -> bytes:
    """Cells of every kind a roster may hold, in shared or inline strings, with gaps and formats."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": constant_memory})
    sheet = book.add_worksheet()
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})
    texts = [
        "王芳",
        " 前后空格 ",
        "A&B <c> \"d\" 'e'",
        "第一行\r\n第二行",
        "制表\t符",
        "１２３",
        "𠀀扩展字",
        "=不是公式",
    ]
    for r in range(60):
        sheet.write_string(r, 0, texts[r % len(texts)])
        sheet.write_number(r, 1, r * 1.25)
        if r % 3:
            sheet.write_datetime(r, 2, datetime(1980 + r % 40, 1 + r % 12, 1 + r % 28), day)
        sheet.write_boolean(r, 3, bool(r % 2))
        sheet.write_formula(r, 4, f"=B{r + 1}*2", None, r * 2.5)
        sheet.write_blank(r, 5, None, bold)  # formatted, empty
        if r % 7 == 0:
            sheet.write_string(r, 9, "远处")
    sheet.write_string(70, 0, "空行之后")  # rows 61-70 absent
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("constant_memory", [True, False], ids=["inline strings", "shared strings"])
def test_the_plain_reader_reads_every_kind_of_cell_as_expat_does_without_handing_over(
    settings, monkeypatch, constant_memory
):
    data = _every_kind_of_cell(constant_memory)
    used = _watch_readers(monkeypatch)
    plain = list(iter_rows(data, ".xlsx"))
    assert used == []  # all plain
    _all_by_expat(monkeypatch)
    assert plain == list(iter_rows(data, ".xlsx"))
    assert plain[3][0] == "第一行\r\n第二行" and plain[2][0] == "A&B <c> \"d\" 'e'"
    assert plain[70] == ["空行之后"] and plain[65] == []


@pytest.mark.parametrize(
    "change",
    [
        (b'<c r="A30" t="s">', b'<c t="s" r="A30">'),  # another attribute order
        (b'<row r="30"', b'<!-- <c r="A30"><v>1</v></c> --><row r="30"'),  # a comment
        (b'<c r="B30"', b'<x:note xmlns:x="urn:x">1</x:note><c r="B30"'),  # a prefixed element
        (b"</sheetData>", b" </sheetData>"),
        (b'<c r="B30"><v>', b'<c r="B30" cm="1"><v>'),  # an attribute the plain reader does not know
        (b'<c r="B30"><v>36.25</v>', b'<c r="B30"><v>&#51;6.25</v>'),  # a character reference in a number
    ],
    ids=["order", "comment", "prefix", "space", "attribute", "reference"],
)
def test_what_the_plain_reader_does_not_read_is_read_by_expat_from_there_on(settings, monkeypatch, change):
    old, new = change
    data = _every_kind_of_cell(False)
    changed = _rewrite_part(data, lambda body: body.replace(old, new, 1))
    assert changed != data
    used = _watch_readers(monkeypatch)
    rows = list(iter_rows(changed, ".xlsx"))
    assert used == ["expat"]
    _all_by_expat(monkeypatch)
    assert rows == list(iter_rows(changed, ".xlsx"))


def _watch_readers(monkeypatch) -> list[str]:
    """ "expat" each time the plain reader hands a sheet over."""
    from dangjian.core import sheets

    used: list[str] = []
    real_stream = sheets._stream_xlsx

    def stream(*args):
        used.append("expat")
        return real_stream(*args)

    monkeypatch.setattr(sheets, "_stream_xlsx", stream)
    return used


def test_a_plain_roster_is_read_plainly_and_a_file_crossing_a_cap_is_refused_by_expat(
    small_caps, monkeypatch
):
    used = _watch_readers(monkeypatch)
    assert TwoColumns().run(xlsx(roster(90)), "a.xlsx", dry_run=True).ok
    assert used == []
    assert issue(xlsx(roster(150)), "a.xlsx").code == "too_many_rows"
    assert issue(xlsx(roster(3), XFD1048576="x"), "sparse.xlsx").code in ("too_many_rows", "too_many_columns")
    assert issue(xlsx(roster(3), K5="x"), "wide.xlsx").code == "too_many_columns"
    assert issue(xlsx(roster(3), B4="长" * 60), "long.xlsx").code == "cell_too_long"
    assert used == ["expat"] * 4


def _rewrite_part(data: bytes, change, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        assert part in src.namelist()
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == part else body)
    return out.getvalue()


def test_cells_without_a_plain_reference_are_read_by_expat(small_caps, monkeypatch):
    used = _watch_readers(monkeypatch)
    # Sequential cells (no r): expat's reader places them after the cell before.
    data = _rewrite_part(xlsx(roster(2)), lambda body: body.replace(b' r="B3"', b""))
    report = TwoColumns().run(data, "a.xlsx", dry_run=True)
    assert report.ok and [r.values["unit"] for r in report.rows] == ["村委会", "村委会"]
    assert used == ["expat"]


@pytest.mark.parametrize("second", [b' r="K3"', b' r = "K3"', b'\nr="K3"', b' t="s" r="K3"'])
def test_a_cell_with_a_second_reference_is_refused(small_caps, monkeypatch, second):
    used = _watch_readers(monkeypatch)
    data = _rewrite_part(xlsx(roster(2)), lambda body: body.replace(b'<c r="B3"', b'<c r="B3"' + second))
    assert not TwoColumns().parse(data, "a.xlsx").ok
    assert used == ["expat"]


@pytest.mark.parametrize("chunk", [61, 64, 97])
def test_the_plain_reader_reads_rows_split_across_chunks(small_caps, monkeypatch, chunk):
    from dangjian.core import sheets

    monkeypatch.setattr(sheets, "CHUNK", chunk)  # every tag of the sheet is split somewhere
    used = _watch_readers(monkeypatch)
    data = xlsx(roster(90))
    report = TwoColumns().run(data, "a.xlsx", dry_run=True)
    assert report.ok and len(report.rows) == 90 and used == []
    far = _rewrite_part(data, lambda body: body.replace(b'<c r="B50"', b'<c r="B50" r="B101"'))
    assert not TwoColumns().parse(far, "a.xlsx").ok
    assert used == ["expat"]


def test_reading_a_big_sheet_holds_a_row_not_the_sheet(settings):
    settings.IMPORT_MAX_ROWS = 50_000
    peaks = []
    for n in (2_000, 20_000):
        data = xlsx([["王芳", "110101199003078515", "村委会", 38.0, "正式党员"]] * n)
        tracemalloc.start()
        try:
            rows = sum(1 for _ in iter_rows(data, ".xlsx"))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert rows == n
    assert peaks[1] < peaks[0] + 1024 * 1024, peaks  # ten times the rows, not ten times the memory


def _shared_part(body: bytes) -> tuple[zipfile.ZipFile, str]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/sharedStrings.xml", body)
    return zipfile.ZipFile(io.BytesIO(out.getvalue())), "xl/sharedStrings.xml"


SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="x" count="9" uniqueCount="9">'
)


@pytest.mark.parametrize("chunk", [7, 64, 65536])
def test_plain_shared_strings_are_read_as_expat_reads_them(monkeypatch, chunk):
    from dangjian.core import sheets

    monkeypatch.setattr(sheets, "CHUNK", chunk)
    caps = Caps(100, 10, 12, 1000)
    body = (
        SST_HEAD
        + (
            '<si><t>王芳</t></si><si><t xml:space="preserve"> 前后 </t></si><si><t>A&amp;B&lt;&#67;&#x44;</t></si>'
            '<si><t>一\r\n二_x000D_三</t><phoneticPr fontId="1" type="noConversion"/></si><si><t/></si><si/>'
            "<si><t>超过十二个字的一段很长很长的文字</t></si>"
            "</sst>"
        ).encode()
    )
    archive, part = _shared_part(body)
    plain = sheets._plain_shared_strings(archive, part, caps)
    assert plain == sheets._expat_shared_strings(archive, part, caps)
    assert plain[:6] == ["王芳", " 前后 ", "A&B<CD", "一\n二\r三", "", ""] and plain[6] is sheets._TOO_LONG


@pytest.mark.parametrize(
    "odd",
    [
        "<si><r><rPr><b/></rPr><t>张</t></r><r><t>三</t></r></si>",  # rich text
        '<si><t>张</t><rPh sb="0" eb="1"><t>zhang</t></rPh></si>',  # a phonetic guide
        "<!-- <si><t>藏</t></si> --><si><t>张三</t></si>",  # a comment
        "<si><t>A&nbsp;B</t></si>",  # an entity XML does not define
    ],
    ids=["rich", "phonetic", "comment", "entity"],
)
def test_shared_strings_that_are_not_plain_are_read_by_expat(odd):
    from dangjian.core import sheets

    caps = Caps(100, 10, 50, 1000)
    archive, part = _shared_part(SST_HEAD + f"<si><t>王芳</t></si>{odd}</sst>".encode())
    assert sheets._plain_shared_strings(archive, part, caps) is None
    if "nbsp" in odd:
        with pytest.raises(SheetRejected):
            sheets._shared_strings(archive, part, caps)
    else:
        # runs joined, the phonetic guide left out
        assert sheets._shared_strings(archive, part, caps) == ["王芳", "张" if "rPh" in odd else "张三"]


def test_a_dtd_in_the_shared_strings_is_refused():
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)  # not constant_memory: its text goes to sharedStrings.xml
    book.add_worksheet().write_row(0, 0, ["姓名", "工作单位"])
    book.close()
    bad = _rewrite_part(
        out.getvalue(),
        lambda body: body.replace(b"<sst", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><sst', 1),
        "xl/sharedStrings.xml",
    )
    with pytest.raises(SheetRejected) as exc:
        list(iter_rows(bad, ".xlsx", Caps(100, 10, 50, 1000)))
    assert exc.value.code == "unsafe_xml"


def test_a_dtd_in_the_sheet_is_refused():
    bad = _rewrite_part(
        xlsx(roster(1)),
        lambda body: body.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1),
    )
    with pytest.raises(SheetRejected) as exc:
        list(iter_rows(bad, ".xlsx", Caps(100, 10, 50, 1000)))
    assert exc.value.code == "unsafe_xml"


def test_read_table_keeps_excel_row_numbers_for_blank_rows():
    rows = list(read_table(xlsx([["a"], [], [], ["b"]]), ".xlsx"))
    assert rows[0][0] == "a" and rows[3][0] == "b" and rows[1] == [] and len(rows) == 4


@pytest.mark.parametrize(
    "change",
    [
        (b'<row r="30"', b'<row r="30" r="31"'),  # a second number
        (b'<c r="A30" t="s">', b'<c r="A30" t="s" r = "XFD1048576">'),  # a second reference
        (b'<row r="30"', b'<row r="30" spans="1:2>'),  # an attribute left open
        (b'<c r="B30"><v>', b'<c r="B30"><f>A1&nbsp;</f><v>'),  # an entity XML does not define
    ],
    ids=["row", "cell", "quote", "entity"],
)
def test_a_malformed_row_is_refused_as_expat_refuses_it(settings, monkeypatch, change):
    old, new = change
    changed = _rewrite_part(_every_kind_of_cell(False), lambda body: body.replace(old, new, 1))
    with pytest.raises(SheetRejected) as plain:
        list(iter_rows(changed, ".xlsx"))
    _all_by_expat(monkeypatch)
    with pytest.raises(SheetRejected) as expat:
        list(iter_rows(changed, ".xlsx"))
    assert plain.value.code == expat.value.code == "corrupt"
