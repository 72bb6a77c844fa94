"""The export base: formula-leading cells are text, csv escapes them, xlsx streams."""

import io

from python_calamine import CalamineWorkbook

from dangjian.core.exporting import ListExporter, escape_cell


class Sample(ListExporter):
    identifier = "sample"
    verbose_name = "样表"
    headers = ["序号", "内容"]

    @property
    def title(self):
        return "样表标题"

    def iterate_rows(self):
        for n, text in enumerate(["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx", "普通"], start=1):
            yield [n, text]


def test_formula_leading_text_is_written_as_text_in_xlsx():
    data = Sample(actor=None).xlsx_bytes()
    rows = list(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).iter_rows())
    assert rows[0][0] == "样表标题"
    assert rows[1] == ["序号", "内容"]
    assert [r[1] for r in rows[2:]] == ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx", "普通"]
    assert b"<f>" not in data  # no formula element anywhere in the package


def test_formula_leading_text_is_escaped_in_csv():
    text = Sample(actor=None).csv_bytes().decode("utf-8-sig")
    assert "'=1+1" in text and "'@SUM(A1)" in text and "'-5" in text
    assert "普通" in text


def test_escape_leaves_numbers_and_plain_text_alone():
    assert escape_cell(5) == 5
    assert escape_cell("王芳") == "王芳"
    assert escape_cell("=A1") == "'=A1"
