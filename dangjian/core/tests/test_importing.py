"""The import base without a database: header detection, normalization, dates, file checks."""

from datetime import date

import pytest

from dangjian.core.importing import (
    CellError,
    FileRejected,
    ImportColumn,
    check_file,
    decode_text,
    find_header,
    normalize_cell,
    parse_date,
)

COLUMNS = [
    ImportColumn("name", "姓名", required=True),
    ImportColumn("id", "公民身份号码", ["身份证号"]),
    ImportColumn("joined", "入党时间"),
    ImportColumn("full", "转正时间"),
]


def test_header_is_found_below_a_title_row():
    header = find_header(COLUMNS, [["某支部花名册"], ["序号", "姓名", "身份证号 ", "入党时间"], [1, "王芳"]])
    assert header.row == 2
    assert header.positions == {"name": 1, "id": 2, "joined": 3}


def test_two_row_header_takes_the_sub_columns():
    head = [["花名册"], ["姓名", "身份证号", "党员时间", ""], ["", "", "入党时间", "转正时间"]]
    header = find_header(COLUMNS, head)
    assert header.row == 3
    assert header.positions == {"name": 0, "id": 1, "joined": 2, "full": 3}


def test_header_with_brackets_and_line_breaks_matches():
    header = find_header(COLUMNS, [["姓 名", "公民身份号码\n（18位）"]])
    assert header.positions == {"name": 0}  # the bracketed note is part of the text and does not match
    header = find_header(COLUMNS, [["姓\n名", "*身份证号"]])
    assert header.positions == {"name": 0, "id": 1}


def test_cells_are_nfkc_normalized_and_stripped():
    assert normalize_cell("４１０６１１ ") == "410611"
    assert normalize_cell("  ") is None
    assert normalize_cell(3.0) == 3
    assert normalize_cell("\u200b王芳") == "王芳"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1985.03", date(1985, 3, 1)),
        ("1985.3", date(1985, 3, 1)),
        ("1985年3月", date(1985, 3, 1)),
        ("1985年3月5日", date(1985, 3, 5)),
        ("1985-03-01", date(1985, 3, 1)),
        ("1985/3/1", date(1985, 3, 1)),
        ("198503", date(1985, 3, 1)),
        ("19850305", date(1985, 3, 5)),
        (1985.03, date(1985, 3, 1)),
        (1985.12, date(1985, 12, 1)),
        (date(1985, 3, 5), date(1985, 3, 5)),
    ],
)
def test_dates_are_read_as_rosters_write_them(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["1985.13", "1985-02-30", "去年", "85.3"])
def test_impossible_or_unreadable_dates_are_refused(written):
    with pytest.raises(CellError):
        parse_date(written)


def test_gbk_text_falls_back_after_utf8():
    assert decode_text("姓名".encode("gbk")) == "姓名"
    assert decode_text("\ufeff姓名".encode()) == "姓名"


def test_unknown_extension_and_macro_extensions_are_refused(settings):
    with pytest.raises(FileRejected) as exc:
        check_file(b"abc", "a.pdf")
    assert exc.value.code == "extension"
    with pytest.raises(FileRejected) as exc:
        check_file(b"abc", "a.xlsm")
    assert exc.value.code == "macro"


def test_corrupt_xlsx_is_refused():
    with pytest.raises(FileRejected) as exc:
        check_file(b"not a zip", "a.xlsx")
    assert exc.value.code == "corrupt"
