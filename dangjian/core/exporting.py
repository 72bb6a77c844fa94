"""List exports (pretix's ListExporter idea): a class names its columns and yields rows; the base
writes streaming xlsx (xlsxwriter ``constant_memory``) or csv, escapes formula-leading cells, and
leaves masking to ``iterate_rows`` through ``self.reveal``.

Contract for subclasses: ``identifier``, ``verbose_name``, ``headers`` (list of Chinese column
names), ``iterate_rows()`` yielding lists of cell values (str, int, date or None) in ``headers``
order; optionally ``title`` (a merged title row above the header, as paper rosters have) and
``column_widths``. ``reveal`` is True only when the caller has checked that the actor may see full
personal data; otherwise rows must carry masked values.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from .actors import Actor
from .printing import setup_sheet_printing

PROGRESS_EVERY = 2000
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")


def raw_rows(qs: QuerySet[Any], chunk_size: int = 2000) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a ``values_list`` queryset as the database driver returns them, a chunk at a time,
    streamed like ``iterator()`` (a server-side cursor on PostgreSQL).

    No field converters run: a date may be ISO text (SQLite), a boolean 0 or 1, an encrypted field
    its token. An export converts what it shows itself, once per distinct value where values repeat;
    Django's converters cost a call per value, which for a 100,000-row roll is a tenth of its time."""
    from django.db import connections
    from django.db.models.sql.constants import MULTI

    chunked = not connections[qs.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    compiler = qs.query.get_compiler(using=qs.db)
    rows: Iterator[list[tuple[Any, ...]]] = compiler.execute_sql(
        MULTI, chunked_fetch=chunked, chunk_size=chunk_size
    )
    return rows


def labels(choices: Any) -> dict[Any, str]:
    """A field's choices as plain text, looked up once per export. ``get_FOO_display()`` per row
    rebuilds and hashes the lazy choices each call: over half of a 20,000-line ledger's time."""
    return {value: str(label) for value, label in choices}


def escape_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe in csv."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADERS):
        return "'" + value
    return value


# The workbook and cell formats of every exported ledger (bench/ writes its bare reference with them).
TITLE_FORMAT = {"bold": True, "font_size": 14, "align": "center"}
HEADER_FORMAT = {"bold": True, "border": 1, "align": "center", "bg_color": "#F2F2F2"}
CELL_FORMAT = {"border": 1}
DATE_FORMAT = {"border": 1, "num_format": "yyyy-mm-dd"}


def workbook_options() -> dict[str, object]:
    """constant_memory flushes each row to a temp file, so memory stays flat for any size; a cell
    text is never taken for a formula, a link or a number."""
    return {
        "constant_memory": True,
        "in_memory": False,
        "tmpdir": tempfile.gettempdir(),
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }


class ListExporter:
    identifier = ""
    verbose_name = ""
    headers: list[str] = []
    column_widths: dict[int, int] = {}
    # Printed as offices file sheets (core.printing): A4 in this orientation, fitted to the page
    # width, title and header rows repeated, "第 N 页 共 M 页". Lists are wide: landscape unless a
    # sheet is known to be narrow.
    landscape = True

    def __init__(self, *, actor: Actor, reveal: bool = False) -> None:
        self.actor = actor
        self.reveal = reveal

    @property
    def title(self) -> str:
        return ""

    def iterate_rows(self) -> Iterator[list[Any]]:
        raise NotImplementedError

    def header_rows(self) -> list[list[Any]]:
        """The rows above the data, repeated on every printed page: by default ``headers``.

        An exporter whose file goes back into an import overrides this with the original header
        rows, so the importer finds its columns again."""
        return [list(self.headers)]

    # -- writers

    def write_xlsx(self, out: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
        """Stream the rows into ``out``; returns the number of data rows written.

        ``progress(rows_written)`` is called every ``PROGRESS_EVERY`` rows (a background export's bar)."""
        import xlsxwriter

        book = xlsxwriter.Workbook(out, workbook_options())
        sheet = book.add_worksheet((self.verbose_name or "Sheet1")[:31])
        title_fmt = book.add_format(TITLE_FORMAT)
        head_fmt = book.add_format(HEADER_FORMAT)
        cell_fmt = book.add_format(CELL_FORMAT)
        date_fmt = book.add_format(DATE_FORMAT)
        row_no = 0
        if self.title:
            sheet.merge_range(0, 0, 0, max(0, len(self.headers) - 1), self.title, title_fmt)
            row_no = 1
        for col, width in self.column_widths.items():
            sheet.set_column(col, col, width)
        for number, names in enumerate(self.header_rows()):
            if number:
                row_no += 1
            for col, name in enumerate(names):
                if name is None or name == "":
                    sheet.write_blank(row_no, col, None, head_fmt)
                elif isinstance(name, datetime | date):
                    sheet.write_datetime(row_no, col, name, date_fmt)
                elif isinstance(name, int | float) and not isinstance(name, bool):
                    sheet.write_number(row_no, col, name, head_fmt)
                else:
                    sheet.write_string(row_no, col, str(name), head_fmt)
        setup_sheet_printing(sheet, repeat_to_row=row_no, landscape=self.landscape)
        count = 0
        # The commonest cells (text, whole numbers, blanks) by their exact type first: this loop
        # runs once per cell of a 100,000-row roll.
        write_string, write_number, write_blank = sheet.write_string, sheet.write_number, sheet.write_blank
        for values in self.iterate_rows():
            row_no += 1
            count += 1
            if progress is not None and not count % PROGRESS_EVERY:
                progress(count)
            for col, value in enumerate(values):
                kind = type(value)
                if kind is str and value:
                    # write_string never interprets "=…" as a formula: the cell is text.
                    write_string(row_no, col, value, cell_fmt)
                elif value is None or value == "":
                    write_blank(row_no, col, None, cell_fmt)
                elif kind is int or kind is float:
                    write_number(row_no, col, value, cell_fmt)
                elif isinstance(value, bool):
                    write_string(row_no, col, "是" if value else "", cell_fmt)
                elif isinstance(value, int | float):
                    write_number(row_no, col, value, cell_fmt)
                elif isinstance(value, datetime | date):
                    if isinstance(value, datetime) and value.tzinfo is not None:
                        # Excel has no time zones: the time is written as read in Beijing.
                        value = timezone.localtime(value).replace(tzinfo=None)
                    sheet.write_datetime(row_no, col, value, date_fmt)
                else:
                    write_string(row_no, col, str(value), cell_fmt)
        book.close()
        return count

    def write_csv(self, out: IO[str]) -> int:
        writer = csv.writer(out)
        for names in self.header_rows():
            writer.writerow(["" if v is None else escape_cell(v) for v in names])
        count = 0
        for values in self.iterate_rows():
            count += 1
            writer.writerow(["" if v is None else escape_cell(v) for v in values])
        return count

    def xlsx_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.write_xlsx(buffer)
        return buffer.getvalue()

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        self.write_csv(buffer)
        # utf-8-sig: Excel on Windows opens it with the right encoding.
        return buffer.getvalue().encode("utf-8-sig")
