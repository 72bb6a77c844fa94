"""Yearly figures of projects, commando teams and the 工业社区 (see core.metrics for the contract).

A project's investment counts in every year it is under way (begun by the year's end, not finished
before it starts); only top-level projects count, so a sub-project's share is never added twice.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from dangjian.core import cnnum
from dangjian.core.metrics import Metric, register, register_examples

from .models import CommandoTeam, Enterprise, Initiative, Project, ProjectKind
from .selectors import active_in

AREA = "项目建设"
PROJECT_COLUMNS = (
    ("name", "项目"),
    ("org__name", "责任组织"),
    ("kind", "类型"),
    ("status", "状态"),
    ("started_on", "开工"),
    ("finished_on", "投用"),
)


def _top(year: int, **filters):
    return active_in(Project.objects.filter(parent__isnull=True, **filters), year)


def _completed(year: int):
    return Project.objects.filter(
        parent__isnull=True,
        initiative=Initiative.RED_SITE,
        finished_on__gte=date(year, 1, 1),
        finished_on__lte=date(year, 12, 31),
    )


def _in_progress(year: int):
    end = date(year, 12, 31)
    return Project.objects.filter(
        parent__isnull=True, initiative=Initiative.RED_SITE, started_on__lte=end
    ).exclude(finished_on__lte=end)


def _teams(year: int):
    return active_in(CommandoTeam.objects.all(), year, "formed_on", "disbanded_on")


def _enterprises(year: int):
    return active_in(Enterprise.objects.all(), year, "joined_on", "left_on")


register(
    Metric(
        key="projects.investment",
        label="在建及投用项目总投资",
        unit="元",
        area=AREA,
        facts=lambda year: _top(year).exclude(status="planning"),
        aggregate=Sum("investment"),
        money=True,
        approx=True,
        breakdown="kind",
        breakdown_labels=dict(ProjectKind.choices),
        chart="bar",
        columns=PROJECT_COLUMNS,
        order=700,
    )
)
register(
    Metric(
        key="projects.demo_belt_investment",
        label="精品乡村示范带投资",
        unit="元",
        area=AREA,
        facts=lambda year: _top(year, initiative=Initiative.DEMO_BELT),
        aggregate=Sum("investment"),
        money=True,
        approx=True,
        columns=PROJECT_COLUMNS,
        order=710,
    )
)
register(
    Metric(
        key="projects.life_circle_investment",
        label="15分钟生活圈投入资金",
        unit="元",
        area=AREA,
        facts=lambda year: _top(year, initiative=Initiative.LIFE_CIRCLE),
        aggregate=Sum("investment"),
        money=True,
        columns=PROJECT_COLUMNS,
        order=711,
    )
)
register(
    Metric(
        key="projects.life_circle_projects",
        label="15分钟生活圈民生项目",
        unit="个",
        area=AREA,
        facts=lambda year: _top(year, initiative=Initiative.LIFE_CIRCLE, kind=ProjectKind.LIVELIHOOD),
        columns=PROJECT_COLUMNS,
        order=712,
    )
)
register(
    Metric(
        key="projects.tourism_investment",
        label="品质旅游项目总投资",
        unit="元",
        area=AREA,
        facts=lambda year: _top(year, initiative=Initiative.TOURISM),
        aggregate=Sum("investment"),
        money=True,
        columns=PROJECT_COLUMNS,
        order=713,
    )
)
register(
    Metric(
        key="projects.completed",
        label="红色工地项目全面投用",
        unit="个",
        area=AREA,
        facts=_completed,
        columns=PROJECT_COLUMNS,
        order=720,
    )
)
register(
    Metric(
        key="projects.in_progress",
        label="红色工地项目加速推进",
        unit="个",
        area=AREA,
        facts=_in_progress,
        columns=PROJECT_COLUMNS,
        order=721,
    )
)
register(
    Metric(
        key="projects.commando_teams",
        label="党员突击队",
        unit="支",
        area=AREA,
        facts=_teams,
        columns=(
            ("name", "突击队"),
            ("org__name", "所属党组织"),
            ("project__name", "承担项目"),
            ("formed_on", "组建"),
        ),
        order=722,
    )
)
register(
    Metric(
        key="projects.enterprises",
        label="工业社区服务企业",
        unit="家",
        area=AREA,
        facts=_enterprises,
        columns=(("name", "企业"), ("sector", "行业"), ("workers", "职工")),
        order=730,
    )
)
register(
    Metric(
        key="projects.enterprise_workers",
        label="服务企业职工",
        unit="名",
        area=AREA,
        facts=_enterprises,
        aggregate=Sum("workers"),
        approx=True,
        columns=(("name", "企业"), ("workers", "职工")),
        order=731,
    )
)


def _children_names(initiative: str):
    def fetch(org, year: int) -> list[str]:
        parents = _top(year, initiative=initiative).filter(org__path__startswith=org.path)
        return list(
            Project.objects.filter(parent__in=parents)
            .order_by("-investment", "pk")
            .values_list("name", flat=True)[:10]
        )

    return fetch


def _with_investment(qs_for_year):
    """Names as the article writes them: the largest first, with its investment (“总投资102亿元的耕德电子产业园”)."""

    def fetch(org, year: int) -> list[str]:
        rows = qs_for_year(year).filter(org__path__startswith=org.path).order_by("-investment", "pk")
        out = []
        for i, (name, fen) in enumerate(rows.values_list("name", "investment")[:10]):
            out.append(f"总投资{cnnum.yuan_exact(fen)}的{name}" if i == 0 and fen else name)
        return out

    return fetch


def _names(qs_for_year):
    def fetch(org, year: int) -> list[str]:
        rows = qs_for_year(year).filter(org__path__startswith=org.path).order_by("-investment", "pk")
        return list(rows.values_list("name", flat=True)[:10])

    return fetch


def _rural(org, year: int) -> list[str]:
    rows = (
        _top(year, initiative=Initiative.RURAL)
        .filter(org__path__startswith=org.path)
        .order_by("-investment", "pk")
    )
    return [
        f"投资{cnnum.yuan_exact(fen)}建设{name}项目" if fen else f"加快打造{name}"
        for name, fen in rows.values_list("name", "investment")[:5]
    ]


register_examples("projects.village_brands", "精品乡村示范带村韵品牌", _children_names(Initiative.DEMO_BELT))
register_examples("projects.completed_names", "全面投用的项目", _with_investment(_completed))
register_examples(
    "projects.tourism_names", "品质旅游项目", _names(lambda year: _top(year, initiative=Initiative.TOURISM))
)
register_examples("projects.rural_names", "乡村振兴项目", _rural)
