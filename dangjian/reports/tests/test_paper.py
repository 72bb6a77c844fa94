"""The overview as an office files it: GB/T 9704 page, faces, grid and page numbers, read back with
python-docx; and the period a past year's overview covers, with the clock frozen."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from dangjian.orgs.models import Org
from dangjian.reports.summary import build_summary
from dangjian.reports.writers import SERIF_FALLBACK, to_docx

pytestmark = pytest.mark.django_db

LATER = datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def document(admin_user):
    with time_machine.travel(LATER, tick=False):
        data = to_docx(build_summary(Org.objects.get(code="T"), 2023))
    return docx.Document(io.BytesIO(data))


def _east_asia(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def test_the_overview_docx_is_an_a4_page_with_the_gbt9704_margins(document):
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.bottom_margin.mm) == 35
    assert round(section.left_margin.mm) == 28 and round(section.right_margin.mm) == 26


def test_the_overview_title_is_a_bold_serif_cjk_face_at_22pt_centered(document):
    title = document.paragraphs[0]
    assert title.style.name == "标题"
    assert title.style.font.size == Pt(22) and title.style.font.bold is True
    assert title.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert _east_asia(title.style) in (
        "方正小标宋简体",
        "方正小标宋_GBK",
        "FZXiaoBiaoSong-B05S",
        SERIF_FALLBACK,
    )


def test_the_overview_body_is_16pt_fangsong_or_noto_serif_on_22_lines_of_28_characters(document):
    body = [p for p in document.paragraphs if p.style.name == "正文" and p.text]
    assert body
    style = body[0].style
    assert style.font.size == Pt(16)
    assert _east_asia(style) in ("仿宋_GB2312", "仿宋", "FangSong", SERIF_FALLBACK)
    # Theme fonts would override the named face in Word.
    assert style.element.rPr.rFonts.get(qn("w:eastAsiaTheme")) is None
    assert abs(style.paragraph_format.line_spacing.pt - 28.95) < 0.1
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"
    assert round(Mm(225).pt / 28.95) == 22
    # 28 characters of 16 pt, each condensed, fill the 156 mm type area.
    condensed = int(style.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert int(Mm(156).pt // (16 + condensed)) == 28


def test_the_overview_numbers_its_pages_with_em_dashes_at_the_foot(document):
    footer = document.sections[0].footer.paragraphs[0]
    assert footer.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER or (
        footer.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    )
    xml = footer._p.xml
    assert "PAGE" in xml
    assert footer.text == "— 1 —"


def test_no_style_in_the_overview_has_an_english_name(document):
    names = [style.name for style in document.styles]
    assert names and all(not any("a" <= ch.lower() <= "z" for ch in name) for name in names), names
    assert document.styles.element.find(qn("w:latentStyles")) is None
    used = {p.style.name for p in document.paragraphs}
    assert used <= {"标题", "副标题", "一级标题", "正文"}


def test_a_past_years_overview_names_its_period_and_when_the_data_was_taken(admin_user):
    with time_machine.travel(LATER, tick=False):
        summary = build_summary(Org.objects.get(code="T"), 2023)
    assert summary.as_of_text == "统计期间：2023年1月1日至12月31日　数据提取于2026年11月29日"


def test_the_current_years_overview_runs_to_the_day_the_data_was_taken(admin_user):
    with time_machine.travel(LATER, tick=False):
        summary = build_summary(Org.objects.get(code="T"), 2026)
    assert summary.as_of_text == "统计期间：2026年1月1日至11月29日　数据截至2026年11月29日"


def test_the_period_reaches_the_docx(document):
    texts = [p.text for p in document.paragraphs]
    assert "统计期间：2023年1月1日至12月31日" in texts and "数据提取于2026年11月29日" in texts
