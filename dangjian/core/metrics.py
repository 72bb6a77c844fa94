"""The metrics registry: each app's ``metrics.py`` declares its yearly figures here.

A metric is a queryset of facts for a year plus one aggregate. The registry answers the figure for an
org subtree and the roll-up per child org, each with one aggregate query, so the dashboard, the
roll-ups, star indicators and the year-end summary all read the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Aggregate, Count, F, QuerySet, Sum
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Substr

from . import registry


class Node(Protocol):
    """An org as a metric sees it (``orgs.Org``, a treebeard node; core does not import orgs)."""

    @property
    def path(self) -> str: ...
    @property
    def depth(self) -> int: ...
    @property
    def steplen(self) -> int: ...


def _is_distinct(agg: Aggregate) -> bool:
    # Django sets ``distinct`` on every aggregate; django-stubs does not declare it.
    return bool(agg.distinct)  # type: ignore[attr-defined]


def _field_name(expression: Combinable) -> str | None:
    """The field an ``F("field")`` names (django-stubs does not declare ``F.name``)."""
    return expression.name if isinstance(expression, F) else None  # type: ignore[attr-defined]


@dataclass(frozen=True, kw_only=True)
class BaseMetric:
    """What every figure declares: ``key`` ("<app>.<name>"), Chinese ``label`` and ``unit``, the
    dashboard ``area``; ``facts(year)`` returns an unscoped queryset of the records behind the figure
    (what a drill-down lists); ``path_field`` is the lookup from a fact to its org's path. ``money``
    figures are in 分. ``approx`` asks the summary to phrase the figure as the article does ("1600余名");
    otherwise it prints exactly ("81个"). ``breakdown`` optionally names a field to split the figure by.

    Optional presentation hints, read by the reports app: ``columns`` lists ``(values() lookup, header)``
    pairs shown in the drill-down list (default: the record's ``str()``); ``chart`` is "bar", "pie" or
    "line" for the breakdown's chart; metrics sharing a ``chart_group`` are drawn as one chart's series.

    Two kinds answer the figure: ``QueryMetric`` (one aggregate over ``facts``) and ``ComputedMetric``
    (fact tuples from a function, for what no single queryset holds)."""

    key: str
    label: str
    unit: str
    area: str
    facts: Callable[[int], QuerySet[Any]]
    path_field: str = "org__path"
    money: bool = False
    approx: bool = False
    order: int = 100
    breakdown: str | None = None
    breakdown_labels: dict[Any, str] | None = None
    description: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    chart: str = ""
    chart_group: str = ""
    # False: the figure is a breakdown drawn only as its chart (members by status, by kind…), whose
    # total repeats another tile's; the dashboard shows no tile for it.
    tile: bool = True
    # Kept per (metric, org, year) in the figure store (reports.figures) and read from it; False keeps
    # the figure live. Only figures that roll up can be stored: see ``is_stored``.
    stored: bool = True
    # Other models whose changes move the figure, beyond its facts and the models its path passes
    # through: (model label, lookup from a row to its org's path).
    depends_on: tuple[tuple[str, str], ...] = ()

    @property
    def is_additive(self) -> bool:
        """True when the figure of a subtree is the sum of its parts (each kind answers)."""
        raise NotImplementedError

    def value(self, org: Node, year: int) -> int:
        raise NotImplementedError

    def own(self, org: Node, year: int) -> int:
        """Figure of the facts recorded on ``org`` itself (not on its descendants)."""
        raise NotImplementedError

    def by_depth(self, org: Node, year: int, depth: int) -> dict[str, int]:
        """Figure per org at tree ``depth`` under ``org`` (keyed by that org's path).

        Facts sitting above ``depth`` (on ``org`` itself or on an intermediate node) are not counted."""
        raise NotImplementedError

    def rollup(self, org: Node, year: int) -> tuple[int, int, dict[str, int]]:
        """(figure of the subtree, figure of ``org``'s own facts, figure per direct child)."""
        raise NotImplementedError

    def split(self, org: Node, year: int) -> dict[str, int]:
        """Figure per value of ``breakdown``."""
        raise NotImplementedError

    def by_child(self, org: Node, year: int) -> dict[str, int]:
        """Figure per direct child of ``org`` (keyed by the child's path)."""
        return self.by_depth(org, year, org.depth + 1)

    def _subtree(self, org: Node, year: int) -> QuerySet[Any]:
        return self.facts(year).filter(**{f"{self.path_field}__startswith": org.path})

    def records(self, org: Node, year: int) -> QuerySet[Any]:
        """The facts behind the figure for ``org``'s subtree (unscoped: callers scope them)."""
        return self._subtree(org, year).order_by(self.path_field, "pk")


@dataclass(frozen=True, kw_only=True)
class QueryMetric(BaseMetric):
    """A figure answered by one aggregate over ``facts`` (a count of rows by default); the roll-up
    down the tree is one grouped query by path prefix when the figure is additive."""

    aggregate: Aggregate = field(default_factory=lambda: Count("pk", distinct=True))
    additive: bool | None = None
    # A percentage: (numerator, denominator) aggregates whose sums roll up, the figure being
    # numerator × 100 // denominator — what ``aggregate`` computes live in one query.
    rate_parts: tuple[Aggregate, Aggregate] | None = None

    @property
    def is_additive(self) -> bool:
        """True when the figure of a subtree is the sum of its parts (row counts, sums), so one grouped
        query answers the total, the org's own facts and every child's. ``additive`` overrides the
        guess made from ``aggregate`` (a distinct count of anything but the pk is not additive)."""
        if self.additive is not None:
            return self.additive
        agg = self.aggregate
        if isinstance(agg, Sum):
            return not _is_distinct(agg)
        if isinstance(agg, Count):
            source = agg.get_source_expressions()[0]
            return not _is_distinct(agg) or _field_name(source) in ("pk", "id")
        return False

    def value(self, org: Node, year: int) -> int:
        result = self._subtree(org, year).aggregate(v=Coalesce(self.aggregate, 0))["v"]
        return int(result or 0)

    def by_depth(self, org: Node, year: int, depth: int) -> dict[str, int]:
        length = depth * org.steplen
        rows = (
            self._subtree(org, year)
            .exclude(**{self.path_field: org.path})
            .annotate(child_path=Substr(self.path_field, 1, length))
            .values("child_path")
            .annotate(v=self.aggregate)
            .order_by()
        )
        return {row["child_path"]: int(row["v"] or 0) for row in rows if len(row["child_path"]) == length}

    def rollup(self, org: Node, year: int) -> tuple[int, int, dict[str, int]]:
        """One grouped query for an additive metric, three otherwise."""
        if not self.is_additive:
            return self.value(org, year), self.own(org, year), self.by_child(org, year)
        length = len(org.path) + org.steplen
        rows = (
            self._subtree(org, year)
            .annotate(child_path=Substr(self.path_field, 1, length))
            .values("child_path")
            .annotate(v=self.aggregate)
            .order_by()
        )
        children: dict[str, int] = {}
        own = 0
        for row in rows:
            # A fact on ``org`` itself has a path shorter than a child's: its prefix is ``org.path``.
            if len(row["child_path"]) == length:
                children[row["child_path"]] = int(row["v"] or 0)
            else:
                own += int(row["v"] or 0)
        return own + sum(children.values()), own, children

    def own(self, org: Node, year: int) -> int:
        result = (
            self.facts(year).filter(**{self.path_field: org.path}).aggregate(v=Coalesce(self.aggregate, 0))
        )
        return int(result["v"] or 0)

    def split(self, org: Node, year: int) -> dict[str, int]:
        """One grouped query."""
        if not self.breakdown:
            return {}
        rows = (
            self._subtree(org, year)
            .values(self.breakdown)
            .annotate(v=self.aggregate)
            .order_by(self.breakdown)
        )
        labels = self.breakdown_labels or {}
        return {str(labels.get(r[self.breakdown], r[self.breakdown])): int(r["v"] or 0) for r in rows}


@dataclass(frozen=True, kw_only=True)
class ComputedMetric(BaseMetric):
    """A figure no single queryset holds (meetings *due* under the compliance rules, say).

    ``compute(org, year)`` returns fact tuples (org path, breakdown label, number) for ``org``'s
    subtree in a fixed number of queries; the figure, its split and its roll-up are sums over those
    tuples. ``facts`` still names the records a drill-down lists."""

    compute: Callable[..., Iterable[tuple[str, str, int]]]

    @property
    def is_additive(self) -> bool:
        return True

    def _computed(self, org: Node, year: int) -> list[tuple[str, str, int]]:
        return [
            (path, label, int(n)) for path, label, n in self.compute(org, year) if path.startswith(org.path)
        ]

    def value(self, org: Node, year: int) -> int:
        return sum(n for _, _, n in self._computed(org, year))

    def by_depth(self, org: Node, year: int, depth: int) -> dict[str, int]:
        length = depth * org.steplen
        totals: dict[str, int] = {}
        for path, _, n in self._computed(org, year):
            if len(path) >= length and path != org.path:
                totals[path[:length]] = totals.get(path[:length], 0) + n
        return totals

    def rollup(self, org: Node, year: int) -> tuple[int, int, dict[str, int]]:
        children = self.by_child(org, year)
        own = self.own(org, year)
        return own + sum(children.values()), own, children

    def own(self, org: Node, year: int) -> int:
        return sum(n for path, _, n in self._computed(org, year) if path == org.path)

    def split(self, org: Node, year: int) -> dict[str, int]:
        if not self.breakdown:
            return {}
        split: dict[str, int] = {}
        for _, label, n in self._computed(org, year):
            split[label] = split.get(label, 0) + n
        return split


def distinct_field(metric: BaseMetric) -> str | None:
    """The field a non-additive ``Count(field, distinct=True)`` counts (a person paid by two programmes,
    a lecturer giving three lectures counts once), else None."""
    agg = getattr(metric, "aggregate", None)
    if metric.is_additive or not isinstance(agg, Count) or not _is_distinct(agg):
        return None
    source = agg.get_source_expressions()[0]
    return _field_name(source) if agg.filter is None else None


def is_stored(metric: BaseMetric) -> bool:
    """Whether the figure store keeps ``metric``, and how it stays exact at every level: a sum or row
    count as each org's own figure (a subtree's is their sum), a rate as its numerator and denominator
    (each summed), a computed figure as its fact tuples (summed), a distinct count as the distinct
    values each org has (a subtree's figure counts them distinct again). Anything else stays live."""
    if not metric.stored:
        return False
    if isinstance(metric, ComputedMetric) or metric.is_additive:
        return True
    return getattr(metric, "rate_parts", None) is not None or distinct_field(metric) is not None


def rate(numerator: int, denominator: int) -> int:
    """Integer percent as the database computes it live (NULL, hence 0, when nobody was expected)."""
    return numerator * 100 // denominator if denominator else 0


def Metric(  # noqa: N802
    *args: Any, compute: Callable[..., Iterable[tuple[str, str, int]]] | None = None, **kwargs: Any
) -> BaseMetric:
    """``Metric(key, label, unit, area, facts=…, …)``: a ``QueryMetric``, or a ``ComputedMetric`` when
    ``compute`` is given (the short spelling the apps' ``metrics.py`` use)."""
    names = ("key", "label", "unit", "area", "facts")
    kwargs.update(zip(names, args, strict=False))
    if compute is not None:
        return ComputedMetric(compute=compute, **kwargs)
    return QueryMetric(**kwargs)


# The registry itself is core.registry's; these names are the short spellings metrics modules use.


def register(metric: BaseMetric) -> BaseMetric:
    return registry.register_metric(metric)


def unregister(key: str) -> None:
    """Remove a metric (tests registering a temporary metric clean up with this)."""
    registry._unregister("metric", key)


def get(key: str) -> BaseMetric:
    return registry.metric(key)


def get_or_none(key: str) -> BaseMetric | None:
    return registry.metric_or_none(key)


def all_metrics() -> list[BaseMetric]:
    return registry.metrics()


Examples = registry.Examples


def register_examples(key: str, label: str, fetch: Callable[..., Any]) -> Examples:
    return registry.register_examples(key, label, fetch)


def get_examples(key: str) -> Examples | None:
    return registry.examples(key)


def all_examples() -> list[Examples]:
    return registry.all_examples()
