"""Issue 8, breach 3: a 组织生活台账 shows only people in the viewer's scope; a node-only grant sees its
own node only, in ledgers and compliance alike."""

import io
from datetime import date

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from dangjian.activities import services
from dangjian.activities.models import Kind, Participation
from dangjian.activities.services import Mark
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Org

from .factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone_meeting(zone, branch, other_branch):
    """A zone-wide lecture both villages attend; one member of each is absent, with a reason."""
    from django.db import transaction

    ours = member(branch, "甲村党员")
    theirs = member(other_branch, "乙村党员")
    with transaction.atomic():
        activity = services.record_activity(
            actor=SYSTEM,
            org=Org.objects.get(pk=zone.pk),
            kind=Kind.LECTURE,
            title="全区党课",
            date=date(2023, 5, 10),
            participants=[branch, other_branch],
        )
    with transaction.atomic():
        services.set_attendance(
            actor=SYSTEM,
            activity=activity,
            marks=[
                Mark(ours.pk, Participation.ABSENT, "外出务工"),
                Mark(theirs.pk, Participation.ABSENT, "住院治疗"),
            ],
        )
    return activity


def xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )


def test_a_branch_ledger_lists_only_its_own_absentees_of_a_zone_wide_meeting(secretary_client, zone_meeting):
    page = secretary_client.get(reverse("activities:ledger", args=["T-A", 2023])).content.decode()
    assert "全区党课" in page
    assert "甲村党员" in page and "外出务工" in page
    assert "乙村党员" not in page and "住院治疗" not in page


def test_the_ledger_xlsx_leaks_no_other_branchs_people_either(secretary_client, zone_meeting):
    response = secretary_client.get(reverse("activities:ledger_xlsx", args=["T-A", 2023]))
    text = xlsx_text(response.content)
    assert "甲村党员" in text
    assert "乙村党员" not in text and "住院治疗" not in text


def test_a_node_only_grant_on_a_committee_sees_its_own_node_only(roles, community, zone_meeting):
    from dangjian.activities.tests.factories import meeting

    branch_below = Org.objects.get(code="T-C1")
    member(branch_below, "丙一党员")
    meeting(branch_below, title="丙一支委会")
    viewer = make_user("nodeonly", roles["viewer"], community, subtree=False)
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("activities:ledger", args=["T-C", 2023])).content.decode()
    assert "丙社区第一党支部" not in page
    assert client.get(reverse("activities:ledger", args=["T-C1", 2023])).status_code == 404
    compliance = client.get(reverse("activities:compliance"), {"year": 2023}).content.decode()
    assert "丙社区第一党支部" not in compliance


def _meeting_row(content: bytes, title: str) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["会议活动"]
    headers = [c.value for c in sheet[3]]
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[2] == title)
    return dict(zip(headers, row, strict=True))


def test_a_branch_ledger_counts_only_its_own_people_at_a_zone_wide_meeting(secretary_client, zone_meeting):
    response = secretary_client.get(reverse("activities:ledger_xlsx", args=["T-A", 2023]))
    row = _meeting_row(response.content, "全区党课")
    # The zone's meeting marked two people, one of them this branch's.
    assert (row["应到"], row["实到"], row["缺席"]) == (1, 0, 1)


def test_a_zone_wide_theme_day_without_the_branchs_attendance_reads_unrecorded_not_zero(
    secretary_client, zone, branch
):
    from django.db import transaction

    with transaction.atomic():
        services.record_activity(
            actor=SYSTEM,
            org=Org.objects.get(pk=zone.pk),
            kind=Kind.THEME_DAY,
            title="全区主题党日",
            date=date(2023, 7, 1),
            participants=[branch],
        )
    response = secretary_client.get(reverse("activities:ledger_xlsx", args=["T-A", 2023]))
    row = _meeting_row(response.content, "全区主题党日")
    assert row["应到"] == "未登记" and row["实到"] is None
    page = secretary_client.get(reverse("activities:ledger", args=["T-A", 2023])).content.decode()
    assert "0 / 0" not in page and "本组织未登记" in page


def test_every_sheet_of_the_ledger_xlsx_prints_a4_landscape_one_page_wide_with_titles_repeated(
    secretary_client, zone_meeting
):
    response = secretary_client.get(reverse("activities:ledger_xlsx", args=["T-A", 2023]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$3"
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_the_catalogue_prints_the_org_life_ledger_with_its_appraisals(secretary, branch, zone_meeting):
    from dangjian.core.ledgers import get_ledger

    sections = get_ledger("activities.org_life").build(secretary, Org.objects.get(pk=branch.pk), 2023)
    assert [s.title for s in sections] == ["会议活动一览", "组织生活合规情况", "民主评议党员"]
    assert all(isinstance(list(s.rows), list) for s in sections)


def test_a_committee_meeting_without_a_committee_on_file_shows_no_negative_absence(secretary_client, branch):
    from django.db import transaction

    from dangjian.activities.tests.factories import meeting

    activity = meeting(Org.objects.get(pk=branch.pk), title="无委员名单的支委会")
    someone = member(branch, "列席党员")
    with transaction.atomic():
        services.set_attendance(
            actor=SYSTEM, activity=activity, marks=[Mark(someone.pk, Participation.PRESENT, "")]
        )
    response = secretary_client.get(reverse("activities:ledger_xlsx", args=["T-A", 2023]))
    row = _meeting_row(response.content, "无委员名单的支委会")
    assert row["缺席"] == 0
