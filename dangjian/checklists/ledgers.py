"""The ledgers checklists draws itself (key tasks by category, supervision) and the printer every
ledger of the catalogue goes through: a paper file (cover with org, year and draw date; A4; title and
header repeated; "第 N 页 共 M 页"), the same as PDF, and an xlsx with the same print settings."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.exporting import labels
from dangjian.core.ledgers import Column, Ledger, Section, get_ledger, ledger_named, register_ledger
from dangjian.core.printing import html_to_pdf, setup_sheet_printing
from dangjian.core.scoping import has_capability, scoped
from dangjian.orgs.models import Org

from .models import (
    Assignment,
    AssignmentState,
    Category,
    Evidence,
    LedgerEntry,
    Problem,
    ReportState,
    SupervisionVisit,
    TaskStatus,
    VisitStatus,
)

TASK_COLUMNS = (
    Column("序号", 5),
    Column("类别", 9),
    Column("重点任务", 32),
    Column("责任单位", 18),
    Column("责任人", 8),
    Column("完成时限", 11),
    Column("完成情况", 10),
    Column("完成日期", 11),
    Column("佐证材料", 36),
)
# Wider than this (in characters) prints landscape.
PORTRAIT_WIDTH = 95


def assignment_status(a: Assignment, today: date) -> str:
    due = a.task.due_on
    if a.state == AssignmentState.DONE:
        return "逾期完成" if a.completed_on and a.completed_on > due else "按期完成"
    if due < today:
        return "逾期未完成"
    return str(AssignmentState(a.state).label)


def _task_rows(actor: Actor, org, year: int, category: str | None = None):
    today = timezone.localdate()
    qs = (
        scoped(Assignment.objects.all(), actor, "checklists.view")
        .filter(task__year=year, task__status=TaskStatus.PUBLISHED, org__path__startswith=org.path)
        .select_related("task", "org")
    )
    if category:
        qs = qs.filter(task__category=category)
    assignments = list(qs.order_by("task__number", "org__path"))
    evidence: dict[int, list[str]] = defaultdict(list)
    for assignment_id, label in (
        Evidence.objects.filter(report__assignment__in=[a.pk for a in assignments])
        .exclude(report__state=ReportState.RETURNED)
        .order_by("report__submitted_at", "id")
        .values_list("report__assignment_id", "label")
    ):
        evidence[assignment_id].append(label)
    categories = labels(Category.choices)
    for a in assignments:
        yield [
            a.task.number,
            categories[a.task.category],
            a.task.title,
            a.org.short_name or a.org.name,
            a.task.responsible_name,
            a.task.due_on,
            assignment_status(a, today),
            a.completed_on,
            "；".join(evidence.get(a.pk, [])),
        ]


def _category_rows(category: str):
    def rows(actor: Actor, org, year: int):
        return _task_rows(actor, org, year, category)

    return rows


VISIT_COLUMNS = (
    Column("督导日期", 11),
    Column("联络组", 10),
    Column("督导对象", 18),
    Column("督导内容", 24),
    Column("督导人员", 14),
    Column("发现问题", 8),
    Column("督导情况", 34),
)
PROBLEM_COLUMNS = (
    Column("督导对象", 18),
    Column("发现问题", 34),
    Column("发现日期", 11),
    Column("整改时限", 11),
    Column("责任人", 8),
    Column("状态", 8),
    Column("整改完成", 11),
    Column("整改情况", 30),
)


def _visit_rows(actor: Actor, org, year: int):
    visits = (
        scoped(SupervisionVisit.objects.all(), actor, "checklists.view")
        .filter(org__path__startswith=org.path, status=VisitStatus.DONE, visited_on__year=year)
        .select_related("group", "org")
        .order_by("visited_on", "id")
    )
    counts: dict[int, int] = defaultdict(int)
    for visit_id in Problem.objects.filter(visit__in=visits).values_list("visit_id", flat=True):
        counts[visit_id] += 1
    for v in visits:
        yield [v.visited_on, v.group.name, v.org.name, v.topic, v.visitors, counts[v.pk], v.summary]


def _problem_rows(actor: Actor, org, year: int):
    today = timezone.localdate()
    for p in (
        scoped(Problem.objects.all(), actor, "checklists.view")
        .filter(visit__org__path__startswith=org.path, visit__visited_on__year=year)
        .select_related("visit__org")
        .order_by("visit__visited_on", "id")
    ):
        state = p.get_state_display()
        if p.rectified_on is None and p.rectify_by < today:
            state = "逾期未整改"
        yield [
            p.visit.org.name,
            p.description,
            p.visit.visited_on,
            p.rectify_by,
            p.responsible_name,
            state,
            p.rectified_on,
            p.rectification,
        ]


def supervision_sections(actor: Actor, org, year: int) -> list[Section]:
    return [
        Section("督导情况", VISIT_COLUMNS, _visit_rows(actor, org, year)),
        Section("问题整改", PROBLEM_COLUMNS, _problem_rows(actor, org, year)),
    ]


def register() -> None:
    """Called from ChecklistsConfig.ready()."""
    register_ledger(
        key="checklists.key_tasks",
        name="重点任务台账",
        capability="checklists.view",
        columns=TASK_COLUMNS,
        rows=_task_rows,
        order=60,
        description="全年党建重点任务清单及各责任单位完成情况、佐证材料",
    )
    for order, category in enumerate(
        (
            Category.EXCELLENCE,
            Category.PROJECTS,
            Category.THEME_EDUCATION,
            Category.ORG_BUILDING,
            Category.GOVERNANCE,
        )
    ):
        register_ledger(
            key=f"checklists.tasks_{category.value}",
            name=f"{category.label}台账",
            capability="checklists.view",
            columns=TASK_COLUMNS,
            rows=_category_rows(category.value),
            order=61 + order,
            description=f"“{category.label}”类重点任务的完成情况与佐证材料",
        )
    register_ledger(
        key="checklists.supervision",
        name="督导台账",
        capability="checklists.view",
        sections=supervision_sections,
        order=70,
        description="联络组督导记录、发现问题及整改情况",
    )
    from dangjian.core.ledgers import register_record_kind

    from . import selectors

    register_record_kind(
        key="checklists.visit",
        label="督导记录",
        capability="checklists.view",
        search=selectors.search_visits,
        get=selectors.get_visit_ref,
    )


# --- the catalogue and the printer ----------------------------------------------------------------------


def resolve(entry: LedgerEntry) -> Ledger | None:
    """The registered ledger a catalogue entry is drawn from, or None while its module is not installed."""
    return get_ledger(entry.source) if entry.source else ledger_named(entry.name)


@dataclass
class PrintedSection:
    title: str
    columns: tuple[Column, ...]
    rows: list[list]
    note: str

    @property
    def centered_rows(self) -> list[list[tuple]]:
        """Rows as (value, centred?) pairs: numbers, dates and short codes centre as paper ledgers do."""
        centred = [
            all(isinstance(v, int | date) or v in (None, "") or len(str(v)) <= 5 for v in column)
            for column in zip(*self.rows, strict=False)
        ]
        return [
            [(v, centred[i] if i < len(centred) else False) for i, v in enumerate(row)] for row in self.rows
        ]

    @property
    def widths(self) -> list[str]:
        """Column widths as percentages of the page width, from the registered character widths."""
        total = sum(c.width for c in self.columns) or 1
        return [f"{100 * c.width / total:.1f}%" for c in self.columns]


@dataclass
class PrintedLedger:
    name: str
    org: Org
    year: int
    drawn_on: date
    sections: list[PrintedSection]

    @property
    def title(self) -> str:
        return f"{self.org.name}{self.year}年{self.name}"

    @property
    def landscape(self) -> bool:
        return any(sum(c.width for c in s.columns) > PORTRAIT_WIDTH for s in self.sections)

    @property
    def css_title(self) -> str:
        """The title as a CSS string literal for the repeated page header (escaped: it is org data)."""
        out = []
        for ch in self.title:
            out.append(f"\\{ord(ch):x} " if ch in '\\"<>\n\r' else ch)
        return '"' + "".join(out) + '"'

    @property
    def rows_total(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def may_print(actor: Actor, ledger: Ledger, org) -> bool:
    """A ledger reads the org's whole subtree: the actor needs its capability on every org of it
    (a grant on the org alone may not print it)."""

    if not has_capability(actor, ledger.capability, org):
        return False
    subtree = Org.objects.filter(path__startswith=org.path)
    return scoped(subtree, actor, ledger.capability).count() == subtree.count()


def printable_entries(actor: Actor, org, year: int) -> list[tuple[LedgerEntry, Ledger]]:
    """The zone's active catalogue entries this actor may print for ``org``, in catalogue order."""
    found = []
    for entry in LedgerEntry.objects.filter(zone__path=org.path[: Org.steplen], active=True).order_by(
        "order", "id"
    ):
        ledger = resolve(entry)
        if ledger is not None and may_print(actor, ledger, org):
            found.append((entry, ledger))
    return found


def draw(ledger: Ledger, actor: Actor, org, year: int, name: str | None = None) -> PrintedLedger:
    sections = [
        PrintedSection(s.title, tuple(s.columns), [list(r) for r in s.rows], s.note)
        for s in ledger.build(actor, org, year)
    ]
    return PrintedLedger(name or ledger.name, org, year, timezone.localdate(), sections)


def to_html(printed: PrintedLedger, *, screen: bool = False, links: dict | None = None) -> str:
    return render_to_string(
        "checklists/ledger_print.html", {"ledger": printed, "screen": screen, "links": links or {}}
    )


def to_pdf(printed: PrintedLedger) -> bytes:
    return html_to_pdf(to_html(printed))


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:28] or "台账"
    base, n = name, 2
    while name in used:
        name = f"{base[:26]}{n}"
        n += 1
    used.add(name)
    return name


def to_xlsx(printed: PrintedLedger) -> bytes:
    # Imported here, not at the top: every process loads this module at start (the app's ready()),
    # few ever write a workbook.
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    font = {"font_name": "宋体"}
    cover_big = book.add_format(
        {**font, "bold": True, "font_size": 26, "align": "center", "valign": "vcenter"}
    )
    cover_mid = book.add_format({**font, "font_size": 16, "align": "center", "valign": "vcenter"})
    title_fmt = book.add_format(
        {**font, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
    )
    note_fmt = book.add_format({**font, "font_size": 9, "italic": True})
    head = book.add_format(
        {
            **font,
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "bg_color": "#F2DCDB",
        }
    )
    cell = book.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"})
    number = book.add_format({**font, "border": 1, "valign": "top", "align": "center"})
    day = book.add_format(
        {**font, "border": 1, "num_format": "yyyy-mm-dd", "valign": "top", "align": "center"}
    )
    used: set[str] = set()

    cover = book.add_worksheet(_sheet_name("封面", used))
    cover.set_column(0, 0, 80)
    cover.set_row(6, 60)
    cover.write_string(6, 0, printed.org.name, cover_big)
    cover.set_row(8, 50)
    cover.write_string(8, 0, f"{printed.year}年度", cover_mid)
    cover.set_row(10, 60)
    cover.write_string(10, 0, printed.name, cover_big)
    cover.set_row(20, 30)
    cover.write_string(20, 0, f"制表单位：{printed.org.name}", cover_mid)
    cover.set_row(21, 30)
    d = printed.drawn_on
    cover.write_string(21, 0, f"制表日期：{d.year}年{d.month}月{d.day}日", cover_mid)
    cover.set_paper(9)
    cover.set_portrait()
    cover.fit_to_pages(1, 1)
    cover.center_horizontally()
    cover.hide_gridlines(2)

    for section in printed.sections:
        sheet = book.add_worksheet(_sheet_name(section.title, used))
        last = max(0, len(section.columns) - 1)
        heading = f"{printed.title} · {section.title}" if len(printed.sections) > 1 else printed.title
        sheet.set_row(0, 28)
        if last:
            sheet.merge_range(0, 0, 0, last, heading, title_fmt)
        else:
            sheet.write_string(0, 0, heading, title_fmt)
        note = section.note or f"共{len(section.rows)}条"
        sheet.write_string(1, 0, note, note_fmt)
        for col, column in enumerate(section.columns):
            sheet.set_column(col, col, column.width * 1.9 if column.width > 6 else column.width * 2.2)
            sheet.write_string(2, col, column.header, head)
        for r, values in enumerate(section.rows, start=3):
            for c, v in enumerate(values):
                if v is None or v == "":
                    sheet.write_blank(r, c, None, cell)
                elif isinstance(v, bool):
                    sheet.write_string(r, c, "是" if v else "否", cell)
                elif isinstance(v, int | float):
                    sheet.write_number(r, c, v, number)
                elif isinstance(v, date):
                    sheet.write_datetime(r, c, v, day)
                else:
                    # Always a string cell: text starting with "=" never becomes a formula.
                    sheet.write_string(r, c, str(v), cell)
        sheet.freeze_panes(3, 0)
        setup_sheet_printing(sheet, repeat_to_row=2, landscape=True, header=printed.title)
    book.close()
    return buffer.getvalue()
