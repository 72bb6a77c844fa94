"""Every list export prints as an office files it, read back with openpyxl (a reader nobody here wrote)."""

import io

import openpyxl

from dangjian.core.exporting import ListExporter


class _Wide(ListExporter):
    identifier = "testing.wide"
    verbose_name = "测试台账"
    headers = [f"第{n}列" for n in range(1, 17)]

    @property
    def title(self) -> str:
        return "测试台账"

    def iterate_rows(self):
        for n in range(300):
            yield [f"{n}-{c}" for c in range(16)]


def _sheet():
    return openpyxl.load_workbook(io.BytesIO(_Wide(actor=None).xlsx_bytes())).active


def test_a_list_export_prints_on_a4_landscape():
    sheet = _sheet()
    assert sheet.page_setup.paperSize == 9
    assert sheet.page_setup.orientation == "landscape"


def test_a_list_export_fits_all_its_columns_to_one_page_width_and_runs_on_in_length():
    sheet = _sheet()
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    # Written out even though 1 is the schema's default, so a literal reader sees it too.
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0


def test_a_list_export_repeats_its_title_and_header_rows_on_every_page():
    assert _sheet().print_title_rows == "$1:$2"


def test_a_list_export_numbers_its_pages_in_the_footer():
    assert _sheet().oddFooter.center.text == "第 &P 页 共 &N 页"
