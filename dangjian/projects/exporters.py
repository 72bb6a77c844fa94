"""The 项目建设台账 of an organization and year: a print page (A4 landscape, cover, header repeated) and
an xlsx with the same print settings. Derived from the project records, never typed in."""

from __future__ import annotations

import io
from typing import TypeVar

from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.money import fmt_yuan
from dangjian.core.printing import setup_sheet_printing

from . import selectors
from .models import AreaUnit, Initiative, Project, ProjectKind, ProjectStatus

HEADERS = [
    "序号",
    "项目名称",
    "上级项目",
    "类型",
    "专项行动",
    "责任组织",
    "状态",
    "总投资（万元）",
    "面积",
    "开工日期",
    "投用日期",
    "进度",
    "节点完成",
    "突击队",
]
WIDTHS = [5, 26, 16, 10, 14, 20, 6, 12, 12, 11, 11, 6, 8, 6]

_P = TypeVar("_P", bound=Project)


WAN_FEN = 100 * 10_000  # 1万元 in 分
INVESTMENT_COL, PROGRESS_COL = HEADERS.index("总投资（万元）"), HEADERS.index("进度")


def _wan(fen: int) -> str:
    """Investment in 万元 with up to four decimals, as ledgers print it (1,234.5 万元)."""
    whole, rest = divmod(fen, 100 * 10_000)
    if not rest:
        return f"{whole:,}"
    return f"{whole:,}.{rest * 10_000 // (100 * 10_000):04d}".rstrip("0").rstrip(".")


def _parents_then_children(projects: list[_P]) -> list[_P]:
    """Each project followed by its own sub-projects, so a village of the 示范带 is read under the
    示范带 even when the village's branch sorts before the project's owner."""
    ids = {p.pk for p in projects}
    children: dict[int, list] = {}
    for p in projects:
        if p.parent_id in ids:
            children.setdefault(p.parent_id, []).append(p)
    out: list = []

    def add(p) -> None:
        out.append(p)
        for child in children.get(p.pk, []):
            add(child)

    for p in projects:
        if p.parent_id not in ids:
            add(p)
    return out


def ledger_data(actor: Actor, org, year: int) -> dict:
    """Rows of the ledger in a fixed number of queries, whatever the number of projects."""
    projects = list(
        selectors.ledger_projects(actor, org, year).annotate(
            milestones_n=Count("milestones", distinct=True),
            milestones_done=Count("milestones", filter=Q(milestones__done_on__isnull=False), distinct=True),
            teams_n=Count("teams", distinct=True),
        )
    )
    projects = _parents_then_children(projects)
    progress = selectors.rolled_progress(projects)
    kinds, statuses, initiatives = (
        dict(ProjectKind.choices),
        dict(ProjectStatus.choices),
        dict(Initiative.choices),
    )
    units = dict(AreaUnit.choices)
    rows = []
    for i, p in enumerate(projects, start=1):
        rows.append(
            [
                i,
                p.name,
                p.parent.name if p.parent else "",
                kinds.get(p.kind, ""),
                initiatives.get(p.initiative, "") if p.initiative else "",
                p.org.name,
                statuses.get(p.status, ""),
                _wan(p.investment),
                f"{p.area.normalize():f}{units.get(p.area_unit, '')}" if p.area else "",
                p.started_on.isoformat() if p.started_on else "",
                p.finished_on.isoformat() if p.finished_on else "",
                f"{progress[p.pk]}%",
                f"{p.milestones_done}/{p.milestones_n}" if p.milestones_n else "",
                p.teams_n or "",
            ]
        )
    total = sum(p.investment for p in projects if p.parent_id is None)
    return {
        # The same rows as numbers, for the spreadsheet: 万元 and progress a fraction, so they add up.
        "numbers": [(p.investment / WAN_FEN, progress[p.pk] / 100) for p in projects],
        "org": org,
        "year": year,
        "headers": HEADERS,
        "rows": rows,
        "total": _wan(total),
        "total_yuan": fmt_yuan(total),
        "drawn_on": timezone.localdate(),
        "title": f"{org.name}{year}年项目建设台账",
    }


def ledger_xlsx(data: dict) -> bytes:
    # Imported here, not at the top: every process loads this module at start (the app's ready()),
    # few ever write a workbook.
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("项目建设台账")
    title = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    sub = book.add_format({"font_size": 10, "align": "right"})
    head = book.add_format(
        {
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "bg_color": "#F2F2F2",
        }
    )
    cell = book.add_format({"border": 1, "valign": "vcenter", "text_wrap": True, "font_size": 10})
    last = len(HEADERS) - 1
    sheet.merge_range(0, 0, 0, last, data["title"], title)
    sheet.set_row(0, 28)
    sheet.merge_range(
        1,
        0,
        1,
        last,
        f"统计期间：{data['year']}年1月1日至12月31日　制表日期：{data['drawn_on']:%Y年%m月%d日}　总投资合计：{data['total']}万元",
        sub,
    )
    for col, (name, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(2, col, name, head)
    money = book.add_format({"border": 1, "valign": "vcenter", "font_size": 10, "num_format": "#,##0.00"})
    percent = book.add_format({"border": 1, "valign": "vcenter", "font_size": 10, "num_format": "0%"})
    for r, (values, (wan, share)) in enumerate(zip(data["rows"], data["numbers"], strict=True), start=3):
        for c, value in enumerate(values):
            if c == INVESTMENT_COL:
                sheet.write_number(r, c, wan, money)
            elif c == PROGRESS_COL:
                sheet.write_number(r, c, share, percent)
            elif isinstance(value, int):
                sheet.write_number(r, c, value, cell)
            else:
                sheet.write_string(r, c, str(value), cell)
    # Paper as an office files it: A4 landscape, every column on one page width, title and header
    # repeated on each page, "第 N 页 共 M 页" at the foot.
    setup_sheet_printing(sheet, repeat_to_row=2, landscape=True)
    sheet.freeze_panes(3, 2)
    book.close()
    return out.getvalue()
