"""The overview as a file: Markdown, standalone HTML or Word (python-docx)."""

from __future__ import annotations

import functools
import io
import math
import shutil
import subprocess
from typing import Any

from django.template.loader import render_to_string

from .summary import Summary

FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


def filename(summary: Summary, fmt: str) -> str:
    return f"{summary.year}年{summary.org.short_name or summary.org.name}党建工作综述.{FORMATS[fmt][1]}"


def to_markdown(summary: Summary) -> str:
    lines = [f"# {summary.title}", ""]
    if summary.subtitle:
        lines += [summary.subtitle, ""]
    lines += [f"*{summary.as_of_text}*", ""]
    for heading, paragraphs in summary.plain_paragraphs():
        if heading:
            lines += [f"## {heading}", ""]
        for text in paragraphs:
            lines += [text, ""]
    return "\n".join(lines)


def to_html(summary: Summary) -> str:
    return render_to_string("reports/summary_document.html", {"summary": summary})


# GB/T 9704-2012 (党政机关公文格式): A4, type area 156 mm × 225 mm, 22 lines of 28 characters in
# 三号 (16 pt); the title in 二号 (22 pt) 小标宋, body in 仿宋, first-level headings in 黑体.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
BODY_PT = 16
TITLE_PT = 22
CHARS_PER_LINE = 28
LINES_PER_PAGE = 22
# Faces an office PC carries under these names; where the generating machine has none of them the
# document names Debian's fonts-noto-cjk, which renders the same on every machine that has it.
TITLE_FACES = ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S")
BODY_FACES = ("仿宋_GB2312", "仿宋", "FangSong")
HEADING_FACES = ("黑体", "SimHei")
SUBTITLE_FACES = ("楷体_GB2312", "楷体", "KaiTi")
SERIF_FALLBACK = "Noto Serif CJK SC"
SANS_FALLBACK = "Noto Sans CJK SC"
# The styles the document keeps, by style id, with the names Word shows in its style list.
KEPT_STYLES = {
    "Normal": "正文",
    "DefaultParagraphFont": "默认段落字体",
    "TableNormal": "普通表格",
    "NoList": "无列表",
    "Footer": "页脚",
}


def _points_per_mm(mm: float) -> float:
    return mm * 72 / 25.4


def line_pitch_twips() -> int:
    """The fixed line spacing, in twentieths of a point, that puts ``LINES_PER_PAGE`` lines in the type
    area's height: 579 (28.95 pt). Rounded down: 580 would overrun 225 mm and leave 21 lines."""
    return math.floor(
        _points_per_mm(PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]) * 20 / LINES_PER_PAGE
    )


def character_spacing_twips() -> int:
    """How much each body character is condensed, in twentieths of a point, so that 28 of them fill
    the 156 mm line: -5 (15.75 pt a character; rounded away from zero so the 28th still fits)."""
    pitch = _points_per_mm(PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) / CHARS_PER_LINE
    return math.floor((pitch - BODY_PT) * 20)


@functools.cache
def installed_font_families() -> frozenset[str]:
    """Font families fontconfig knows on this machine (empty when fc-list is absent)."""
    binary = shutil.which("fc-list")
    if binary is None:
        return frozenset()
    try:
        # A fixed argument list, no shell.
        done = subprocess.run(  # noqa: S603
            [binary, ":", "family"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(name.strip() for line in done.stdout.splitlines() for name in line.split(","))


def font_face(preferred: tuple[str, ...], fallback: str) -> str:
    families = installed_font_families()
    return next((name for name in preferred if name in families), fallback)


def _set_fonts(rpr, face: str) -> None:
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    # Theme attributes win over named fonts in Word: drop them, then name the face in every slot.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face)


def _chinese_styles(document) -> dict[str, Any]:
    """Strip python-docx's template down to a few styles, all named in Chinese, and add the 公文 ones.

    The template carries ~160 English-named styles and a latent-style table that Word lists; a
    document an office files shows 标题, 正文 … in its style list and nothing else."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    root = document.styles.element
    for latent in root.findall(qn("w:latentStyles")):
        root.remove(latent)
    for element in root.findall(qn("w:style")):
        style_id = element.get(qn("w:styleId"))
        if style_id not in KEPT_STYLES:
            root.remove(element)
            continue
        element.find(qn("w:name")).set(qn("w:val"), KEPT_STYLES[style_id])
        for link in element.findall(qn("w:link")):
            element.remove(link)

    body_face = font_face(BODY_FACES, SERIF_FALLBACK)
    defaults = root.find(qn("w:docDefaults"))
    _set_fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), body_face)
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    if lang is not None:
        # Chinese for the East Asian slot only: with w:val zh-CN as well, LibreOffice breaks a line
        # inside a number ("650 / 0余人").
        lang.set(qn("w:eastAsia"), "zh-CN")
    # The character grid counts in characters of the default size: make that the body's 三号.
    for tag in ("w:sz", "w:szCs"):
        size = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn(tag))
        if size is not None:
            size.set(qn("w:val"), str(BODY_PT * 2))
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        spacing.getparent().remove(spacing)

    def paragraph_style(style_id: str, name: str, face: str, size: float, *, bold=False, center=False):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), style_id)
        style.base_style = document.styles["正文"]
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.bold = bold
        _set_fonts(style.element.get_or_add_rPr(), face)
        if center:
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            style.paragraph_format.first_line_indent = Pt(0)
        return style

    body = document.styles["正文"]
    body.font.size = Pt(BODY_PT)
    _set_fonts(body.element.get_or_add_rPr(), body_face)
    body_format = body.paragraph_format
    body_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    body_format.line_spacing = Pt(line_pitch_twips() / 20)
    body_format.space_before = Pt(0)
    body_format.space_after = Pt(0)
    body_format.first_line_indent = Pt(2 * BODY_PT)
    # Word keeps the indent at two characters when the grid stretches them.
    body.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
    condensed = body.element.get_or_add_rPr().makeelement(
        qn("w:spacing"), {qn("w:val"): str(character_spacing_twips())}
    )
    body.element.get_or_add_rPr().append(condensed)
    footer = document.styles["页脚"]
    footer.font.size = Pt(14)
    footer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    footer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    footer_ind = footer.element.get_or_add_pPr().get_or_add_ind()
    footer_ind.set(qn("w:firstLineChars"), "0")
    _set_fonts(footer.element.get_or_add_rPr(), font_face(("宋体", "SimSun"), SERIF_FALLBACK))
    return {
        "title": paragraph_style(
            "GongwenTitle", "标题", font_face(TITLE_FACES, SERIF_FALLBACK), TITLE_PT, bold=True, center=True
        ),
        "subtitle": paragraph_style(
            "GongwenSubtitle", "副标题", font_face(SUBTITLE_FACES, SERIF_FALLBACK), BODY_PT, center=True
        ),
        "heading": paragraph_style(
            "GongwenHeading1", "一级标题", font_face(HEADING_FACES, SANS_FALLBACK), BODY_PT
        ),
        "body": body,
    }


def _page_layout(section) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Mm

    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # The page number's dash sits 7 mm under the type area.
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
    section.header_distance = Mm(15)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = section._sectPr.makeelement(qn("w:docGrid"), {})
        section._sectPr.append(grid)
    # A line grid only: LibreOffice lays a "linesAndChars" grid out as ~17 wide cells a line, so the
    # 28 characters come from condensing each one instead (``character_spacing_twips``).
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(line_pitch_twips()))


def _page_number_footer(section) -> None:
    """ "— 1 —": a PAGE field between em dashes, centered at the foot (GB/T 9704 7.5)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.text = ""
    paragraph.style = "页脚"
    paragraph.add_run("— ")
    # A complex field (begin, instruction, separate, shown value, end) rather than w:fldSimple:
    # readers that list a paragraph's runs then see "— 1 —" as Word shows it.
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
            run._r.append(mark)
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        else:
            run.text = text
    paragraph.add_run(" —")


def to_docx(summary: Summary) -> bytes:
    from docx import Document

    document = Document()
    styles = _chinese_styles(document)
    section = document.sections[0]
    _page_layout(section)
    _page_number_footer(section)

    document.add_paragraph(summary.title, style=styles["title"])
    if summary.subtitle:
        document.add_paragraph(summary.subtitle, style=styles["subtitle"])
    # Two lines: on one, the date wraps mid-way on the 28-character line.
    document.add_paragraph(summary.period_text, style=styles["subtitle"])
    document.add_paragraph(summary.taken_text, style=styles["subtitle"])
    document.add_paragraph("", style=styles["body"])
    for heading, paragraphs in summary.plain_paragraphs():
        if heading:
            document.add_paragraph(heading, style=styles["heading"])
        for text in paragraphs:
            document.add_paragraph(text, style=styles["body"])
    document.core_properties.title = summary.title
    document.core_properties.language = "zh-CN"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(summary: Summary, fmt: str) -> bytes:
    if fmt == "md":
        return to_markdown(summary).encode()
    if fmt == "html":
        return to_html(summary).encode()
    if fmt == "docx":
        return to_docx(summary)
    raise ValueError(fmt)
