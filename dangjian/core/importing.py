"""The generic spreadsheet import: typed columns with header aliases, a dry run, an all-or-nothing commit.

An app's importer subclasses ``Importer`` and lists ``ImportColumn`` objects (pretix's ImportColumn
idea). The base does what every import needs, in this order:

1. whole-file checks (``check_file``): size limit, xlsx/ods zip entry count and compression ratio,
   no macros (vbaProject.bin / _VBA_PROJECT), no DTD in the package XML (defusedxml);
2. reading (``read_table``): streamed by ``core.sheets`` under caps on rows, columns and cell size
   (xlsx and ods parsed as they unzip, python-calamine for legacy xls, csv in UTF-8 with or without
   BOM falling back to GB18030, a superset of GBK);
3. header detection (``find_header``): the best-matching row among the first rows, or a merged
   two-row header (a parent cell spanning sub-columns, plain columns merged down);
4. per-cell normalization (NFKC, so full-width digits and letters become ASCII; trailing spaces);
5. per-cell ``clean`` (once per distinct text of a column: a roster repeats most of its cells; rows
   are read in blocks and each block is cleaned column by column) and
   per-row ``validate_row``, then ``validate_file`` for checks across rows
   and against the database; every problem is an ``Issue`` with the row number Excel shows and the
   column's Chinese name;
6. ``commit`` (only when the report is clean) inside one transaction, written by the subclass.

Contract for subclasses: ``columns``; optionally ``validate_row(row)``, ``validate_file(rows)``;
``commit(rows) -> dict`` with counts, called inside ``transaction.atomic``. Cells that fail ``clean``
become ``None`` in ``row.values`` and add an issue, so later checks can skip them.

A subclass that sets ``chunk_rows`` (and gives ``begin_checks``, ``validate_chunk``, ``write_chunk``
and ``writes_in_transaction``) has its committing runs write while they check (``_run_streamed``):
each chunk of rows is checked across rows and, while the file so far is clean, written and let go,
so a committed report holds only the rows ``commit`` still needed; a refused one every row checked
after the first problem, and nothing it wrote stays.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

MAX_ZIP_ENTRIES = 2000
MAX_ZIP_RATIO = 200
MAX_UNCOMPRESSED = 400 * 1024 * 1024
HEADER_SCAN_ROWS = 10
SPREADSHEET_EXTENSIONS = {".xlsx", ".xls", ".ods", ".csv"}


class FileRejected(Exception):
    """The whole file is refused before any row is read; ``str()`` is the Chinese reason."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class CellError(ValueError):
    """Raised by ``ImportColumn.clean``: ``code`` is stable, ``message`` Chinese."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class Issue:
    row: int  # the row number Excel shows (1-based); 0 for the whole file
    column: str  # the column's Chinese name, or "" for the whole row
    code: str
    message: str


_NO_ISSUES: list[Issue] = []  # shared by every clean row; never appended to (see Row.error)


class Row:
    """One data row: its Excel number, its typed ``values`` and its ``issues``. ``raw`` (the cells as
    read) is kept only for rows with issues: the error report writes them back out."""

    __slots__ = ("number", "raw", "values", "issues")

    def __init__(
        self,
        number: int,
        raw: list[Any] | None,
        values: dict[str, Any] | None = None,
        issues: list[Issue] | None = None,
    ):
        self.number = number
        self.raw = raw
        self.values = {} if values is None else values
        # A clean row shares one empty list: 100,000 rows would otherwise hold 100,000 of them.
        self.issues = issues if issues else _NO_ISSUES

    def error(self, column: str, code: str, message: str) -> None:
        if self.issues is _NO_ISSUES:
            self.issues = []
        self.issues.append(Issue(self.number, column, code, message))

    def __repr__(self) -> str:
        return f"Row({self.number}, issues={self.issues!r})"


@dataclass
class Report:
    """What a dry run or a commit found: every issue, and what would change."""

    rows: list[Row] = field(default_factory=list)
    file_issues: list[Issue] = field(default_factory=list)
    header_row: int = 0
    head: list[list[Any]] = field(default_factory=list)  # the rows down to the header, as read
    counts: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # the importer's, see Importer.timings

    @property
    def issues(self) -> list[Issue]:
        found = list(self.file_issues)
        for row in self.rows:
            found.extend(row.issues)
        return found

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.issues]

    @property
    def ok(self) -> bool:
        return not self.file_issues and not any(r.issues for r in self.rows)


# ---------------------------------------------------------------- normalization


_SPACES = re.compile(r"\s+")
# Format characters that pasted cells carry: soft hyphen, zero-width and bidi marks, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalize_cell(value: Any) -> Any:
    """NFKC text (full-width → ASCII), stripped, zero-width characters dropped; "" becomes None."""
    if value is None:
        return None
    if isinstance(value, str):
        if value.isascii():  # the common case, and NFKC would not change it
            return value.strip() or None
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", value)).strip()
        return text or None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # Spreadsheet numbers arrive as floats; 1.0 is the 序号 1.
        return int(value)
    return value


def normalize_header(value: Any) -> str:
    """Header text for matching: no spaces, brackets, asterisks or line breaks."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"[\s*()（）:：\[\]【】<>《》]", "", text)


# ---------------------------------------------------------------- columns


class ImportColumn:
    """A typed column: its identifier, Chinese name, header aliases and how to clean a cell.

    ``clean(value)`` receives the normalized cell (None when empty) and returns the typed value or
    raises ``CellError``; it must depend on the value alone (the base cleans each distinct text of a
    column once per file and reuses the outcome); ``required`` columns must be present in the header and non-empty per row.
    """

    def __init__(
        self,
        identifier: str,
        verbose_name: str,
        aliases: Iterable[str] = (),
        required: bool = False,
        clean: Callable[[Any], Any] | None = None,
        header_required: bool | None = None,
    ):
        self.identifier = identifier
        self.verbose_name = verbose_name
        self.aliases = tuple(normalize_header(a) for a in (verbose_name, *aliases))
        self.required = required
        self.header_required = required if header_required is None else header_required
        self._clean = clean

    def matches(self, header: str) -> int:
        """Match strength of a header text: 2 exact alias, 0 none."""
        if not header:
            return 0
        return 2 if header in self.aliases else 0

    def clean(self, value: Any) -> Any:
        if value is None:
            if self.required:
                raise CellError(f"{self.verbose_name}不能为空", "required")
            return None
        return self._clean(value) if self._clean else value


def clean_text(max_length: int, no_spaces: bool = False) -> Callable[[Any], str]:
    def clean(value: Any) -> str:
        text = str(value)
        text = "".join(text.split()) if no_spaces else _SPACES.sub(" ", text)
        if len(text) > max_length:
            raise CellError(f"内容过长（最多{max_length}个字）", "too_long")
        return text

    return clean


def clean_choice(mapping: dict[str, str], label: str) -> Callable[[Any], str]:
    """Map written forms ("男", "男性") to stored values; unknown text is an error."""
    normalized = {normalize_header(k): v for k, v in mapping.items()}

    def clean(value: Any) -> str:
        key = normalize_header(value)
        if key not in normalized:
            raise CellError(f"{label}“{value}”无法识别", "choice")
        return normalized[key]

    return clean


def clean_flag(value: Any) -> bool:
    key = normalize_header(value).lower()
    if key in {"是", "√", "✓", "y", "yes", "1", "true", "有"}:
        return True
    if key in {"否", "×", "n", "no", "0", "false", "无", "-"}:
        return False
    raise CellError(f"“{value}”应填写“是”或“否”", "flag")


_YM = re.compile(r"(\d{4})\s*[.．/\-年]\s*(\d{1,2})\s*(?:月)?$")
_YMD = re.compile(r"(\d{4})\s*[.．/\-年]\s*(\d{1,2})\s*[.．/\-月]\s*(\d{1,2})\s*(?:日)?$")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?$")


def parse_date(value: Any) -> date:
    """Dates as rosters write them: 1985.03, 1985.3, 1985年3月, 1985-03-01, 19850301, date cells.

    A month without a day is the first of that month (rosters record joining by month).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("日期格式不正确", "date")
    if isinstance(value, int | float):
        # "1985.03" typed into a number cell: the fraction is the month (1985.1 is October? no —
        # Excel shows 1985.1 for both, and rosters mean January), so read it as its displayed text.
        text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    else:
        text = str(value).strip()
    try:
        if m := _YMD.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _YM.match(text):
            return date(int(m[1]), int(m[2]), 1)
        if m := _COMPACT.match(text):
            return date(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        raise CellError(f"日期“{text}”不存在", "date") from None
    raise CellError(f"日期“{text}”格式不正确，应为1985.03或1985-03-01", "date")


def clean_date(value: Any) -> date:
    day = parse_date(value)
    if not date(1900, 1, 1) <= day <= date.today():
        raise CellError(f"日期“{day:%Y-%m-%d}”不在合理范围内", "date_range")
    return day


# ---------------------------------------------------------------- file checks and reading


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRejected("文件已损坏或不是有效的Excel文件", "corrupt") from None
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRejected("文件内部结构异常（条目过多），已拒绝", "zip_entries")
    packed = sum(i.compress_size for i in infos) or 1
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNCOMPRESSED or unpacked / packed > MAX_ZIP_RATIO:
        raise FileRejected("文件解压后异常庞大（疑似压缩炸弹），已拒绝", "zip_bomb")
    names = {i.filename.lower() for i in infos}
    if any(n.endswith("vbaproject.bin") for n in names):
        raise FileRejected("文件包含宏，已拒绝；请另存为不含宏的.xlsx文件", "macro")
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    # The small package-level parts: a DTD or entity declaration here is never legitimate.
    for name in ("[Content_Types].xml", "xl/workbook.xml", "content.xml"):
        if name.lower() in names:
            try:
                fromstring(archive.read(name)[: 5 * 1024 * 1024])
            except DefusedXmlException:
                raise FileRejected("文件包含不安全的XML内容，已拒绝", "unsafe_xml") from None
            except Exception:  # noqa: S110 — malformed XML is the sheet reader's to report
                pass


def check_file(data: bytes, filename: str) -> str:
    """Whole-file checks; returns the lower-case extension or raises ``FileRejected``."""
    ext = Path(filename).suffix.lower()
    if ext in {".xlsm", ".xlsb", ".xltm"}:
        raise FileRejected("不接受含宏的Excel文件，请另存为.xlsx", "macro")
    if ext not in SPREADSHEET_EXTENSIONS:
        raise FileRejected("只接受.xlsx、.xls、.ods或.csv文件", "extension")
    if len(data) > settings.IMPORT_MAX_BYTES:
        limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        raise FileRejected(f"文件超过{limit}MB上限", "too_large")
    if not data:
        raise FileRejected("文件为空", "empty")
    if ext in {".xlsx", ".ods"}:
        _check_zip(data)
    elif ext == ".xls" and "_VBA_PROJECT".encode("utf-16-le") in data:
        raise FileRejected("文件包含宏，已拒绝；请另存为不含宏的文件", "macro")
    return ext


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not) first; offices' Excel saves csv as GBK, read as its superset GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise FileRejected("无法识别文件编码，请另存为UTF-8或GBK编码的CSV", "encoding") from None


def read_table(data: bytes, ext: str, on_height: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    """Rows of the first sheet from A1 on (empty rows kept, so positions are Excel row numbers),
    read as a stream under the row, column and cell caps of ``core.sheets``.

    ``on_height`` receives the sheet's row count (an estimate) once it is known, for progress.
    """
    from .sheets import SheetRejected, iter_rows

    try:
        yield from iter_rows(data, ext, on_height=on_height)
    except SheetRejected as exc:
        raise FileRejected(exc.message, exc.code) from None


# ---------------------------------------------------------------- header detection


@dataclass
class Header:
    row: int  # Excel row number of the last header row
    positions: dict[str, int]  # column identifier → index
    score: int


def _match(columns: list[ImportColumn], texts: list[str]) -> tuple[dict[str, int], int]:
    positions: dict[str, int] = {}
    for index, text in enumerate(texts):
        for column in columns:
            if column.identifier not in positions and column.matches(text):
                positions[column.identifier] = index
                break
    return positions, len(positions)


def find_header(columns: list[ImportColumn], head: list[list[Any]]) -> Header | None:
    """Best header among the first rows; a two-row header is tried as (lower row, else upper row)."""
    best: Header | None = None
    norm = [[normalize_header(c) for c in row] for row in head]
    for i, row in enumerate(norm):
        candidates = [(row, i)]
        if i + 1 < len(norm):
            lower = norm[i + 1]
            width = max(len(row), len(lower))
            merged = []
            for j in range(width):
                top = row[j] if j < len(row) else ""
                bottom = lower[j] if j < len(lower) else ""
                merged.append(bottom or top)
            candidates.append((merged, i + 1))
        for texts, last in candidates:
            positions, score = _match(columns, texts)
            if score and (best is None or score > best.score):
                best = Header(last + 1, positions, score)
    return best


# ---------------------------------------------------------------- the importer

# Distinct cell texts remembered per column (a column of distinct values such as ID numbers stops
# being remembered here, so a hostile file cannot grow the memo past this).
MEMO_LIMIT = 5_000
# Rows checked together, column by column.
BLOCK = 1_000


class _Values:
    """Its instances' ``__dict__`` is a row's ``values``: a plain dict, but one that shares its keys
    with every other row's (CPython's split table), half the memory of 100,000 separate dicts."""


# (empty once normalized, the clean value or None, the CellError or None) of one cell.
_Cleaned = tuple[bool, Any, CellError | None]


def _cleaned(column: ImportColumn, cell: Any) -> _Cleaned:
    """(empty once normalized, the clean value or None, the CellError or None) of one cell."""
    value = normalize_cell(cell)
    try:
        return value is None, column.clean(value), None
    except CellError as exc:
        return value is None, None, exc


class Importer:
    """Base class; see the module docstring for the contract."""

    identifier = ""
    verbose_name = ""
    columns: list[ImportColumn] = []
    # A row whose every mapped cell is empty ends nothing but is skipped; a footer such as
    # "填表人：" (text only in the first columns, no required value) is skipped as well.
    footer_markers = ("填表人", "填表日期", "审核人", "负责人", "制表")

    def __init__(self, progress: Callable[[int, int], None] | None = None):
        self.progress = progress
        self.present: set[str] = set()  # identifiers of the columns the file's header has
        self.expected_rows = 0  # the sheet's height, known once reading starts
        # Seconds per phase of the last run ("open", "read", "clean", "validate_file", then the
        # subclass's own): where the time goes, for ``manage.py import_members -v 2`` and the bench.
        self.timings: dict[str, float] = {}
        self._columns: list[tuple[str, int, ImportColumn, dict[Any, _Cleaned]]] = []
        self._then_commit = False
        self._sink: _Stream | None = None  # set while a streamed run parses
        self._streamed = False

    def report_progress(self, done: int, total: int, *, committing: bool = False) -> None:
        """Progress over the whole run: when a commit follows the check, each is half of the bar."""
        if not self.progress:
            return
        if self._streamed:
            # Checking and writing go together: the rows checked are the whole bar.
            if not committing:
                self.progress(done, total)
            return
        if not self._then_commit:
            self.progress(done, total)
        elif committing:
            self.progress(total + done, 2 * total)
        else:
            self.progress(done, 2 * total)

    # -- hooks
    def validate_row(self, row: Row) -> None:
        """Per-row checks across cells; add issues with ``row.error``."""

    def validate_file(self, rows: list[Row]) -> None:
        """Checks across rows and against the database (duplicates, other branches)."""

    def commit(self, rows: list[Row]) -> dict[str, int]:
        raise NotImplementedError

    # -- writing while checking (``chunk_rows`` > 0): see ``_run_streamed``
    chunk_rows = 0  # rows checked across and handed to ``write_chunk`` at a time; 0: never streamed
    database = "default"  # the connection the streamed writes and their transaction use

    def begin_checks(self) -> None:
        """Before the first ``validate_chunk``: forget what an earlier run's checks across rows saw."""

    def validate_chunk(self, rows: list[Row]) -> None:
        """``validate_file`` for the next rows of the file, given every row before them."""
        raise NotImplementedError

    def writes_in_transaction(self) -> bool:
        """Whether ``write_chunk``'s writes belong to the commit's own transaction (the base opens it
        before the first of them and rolls it back if anything fails), or are staged in transactions
        of their own (``unstage`` removes them if anything fails)."""
        return True

    def write_chunk(self, rows: list[Row]) -> list[Row]:
        """Rows checked clean, every row before them clean too: write what can be written now and
        return the rows ``commit`` still needs (the others are let go)."""
        raise NotImplementedError

    def stage(self, rows: list[Row]) -> None:
        """Before ``commit``, outside its transaction: write what can be written unseen (default: nothing)."""

    def unstage(self) -> None:
        """The commit failed: remove whatever ``stage`` wrote (default: nothing)."""

    def count_changes(self, rows: list[Row]) -> dict[str, int]:
        """What a commit would do ("added", "updated", "unchanged"), for the dry run."""
        return {"rows": len(rows)}

    # -- machinery
    def column(self, identifier: str) -> ImportColumn:
        return next(c for c in self.columns if c.identifier == identifier)

    def _is_footer(self, raw: list[Any]) -> bool:
        first = " ".join(str(c) for c in raw[:6] if c not in (None, ""))
        return any(marker in first for marker in self.footer_markers)

    def parse(self, data: bytes, filename: str) -> Report:
        with cyclic_gc_paused():
            return self._parse(data, filename)

    def _parse(self, data: bytes, filename: str) -> Report:
        sink = self._sink
        report = Report(timings=self.timings)
        began = time.perf_counter()
        try:
            ext = check_file(data, filename)
            self.timings["open"] = time.perf_counter() - began
            table = read_table(data, ext, on_height=lambda h: setattr(self, "expected_rows", h))
            head: list[list[Any]] = []
            for raw in table:
                head.append(raw)
                if len(head) >= HEADER_SCAN_ROWS:
                    break
        except FileRejected as exc:
            report.file_issues.append(Issue(0, "", exc.code, exc.message))
            return report
        header = find_header(self.columns, head)
        if header is None or header.score < 2:
            report.file_issues.append(Issue(0, "", "no_header", "找不到表头行，请确认表格包含“姓名”等列名"))
            return report
        report.header_row = header.row
        report.head = [list(r) for r in head[: header.row]]
        self.present = set(header.positions)
        missing = [
            c.verbose_name for c in self.columns if c.header_required and c.identifier not in header.positions
        ]
        if missing:
            for name in missing:
                report.file_issues.append(Issue(header.row, name, "missing_column", f"缺少必填列“{name}”"))
            return report
        self._columns = self._plan(header.positions)
        # Reading the first rows is most of the reading: an xlsx is scanned and loaded whole here.
        reading = time.perf_counter() - began - self.timings["open"]
        block: list[list[Any]] = head[header.row :]
        first = header.row + 1  # the Excel number of the block's first row
        checked = report.rows if sink is None else []  # streamed: rows checked, not yet handed on
        try:
            rows = iter(table)
            while True:
                # Rows are read in blocks and each block is checked column by column.
                tick = time.perf_counter()
                for raw in itertools.islice(rows, max(0, BLOCK - len(block))):
                    block.append(raw)
                reading += time.perf_counter() - tick
                if not block:
                    break
                self._check_block(block, first, checked)
                first += len(block)
                block = []
                if sink is not None and len(checked) >= sink.chunk_rows:
                    sink.take(checked, report)
                    checked = []
                if self.progress:
                    done = len(report.rows) + (len(checked) + sink.handed if sink is not None else 0)
                    self.report_progress(done, max(self.expected_rows - header.row, done))
        except FileRejected as exc:
            report.file_issues.append(Issue(0, "", exc.code, exc.message))
            return report
        if sink is not None and checked:
            sink.take(checked, report)
        self.timings["read"] = reading
        self.timings["clean"] = time.perf_counter() - began - reading - self.timings["open"]
        if sink is not None:
            self.timings["clean"] -= sink.validating + sink.writing
            self.timings["validate_file"] = sink.validating
        release_freed_memory()  # the sheet's grid, gone now
        if not report.rows and not (sink is not None and sink.handed):
            report.file_issues.append(Issue(0, "", "no_rows", "表头下没有数据行"))
            return report
        if sink is None:
            tick = time.perf_counter()
            self.validate_file(report.rows)
            self.timings["validate_file"] = time.perf_counter() - tick
        # Rows found bad only by the checks across rows have no cells kept: read them once more
        # (a refused file only), so the error report can write them back out as they were.
        wanted = {row.number: row for row in report.rows if row.issues and row.raw is None}
        if wanted:
            for number, raw in enumerate(read_table(data, ext), start=1):
                if number in wanted:
                    wanted[number].raw = raw
        return report

    def _plan(self, positions: dict[str, int]) -> list[tuple[str, int, ImportColumn, dict[Any, _Cleaned]]]:
        plan = []
        for column in self.columns:
            position = positions.get(column.identifier, -1)
            absent = (True, None, None) if position < 0 else _cleaned(column, None)
            # The memo answers the cell None (an absent or empty cell) as well as any text seen before.
            plan.append((column.identifier, position, column, {None: absent}))
        return plan

    def _check_block(self, block: list[list[Any]], first: int, checked: list[Row]) -> None:
        """Clean one block of rows column by column, then build and check its rows.

        Columns, not cells: each column cleans a distinct cell text once (a roster repeats its
        dates, sexes, ethnicities and posts thousands of times), so most cells cost one dict lookup,
        made for a whole column at C speed."""
        width = len(block)
        results_by_column: list[list[_Cleaned]] = []
        for _ident, position, column, memo in self._columns:
            if position < 0:
                results_by_column.append([memo[None]] * width)
                continue
            cells = [raw[position] if position < len(raw) else None for raw in block]
            found: list[_Cleaned | None] = list(map(memo.get, cells))
            if None in found:
                for i, known in enumerate(found):
                    if known is None:
                        cell = cells[i]
                        known = found[i] = _cleaned(column, cell)
                        if type(cell) is str and len(memo) < MEMO_LIMIT:
                            memo[cell] = known
            results_by_column.append(found)  # type: ignore[arg-type]  # no None is left
        # A row whose every mapped cell is empty is skipped, as is a footer (see footer_markers).
        filled = list(
            map(any, zip(*[[not r[0] for r in results] for results in results_by_column], strict=True))
        )
        # Markers hold no spaces, so one found in the joined text lies inside one cell's text.
        texts = "\x00".join([c for raw in block for c in raw[:6] if type(c) is str])
        footers = any(marker in texts for marker in self.footer_markers)
        values_by_row = zip(*[[r[1] for r in results] for results in results_by_column], strict=True)
        errors: dict[int, list[tuple[str, CellError]]] = {}
        for (_ident, _position, column, _memo), results in zip(self._columns, results_by_column, strict=True):
            for i, r in enumerate(results):
                if r[2] is not None:
                    errors.setdefault(i, []).append((column.verbose_name, r[2]))
        idents = [ident for ident, *_ in self._columns]
        validate_row = self.validate_row
        append = checked.append
        for i, (raw, values_of_row, keep) in enumerate(zip(block, values_by_row, filled, strict=True)):
            if not keep or (footers and self._is_footer(raw)):
                continue
            values = _Values().__dict__
            values.update(zip(idents, values_of_row, strict=True))
            row = Row(first + i, None, values)
            for name, error in errors.get(i, ()):
                row.error(name, error.code, error.message)
            validate_row(row)
            if row.issues:
                row.raw = raw
            append(row)

    def run(self, data: bytes, filename: str, *, dry_run: bool) -> Report:
        """Parse and check; unless ``dry_run``, commit when (and only when) the report is clean."""
        with cyclic_gc_paused():
            return self._run(data, filename, dry_run=dry_run)

    def _run(self, data: bytes, filename: str, *, dry_run: bool) -> Report:
        from django.db import transaction

        self._then_commit = not dry_run
        if not dry_run and self.chunk_rows > 0:
            return self._run_streamed(data, filename)
        report = self.parse(data, filename)
        if not report.ok:
            if report.rows and not report.file_issues:
                report.counts = self.count_changes([r for r in report.rows if not r.issues])
            return report
        if dry_run:
            report.counts = self.count_changes(report.rows)
            return report
        # An importer may write most of its rows before the commit's transaction, in short
        # transactions of its own where nobody sees them (``stage``), so that the commit holding the
        # write lock stays short; ``unstage`` takes them away again if anything fails.
        tick = time.perf_counter()
        self.stage(report.rows)
        self.timings["stage"] = time.perf_counter() - tick
        tick = time.perf_counter()
        try:
            with transaction.atomic():
                report.counts = self.commit(report.rows)
        except BaseException:
            self.unstage()
            raise
        self.timings["commit"] = time.perf_counter() - tick
        report.committed = True
        return report

    def _run_streamed(self, data: bytes, filename: str) -> Report:
        """Check and write together: every ``chunk_rows`` rows checked, while the file so far is
        clean, are checked across rows (``validate_chunk``) and handed to ``write_chunk``, and the
        commit then does the rest. The rows written are let go, so memory holds a chunk, not the
        file; PostgreSQL stores each chunk on its own core while the next one is read and checked;
        and the checks against the database are made once, not again before writing.

        All or nothing still: once any row has an issue nothing more is written, every row is still
        checked for the report, and what was written goes (the transaction is rolled back, or the
        staged rows removed); so does it when anything raises."""
        from django.db import transaction

        self._streamed = True
        self.begin_checks()
        try:
            with contextlib.ExitStack() as outer:
                stream = _Stream(self, outer)
                self._sink = stream
                try:
                    report = self.parse(data, filename)
                finally:
                    self._sink = None
                self.timings["write"] = stream.writing
                if not report.ok:
                    self.unstage()
                    if stream.in_transaction:
                        transaction.set_rollback(True, using=self.database)
                    if report.rows and not report.file_issues:
                        report.counts = self.count_changes([r for r in report.rows if not r.issues])
                    return report
                tick = time.perf_counter()
                with transaction.atomic(using=self.database):
                    report.counts = self.commit(report.rows)
            # The commit's own end included: PostgreSQL checks the deferred foreign keys there.
            self.timings["commit"] = time.perf_counter() - tick
        except BaseException:
            self.unstage()
            raise
        report.committed = True
        return report


class _Stream:
    """The parse's side of ``Importer._run_streamed``: takes each chunk of checked rows."""

    def __init__(self, importer: Importer, outer: contextlib.ExitStack):
        self.importer = importer
        self.outer = outer
        self.chunk_rows = importer.chunk_rows
        self.handed = 0  # rows written and let go
        self.clean = True
        self.in_transaction = False
        self.validating = 0.0
        self.writing = 0.0

    def take(self, rows: list[Row], report: Report) -> None:
        from django.db import transaction

        importer = self.importer
        tick = time.perf_counter()
        importer.validate_chunk(rows)
        self.validating += time.perf_counter() - tick
        if self.clean and (report.file_issues or any(row.issues for row in rows)):
            self.clean = False
        if not self.clean:
            report.rows.extend(rows)
            return
        tick = time.perf_counter()
        if importer.writes_in_transaction() and not self.in_transaction:
            self.outer.enter_context(transaction.atomic(using=importer.database))
            self.in_transaction = True
        kept = importer.write_chunk(rows)
        report.rows.extend(kept)
        self.handed += len(rows) - len(kept)
        self.writing += time.perf_counter() - tick


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    A big sheet's rows (and python-calamine's grid of a legacy .xls) are many small allocations
    freed once the last row is read, among objects allocated meanwhile: glibc keeps those pages
    through the rest of the import until asked."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while an import builds its rows: 100,000 rows of containers
    set off collection after collection, each walking every object the process holds (a third of a
    big import's check, more in a process that holds much else), and the rows form no cycles, so
    reference counting frees all of them anyway. What cycles the ORM makes meanwhile wait for the
    next collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The phases of ``Importer.timings``, as ``manage.py import_members -v 2`` prints them.
PHASE_LABELS = {
    "open": "检查文件（大小、压缩包、宏）",
    "read": "读取表格",
    "clean": "逐格清洗与逐行检查",
    "validate_file": "跨行与数据库检查",
    "stage": "暂存写入",
    "write": "边检查边写入",
    "commit": "提交",
}


def timings_as_text(report: Report) -> list[str]:
    """One Chinese line per phase of the import: 读取表格 1.23 秒."""
    return [f"{PHASE_LABELS.get(k, k)} {v:.2f} 秒" for k, v in report.timings.items()]


def issues_as_text(report: Report) -> list[str]:
    """One Chinese line per issue: 第7行「公民身份号码」：身份证号校验位错误."""
    lines = []
    for issue in report.issues:
        where = f"第{issue.row}行" if issue.row else "文件"
        column = f"「{issue.column}」" if issue.column else ""
        lines.append(f"{where}{column}：{issue.message}")
    return lines
