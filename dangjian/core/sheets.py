"""Spreadsheet rows read as a stream, with caps, so memory stays flat whatever the file.

A 2 MB xlsx can unpack to 400 MB of XML, and a 19 MB csv holds 3.3 million short rows; a reader that
builds the whole sheet first (python-calamine builds a dense grid of every cell) takes a worker to
gigabytes before any check runs. Here xlsx and ods are parsed with expat as the bytes unzip, one row
at a time, and csv is decoded as it is read. Three caps (settings, each named in its Chinese message)
stop a file as soon as it crosses one:

- ``IMPORT_MAX_ROWS``: the Excel row number of the last row read;
- ``IMPORT_MAX_COLUMNS``: the column of any non-empty cell (and the cells in one row);
- ``IMPORT_MAX_CELL_CHARS``: the text of one cell.

An xlsx sheet's rows are first read by regular expressions at C speed (``_plain_rows``), a row at
a time, for as long as each row is plain: nothing but cells with a plain reference, style and type,
and a value, an inline string or a formula, every one inside the caps. That is what Excel, WPS,
LibreOffice and xlsxwriter write, and it reads faster than python-calamine builds its dense grid of
the sheet (100,000 rows × 12 columns: 1.1 s of CPU and no grid, where calamine took 1.0 s and 80 MB,
its scan before it 0.35 s more). At the first row that is not plain, or that comes near a cap, expat
takes over from the sheet's start and the rows already given are skipped: expat gives the same rows,
and names the cap crossed and where.

Legacy .xls (BIFF) is still read by python-calamine: its format caps a sheet at 65,536 × 256 cells
and the file size cap bounds it; the row and column caps are applied to what it returns.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any
from xml.parsers import expat
from xml.parsers.expat import XMLParserType

from django.conf import settings

CHUNK = 64 * 1024
SMALL_PART = 16 * 1024 * 1024  # workbook.xml, its rels and styles.xml: read whole, so kept small


class SheetRejected(Exception):
    """The file crosses a cap or cannot be read; ``message`` is Chinese, ``code`` stable."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Caps:
    rows: int
    columns: int
    cell_chars: int
    shared_chars: int  # all of an xlsx's shared strings together

    @classmethod
    def from_settings(cls) -> Caps:
        rows = settings.IMPORT_MAX_ROWS
        return cls(
            rows=rows,
            columns=settings.IMPORT_MAX_COLUMNS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            shared_chars=settings.IMPORT_MAX_SHARED_CHARS,
        )

    def too_many_rows(self) -> SheetRejected:
        return SheetRejected(f"表格超过{self.rows}行上限，请拆分成多个文件分批导入", "too_many_rows")

    def too_many_columns(self, row: int) -> SheetRejected:
        return SheetRejected(f"第{row}行超过{self.columns}列上限，请删除多余的列", "too_many_columns")

    def cell_too_long(self, row: int, column: int) -> SheetRejected:
        where = f"第{row}行第{column + 1}列" if row else "表格中有单元格"
        return SheetRejected(f"{where}的内容超过{self.cell_chars}个字上限", "cell_too_long")


def column_index(ref: str) -> int:
    """``"AB12"`` → 27 (0-based), from the letters only."""
    index = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            index = index * 26 + (ord(ch) - 64)
        elif "a" <= ch <= "z":
            index = index * 26 + (ord(ch) - 96)
        else:
            break
    return index - 1


def _no_dtd(parser: XMLParserType) -> None:
    """A DTD or entity declaration is never legitimate in a spreadsheet part (billion laughs, XXE)."""

    def refuse(*_args: object) -> int:
        raise SheetRejected("文件包含不安全的XML内容，已拒绝", "unsafe_xml")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse


def _feed(parser: XMLParserType, stream: IO[bytes]) -> Iterator[None]:
    """Feed a zip member to expat in chunks, yielding after each so rows are handed on as they end."""
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield
    except expat.ExpatError as exc:
        raise SheetRejected(f"文件内容已损坏（XML错误：{exc}）", "corrupt") from None


def _small(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > SMALL_PART:
        raise SheetRejected("文件内部结构异常，已拒绝", "zip_bomb")
    return archive.read(name)


# ---------------------------------------------------------------- xlsx

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DATE_BUILTIN = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


class _TooLong:
    """A shared string over the cell cap: refused only if a cell uses it."""

    __slots__ = ()


_TOO_LONG = _TooLong()


def _is_date_format(code: str) -> bool:
    text = _QUOTED.sub("", code).lower()
    return text != "general" and bool(re.search(r"[ydhsm]", text.replace("general", "")))


def _parse_small_xml(data: bytes, start: Callable[[str, dict[str, str]], None]) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    _no_dtd(parser)
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SheetRejected(f"文件内容已损坏（XML错误：{exc}）", "corrupt") from None


def _xlsx_parts(archive: zipfile.ZipFile) -> tuple[str, str | None, str | None, bool]:
    """(first sheet's part, shared strings part, styles part, 1904 date system)."""
    names = set(archive.namelist())
    sheets: list[str] = []
    date1904 = [False]

    def workbook(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith(" id")), None)
            if rid:
                sheets.append(rid)
        elif local == "workbookPr":
            date1904[0] = attrs.get("date1904", "").lower() in ("1", "true")

    if "xl/workbook.xml" not in names:
        raise SheetRejected("文件已损坏或不是有效的Excel文件", "corrupt")
    _parse_small_xml(_small(archive, "xl/workbook.xml"), workbook)
    targets: dict[str, str] = {}
    kinds: dict[str, str] = {}

    def rels(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(" ", 1)[-1] == "Relationship":
            target = attrs.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[attrs.get("Id", "")] = target
            kinds[attrs.get("Type", "").rsplit("/", 1)[-1]] = target

    if "xl/_rels/workbook.xml.rels" in names:
        _parse_small_xml(_small(archive, "xl/_rels/workbook.xml.rels"), rels)
    sheet = targets.get(sheets[0]) if sheets else None
    if sheet not in names:
        sheet = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in names else None
    if sheet is None:
        raise SheetRejected("文件中没有工作表", "corrupt")
    shared = kinds.get("sharedStrings") or "xl/sharedStrings.xml"
    styles = kinds.get("styles") or "xl/styles.xml"
    return sheet, shared if shared in names else None, styles if styles in names else None, date1904[0]


def _date_styles(archive: zipfile.ZipFile, part: str | None) -> list[bool]:
    """Per cell style index (``s``): does its number format show a date?"""
    if part is None:
        return []
    custom: dict[int, str] = {}
    xfs: list[int] = []
    depth = {"cellXfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] = True
        elif local == "cellStyleXfs" or local == "dxfs":
            depth["cellXfs"] = False
        elif local == "xf" and depth["cellXfs"]:
            try:
                xfs.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xfs.append(0)

    _parse_small_xml(_small(archive, part), start)
    return [(i in _DATE_BUILTIN) if i not in custom else _is_date_format(custom[i]) for i in xfs]


def _shared_strings(archive: zipfile.ZipFile, part: str | None, caps: Caps) -> list[str | _TooLong]:
    """The shared strings, each one plain text (rich text runs joined, phonetic guides left out);
    one over the cell cap as ``_TOO_LONG``. Read by regular expressions while every string is plain
    (``_plain_shared_strings``), else by expat."""
    if part is None:
        return []
    plain = _plain_shared_strings(archive, part, caps)
    return plain if plain is not None else _expat_shared_strings(archive, part, caps)


def _expat_shared_strings(archive: zipfile.ZipFile, part: str, caps: Caps) -> list[str | _TooLong]:
    strings: list[str | _TooLong] = []
    state = {"in_si": False, "in_t": False, "skip": 0, "size": 0, "total": 0}
    buffer: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "si":
            state.update(in_si=True, size=0)
            buffer.clear()
        elif local in ("rPh", "phoneticPr"):
            state["skip"] += 1  # phonetic guides (furigana) are not the cell's text
        elif local == "t" and state["in_si"] and not state["skip"]:
            state["in_t"] = True

    def end(name: str) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "si":
            strings.append(_TOO_LONG if state["size"] > caps.cell_chars else _ooxml_text("".join(buffer)))
            buffer.clear()
            state["in_si"] = False
        elif local in ("rPh", "phoneticPr"):
            state["skip"] -= 1
        elif local == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            state["size"] += len(data)
            state["total"] += len(data)
            if state["total"] > caps.shared_chars:
                raise SheetRejected(
                    f"表格文字总量超过{caps.shared_chars}字上限，请拆分成多个文件分批导入", "too_much_text"
                )
            if state["size"] <= caps.cell_chars:
                buffer.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    _no_dtd(parser)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.buffer_text = True
    with archive.open(part) as stream:
        for _ in _feed(parser, stream):
            pass
    return strings


# A plain shared string: one run of text, as Excel and WPS write a cell's text without rich formatting
# (East Asian Excel adds an empty phonetic setting to each).
_PHONETIC_SETTING = r"(?:<phoneticPr(?: [^<>/]*)?/>)?"
_PLAIN_SI = re.compile(
    r'<si><t(?: xml:space="preserve")?>([^<]*)</t>' + _PHONETIC_SETTING + "</si>"
    r"|<si><t(?: [^<>/]*)?/>" + _PHONETIC_SETTING + "</si>|<si/>"
)


def _plain_shared_strings(archive: zipfile.ZipFile, part: str, caps: Caps) -> list[str | _TooLong] | None:
    """The shared strings read as ``_shared_strings`` reads them, or None where any is not plain
    (rich text, phonetic guides, a comment, a DTD, another encoding): expat reads those. 265,000
    strings: 0.57 s through expat, a tenth of that here."""
    strings: list[str | _TooLong] = []
    total = 0
    max_chars = caps.cell_chars
    decoder = codecs.getincrementaldecoder("utf-8")()
    with archive.open(part) as stream:
        try:
            pending, started, finished = "", False, False
            while not finished:
                chunk = stream.read(CHUNK)
                finished = not chunk
                pending += decoder.decode(chunk, final=finished)
                if not started:
                    at = pending.find("<si")
                    if at < 0 and not finished:
                        if len(pending) > MAX_PENDING:
                            return None
                        continue
                    prologue = pending if at < 0 else pending[:at]
                    if not _plain_prologue(prologue):
                        return None
                    if at < 0:
                        return strings
                    pending, started = pending[at:], True
                cut = (
                    len(pending) if finished else max(pending.rfind("</si>") + 5, pending.rfind("<si/>") + 5)
                )
                if cut < 5:
                    if len(pending) > MAX_PENDING:
                        return None
                    continue
                region, pending = pending[:cut], pending[cut:]
                if "<!" in region or "<?" in region:
                    return None
                found = _PLAIN_SI.findall(region)
                if len(found) != region.count("<si"):
                    return None  # a string that is not plain
                for text in found:
                    if not text.isprintable() or "&" in text:
                        text = _xml_text(text)
                    total += len(text)
                    if total > caps.shared_chars:
                        raise SheetRejected(
                            f"表格文字总量超过{caps.shared_chars}字上限，请拆分成多个文件分批导入",
                            "too_much_text",
                        )
                    strings.append(_TOO_LONG if len(text) > max_chars else _ooxml_text(text))
            if "<si" in pending:
                return None
        except (_NotPlain, UnicodeDecodeError):
            return None
    return strings


def _excel_date(serial: float, date1904: bool) -> date | datetime | float:
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    try:
        moment = base + timedelta(days=serial)
    except (OverflowError, ValueError):
        return serial
    return moment.date() if moment.time() == datetime.min.time() else moment


# Office's escape for a character XML cannot carry in a cell's text (\r is written _x000D_; a literal
# "_x" sequence is itself escaped as _x005F_): read back as the character, as Excel and calamine do.
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_text(text: str) -> str:
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


# What an element of a worksheet part is to the reader, by its local name (any namespace prefix).
_OTHER, _CELL, _TEXT_PART, _ROW, _DIMENSION, _INLINE_TEXT = range(6)
_XLSX_KINDS = {"c": _CELL, "v": _TEXT_PART, "row": _ROW, "dimension": _DIMENSION, "t": _INLINE_TEXT}


def iter_xlsx(data: bytes, caps: Caps, on_height: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    """The first sheet's rows, each as it is read: by regular expressions at C speed while the rows
    are plain (``_plain_rows``), then, from the first row that is not, by expat, which reads any
    well-formed sheet and names the cap it crosses and where. Either way the memory held is a row
    and the shared strings, whatever the size of the sheet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SheetRejected("文件已损坏或不是有效的Excel文件", "corrupt") from None
    sheet, shared_part, styles_part, date1904 = _xlsx_parts(archive)
    dates = _date_styles(archive, styles_part)
    shared = _shared_strings(archive, shared_part, caps)
    for handed, row in enumerate(_plain_rows(archive, sheet, shared, dates, date1904, caps, on_height)):
        if row is _HAND_OVER:
            # expat reads the sheet again from its start and gives the same rows up to here: the
            # rows already handed on are skipped.
            rest = _stream_xlsx(archive, sheet, shared, dates, date1904, caps, None)
            yield from itertools.islice(rest, handed, None)
            return
        yield row


# ---------------------------------------------------------------- xlsx: plain rows

# A plain cell, as Excel, WPS, LibreOffice and xlsxwriter write cells: its reference first (A1 form),
# then its style and type, and a value, an inline string, or a formula and its value. Anything else
# that opens a tag in a row (another attribute or attribute order, rich text, a namespace prefix, a
# comment) is matched by the last alternative instead, and hands the row and every row after it to
# expat. Character data between cells is skipped, as expat's reader skips it.
_PLAIN_CELLS = re.compile(
    r'<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    r'(?:/>|>(?:<f(?: [\w:.-]+="[^"<>]*")*>[^<]*</f>|<f(?: [\w:.-]+="[^"<>]*")*/>)?'
    r'(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
    r"|(<)"
)
# A row's start tag: its number and plain attributes. Its cells run to the first end tag (no plain
# cell holds a "<" in its text).
_PLAIN_ROW = re.compile(r'<row r="([0-9]{1,7})"(?: (?!r=)[\w:.-]+="[^"<>]*")*(/?)>')
_PLAIN_DIMENSION = re.compile(r'<dimension ref="(?:[A-Z]{1,3}[0-9]{1,7}:)?[A-Z]{1,3}([0-9]{1,7})"')
_XML_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# Characters XML forbids (expat refuses the file): the fast reader hands such a row over.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HAND_OVER: list[Any] = []  # yielded (by identity) where the plain reader stops
MAX_PENDING = 4 * 1024 * 1024  # text without a row's end: no plain row is this long


class _NotPlain(Exception):
    pass


def _plain_prologue(prologue: str) -> bool:
    """What comes before a part's first string or row holds no DTD (expat refuses it) and declares
    no encoding but UTF-8."""
    declared = re.match(r'<\?xml[^>]*encoding="([^"]*)"', prologue)
    return "<!" not in prologue and not (declared and declared.group(1).lower().replace("-", "") != "utf8")


def _xml_text(raw: str) -> str:
    """Character data as expat gives it: line ends normalized, then the five entities and character
    references replaced; a character XML forbids, or any other entity, is not plain (expat refuses
    the file). Called for text that is not all printable or holds an ampersand."""
    if _NOT_XML.search(raw):
        raise _NotPlain
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in raw:
        return raw
    if raw.count("&") != len(_XML_ENTITY.findall(raw)):
        raise _NotPlain  # an undefined entity (expat refuses it), or a bare ampersand

    def replace(match: re.Match[str]) -> str:
        named, decimal, hexadecimal = match.groups()
        if named:
            return _NAMED_ENTITIES[named]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        text = chr(code) if code <= 0x10FFFF else ""
        if not text or _NOT_XML.match(text) or 0xD800 <= code <= 0xDFFF:
            raise _NotPlain
        return text

    return _XML_ENTITY.sub(replace, raw)


def _plain_rows(
    archive: zipfile.ZipFile,
    sheet: str,
    shared: list[str | _TooLong],
    dates: list[bool],
    date1904: bool,
    caps: Caps,
    on_height: Callable[[int], None] | None,
) -> Iterator[list[Any]]:
    """The rows ``_stream_xlsx`` gives, for as long as they are plain; then ``_HAND_OVER``, once.

    Every row that could cross a cap, or hold what a plain row does not (see ``_PLAIN_ROW``), or
    text that expat would treat otherwise, is handed over unread, so that expat gives the same rows,
    the same errors, at the same places. The sheet's part is read in chunks and decoded as UTF-8 as
    it unzips; the rows of each chunk are matched one after another, each where the last ended."""
    max_rows, max_columns, max_chars = caps.rows, caps.columns, caps.cell_chars
    max_cells = caps.columns * 16
    columns: dict[str, int] = {}
    emitted = 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    with archive.open(sheet) as stream:
        try:
            head = ""
            while "<sheetData" not in head:
                chunk = stream.read(CHUNK)
                head += decoder.decode(chunk, final=not chunk)
                if not chunk or len(head) > MAX_PENDING:
                    yield _HAND_OVER
                    return
            at = head.index("<sheetData")
            prologue, pending = head[:at], head[at:]
            if not _plain_prologue(prologue):
                yield _HAND_OVER
                return
            dimension = _PLAIN_DIMENSION.search(prologue)
            if on_height and dimension:
                on_height(min(int(dimension.group(1)), max_rows))
            if pending.startswith("<sheetData/>"):
                return
            if not pending.startswith("<sheetData>"):
                yield _HAND_OVER
                return
            pending = pending[len("<sheetData>") :]
            finished = False
            while True:
                if not finished:
                    chunk = stream.read(CHUNK)
                    finished = not chunk
                    pending += decoder.decode(chunk, final=finished)
                # Rows up to the last row's end in hand; the rest waits for the next chunk.
                cut = len(pending) if finished else pending.rfind("</row>") + 6
                if cut < 6 and not finished:
                    if len(pending) > MAX_PENDING:
                        yield _HAND_OVER
                        return
                    continue
                position = 0
                while position < cut:
                    match = _PLAIN_ROW.match(pending, position)
                    if match is None or match.end() > cut:
                        break
                    if match.group(2):
                        position = match.end()
                        continue  # an empty (perhaps only formatted) row
                    close = pending.find("</row>", match.end(), cut)
                    if close < 0:
                        break
                    number, body = int(match.group(1)), pending[match.end() : close]
                    position = close + 6
                    if "&" in body and body.count("&") != len(_XML_ENTITY.findall(body)):
                        raise _NotPlain  # an entity XML does not define: expat refuses the file
                    cells = _plain_cells(body, columns, shared, dates, date1904, max_chars, max_cells)
                    if not cells:
                        continue
                    if number <= emitted or number > max_rows or len(cells) > max_columns:
                        raise _NotPlain
                    if number - emitted > 1:
                        for _ in range(number - emitted - 1):
                            yield []
                    yield cells
                    emitted = number
                pending = pending[position:]
                if pending.startswith("</sheetData>"):
                    while stream.read(CHUNK):
                        pass  # to the end of the part, so the zip's checksum is verified
                    return
                if finished or position < cut:
                    raise _NotPlain  # what follows is not a plain row
        except (_NotPlain, UnicodeDecodeError):
            yield _HAND_OVER


def _plain_cells(
    body: str,
    columns: dict[str, int],
    shared: list[str | _TooLong],
    dates: list[bool],
    date1904: bool,
    max_chars: int,
    max_cells: int,
) -> list[Any]:
    """A plain row's cells as ``_stream_xlsx`` places them (``_cell_value`` there): the most
    frequent kinds tested first, a cell right after the last one appended."""
    found = _PLAIN_CELLS.findall(body)
    if len(found) > max_cells:
        raise _NotPlain
    cells: list[Any] = []
    for letters, style, kind, value, inline, other in found:
        if other or len(value) > max_chars or (not value.isprintable() and _NOT_XML.search(value)):
            raise _NotPlain
        cell: Any
        if kind == "s":
            try:
                cell = shared[int(value)]
            except (ValueError, IndexError):
                continue
            if cell is _TOO_LONG:
                raise _NotPlain
            if not cell:
                continue
        elif kind == "inlineStr" or kind == "str":
            cell = (inline or value) if kind == "inlineStr" else value
            if not cell:
                continue
            if not cell.isprintable() or "&" in cell:
                cell = _xml_text(cell)
            if "_x" in cell:
                cell = _ooxml_text(cell)
            if len(cell) > max_chars:
                raise _NotPlain
        elif kind == "" or kind == "n":
            if not value:
                continue
            try:
                cell = float(value)
            except ValueError:
                raise _NotPlain from None  # expat's reader keeps such text as it is
            if style:
                index = int(style)
                if index < len(dates) and dates[index]:
                    cell = _excel_date(cell, date1904)
            elif dates and dates[0]:
                cell = _excel_date(cell, date1904)
        elif kind == "b":
            cell = value.strip() in ("1", "true")
        elif kind == "e":
            continue
        else:
            raise _NotPlain  # "d" and anything unknown: expat's reader decides
        try:
            col = columns[letters]
        except KeyError:
            col = columns[letters] = column_index(letters)
        if col == len(cells):
            cells.append(cell)
        elif col > len(cells):
            cells.extend([None] * (col - len(cells)))
            cells.append(cell)
        else:
            cells[col] = cell
    return cells


def _stream_xlsx(
    archive: zipfile.ZipFile,
    sheet: str,
    shared: list[str | _TooLong],
    dates: list[bool],
    date1904: bool,
    caps: Caps,
    on_height: Callable[[int], None] | None = None,
) -> Iterator[list[Any]]:

    # expat calls back three times per cell (more for inline strings), so these handlers are the
    # reader's whole cost: state lives in closure variables, element names are classified once per
    # distinct name, and column letters once per distinct column.
    kinds: dict[str, int] = {}
    columns: dict[str, int] = {}
    done: list[list[Any]] = []
    cells: list[Any] = []
    text: list[str] = []
    row = emitted = cells_in_row = size = style = 0
    col = -1
    kind = ""
    collect = False
    max_cells = caps.columns * 16  # styled empty cells are common; millions are not
    max_columns, max_rows, max_chars = caps.columns, caps.rows, caps.cell_chars

    def classify(name: str) -> int:
        found = kinds[name] = _XLSX_KINDS.get(name.rsplit(" ", 1)[-1], _OTHER)
        return found

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, kind, style, cells_in_row, size, collect
        what = kinds.get(name)
        if what is None:
            what = classify(name)
        if what == _CELL:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                found = columns.get(letters)
                if found is None:
                    found = columns[letters] = column_index(letters)
                col = found
            else:
                col += 1
            kind = attrs.get("t", "n")
            s = attrs.get("s")
            if s is None:
                style = 0
            else:
                try:
                    style = int(s)
                except ValueError:
                    style = 0
            cells_in_row += 1
            if cells_in_row > max_cells:
                raise caps.too_many_columns(row)
            size = 0
            text.clear()
        elif what == _TEXT_PART or (what == _INLINE_TEXT and kind == "inlineStr"):
            collect = True
        elif what == _ROW:
            number = attrs.get("r")
            try:
                row = int(number) if number else row + 1
            except ValueError:
                row += 1
            col = -1
            cells_in_row = 0
            cells.clear()
        elif what == _DIMENSION and on_height:
            last = (attrs.get("ref") or "").rsplit(":", 1)[-1]
            digits = "".join(ch for ch in last if ch.isdigit())
            if digits:
                on_height(min(int(digits), max_rows))

    def end(name: str) -> None:
        nonlocal collect, emitted
        what = kinds.get(name)
        if what is None:
            what = classify(name)
        if what in (_TEXT_PART, _INLINE_TEXT):
            collect = False
        elif what == _CELL:
            value = _cell_value(kind, "".join(text) if len(text) != 1 else text[0], style)
            if value is not None and value != "":
                if col >= max_columns:
                    raise caps.too_many_columns(row)
                if col >= len(cells):
                    cells.extend([None] * (col + 1 - len(cells)))
                cells[col] = value
        elif what == _ROW:
            if not cells:
                return  # an empty (perhaps only formatted) row: it counts only if data follows
            if row > max_rows:
                raise caps.too_many_rows()
            # Rows left out of the XML are empty rows in Excel; positions stay Excel's row numbers.
            if row - emitted > 1:
                done.extend([] for _ in range(row - emitted - 1))
            done.append(list(cells))
            emitted = row
            cells.clear()

    def chars(data: str) -> None:
        nonlocal size
        if collect:
            size += len(data)
            if size > max_chars:
                raise caps.cell_too_long(row, col)
            text.append(data)

    def _cell_value(kind: str, raw: str, style: int) -> Any:
        if kind == "s":
            try:
                value = shared[int(raw)]
            except (ValueError, IndexError):
                return None
            if value is _TOO_LONG:
                raise caps.cell_too_long(row, col)
            return value
        if kind == "inlineStr" or kind == "str":
            return _ooxml_text(raw)
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "e" or raw == "":
            return None
        if kind == "d":
            try:
                return datetime.fromisoformat(raw)
            except ValueError:
                return raw
        try:
            number = float(raw)
        except ValueError:
            return raw
        if 0 <= style < len(dates) and dates[style]:
            return _excel_date(number, date1904)
        return number

    parser = expat.ParserCreate(namespace_separator=" ")
    _no_dtd(parser)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.buffer_text = True
    with archive.open(sheet) as stream:
        for _ in _feed(parser, stream):
            yield from done
            done.clear()


# ---------------------------------------------------------------- ods

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def iter_ods(data: bytes, caps: Caps, on_height: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SheetRejected("文件已损坏或不是有效的表格文件", "corrupt") from None
    if "content.xml" not in archive.namelist():
        raise SheetRejected("文件已损坏或不是有效的表格文件", "corrupt")
    done: list[list[Any]] = []
    st: dict[str, Any] = {
        "tables": 0,
        "row": 0,  # rows emitted so far
        "pending": 0,  # empty rows not yet emitted (only emitted when a non-empty row follows)
        "repeat_row": 1,
        "col": 0,
        "repeat_col": 1,
        "value": None,
        "type": "",
        "in_cell": False,
        "in_p": 0,
        "size": 0,
    }
    cells: list[Any] = []
    text: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if st["tables"] > 1:
            return
        ns, _, local = name.rpartition(" ")
        if ns == _TABLE and local == "table":
            st["tables"] += 1
        elif st["tables"] != 1:
            return
        elif ns == _TABLE and local == "table-row":
            st["repeat_row"] = _int(attrs.get(f"{_TABLE} number-rows-repeated"), 1)
            st["col"] = 0
            cells.clear()
        elif ns == _TABLE and local in ("table-cell", "covered-table-cell"):
            st["repeat_col"] = _int(attrs.get(f"{_TABLE} number-columns-repeated"), 1)
            kind = attrs.get(f"{_OFFICE} value-type", "")
            st["type"] = kind
            st["in_cell"] = True
            st["size"] = 0
            text.clear()
            if kind in ("float", "percentage", "currency"):
                st["value"] = _float(attrs.get(f"{_OFFICE} value"))
            elif kind == "date":
                st["value"] = _iso(attrs.get(f"{_OFFICE} date-value", ""))
            elif kind == "boolean":
                st["value"] = attrs.get(f"{_OFFICE} boolean-value") == "true"
            else:
                st["value"] = None
        elif ns == _TEXT and local == "p" and st["in_cell"]:
            if st["in_p"] == 0 and text:
                text.append("\n")
            st["in_p"] += 1
        elif ns == _TEXT and local == "s" and st["in_p"]:
            _add_text(" " * min(_int(attrs.get(f"{_TEXT} c"), 1), caps.cell_chars + 1))
        elif ns == _TEXT and local in ("tab", "line-break") and st["in_p"]:
            _add_text("\t" if local == "tab" else "\n")

    def end(name: str) -> None:
        if st["tables"] != 1:
            return
        ns, _, local = name.rpartition(" ")
        if ns == _TABLE and local == "table":
            st["tables"] += 1
        elif ns == _TEXT and local == "p" and st["in_cell"]:
            st["in_p"] -= 1
        elif ns == _TABLE and local in ("table-cell", "covered-table-cell"):
            value = st["value"]
            if value is None and text:
                value = "".join(text)
            repeat = st["repeat_col"]
            if value is not None and value != "":
                if st["col"] + repeat > caps.columns:
                    raise caps.too_many_columns(st["row"] + st["pending"] + 1)
                cells.extend([None] * (st["col"] - len(cells)))
                cells.extend([value] * repeat)
            st["col"] += repeat
            st["in_cell"] = False
        elif ns == _TABLE and local == "table-row":
            repeat = st["repeat_row"]
            if not cells:
                st["pending"] += repeat  # trailing empty rows (often "repeated" a million times) cost nothing
                return
            last = st["row"] + st["pending"] + repeat
            if last > caps.rows:
                raise caps.too_many_rows()
            done.extend([] for _ in range(st["pending"]))
            done.extend(list(cells) for _ in range(repeat))
            st["row"] = last
            st["pending"] = 0

    def _add_text(data: str) -> None:
        st["size"] += len(data)
        if st["size"] > caps.cell_chars:
            raise caps.cell_too_long(st["row"] + st["pending"] + 1, st["col"])
        text.append(data)

    def chars(data: str) -> None:
        if st["in_p"] and st["tables"] == 1:
            _add_text(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    _no_dtd(parser)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.buffer_text = True
    with archive.open("content.xml") as stream:
        for _ in _feed(parser, stream):
            yield from done
            done.clear()
            if st["tables"] > 1:
                return


def _int(text: str | None, default: int) -> int:
    try:
        return max(1, int(text)) if text else default
    except ValueError:
        return default


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _iso(text: str) -> date | datetime | str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.date() if "T" not in text else moment


# ---------------------------------------------------------------- csv


def csv_encoding(data: bytes) -> str:
    """UTF-8 (BOM or not) when every byte decodes as such, checked in chunks; else GB18030."""
    decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for i in range(0, len(data), 1024 * 1024):
            decoder.decode(data[i : i + 1024 * 1024])
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        for i in range(0, len(data), 1024 * 1024):
            decoder.decode(data[i : i + 1024 * 1024])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise SheetRejected("无法识别文件编码，请另存为UTF-8或GBK编码的CSV", "encoding") from None
    return "gb18030"


def iter_csv(data: bytes, caps: Caps, on_height: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    encoding = csv_encoding(data)
    if on_height:
        on_height(min(data.count(b"\n") + 1, caps.rows))
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    sample = stream.read(4096)
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # The csv module's own field limit stops one giant field before it is built; ours names the cap.
    csv.field_size_limit(max(caps.cell_chars + 1, 1024))
    number = 0
    try:
        for row in csv.reader(stream, dialect):
            number += 1
            if number > caps.rows:
                raise caps.too_many_rows()
            if len(row) > caps.columns and any(row[caps.columns :]):
                raise caps.too_many_columns(number)
            for i, cell in enumerate(row):
                if len(cell) > caps.cell_chars:
                    raise caps.cell_too_long(number, i)
            yield row[: caps.columns]
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise caps.cell_too_long(number + 1, 0) from None
        raise SheetRejected(f"CSV格式错误：{exc}", "corrupt") from None


# ---------------------------------------------------------------- xls (calamine)


def iter_xls(data: bytes, caps: Caps, on_height: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types per format
        raise SheetRejected(f"无法读取文件：{exc}", "corrupt") from None
    start = sheet.start
    top, left = start if start else (0, 0)
    if top + sheet.height > caps.rows:
        raise caps.too_many_rows()
    if on_height:
        on_height(top + sheet.height)
    # iter_rows starts at row 1 but at the first used column; pad so indexes stay Excel's.
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells = [None] * left + list(row)
        if len(cells) > caps.columns and any(c not in (None, "") for c in cells[caps.columns :]):
            raise caps.too_many_columns(number)
        for i, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > caps.cell_chars:
                raise caps.cell_too_long(number, i)
        yield cells[: caps.columns]


READERS = {".xlsx": iter_xlsx, ".ods": iter_ods, ".csv": iter_csv, ".xls": iter_xls}


def iter_rows(
    data: bytes, ext: str, caps: Caps | None = None, on_height: Callable[[int], None] | None = None
) -> Iterator[list[Any]]:
    """Rows of the first sheet from row 1 on (empty rows kept, so positions are Excel row numbers);
    a row is a list indexed from column A, possibly shorter than its neighbours."""
    return READERS[ext](data, caps or Caps.from_settings(), on_height)
