"""Paper output shared by every app: PDF from self-contained HTML (Debian's headless Chromium renders the
CJK fonts of fonts-noto-cjk offline, and honours CSS paged media: ``@page`` margin boxes with
``counter(page)``/``counter(pages)``, ``thead`` repeated on each page) and the print settings an
office expects of a spreadsheet (A4, fitted to the page width, title and header rows repeated,
"第 N 页 共 M 页" in the footer)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

PDF_TIMEOUT_SECONDS = 120
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
A4_PAPER = 9  # xlsxwriter's paper index for A4
FOOTER_PAGES = "&C第 &P 页 共 &N 页"


class PdfUnavailable(RuntimeError):
    pass


def chromium_path() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str) -> bytes:
    """Print ``html`` (self-contained: inline CSS, no network) to PDF with headless Chromium."""
    binary = chromium_path()
    if binary is None:
        raise PdfUnavailable("本机未安装 Chromium，无法生成 PDF；请使用打印页面或 Excel 导出。")
    with tempfile.TemporaryDirectory(prefix="dangjian-pdf-") as tmp:
        source, target = Path(tmp) / "print.html", Path(tmp) / "print.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            # A fixed argument list (no shell); the only inputs are our own temporary paths.
            subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT_SECONDS, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            raise PdfUnavailable("生成 PDF 超时，请稍后重试。") from None
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable("生成 PDF 失败，请使用打印页面。")
        return target.read_bytes()


def setup_sheet_printing(
    sheet: Worksheet, *, repeat_to_row: int, landscape: bool = True, header: str = ""
) -> None:
    """A4, fitted to one page wide, rows 0..``repeat_to_row`` repeated on every page, page numbers in
    the footer and ``header`` (the ledger's title) in the page header. Every xlsx the platform prints
    goes through here (``core.exporting.ListExporter`` and the ledgers that write their own books)."""
    sheet.set_paper(A4_PAPER)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    sheet.fit_to_pages(1, 0)
    _write_fit_width_explicitly(sheet)
    sheet.repeat_rows(0, repeat_to_row)
    if header:
        sheet.set_header("&C" + header.replace("&", "&&"))
    sheet.set_footer(FOOTER_PAGES)
    sheet.center_horizontally()


def _write_fit_width_explicitly(sheet: Worksheet) -> None:
    """xlsxwriter leaves ``fitToWidth="1"`` out (1 is the schema's default); readers that take the
    attribute literally (openpyxl answers None, some checkers call that "not fitted") then miss it, so
    this sheet writes it. Only the one ``pageSetup`` tag is touched, never the row-writing path."""
    from xlsxwriter.worksheet import Worksheet

    def write_page_setup() -> None:
        plain = sheet._xml_empty_tag

        def tag(name: str, attributes: list[tuple[str, Any]] | None = None) -> Any:
            if name == "pageSetup" and sheet.fit_page and sheet.fit_width == 1:
                attributes = [*(attributes or [])]
                at = 1 if attributes and attributes[0][0] == "paperSize" else 0
                attributes.insert(at, ("fitToWidth", 1))
            return plain(name, attributes)

        sheet._xml_empty_tag = tag
        try:
            Worksheet._write_page_setup(sheet)
        finally:
            del sheet._xml_empty_tag

    sheet._write_page_setup = write_page_setup
