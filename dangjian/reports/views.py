from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.metrics import all_examples, all_metrics, get_or_none
from dangjian.core.scoping import has_capability, requires
from dangjian.core.years import default_year, parse_year
from dangjian.orgs.models import GRASSROOTS_LEVELS, Kind, Level
from dangjian.orgs.selectors import top_orgs_for

from . import figures, selectors, services, writers
from .exporting import TableExporter, xlsx_response
from .phrasing import dashboard_text
from .summary import build_summary, preview_section
from .summary_sections import TITLE_KEY, default_section

FIRST_YEAR = 2015


SESSION_YEAR = "reports_year"


def _year(request: HttpRequest, value: str | None, default: int | None = None) -> int:
    """The year asked for, else the one last chosen in this session, else ``default``, else the setting
    DANGJIAN_DEFAULT_YEAR, else this year. A year asked for is remembered for the next page."""
    year = parse_year(value)
    if year is not None:
        request.session[SESSION_YEAR] = year
        return year
    return default or parse_year(request.session.get(SESSION_YEAR)) or default_year()


def _years() -> list[int]:
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _unit(metric) -> str:
    return "元" if metric.money else metric.unit


def _header(metric) -> str:
    return f"{metric.label}（{_unit(metric)}）"


def _wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("export") == "xlsx"


@require_GET
@requires("reports.view")
def dashboard(request: AuthedRequest) -> HttpResponse:
    org = selectors.org_for_report(request.user, request.GET.get("org"))
    year = _year(request, request.GET.get("year"))
    metrics = all_metrics()
    table = request.GET.get("table", "")
    if _wants_xlsx(request):
        return _dashboard_export(request, org, year, metrics, table)
    # A breakdown's twin (members by status…) repeats a column of the table as it would a tile.
    rollup_metrics, rollup_rows, tiles = selectors.rollup(org, year, [m for m in metrics if m.tile])
    charts = selectors.charts(org, year, metrics)
    shown, hidden = selectors.level_tiles(org, year, tiles)
    context: dict[str, Any] = {
        "org": org,
        "year": year,
        "years": _years(),
        "ancestors": selectors.ancestors_in_scope(request.user, org),
        "areas": selectors.areas(shown),
        "hidden_tiles": hidden,
        "charts": charts,
        "rollup_metrics": rollup_metrics,
        "rollup_rows": rollup_rows,
        "q": _query(org=org.code, year=year),
        # A liaison-group member may hold several separate subtrees: let them switch between them.
        "tops": list(top_orgs_for(request.user, "reports.view")),
    }
    context["freshness"] = figures.freshness(context["org"], context["year"])
    return render(request, "reports/dashboard.html", context)


@require_GET
@requires("reports.view")
def todo(request: AuthedRequest) -> HttpResponse:
    """待办: what the org's secretary must do this month — each app's items (``register_todo``),
    overdue first, each a link to the form that does it."""
    from .todo import todo_list

    org = selectors.org_for_report(request.user, request.GET.get("org"))
    today = timezone.localdate()
    context = {
        "org": org,
        "todo": todo_list(request.user, org, today),
        "today": today,
        "tops": list(top_orgs_for(request.user, "reports.view")),
    }
    return render(request, "reports/todo.html", context)


WALL_REFRESH_SECONDS = 300
WALL_TILES = 12


@require_GET
@requires("reports.view")
def wall(request: AuthedRequest) -> HttpResponse:
    """The 大屏: the dashboard's key figures and charts, dark and large, reloading itself every five
    minutes (a meta refresh: no script needed); the figures come from the same store as the dashboard."""
    org = selectors.org_for_report(request.user, request.GET.get("org"))
    year = _year(request, request.GET.get("year"))
    metrics = all_metrics()
    shown, _ = selectors.level_tiles(org, year, selectors.tiles(org, year, metrics))
    # One figure per area first (the areas' leading figures), then the rest, skipping zeros.
    leading: list[Any] = []
    rest: list[Any] = []
    seen: set[str] = set()
    for tile in shown:
        if not tile.value:
            continue
        (rest if tile.metric.area in seen else leading).append(tile)
        seen.add(tile.metric.area)
    context = {
        "org": org,
        "year": year,
        "tiles": (leading + rest)[:WALL_TILES],
        "charts": selectors.charts(org, year, metrics)[:4],
        "refresh": WALL_REFRESH_SECONDS,
        "freshness": figures.freshness(org, year),
    }
    return render(request, "reports/wall.html", context)


def _dashboard_export(request, org, year, metrics, table: str) -> HttpResponse:
    if table == "rollup":
        rollup_metrics, rows, _ = selectors.rollup(org, year, [m for m in metrics if m.tile])
        headers = ["组织"] + [_header(m) for m in rollup_metrics]
        data = [
            [(r.org.name if r.org else f"{org.name}（本级）")]
            + [selectors.export_value(m, v) for m, v in zip(rollup_metrics, r.values, strict=True)]
            for r in rows
        ]
        name = "下级汇总"
    elif table.startswith("chart-"):
        spec = next((c for c in selectors.charts(org, year, metrics) if c["id"] == table), None)
        if spec is None:
            raise Http404
        headers = ["分类"] + [s["name"] for s in spec["series"]]
        data = [[c] + [s["data"][i] for s in spec["series"]] for i, c in enumerate(spec["categories"])]
        name = spec["title"]
    else:
        headers = ["领域", "指标", "数值", "单位", "指标代码"]
        data = [
            [
                t.metric.area,
                t.metric.label,
                selectors.export_value(t.metric, t.value),
                _unit(t.metric),
                t.metric.key,
            ]
            for t in selectors.tiles(org, year, metrics)
        ]
        name = "工作台指标"
    title = f"{org.name} {year}年 {name}"
    exporter = TableExporter(actor=request.user, name=name[:31], title=title, headers=headers, rows=data)
    return xlsx_response(exporter, title)


@require_GET
@requires("reports.view")
def drill(request: AuthedRequest, key: str) -> HttpResponse:
    metric = get_or_none(key)
    if metric is None:
        raise Http404
    org = selectors.org_for_report(request.user, request.GET.get("org"))
    year = _year(request, request.GET.get("year"))
    table = request.GET.get("table", "")
    columns = selectors.record_columns(metric)
    if _wants_xlsx(request) and table == "records":
        qs = selectors.records(request.user, metric, org, year)
        title = f"{org.name} {year}年 {metric.label} 明细"
        rows = selectors.record_rows(qs, metric, sheet=True)
        exporter = TableExporter(
            actor=request.user, name="明细", title=title, headers=[h for _, h in columns], rows=rows
        )
        return xlsx_response(exporter, title)
    value, own, by_child = figures.rollup(metric, org, year)
    children = selectors.children_of(org)
    child_rows = [(child, by_child.get(child.path, 0)) for child in children]
    if _wants_xlsx(request):
        title = f"{org.name} {year}年 {metric.label} 下级分布"
        named: list[tuple[str, int]] = ([(f"{org.name}（本级）", own)] if own else []) + [
            (c.name, v) for c, v in child_rows
        ]
        rows = [[name, selectors.export_value(metric, v)] for name, v in named]
        exporter = TableExporter(
            actor=request.user, name="下级分布", title=title, headers=["组织", _header(metric)], rows=rows
        )
        return xlsx_response(exporter, title)
    page = Paginator(selectors.records(request.user, metric, org, year), 50).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "metric": metric,
        "org": org,
        "year": year,
        "years": _years(),
        "value_text": dashboard_text(metric, value),
        "ancestors": selectors.ancestors_in_scope(request.user, org),
        "own_text": dashboard_text(metric, own) if own else "",
        "child_rows": [(child, dashboard_text(metric, v)) for child, v in child_rows],
        "columns": [h for _, h in columns],
        "page": page,
        # A page of a queryset is a (sliced) queryset; the paginator's type only promises a sequence.
        "rows": selectors.record_rows(cast(QuerySet, page.object_list), metric),
        "q": _query(org=org.code, year=year),
    }
    context["freshness"] = figures.freshness(context["org"], context["year"])
    return render(request, "reports/drill.html", context)


@require_GET
@requires("reports.view")
def compare_years(request: AuthedRequest) -> HttpResponse:
    org = selectors.org_for_report(request.user, request.GET.get("org"))
    year_b = _year(request, request.GET.get("b"))
    year_a = parse_year(request.GET.get("a")) or year_b - 1
    rows = selectors.compare_years(org, year_a, year_b)
    if _wants_xlsx(request):
        title = f"{org.name} {year_a}年与{year_b}年对比"
        data = [
            [r["metric"].area, r["metric"].label]
            + [selectors.export_value(r["metric"], r[k]) for k in ("a", "b", "delta")]
            + [_unit(r["metric"])]
            for r in rows
        ]
        headers = ["领域", "指标", f"{year_a}年", f"{year_b}年", "增减", "单位"]
        return xlsx_response(
            TableExporter(actor=request.user, name="年度对比", title=title, headers=headers, rows=data), title
        )
    context: dict[str, Any] = {
        "org": org,
        "a": year_a,
        "b": year_b,
        "years": _years(),
        "rows": rows,
        "ancestors": selectors.ancestors_in_scope(request.user, org),
        "q": _query(org=org.code, a=year_a, b=year_b),
    }
    context["freshness"] = figures.freshness(context["org"], context["b"])
    return render(request, "reports/compare_years.html", context)


KIND_CHOICES = [(k.value, k.label) for k in Kind if k != Kind.ZONE]
LEVEL_CHOICES = [(lv.value, lv.label) for lv in Level if lv in GRASSROOTS_LEVELS]


@require_GET
@requires("reports.view")
def compare_peers(request: AuthedRequest) -> HttpResponse:
    org = selectors.org_for_report(request.user, request.GET.get("org"))
    year = _year(request, request.GET.get("year"))
    kind = request.GET.get("kind") or Kind.VILLAGE
    if kind not in dict(KIND_CHOICES):
        raise Http404
    level = request.GET.get("level", Level.BRANCH)
    if level and level not in dict(LEVEL_CHOICES):
        raise Http404
    peers_qs = selectors.peers_of_kind(org, kind, level)
    page = Paginator(peers_qs, 100).get_page(request.GET.get("page"))
    peers = list(page.object_list) if not _wants_xlsx(request) else list(peers_qs)
    metrics, rows = selectors.compare_peers(org, peers, year)
    if _wants_xlsx(request):
        title = f"{org.name} {year}年 {dict(KIND_CHOICES)[kind]}类组织对比"
        headers = ["组织", "代码"] + [_header(m) for m in metrics]
        data = [
            [r.org.name, r.org.code]
            + [selectors.export_value(m, v) for m, v in zip(metrics, r.values, strict=True)]
            for r in rows
        ]
        return xlsx_response(
            TableExporter(actor=request.user, name="同类对比", title=title, headers=headers, rows=data), title
        )
    context = {
        "org": org,
        "year": year,
        "years": _years(),
        "kind": kind,
        "level": level,
        "kinds": KIND_CHOICES,
        "levels": LEVEL_CHOICES,
        "metrics": metrics,
        "rows": rows,
        "page": page,
        "ancestors": selectors.ancestors_in_scope(request.user, org),
        "q": _query(org=org.code, year=year, kind=kind, level=level),
    }
    context["freshness"] = figures.freshness(context["org"], context["year"])
    return render(request, "reports/compare_peers.html", context)


@require_GET
@requires("reports.view")
def summary(request: AuthedRequest) -> HttpResponse:
    org = selectors.org_for_report(request.user, request.GET.get("org"))
    year = _year(request, request.GET.get("year"))
    built = build_summary(org, year, selectors.summary_overrides(org, year))
    metrics = all_metrics()
    context: dict[str, Any] = {
        "org": org,
        "year": year,
        "years": _years(),
        "summary": built,
        "can_edit": has_capability(request.user, "reports.edit", org),
        "sections": selectors.section_texts(org, year),
        "title_key": TITLE_KEY,
        "placeholders": [
            (m, built.values.get(m.key, 0), dashboard_text(m, built.values.get(m.key, 0))) for m in metrics
        ],
        "example_keys": all_examples(),
        "ancestors": selectors.ancestors_in_scope(request.user, org),
        "q": _query(org=org.code, year=year),
    }
    context["freshness"] = figures.freshness(context["org"], context["year"])
    return render(request, "reports/summary.html", context)


@require_GET
@requires("reports.view")
def summary_download(request: AuthedRequest) -> HttpResponse:
    org = selectors.org_for_report(request.user, request.GET.get("org"))
    year = _year(request, request.GET.get("year"))
    fmt = request.GET.get("format", "docx")
    if fmt not in writers.FORMATS:
        raise Http404
    built = build_summary(org, year, selectors.summary_overrides(org, year))
    response = HttpResponse(writers.render(built, fmt), content_type=writers.FORMATS[fmt][0])
    response["Content-Disposition"] = disposition(writers.filename(built, fmt))
    return response


@require_POST
@requires("reports.edit")
def summary_edit(request: AuthedRequest) -> HttpResponse:
    org = selectors.org_for_report(request.user, request.POST.get("org"), "reports.edit")
    year = _year(request, request.POST.get("year"))
    section = request.POST.get("section", "")
    try:
        services.save_summary_section(
            actor=request.user,
            org=org,
            year=year,
            section=section,
            heading=request.POST.get("heading", ""),
            body=request.POST.get("body", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "章节文稿已保存，数字仍随业务记录自动生成。")
    return redirect(reverse("reports:summary") + _query(org=org.code, year=year) + f"#section-{section}")


@require_POST
@requires("reports.edit")
def summary_preview(request: AuthedRequest) -> HttpResponse:
    """The edited text of one section rendered with the records' figures, without saving (htmx)."""
    org = selectors.org_for_report(request.user, request.POST.get("org"), "reports.edit")
    year = _year(request, request.POST.get("year"))
    section = request.POST.get("section", "")
    if default_section(section) is None:
        raise Http404
    error = ""
    rendered = None
    try:
        rendered = preview_section(
            org, year, section, request.POST.get("heading", ""), request.POST.get("body", "")
        )
    except ValidationError as exc:
        error = "；".join(exc.messages)
    return render(
        request, "reports/summary.html#preview", {"rendered": rendered, "error": error, "section": section}
    )
