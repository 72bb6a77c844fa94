"""The overview as a file: Markdown, standalone HTML or Word (python-docx)."""

from __future__ import annotations

import io

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


def to_docx(summary: Summary) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    # Word picks the Chinese glyphs from the East Asian font slot, not from font.name.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for name in ("Title", "Heading 1", "Heading 2"):
        fonts = document.styles[name].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), "黑体")

    title = document.add_heading(summary.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if summary.subtitle:
        document.add_paragraph(summary.subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = document.add_paragraph(summary.as_of_text)
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for heading, paragraphs in summary.plain_paragraphs():
        if heading:
            document.add_heading(heading, level=1)
        for text in paragraphs:
            paragraph = document.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(24)
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
