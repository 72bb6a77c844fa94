"""An imported beneficiary list (姓名, 身份证号, 金额, 股数, 备注): read, checked row by row, and matched to
the programme org's registry by the ID's blind index in one query per thousand rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from dangjian.core import importing
from dangjian.core.money import yuan_to_fen
from dangjian.core.pii import blind_index
from dangjian.people.selectors import persons_under

from .models import Programme
from .services import Line

if TYPE_CHECKING:
    from dangjian.people.models import Person


LIST_COLUMNS = {"姓名": "name", "身份证号": "id", "金额": "amount", "股数": "shares", "备注": "note"}
MAX_SHOWN_ERRORS = 20


def _header_map(row: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        text = importing.normalize_header(cell)
        for label, key in LIST_COLUMNS.items():
            if text.startswith(label) and key not in found:
                found[key] = i
    return found


def read_list(
    programme: Programme,
    data: bytes,
    filename: str,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[Line]:
    """The file's lines, or a ValidationError listing the first problems by row (nothing is written)."""
    ext = importing.check_file(data, filename)
    rows = [list(map(importing.normalize_cell, r)) for r in importing.read_table(data, ext)]
    head = next((i for i, r in enumerate(rows[:10]) if {"name", "id", "amount"} <= set(_header_map(r))), None)
    if head is None:
        raise ValidationError("名单须有“姓名”“身份证号”“金额”三列。", code="no_header")
    cols = _header_map(rows[head])

    def cell(row: list, key: str) -> Any:
        i = cols.get(key)
        return row[i] if i is not None and i < len(row) else ""

    body = [(n, row) for n, row in enumerate(rows[head + 1 :], start=head + 2) if any(row)]
    total = len(body)
    index = {n: blind_index("id", str(cell(row, "id"))) for n, row in body}
    persons: dict[str, Person] = {}
    keys = sorted(set(index.values()))
    for start in range(0, len(keys), 1000):
        chunk = (
            persons_under(programme.org).filter(id_index__in=keys[start : start + 1000]).select_related("org")
        )
        persons.update({p.id_index: p for p in chunk if p.id_index})
        progress(min(start + 1000, len(keys)), len(keys) + total)
    lines, errors = [], []
    for done, (n, row) in enumerate(body, start=1):
        person = persons.get(index[n])
        if person is None:
            errors.append(f"第{n}行：本单位人员中没有该身份证号")
        elif str(cell(row, "name")).strip() and str(cell(row, "name")).strip() != person.name:
            errors.append(f"第{n}行：姓名与该身份证号登记的姓名不一致")
        else:
            try:
                amount = yuan_to_fen(cell(row, "amount") or "0")
                shares = int(cell(row, "shares") or 1)
            except ValueError as exc:
                errors.append(f"第{n}行：{exc}")
            else:
                lines.append(Line(person, amount, shares, str(cell(row, "note") or "")[:100]))
        if done % 1000 == 0:
            progress(len(keys) + done, len(keys) + total)
    if errors:
        more = (
            f"（共{len(errors)}个问题，仅列出前{MAX_SHOWN_ERRORS}个）"
            if len(errors) > MAX_SHOWN_ERRORS
            else ""
        )
        raise ValidationError([*errors[:MAX_SHOWN_ERRORS], *([more] if more else [])], code="rows")
    if not lines:
        raise ValidationError("名单中没有数据行。", code="empty")
    return lines


def read_bank_result(data: bytes, filename: str) -> dict[int, tuple[bool, str]]:
    """The bank's result file, as the batch file went out with 结果 and 说明 filled in: line id →
    (succeeded, message). Lines whose first cell is not a line id (titles, headers, totals) are
    skipped; a result other than 成功/失败 refuses the whole file, so nothing is half-applied."""
    ext = importing.check_file(data, filename)
    results: dict[int, tuple[bool, str]] = {}
    for raw in importing.read_table(data, ext):
        row = [importing.normalize_cell(c) for c in raw]
        if not row or not str(row[0]).strip().isdigit():
            continue
        verdict = str(row[4] if len(row) > 4 else "").strip()
        if verdict not in ("成功", "失败"):
            raise ValidationError(f"明细{row[0]}的结果须为“成功”或“失败”。", code="verdict")
        line = int(str(row[0]).strip())
        if line in results:
            raise ValidationError(f"明细{line}在回盘文件中出现了两次。", code="duplicate")
        results[line] = (verdict == "成功", str(row[5] if len(row) > 5 else ""))
    if not results:
        raise ValidationError("回盘文件中没有明细行（第一列应为明细号）。", code="empty")
    return results
