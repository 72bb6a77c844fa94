"""The figure store: every stored metric's value per (metric, org, year), rebuilt and refreshed here,
read by the dashboard, the roll-ups, the peers, the two-years view and the year-end summary.

Values sit on the org where the facts attach (``core.models.Figure``), so a subtree's figure is a sum
over a path prefix: one grouped query for all metrics of a page, whatever the size of the city. A
(metric, year) without a ``FigureBuild`` row is computed live, as before the store existed — a new
year, a database restored without figures, the tests' databases. Writes mark what they touched
(``core.figures``); ``refresh`` (the worker, within seconds of the commit) recomputes the marked orgs;
``rebuild`` (``manage.py rebuild_figures``, the daily schedule) recomputes everything and is idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core import figures as marks
from dangjian.core.metrics import (
    BaseMetric,
    ComputedMetric,
    QueryMetric,
    all_metrics,
    distinct_field,
    is_stored,
    rate,
)
from dangjian.core.models import Figure, FigureBuild, FigureDirty
from dangjian.core.years import default_year
from dangjian.orgs.models import Org

TOTAL = ""  # the label of a whole figure; a breakdown value's label starts with SPLIT
SPLIT = "="
VALUE = "#"  # a distinct count keeps one row per distinct value on each org, labelled VALUE + value
YEARS_BACK = 5  # the rebuild keeps this many years before the current one (and the default year)

Row = tuple[str, str, int, int]  # (path, label, value, denominator)


def stored_metrics(metrics: Iterable[BaseMetric] | None = None) -> list[BaseMetric]:
    return [m for m in (all_metrics() if metrics is None else metrics) if is_stored(m)]


def default_years() -> list[int]:
    this = timezone.localdate().year
    return sorted({*range(this - YEARS_BACK, this + 1), default_year()})


# --- computing a metric's own values per org -------------------------------------------------------


def _split_label(metric: BaseMetric, raw) -> str:
    labels = metric.breakdown_labels or {}
    return SPLIT + str(labels.get(raw, raw))


def own_rows(
    metric: BaseMetric, year: int, paths: list[str] | None = None, orgs: dict[str, Org] | None = None
) -> list[Row]:
    """The metric's figure on each org counting only that org's own facts (all orgs, or ``paths``; for a
    computed figure, the subtrees at ``paths``)."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    if isinstance(metric, ComputedMetric):
        # A computed figure is recomputed for the marked org's whole subtree: what is recorded on an org
        # can move its descendants' figures (a zone-wide meeting counts for the branches taking part;
        # the compliance calendar reads those through the participants and the zone's rules itself).
        # ``orgs`` shares the org instances between metrics of one pass: computed figures memoize what they
        # share (the due and the held meetings read one calendar) on the instance.
        orgs = {} if orgs is None else orgs
        for found in Org.objects.filter(depth=1) if paths is None else Org.objects.filter(path__in=paths):
            org = orgs.setdefault(found.path, found)
            for path, label, n in metric.compute(org, year):
                if not path.startswith(org.path):
                    continue
                totals[(path, TOTAL)][0] += int(n)
                if metric.breakdown:
                    totals[(path, SPLIT + str(label))][0] += int(n)
    else:
        assert isinstance(metric, QueryMetric)  # the two kinds of metric
        field = metric.path_field
        qs = metric.facts(year)
        if paths is not None:
            qs = qs.filter(**{f"{field}__in": paths})
        counted = distinct_field(metric)
        if counted:
            for path, value in qs.values_list(field, counted).distinct().order_by():
                if value is not None:
                    totals[(path, VALUE + str(value))][0] = 1
        elif metric.rate_parts:
            numerator, denominator = metric.rate_parts
            for row in qs.values(field).annotate(v=numerator, d=denominator).order_by():
                totals[(row[field], TOTAL)] = [int(row["v"] or 0), int(row["d"] or 0)]
        else:
            for row in qs.values(field).annotate(v=metric.aggregate).order_by():
                totals[(row[field], TOTAL)][0] += int(row["v"] or 0)
            if metric.breakdown:
                for row in qs.values(field, metric.breakdown).annotate(v=metric.aggregate).order_by():
                    label = _split_label(metric, row[metric.breakdown])
                    totals[(row[field], label)][0] += int(row["v"] or 0)
    return [(p, label, v, d) for (p, label), (v, d) in totals.items() if p and (v or d)]


def _write(metric: BaseMetric, year: int, rows: list[Row], paths: list[str] | None) -> None:
    existing = Figure.objects.filter(metric=metric.key, year=year)
    if paths is not None and isinstance(metric, ComputedMetric):
        under = Q(pk__in=[])
        for path in paths:
            under |= Q(path__startswith=path)
        existing = existing.filter(under)
    elif paths is not None:
        existing = existing.filter(path__in=paths)
    existing.delete()
    Figure.objects.bulk_create(
        [
            Figure(metric=metric.key, year=year, path=p, label=label, value=v, denominator=d)
            for p, label, v, d in rows
        ],
        batch_size=2000,
    )


def rebuild(metrics: Iterable[BaseMetric] | None = None, years: Iterable[int] | None = None) -> int:
    """Recompute every stored figure of ``metrics`` (all) for ``years`` (the recent ones) from the facts;
    running it again changes nothing. Returns the number of rows written."""
    chosen = stored_metrics(metrics)
    years = sorted(set(years or default_years()))
    keys = {m.key for m in chosen}
    models = [label for label in marks.path_fields() if marks.affected_metrics(label) <= keys]
    # Only the marks seen now are cleared (and only those all of whose metrics are rebuilt here): one
    # committed while this runs is refreshed after it.
    seen = list(FigureDirty.objects.filter(model__in=models).values_list("pk", flat=True))
    written = 0
    orgs: dict[str, Org] = {}  # one pass shares the instances (and what computed figures memoize on them)
    for metric in chosen:
        for year in years:
            started = timezone.now()
            with transaction.atomic():
                rows = own_rows(metric, year, orgs=orgs)
                _write(metric, year, rows, None)
                FigureBuild.objects.update_or_create(
                    metric=metric.key, year=year, defaults={"built_at": started}
                )
            written += len(rows)
    FigureDirty.objects.filter(pk__in=seen).delete()
    if written >= ANALYZE_AFTER:
        _analyze()
    return written


ANALYZE_AFTER = 10_000  # rows a rebuild writes before the planner's statistics are taken again


def _analyze() -> None:
    """A rebuild rewrites the store: on PostgreSQL, new statistics at once (autovacuum's may come
    minutes later). With the old ones the planner took a city's 300,000 month rows for one and sorted
    them on disk for the dashboard's breakdowns (430 ms instead of 180)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Figure._meta.db_table}")


def refresh() -> int:
    """Recompute the figures of the orgs marked dirty (the worker's task). Returns the marks handled."""
    cache.delete(marks.QUEUED_KEY)
    dirty = list(FigureDirty.objects.values_list("pk", "model", "path"))
    if not dirty:
        return 0
    by_model: dict[str, set[str]] = defaultdict(set)
    for _, model, path in dirty:
        by_model[model].add(path)
    built: dict[str, list[int]] = defaultdict(list)
    for key, year in FigureBuild.objects.values_list("metric", "year"):
        built[key].append(year)
    wanted: dict[str, set[str]] = defaultdict(set)
    for model, paths in by_model.items():
        for key in marks.affected_metrics(model):
            wanted[key] |= paths
    orgs: dict[str, Org] = {}
    for metric in stored_metrics():
        marked = wanted.get(metric.key)
        if not marked or not built.get(metric.key):
            continue
        if "" in marked:
            rebuild([metric], built[metric.key])
            continue
        chosen = sorted(marked)
        if isinstance(metric, ComputedMetric):
            # Subtrees: a path under another marked path is recomputed with it.
            chosen = [p for p in chosen if not any(p != q and p.startswith(q) for q in chosen)]
        for year in built[metric.key]:
            with transaction.atomic():
                _write(metric, year, own_rows(metric, year, chosen, orgs), chosen)
                FigureBuild.objects.filter(metric=metric.key, year=year).update(built_at=timezone.now())
    FigureDirty.objects.filter(pk__in=[pk for pk, _, _ in dirty]).delete()
    return len(dirty)


def rebuild_daily() -> str:
    """The schedule's daily item: figures that move with the date alone (ages, overdue, the compliance
    calendar) are right again every morning."""
    return f"{rebuild()} 条统计数据"


# --- reading ---------------------------------------------------------------------------------------


def built(year: int) -> dict[str, datetime]:
    """metric key → when its figures of ``year`` were last complete (one query)."""
    return dict(FigureBuild.objects.filter(year=year).values_list("metric", "built_at"))


def _stored(metrics: list[BaseMetric], year: int) -> list[BaseMetric]:
    done = built(year) if metrics else {}
    return [m for m in metrics if m.key in done and is_stored(m)]


def _figure(metric: BaseMetric, value: int, denominator: int) -> int:
    return rate(value, denominator) if getattr(metric, "rate_parts", None) else value


def _kinds(stored: list[BaseMetric]) -> tuple[dict[str, BaseMetric], dict[str, BaseMetric]]:
    """(metrics stored as sums, metrics stored as distinct values), by key."""
    sums = {m.key: m for m in stored if not distinct_field(m)}
    return sums, {m.key: m for m in stored if m.key not in sums}


def _grouped(org: Org, year: int, sums: dict, distinct: dict, prefix_length: int | None):
    """Rows (metric, prefix, value, denominator) under ``org``: sums of the whole figures, and counts
    of distinct values — one query each, grouped by metric (and the path's first ``prefix_length``
    characters when given)."""
    out = []
    for keys, label_q, aggregates in (
        (sums, Q(label=TOTAL), {"v": Sum("value"), "d": Sum("denominator")}),
        (distinct, Q(label__startswith=VALUE), {"v": Count("label", distinct=True)}),
    ):
        if not keys:
            continue
        qs = Figure.objects.filter(label_q, year=year, path__startswith=org.path, metric__in=list(keys))
        fields = ["metric"]
        if prefix_length is not None:
            qs = qs.annotate(prefix=Substr("path", 1, prefix_length))
            fields.append("prefix")
        for row in qs.values(*fields).annotate(**aggregates).order_by():
            out.append((row["metric"], row.get("prefix", ""), row["v"] or 0, row.get("d") or 0))
    return out


def values(metrics: list[BaseMetric], org: Org, year: int) -> dict[str, int]:
    """The figure for ``org``'s subtree of each metric the store holds for ``year`` (one query per kind
    of stored figure); the others are absent: the caller computes them live."""
    sums, distinct = _kinds(_stored(metrics, year))
    by_key = sums | distinct
    found = {key: _figure(by_key[key], v, d) for key, _, v, d in _grouped(org, year, sums, distinct, None)}
    return {key: found.get(key, 0) for key in by_key}


def values_or_live(metrics: list[BaseMetric], org: Org, year: int) -> dict[str, int]:
    """Every metric's figure: stored where the store holds it, else computed live."""
    found = values(metrics, org, year)
    return {m.key: found[m.key] if m.key in found else m.value(org, year) for m in metrics}


def value(metric: BaseMetric, org: Org, year: int) -> int:
    """One figure, stored or live."""
    return values_or_live([metric], org, year)[metric.key]


def rollups(metrics: list[BaseMetric], org: Org, year: int) -> dict[str, tuple[int, int, dict[str, int]]]:
    """(subtree figure, ``org``'s own, per direct child) of each stored metric: one query per kind of
    stored figure, and for distinct counts one more for the subtree (a value two children share is
    counted once)."""
    sums, distinct = _kinds(_stored(metrics, year))
    by_key = sums | distinct
    if not by_key:
        return {}
    length = len(org.path) + org.steplen
    cells: dict[str, dict[str, list[int]]] = {key: defaultdict(lambda: [0, 0]) for key in by_key}
    for key, prefix, v, d in _grouped(org, year, sums, distinct, length):
        # A figure on ``org`` itself has a path shorter than a child's: it is the org's own.
        cell = cells[key][prefix if len(prefix) == length else ""]
        cell[0] += v
        cell[1] += d
    totals = values(list(distinct.values()), org, year) if distinct else {}
    out = {}
    for key, per in cells.items():
        metric = by_key[key]
        own_v, own_d = per.pop("", [0, 0])
        if key in distinct:
            total = totals.get(key, 0)
        else:
            total = _figure(
                metric, own_v + sum(v for v, _ in per.values()), own_d + sum(d for _, d in per.values())
            )
        out[key] = (
            total,
            _figure(metric, own_v, own_d),
            {p: _figure(metric, v, d) for p, (v, d) in per.items()},
        )
    return out


def rollup(metric: BaseMetric, org: Org, year: int) -> tuple[int, int, dict[str, int]]:
    """One metric's roll-up, stored or live."""
    found = rollups([metric], org, year)
    return found[metric.key] if metric.key in found else metric.rollup(org, year)


def by_depth(metrics: list[BaseMetric], org: Org, year: int, depth: int) -> dict[str, dict[str, int]]:
    """Per stored metric, the figure of each org at tree ``depth`` under ``org`` (its subtree's facts;
    facts above that depth are not counted)."""
    sums, distinct = _kinds(_stored(metrics, year))
    by_key = sums | distinct
    if not by_key:
        return {}
    length = depth * org.steplen
    cells: dict[str, dict[str, list[int]]] = {key: defaultdict(lambda: [0, 0]) for key in by_key}
    for key, prefix, v, d in _grouped(org, year, sums, distinct, length):
        if len(prefix) == length and prefix != org.path:
            cell = cells[key][prefix]
            cell[0] += v
            cell[1] += d
    return {key: {p: _figure(by_key[key], v, d) for p, (v, d) in per.items()} for key, per in cells.items()}


def splits(metrics: list[BaseMetric], org: Org, year: int) -> dict[str, dict[str, int]]:
    """Per stored metric with a breakdown, its figure per breakdown label, in the labels' declared
    order (one query); metrics not stored are left to the caller (``metric.split``)."""
    stored = _stored([m for m in metrics if m.breakdown], year)
    if not stored:
        return {}
    by_key = {m.key: m for m in stored}
    found: dict[str, dict[str, int]] = {key: {} for key in by_key}
    rows = (
        Figure.objects.filter(year=year, path__startswith=org.path, metric__in=list(by_key))
        .filter(label__startswith=SPLIT)
        .values("metric", "label")
        .annotate(v=Sum("value"))
        .order_by()
    )
    for row in rows:
        found[row["metric"]][row["label"][len(SPLIT) :]] = row["v"] or 0
    out = {}
    for key, split in found.items():
        order = [str(v) for v in (by_key[key].breakdown_labels or {}).values()]
        rank = {label: i for i, label in enumerate(order)}
        out[key] = dict(sorted(split.items(), key=lambda kv: (rank.get(kv[0], len(order)), kv[0])))
    return out


@dataclass
class Freshness:
    """What a page says about its figures: when they were last complete, and whether some are being
    recomputed right now (a write under this org not yet taken in by the worker)."""

    updated_at: datetime | None
    recomputing: bool
    stored: bool

    @property
    def text(self) -> str:
        if not self.stored:
            return "数据为实时计算"
        when = timezone.localtime(self.updated_at).strftime("%Y-%m-%d %H:%M") if self.updated_at else ""
        note = f"数据更新于{when}"
        return note + ("；部分数据正在重新计算，稍后刷新即可看到最新数字" if self.recomputing else "")


def freshness(org: Org, year: int) -> Freshness:
    """Two queries: the builds of the year, and whether a mark waits under (or above: a whole rebuild)
    ``org``."""
    done = built(year)
    if not done:
        return Freshness(None, False, False)
    waiting = FigureDirty.objects.filter(Q(path="") | Q(path__startswith=org.path)).exists()
    return Freshness(min(done.values()), waiting, True)
