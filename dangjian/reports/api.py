"""Figures of the metrics registry over the API: the same selectors and scope as the dashboard."""

from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema

from dangjian.api.common import ErrorOut, requires_api, year_param
from dangjian.core.metrics import get_or_none
from dangjian.core.years import default_year, parse_year

from . import figures as store
from . import selectors
from .phrasing import dashboard_text, figure_text

router = Router(tags=["统计与报告"])


class FigureOut(Schema):
    key: str
    label: str
    unit: str
    area: str
    money: bool
    value: int
    text: str
    article_text: str


class FiguresOut(Schema):
    org_code: str
    org_name: str
    year: int
    as_of: str
    figures: list[FigureOut]


class ChildFigureOut(Schema):
    code: str
    name: str
    value: int


class RollupOut(Schema):
    key: str
    org_code: str
    year: int
    value: int
    own: int
    children: list[ChildFigureOut]


def _year(year: int | None) -> int:
    return parse_year(year) or default_year()


@router.get("/reports/figures", response={200: FiguresOut, 401: ErrorOut, 404: ErrorOut}, summary="年度指标")
@requires_api("reports.view")
def figures(request, org: str | None = None, year: int | None = year_param()):
    target = selectors.org_for_report(request.auth, org)
    year = _year(year)
    tiles = selectors.tiles(target, year)
    return {
        "org_code": target.code,
        "org_name": target.name,
        "year": year,
        "as_of": timezone.now().isoformat(),
        "figures": [
            {
                "key": t.metric.key,
                "label": t.metric.label,
                "unit": "元" if t.metric.money else t.metric.unit,
                "area": t.metric.area,
                "money": t.metric.money,
                "value": t.value,
                "text": dashboard_text(t.metric, t.value),
                "article_text": figure_text(t.metric, t.value, with_unit=True),
            }
            for t in tiles
        ],
    }


@router.get(
    "/reports/figures/{key}",
    response={200: RollupOut, 401: ErrorOut, 404: ErrorOut},
    summary="指标的下级分布",
)
@requires_api("reports.view")
def rollup(request, key: str, org: str | None = None, year: int | None = year_param()):
    metric = get_or_none(key)
    if metric is None:
        raise Http404
    target = selectors.org_for_report(request.auth, org)
    year = _year(year)
    value, own, per_child = store.rollup(metric, target, year)
    return {
        "key": key,
        "org_code": target.code,
        "year": year,
        "value": value,
        "own": own,
        "children": [
            {"code": c.code, "name": c.name, "value": per_child.get(c.path, 0)}
            for c in selectors.children_of(target)
        ],
    }
