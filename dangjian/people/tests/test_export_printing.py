"""The 花名册 prints as an office files it: read back with openpyxl."""

import io

import openpyxl
import pytest

from dangjian.people.exporters import RosterExporter
from dangjian.people.models import Member

from .factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_roster_prints_a4_landscape_one_page_wide_with_title_and_header_on_every_page(branch, secretary):
    MemberFactory(org=branch, person__name="王凤侠")
    data = RosterExporter(
        actor=secretary, members=Member.objects.all(), title="甲村党支部党员花名册"
    ).xlsx_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
