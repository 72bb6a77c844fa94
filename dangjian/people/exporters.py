"""The roster export in the familiar 花名册 layout: a title row, 序号, then the columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from django.db import connections
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.dates import whole_years
from dangjian.core.exporting import ListExporter, raw_rows
from dangjian.core.pii import mask_id, mask_phone, shown_all

from .models import Member, MemberStatus

STATUS_LABELS: dict[str, str] = {MemberStatus.FULL: "正式党员", MemberStatus.PROBATIONARY: "预备党员"}


class _PerValue(dict[Any, Any]):
    """A cell derived from a raw value, computed the first time the value comes up and looked up
    after that (one dictionary lookup per cell: a roll repeats its dates); None gives ``blank``."""

    def __init__(self, derive: Callable[[Any], Any], blank: Any = None):
        super().__init__({None: blank})
        self.derive = derive

    def __missing__(self, raw: Any) -> Any:
        found = self[raw] = self.derive(raw)
        return found


class RosterExporter(ListExporter):
    identifier = "people.roster"
    verbose_name = "党员花名册"
    headers = [
        "序号",
        "姓名",
        "性别",
        "年龄",
        "民族",
        "学历",
        "党员状态",
        "入党时间",
        "转正时间",
        "党龄",
        "工作单位及职务",
        "党内职务",
        "联系电话",
        "公民身份号码",
        "流动党员",
        "村两委干部",
    ]
    column_widths = {0: 6, 1: 10, 7: 11, 8: 11, 10: 22, 12: 14, 13: 21}

    def __init__(
        self,
        *,
        actor: Actor,
        members: QuerySet[Member],
        title: str,
        reveal: bool = False,
        today: date | None = None,
    ):
        super().__init__(actor=actor, reveal=reveal)
        self.members = members
        self._title = title
        self.today = today or timezone.localdate()

    @property
    def title(self) -> str:
        return self._title

    def iterate_rows(self) -> Iterator[list[Any]]:
        # The driver's own tuples: no model instances (a third of a 100,000-member export once went
        # to building Person and Member objects) and no per-value field converters either. Each cell
        # is derived from the raw value once per distinct value (a roll repeats its dates: birthdays
        # across 24,000 days, joining months across a few hundred), and the two encrypted columns
        # are decrypted a chunk at a time by the cipher's batch reader (AES-GCM, about a microsecond
        # each). SQLite's dates are read as the text they are stored as: Python's sqlite3 would
        # parse every one into a date through Django's converter for the column's declared type
        # (300,000 calls in a 100,000-member roll, a tenth of its rows' time) only for the cache to
        # key on it. PostgreSQL's driver parses them in C, cheaper than the server's cast to text.
        # The importers module (the roster's columns and their checks) is loaded only by an export:
        # every process imports this one at start, where the app registers its exporter.
        from .importers import format_month

        on_sqlite = connections[self.members.db].vendor == "sqlite"

        def as_stored(field: str) -> Any:
            return Cast(field, CharField()) if on_sqlite else field

        qs = self.members.order_by("org_id", "person_id").values_list(
            "person__name",
            "person__sex",
            as_stored("person__birth_date"),
            "person__ethnicity",
            "person__education",
            "status",
            as_stored("joined_on"),
            as_stored("full_on"),
            "person__work_post",
            "party_post",
            "person__phone",
            "person__id_number",
            "is_floating",
            "is_village_cadre",
        )
        today = self.today

        def as_date(raw: Any) -> date:
            return raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])

        def age(birth: date) -> int:  # Person.age_on
            return whole_years(birth, today) if today >= birth else 0

        ages = _PerValue(lambda raw: age(as_date(raw)))
        standings = _PerValue(lambda raw: whole_years(as_date(raw), today))  # Member.standing_years
        months = _PerValue(lambda raw: format_month(as_date(raw)), blank="")

        show_phones, show_ids = shown_all(mask_phone, self.reveal), shown_all(mask_id, self.reveal)

        statuses = STATUS_LABELS
        n = 0
        for chunk in raw_rows(qs):
            phones = show_phones([row[10] for row in chunk])
            id_numbers = show_ids([row[11] for row in chunk])
            for (
                name,
                sex,
                birth,
                ethnicity,
                education,
                status,
                joined_on,
                full_on,
                work_post,
                party_post,
                _phone_token,
                _id_token,
                floating,
                cadre,
            ), phone, id_number in zip(chunk, phones, id_numbers, strict=True):
                n += 1
                yield [
                    n,
                    name,
                    sex,
                    ages[birth],
                    ethnicity,
                    education,
                    statuses.get(status, status),
                    months[joined_on],
                    months[full_on],
                    standings[full_on],
                    work_post,
                    party_post,
                    phone,
                    id_number,
                    "是" if floating else "",
                    "是" if cadre else "",
                ]


class RejectedRowsExporter(ListExporter):
    """The rows of an import that had problems, under the file's own title and header rows, with
    问题 and 原行号 columns after them: fix the flagged cells and upload it again as it is."""

    identifier = "people.rejected_rows"
    verbose_name = "问题行"

    def __init__(self, *, actor: Actor, report):
        super().__init__(actor=actor, reveal=True)
        self.report = report
        self.width = max((len(r) for r in [*report.head, *(r.raw for r in report.bad_rows)]), default=0)
        head = report.head or [[f"第{i + 1}列" for i in range(self.width)]]
        self._head = [
            self._pad(r) + ([None, None] if i < len(head) - 1 else ["问题", "原行号"])
            for i, r in enumerate(head)
        ]
        self.headers = [str(c or "") for c in self._head[-1]]

    def _pad(self, cells: list[Any]) -> list[Any]:
        cells = [
            c if c is None or isinstance(c, str | int | float | date | datetime) else str(c) for c in cells
        ]
        return cells + [None] * (self.width - len(cells))

    def header_rows(self) -> list[list[Any]]:
        return self._head

    def iterate_rows(self) -> Iterator[list[Any]]:
        for issue in self.report.file_issues:
            yield [*self._pad([]), issue.message, issue.row or None]
        for row in self.report.bad_rows:
            problems = "；".join(f"{i.column}：{i.message}" if i.column else i.message for i in row.issues)
            yield [*self._pad(row.raw), problems, row.number]
