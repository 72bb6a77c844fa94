"""Reads of the reports app: figures from the metrics registry for an org subtree, always scoped.

Every figure is one aggregate query per metric over the subtree (``Metric.value``, ``by_child``,
``by_depth``, ``split``), so what a page costs depends on how many metrics are registered, never on
the size of the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, IntegerField, QuerySet
from django.http import Http404

from dangjian.core.actors import Actor
from dangjian.core.metrics import BaseMetric as Metric
from dangjian.core.metrics import all_metrics
from dangjian.core.money import fmt_yuan
from dangjian.core.pii import EncryptedTextField, mask_id
from dangjian.core.scoping import get_scoped_or_404, grants_for, scoped
from dangjian.orgs import selectors as orgs
from dangjian.orgs.models import GRASSROOTS_LEVELS, Org
from dangjian.orgs.selectors import top_orgs_for

from . import figures
from .models import SummaryText
from .phrasing import dashboard_text
from .summary_sections import DEFAULT_SECTIONS

CAPABILITY = "reports.view"


def org_for_report(actor: Actor, code: str | None, capability: str = CAPABILITY) -> Org:
    """The org a report is about: ``code`` if in scope, else the actor's top org; 404 otherwise.

    Figures cover the whole subtree, so the actor needs the capability on the subtree, not only on the
    node: a node-only grant would otherwise reveal its children's figures."""
    if code:
        org = get_scoped_or_404(Org.objects.all(), actor, capability, code=code)
    else:
        org = top_orgs_for(actor, capability).first()
        if org is None:
            raise Http404
    if not any(
        g.subtree and org.path.startswith(g.path) and (capability in g.capabilities or "*" in g.capabilities)
        for g in grants_for(actor)
    ):
        raise Http404
    return org


def ancestors_in_scope(actor: Actor, org: Org) -> list[Org]:
    return orgs.ancestors_in_scope(actor, org, CAPABILITY)


def children_of(org: Org) -> list[Org]:
    """Direct children (the caller holds a subtree grant on ``org``, so they are all in scope)."""
    return list(Org.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path"))


@dataclass
class Tile:
    metric: Metric
    value: int

    @property
    def text(self) -> str:
        return dashboard_text(self.metric, self.value)


@dataclass
class Area:
    name: str
    tiles: list[Tile] = field(default_factory=list)


def _same_facts_once(memo: dict, kind: tuple, metric: Metric, org: Org, year: int, compute):
    """Two metrics over the very same facts and aggregate (one registered for a tile, one for a chart)
    are queried once per table; ``memo`` lives for one table only."""
    key = (*kind, metric.facts, metric.path_field, getattr(metric, "aggregate", None), org.path, year)
    try:
        hash(key)
    except TypeError:
        return compute(org, year)
    if key not in memo:
        memo[key] = compute(org, year)
    return memo[key]


def tiles(org: Org, year: int, metrics: list[Metric] | None = None) -> list[Tile]:
    metrics = metrics or all_metrics()
    found = figures.values_or_live(metrics, org, year)
    return [Tile(m, found[m.key]) for m in metrics]


def level_tiles(org: Org, year: int, tile_list: list[Tile]) -> tuple[list[Tile], int]:
    """The tiles of the org's level, and how many were left out.

    A breakdown drawn only as its chart (``tile=False``) never has a tile. Below the top of the tree, a
    tile whose figure is zero here is left out when no fact of it sits below the top org anywhere: its
    facts attach at the zone only (联络组, 讲师库, 重点任务) or there are none, so a branch cannot have any.
    A zero that a branch could have (no meeting held) stays: that gap is what a secretary must see."""
    tile_list = [t for t in tile_list if t.metric.tile]
    if org.depth <= 1:
        return tile_list, 0
    zero = [t.metric for t in tile_list if not t.value]
    root = Org.objects.get(path=org.path[: org.steplen])
    below_root = {}
    for key, (total, own, _) in figures.rollups(zero, root, year).items():
        # A rate's "own" is a rate too: any difference from the total means facts below the top.
        below_root[key] = abs(total - own) if own else total
    for metric in zero:
        if metric.key not in below_root:  # a live figure: ask it
            total, own = metric.value(root, year), metric.own(root, year)
            below_root[metric.key] = abs(total - own) if own else total
    kept = [t for t in tile_list if t.value or below_root.get(t.metric.key, 0) > 0]
    return kept, len(tile_list) - len(kept)


def areas(tile_list: list[Tile]) -> list[Area]:
    grouped: dict[str, Area] = {}
    for tile in tile_list:
        grouped.setdefault(tile.metric.area or "其他", Area(tile.metric.area or "其他")).tiles.append(tile)
    return list(grouped.values())


def charts(org: Org, year: int, metrics: list[Metric] | None = None) -> list[dict]:
    """Chart specs (plain data for charts.js): one per metric with a breakdown, one per chart group."""
    specs: list[dict] = []
    groups: dict[str, dict] = {}
    memo: dict = {}
    drawn: set = set()
    metrics = metrics or all_metrics()
    stored = figures.splits(metrics, org, year)
    for metric in metrics:
        if not metric.breakdown:
            continue
        seen = (metric.facts, metric.breakdown, metric.chart_group)
        if not metric.chart_group and seen in drawn:
            continue  # a chart-only twin of a tile metric: the same split is drawn once
        drawn.add(seen)
        if metric.key in stored:
            split = stored[metric.key]
        else:
            split = _same_facts_once(memo, ("split", metric.breakdown), metric, org, year, metric.split)
        if metric.chart_group:
            spec = groups.get(metric.chart_group)
            if spec is None:
                spec = {
                    "id": f"chart-{len(specs)}",
                    "title": metric.chart_group,
                    "type": metric.chart or "bar",
                    "categories": [],
                    "series": [],
                    "keys": [],
                    "order": [str(v) for v in (metric.breakdown_labels or {}).values()],
                }
                groups[metric.chart_group] = spec
                specs.append(spec)
            for label in split:
                if label not in spec["categories"]:
                    spec["categories"].append(label)
            spec["series"].append({"name": metric.label, "values": split})
            spec["keys"].append(metric.key)
        else:
            specs.append(
                {
                    "id": f"chart-{len(specs)}",
                    "title": _chart_title(metric),
                    "type": metric.chart or ("pie" if 0 < len(split) <= 6 else "bar"),
                    "categories": list(split),
                    "series": [{"name": metric.label, "values": split}],
                    "keys": [metric.key],
                }
            )
    for spec in specs:
        order = spec.pop("order", None)
        if order:
            # A group's months (or kinds) merged from several metrics follow the labels' own order.
            spec["categories"].sort(key=lambda c: order.index(c) if c in order else len(order))
        # Categories in a stable order; series values aligned to them (a month with no record is 0).
        spec["series"] = [
            {"name": s["name"], "data": [s["values"].get(c, 0) for c in spec["categories"]]}
            for s in spec["series"]
        ]
    return specs


_BREAKDOWN_NAMES = {
    "kind": "组织类型",
    "status": "状态",
    "status_at": "状态",
    "month": "月份",
    "age_band": "年龄段",
    "level": "层级",
}


def _chart_title(metric: Metric) -> str:
    if "按" in metric.label:
        return metric.label
    name = _BREAKDOWN_NAMES.get((metric.breakdown or "").split("__")[-1])
    return f"{metric.label}（按{name}）" if name else metric.label


@dataclass
class RollupRow:
    org: Org | None  # None: the facts recorded on the parent itself
    values: list[int]
    texts: list[str] = field(default_factory=list)


def export_value(metric: Metric, value: int) -> int | float:
    """Spreadsheet cell of a figure: money in 元, counts as they are."""
    return value / 100 if metric.money else value


def rollup(
    org: Org, year: int, metrics: list[Metric] | None = None
) -> tuple[list[Metric], list[RollupRow], list[Tile]]:
    """Metric × child table and the tiles: per metric one grouped query when the figure is additive
    (``Metric.rollup``), three otherwise — whatever the number of children."""
    metrics = metrics or all_metrics()
    children = children_of(org)
    memo: dict = {}
    stored = figures.rollups(metrics, org, year)
    table = [
        stored[m.key] if m.key in stored else _same_facts_once(memo, ("rollup",), m, org, year, m.rollup)
        for m in metrics
    ]
    rows = [
        RollupRow(child, [per_child.get(child.path, 0) for _, _, per_child in table]) for child in children
    ]
    own = [own for _, own, _ in table]
    if any(own):
        rows.insert(0, RollupRow(None, own))
    for row in rows:
        row.texts = [dashboard_text(m, v) for m, v in zip(metrics, row.values, strict=True)]
    return metrics, rows, [Tile(m, total) for m, (total, _, _) in zip(metrics, table, strict=True)]


def records(actor: Actor, metric: Metric, org: Org, year: int) -> QuerySet:
    """The records behind a figure, scoped like every read."""
    return scoped(metric.records(org, year), actor, CAPABILITY, path_field=metric.path_field)


def record_columns(metric: Metric) -> list[tuple[str, str]]:
    """(values() lookup, header) of the drill-down list; the org's name comes first."""
    org_lookup = "name" if metric.path_field == "path" else metric.path_field.removesuffix("path") + "name"
    columns = list(metric.columns) or [("__str__", "记录")]
    if not any(lookup == org_lookup for lookup, _ in columns):
        columns.insert(0, (org_lookup, "所属组织"))
    # Money is stored in 分 (``*_fen``) and read in 元, as the tiles read it (``_cell_formatters``).
    return [(lookup, _yuan_header(lookup, header)) for lookup, header in columns]


def _is_fen(lookup: str) -> bool:
    return lookup.endswith("_fen")


def _yuan_header(lookup: str, header: str) -> str:
    if not _is_fen(lookup) or "元" in header:
        return header
    return header.replace("（分）", "（元）") if "（分）" in header else f"{header}（元）"


def _field_of(model, lookup: str):
    """The model field a values() lookup ends on, or None (an annotation, a transform, ``__str__``)."""
    current, field_obj = model, None
    for part in lookup.split("__"):
        try:
            field_obj = current._meta.get_field(part)
        except Exception:  # an annotation or a transform: not a stored field
            return None
        current = field_obj.related_model or current
    return field_obj


def _label_or_value(labels: dict[Any, str]) -> Callable[[Any], Any]:
    return lambda v: labels.get(v, v)


def _sheet_yuan(fen: int | None) -> float | None:
    return None if fen is None else fen / 100


def _cell_formatters(model, lookups: list[str], sheet: bool = False) -> dict[int, Callable[[Any], Any]]:
    """Per column, how a stored value becomes what a person reads: a choice's Chinese label (never its
    code such as ``te_office``), 是/否 for a flag, a mask for an encrypted (personal) field, and an
    amount in 分 as 元 — "1,234.56" on the page, the number 1234.56 in a spreadsheet."""
    formatters: dict[int, Callable[[Any], Any]] = {}
    for index, lookup in enumerate(lookups):
        field_obj = _field_of(model, lookup)
        if field_obj is None:
            continue
        if _is_fen(lookup) and isinstance(field_obj, IntegerField):
            formatters[index] = _sheet_yuan if sheet else _page_yuan
        elif isinstance(field_obj, EncryptedTextField):
            formatters[index] = lambda v: mask_id(v) if v else ""
        elif getattr(field_obj, "choices", None):
            labels = {k: str(v) for k, v in field_obj.flatchoices}
            formatters[index] = _label_or_value(labels)
        elif isinstance(field_obj, BooleanField):
            formatters[index] = lambda v: "" if v is None else ("是" if v else "否")
    return formatters


def _page_yuan(fen: int | None) -> str:
    return "" if fen is None else fmt_yuan(fen)


def record_rows(qs: QuerySet, metric: Metric, *, sheet: bool = False) -> list[list]:
    columns = record_columns(metric)
    if metric.columns:
        lookups = [lookup for lookup, _ in columns]
        formatters = _cell_formatters(qs.model, lookups, sheet)
        rows = [list(row) for row in qs.values_list(*lookups)]
        for row in rows:
            for index, fmt in formatters.items():
                row[index] = fmt(row[index])
        return rows
    org_lookup = columns[0][0]
    # Without declared columns the record's own str() is shown next to its org; select_related()
    # follows the non-null foreign keys so a str() that names a related row costs no query per row.
    objects = list(qs.select_related())
    names = dict(qs.model.objects.filter(pk__in=[o.pk for o in objects]).values_list("pk", org_lookup))
    return [[names.get(o.pk, ""), str(o)] for o in objects]


def compare_years(org: Org, year_a: int, year_b: int, metrics: list[Metric] | None = None) -> list[dict]:
    rows = []
    metrics = metrics or all_metrics()
    found_a = figures.values_or_live(metrics, org, year_a)
    found_b = figures.values_or_live(metrics, org, year_b)
    for metric in metrics:
        a, b = found_a[metric.key], found_b[metric.key]
        rows.append(
            {
                "metric": metric,
                "a": a,
                "b": b,
                "a_text": dashboard_text(metric, a),
                "b_text": dashboard_text(metric, b),
                "delta": b - a,
                "delta_text": ("+" if b >= a else "-") + dashboard_text(metric, abs(b - a)),
                "pct": (round((b - a) * 100 / a, 1) if a else None),
            }
        )
    return rows


def peers_of_kind(org: Org, kind: str, level: str) -> QuerySet[Org]:
    qs = Org.objects.filter(path__startswith=org.path, kind=kind, active=True).exclude(pk=org.pk)
    qs = qs.filter(level=level) if level else qs.filter(level__in=GRASSROOTS_LEVELS)
    return qs.order_by("path")


def compare_peers(org: Org, peers: list[Org], year: int, metrics: list[Metric] | None = None):
    """Branch × metric table: per metric one grouped query per tree depth among ``peers`` (``by_depth``),
    never a query per branch. A peer's figure counts its own facts and its subtree's."""
    metrics = metrics or all_metrics()
    depths = sorted({p.depth for p in peers})
    table: list[dict[str, int]] = [{} for _ in metrics]
    for depth in depths:
        stored = figures.by_depth(metrics, org, year, depth)
        for values, metric in zip(table, metrics, strict=True):
            values.update(stored[metric.key] if metric.key in stored else metric.by_depth(org, year, depth))
    rows = [RollupRow(peer, [values.get(peer.path, 0) for values in table]) for peer in peers]
    for row in rows:
        row.texts = [dashboard_text(m, v) for m, v in zip(metrics, row.values, strict=True)]
    return metrics, rows


def summary_overrides(org: Org, year: int) -> dict[str, tuple[str, str]]:
    """The latest saved version of each section, in one query."""
    latest: dict[str, tuple[str, str]] = {}
    for text in SummaryText.objects.filter(org=org, year=year).order_by("section", "-version"):
        latest.setdefault(text.section, (text.heading, text.body))
    return latest


def summary_versions(org: Org, year: int) -> dict[str, SummaryText]:
    latest: dict[str, SummaryText] = {}
    for text in (
        SummaryText.objects.filter(org=org, year=year)
        .select_related("created_by")
        .order_by("section", "-version")
    ):
        latest.setdefault(text.section, text)
    return latest


def section_texts(org: Org, year: int) -> list[dict]:
    """Each section's current text (edited or default) for the edit form."""
    versions = summary_versions(org, year)
    out = []
    for section in DEFAULT_SECTIONS:
        saved = versions.get(section.key)
        out.append(
            {
                "key": section.key,
                "heading": saved.heading if saved else section.heading,
                "body": saved.body if saved else section.body,
                "saved": saved,
                "default": section,
            }
        )
    return out
