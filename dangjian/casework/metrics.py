"""Yearly figures of research, visits and residents' requests (FIGURES.md rows 9 and 12)."""

from datetime import date, datetime

from django.db.models import Exists, F, OuterRef, Sum
from django.utils import timezone

from dangjian.core.metrics import Metric, register, register_examples

from .models import (
    DONE_STATUSES,
    KeyTarget,
    OutputKind,
    Request,
    ResearchOutput,
    ResearchProblem,
    ResearchTheme,
    ResearchVisit,
    Source,
    TargetReason,
    Visit,
)

RESEARCH = "调研"
VISITS = "走访与民生实事"


def _year(field: str, year: int) -> dict:
    return {f"{field}__gte": date(year, 1, 1), f"{field}__lt": date(year + 1, 1, 1)}


def _moment(year: int) -> datetime:
    return timezone.make_aware(datetime(year, 1, 1))


def _at_year(field: str, year: int) -> dict:
    """A datetime field within the local calendar year (index-friendly range, not __year)."""
    return {f"{field}__gte": _moment(year), f"{field}__lt": _moment(year + 1)}


def _targets_visited(year: int):
    visited = Visit.objects.filter(target=OuterRef("pk"), **_year("date", year))
    return KeyTarget.objects.filter(Exists(visited))


def _resolved(year: int):
    return Request.objects.filter(status__in=DONE_STATUSES, **_at_year("resolved_at", year))


REQUEST_COLUMNS = (
    ("received_at", "受理时间"),
    ("org__name", "承办组织"),
    ("category__name", "类别"),
    ("description", "诉求内容"),
    ("deadline", "办理期限"),
)

register(
    Metric(
        key="casework.research_themes",
        label="调研课题",
        unit="项",
        area=RESEARCH,
        facts=lambda year: ResearchTheme.objects.filter(year=year),
        columns=(("title", "课题名称"), ("org__name", "牵头组织"), ("lead", "牵头领导")),
        order=300,
    )
)
register(
    Metric(
        key="casework.research_visits",
        label="调研走访党员干部群众",
        unit="人",
        area=RESEARCH,
        facts=lambda year: ResearchVisit.objects.filter(**_year("date", year)),
        aggregate=Sum("people_count"),
        breakdown="visitee_kind",
        breakdown_labels={"member": "党员", "cadre": "干部", "resident": "群众"},
        columns=(
            ("date", "日期"),
            ("theme__title", "调研课题"),
            ("visitee", "走访对象"),
            ("people_count", "人数"),
        ),
        chart="pie",
        order=301,
    )
)
register(
    Metric(
        key="casework.problems_solved_on_site",
        label="调研现场解决问题",
        unit="个",
        area=RESEARCH,
        facts=lambda year: ResearchProblem.objects.filter(solved_on_site=True, **_year("visit__date", year)),
        path_field="visit__org__path",
        columns=(("visit__date", "日期"), ("visit__theme__title", "调研课题"), ("description", "问题")),
        order=302,
    )
)
register(
    Metric(
        key="casework.research_reports",
        label="调研报告",
        unit="篇",
        area=RESEARCH,
        facts=lambda year: ResearchOutput.objects.filter(kind=OutputKind.REPORT, **_year("date", year)),
        path_field="theme__org__path",
        columns=(("date", "日期"), ("title", "名称"), ("theme__title", "调研课题")),
        order=303,
    )
)
register(
    Metric(
        key="casework.institutional_outcomes",
        label="制度成果",
        unit="项",
        area=RESEARCH,
        facts=lambda year: ResearchOutput.objects.filter(kind=OutputKind.OUTCOME, **_year("date", year)),
        path_field="theme__org__path",
        columns=(("date", "日期"), ("title", "名称"), ("theme__title", "调研课题")),
        order=304,
    )
)
register(
    Metric(
        key="casework.visited_residents",
        label="党员干部走访群众",
        unit="人",
        area=VISITS,
        facts=lambda year: Visit.objects.filter(**_year("date", year)),
        approx=True,
        columns=(("date", "走访日期"), ("org__name", "组织"), ("visitor", "走访人"), ("visitee", "走访对象")),
        order=310,
        description="走访群众的人次（每条走访记录记一人）",
    )
)
register(
    Metric(
        key="casework.key_assistance_targets",
        label="走访重点帮扶对象",
        unit="名",
        area=VISITS,
        facts=_targets_visited,
        breakdown="reason",
        breakdown_labels={k: str(v) for k, v in TargetReason.choices},
        columns=(("name", "姓名"), ("org__name", "村/社区"), ("reason", "帮扶原因")),
        chart="pie",
        order=311,
        description="本年度至少走访一次的重点帮扶对象",
    )
)
register(
    Metric(
        key="casework.matters_resolved",
        label="解决民生实事",
        unit="件",
        area=VISITS,
        facts=_resolved,
        approx=True,
        breakdown="category__name",
        columns=REQUEST_COLUMNS,
        chart="bar",
        order=312,
    )
)
register(
    Metric(
        key="casework.requests_received",
        label="受理群众诉求",
        unit="件",
        area=VISITS,
        facts=lambda year: Request.objects.filter(**_at_year("received_at", year)),
        breakdown="source",
        breakdown_labels={k: str(v) for k, v in Source.choices},
        columns=REQUEST_COLUMNS,
        chart="pie",
        order=313,
    )
)
register(
    Metric(
        key="casework.resolved_on_time",
        label="按期办结群众诉求",
        unit="件",
        area=VISITS,
        facts=lambda year: _resolved(year).filter(resolved_at__date__lte=F("deadline")),
        columns=REQUEST_COLUMNS,
        order=314,
    )
)
register(
    Metric(
        key="casework.requests_open",
        label="年末未办结群众诉求",
        unit="件",
        area=VISITS,
        # Received in the year and still open now, or resolved only after the year ended.
        facts=lambda year: Request.objects.filter(**_at_year("received_at", year)).exclude(
            status__in=DONE_STATUSES, resolved_at__lt=_moment(year + 1)
        ),
        columns=REQUEST_COLUMNS,
        order=315,
    )
)


def _theme_names(org, year: int) -> list[str]:
    from .selectors import research_theme_names

    return research_theme_names(org, year)


register_examples("casework.research_theme_names", "调研课题", _theme_names)
