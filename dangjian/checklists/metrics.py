"""Yearly figures of the key-task checklist, supervision and the ledgers (see core.metrics for the
contract), and the ledger names the year-end overview quotes."""

from datetime import date

from django.db.models import F
from django.utils import timezone

from dangjian.core.metrics import Metric, register, register_examples

from . import selectors
from .models import (
    Assignment,
    AssignmentState,
    KeyTask,
    LedgerEntry,
    Problem,
    ProblemState,
    SupervisionVisit,
    TaskStatus,
    VisitStatus,
)

AREA = "重点任务与督导"
ASSIGNMENT_COLUMNS = (
    ("task__number", "序号"),
    ("task__title", "重点任务"),
    ("org__name", "责任单位"),
    ("task__due_on", "完成时限"),
    ("completed_on", "完成日期"),
)
PROBLEM_COLUMNS = (
    ("visit__visited_on", "督导日期"),
    ("visit__org__name", "督导对象"),
    ("description", "问题"),
    ("rectify_by", "整改时限"),
    ("rectified_on", "整改完成"),
)


def _assignments(year: int):
    return Assignment.objects.filter(task__year=year, task__status=TaskStatus.PUBLISHED)


def _problems(year: int):
    return Problem.objects.filter(
        visit__visited_on__gte=date(year, 1, 1), visit__visited_on__lt=date(year + 1, 1, 1)
    )


register(
    Metric(
        key="checklists.key_tasks",
        label="全年党建重点任务",
        unit="项",
        area=AREA,
        facts=lambda year: KeyTask.objects.filter(year=year, status=TaskStatus.PUBLISHED),
        path_field="zone__path",
        columns=(("number", "序号"), ("title", "重点任务"), ("due_on", "完成时限")),
        order=600,
        description="党工委发布的年度重点任务清单",
    )
)
register(
    Metric(
        key="checklists.assignments",
        label="重点任务责任单位",
        unit="个",
        area=AREA,
        facts=_assignments,
        columns=ASSIGNMENT_COLUMNS,
        order=601,
        description="各项重点任务分解到的责任单位（任务×组织）",
    )
)
register(
    Metric(
        key="checklists.tasks_on_time",
        label="按期完成重点任务的责任单位",
        unit="个",
        area=AREA,
        facts=lambda year: _assignments(year).filter(
            state=AssignmentState.DONE, completed_on__lte=F("task__due_on")
        ),
        columns=ASSIGNMENT_COLUMNS,
        order=602,
        description="按责任单位计：在完成时限内报送并审核销号",
    )
)
register(
    Metric(
        key="checklists.tasks_overdue",
        label="重点任务逾期的责任单位",
        unit="个",
        area=AREA,
        facts=lambda year: _assignments(year).filter(selectors.late_q(timezone.localdate())),
        columns=ASSIGNMENT_COLUMNS,
        order=603,
        description="按责任单位计：超过完成时限仍未完成，或逾期完成",
    )
)
register(
    Metric(
        key="checklists.supervision_visits",
        label="联络组督导",
        unit="次",
        area=AREA,
        facts=lambda year: SupervisionVisit.objects.filter(
            status=VisitStatus.DONE, visited_on__gte=date(year, 1, 1), visited_on__lt=date(year + 1, 1, 1)
        ),
        columns=(
            ("visited_on", "督导日期"),
            ("group__name", "联络组"),
            ("org__name", "督导对象"),
            ("topic", "督导内容"),
        ),
        order=610,
    )
)
register(
    Metric(
        key="checklists.problems_found",
        label="督导发现问题",
        unit="个",
        area=AREA,
        facts=_problems,
        path_field="visit__org__path",
        columns=PROBLEM_COLUMNS,
        order=611,
    )
)
register(
    Metric(
        key="checklists.problems_rectified",
        label="督导问题已整改",
        unit="个",
        area=AREA,
        facts=lambda year: _problems(year).filter(state=ProblemState.RECTIFIED),
        path_field="visit__org__path",
        columns=PROBLEM_COLUMNS,
        order=612,
    )
)
register(
    Metric(
        key="checklists.ledgers",
        label="台账",
        unit="本",
        area=AREA,
        # The catalogue is kept once, not per year: every year counts the ledgers in use.
        facts=lambda year: LedgerEntry.objects.filter(active=True),
        path_field="zone__path",
        columns=(("name", "台账名称"),),
        order=620,
        description="党工委台账目录中在用的台账",
    )
)
register_examples("checklists.ledger_names", "台账名称", selectors.ledger_names)
