"""The metrics registry: each app's ``metrics.py`` declares its yearly figures here.

A metric is a queryset of facts for a year plus one aggregate. The registry answers the figure for an
org subtree and the roll-up per child org, each with one aggregate query, so the dashboard, the
roll-ups, star indicators and the year-end summary all read the same numbers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Aggregate, Count, F, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr


@dataclass(frozen=True)
class Metric:
    """Contract: ``facts(year)`` returns an unscoped queryset of the year's facts; ``path_field`` is the
    lookup to the path of the org each fact belongs to; ``aggregate`` turns the facts into one number
    (a count of rows by default). ``money`` figures are in 分. ``approx`` asks the summary to phrase
    the figure as the article does ("1600余名"); otherwise it prints exactly ("81个").
    ``breakdown`` optionally names a field to split the figure by (for charts).

    Optional presentation hints, read by the reports app: ``columns`` lists ``(values() lookup, header)``
    pairs shown in the drill-down list of the records behind the figure (default: the record's
    ``str()``); ``chart`` is "bar", "pie" or "line" for the breakdown's chart; metrics sharing a
    ``chart_group`` (e.g. organizational life held vs due, split by month) are drawn as the series of
    one chart."""

    key: str
    label: str
    unit: str
    area: str
    facts: Callable[[int], QuerySet]
    path_field: str = "org__path"
    aggregate: Aggregate = field(default_factory=lambda: Count("pk", distinct=True))
    money: bool = False
    approx: bool = False
    order: int = 100
    breakdown: str | None = None
    breakdown_labels: dict | None = None
    description: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    chart: str = ""
    chart_group: str = ""
    additive: bool | None = None
    # For a figure no single queryset holds (meetings *due* under the compliance rules, say): returns
    # fact tuples (org path, breakdown label, number) for ``org``'s subtree in a fixed number of queries.
    # The figure, its split and its roll-up are then sums over those tuples; ``facts`` still names the
    # records a drill-down lists.
    compute: Callable | None = None

    @property
    def is_additive(self) -> bool:
        """True when the figure of a subtree is the sum of its parts (row counts, sums), so one grouped
        query answers the total, the org's own facts and every child's. ``additive`` overrides the
        guess made from ``aggregate`` (a distinct count of anything but the pk is not additive)."""
        if self.additive is not None:
            return self.additive
        agg = self.aggregate
        if isinstance(agg, Sum):
            return not agg.distinct
        if isinstance(agg, Count):
            source = agg.get_source_expressions()[0]
            return not agg.distinct or (isinstance(source, F) and source.name in ("pk", "id"))
        return False

    def _subtree(self, org, year: int) -> QuerySet:
        return self.facts(year).filter(**{f"{self.path_field}__startswith": org.path})

    def _computed(self, org, year: int) -> list[tuple[str, str, int]]:
        return [
            (path, label, int(n)) for path, label, n in self.compute(org, year) if path.startswith(org.path)
        ]

    def value(self, org, year: int) -> int:
        if self.compute:
            return sum(n for _, _, n in self._computed(org, year))
        result = self._subtree(org, year).aggregate(v=Coalesce(self.aggregate, 0))["v"]
        return int(result or 0)

    def by_child(self, org, year: int) -> dict[str, int]:
        """Figure per direct child of ``org`` (keyed by the child's path) in one grouped query."""
        return self.by_depth(org, year, org.depth + 1)

    def by_depth(self, org, year: int, depth: int) -> dict[str, int]:
        """Figure per org at tree ``depth`` under ``org`` (keyed by that org's path), one grouped query.

        Facts sitting above ``depth`` (on ``org`` itself or on an intermediate node) are not counted."""
        from dangjian.orgs.models import Org

        length = depth * Org.steplen
        if self.compute:
            totals: dict[str, int] = {}
            for path, _, n in self._computed(org, year):
                if len(path) >= length and path != org.path:
                    totals[path[:length]] = totals.get(path[:length], 0) + n
            return totals
        rows = (
            self._subtree(org, year)
            .exclude(**{self.path_field: org.path})
            .annotate(child_path=Substr(self.path_field, 1, length))
            .values("child_path")
            .annotate(v=self.aggregate)
            .order_by()
        )
        return {row["child_path"]: int(row["v"] or 0) for row in rows if len(row["child_path"]) == length}

    def rollup(self, org, year: int) -> tuple[int, int, dict[str, int]]:
        """(figure of the subtree, figure of ``org``'s own facts, figure per direct child): one grouped
        query for an additive metric, three otherwise."""
        if self.compute:
            children = self.by_child(org, year)
            own = self.own(org, year)
            return own + sum(children.values()), own, children
        if not self.is_additive:
            return self.value(org, year), self.own(org, year), self.by_child(org, year)
        from dangjian.orgs.models import Org

        length = len(org.path) + Org.steplen
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

    def own(self, org, year: int) -> int:
        """Figure of the facts recorded on ``org`` itself (not on its descendants)."""
        if self.compute:
            return sum(n for path, _, n in self._computed(org, year) if path == org.path)
        result = (
            self.facts(year).filter(**{self.path_field: org.path}).aggregate(v=Coalesce(self.aggregate, 0))
        )
        return int(result["v"] or 0)

    def records(self, org, year: int) -> QuerySet:
        """The facts behind the figure for ``org``'s subtree (unscoped: callers scope them)."""
        return self._subtree(org, year).order_by(self.path_field, "pk")

    def split(self, org, year: int) -> dict[str, int]:
        """Figure per value of ``breakdown`` in one grouped query."""
        if not self.breakdown:
            return {}
        if self.compute:
            split: dict[str, int] = {}
            for _, label, n in self._computed(org, year):
                split[label] = split.get(label, 0) + n
            return split
        rows = (
            self._subtree(org, year)
            .values(self.breakdown)
            .annotate(v=self.aggregate)
            .order_by(self.breakdown)
        )
        labels = self.breakdown_labels or {}
        return {str(labels.get(r[self.breakdown], r[self.breakdown])): int(r["v"] or 0) for r in rows}


_registry: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.key in _registry and _registry[metric.key] != metric:
        raise ValueError(f"metric {metric.key!r} is registered twice")
    _registry[metric.key] = metric
    return metric


def unregister(key: str) -> None:
    """Remove a metric (tests registering a temporary metric clean up with this)."""
    _registry.pop(key, None)


def get(key: str) -> Metric:
    return _registry[key]


def get_or_none(key: str) -> Metric | None:
    return _registry.get(key)


def all_metrics() -> list[Metric]:
    return sorted(_registry.values(), key=lambda m: (m.order, m.key))


@dataclass(frozen=True)
class Examples:
    """Named examples for the year-end summary (brands, training bases, campaign winners…).

    Contract: ``fetch(org, year)`` returns display names (a short list, most notable first) drawn from
    the records of ``org``'s subtree for ``year``, with at most a couple of queries."""

    key: str
    label: str
    fetch: Callable


_examples: dict[str, Examples] = {}


def register_examples(key: str, label: str, fetch: Callable) -> Examples:
    _examples[key] = Examples(key, label, fetch)
    return _examples[key]


def get_examples(key: str) -> Examples | None:
    return _examples.get(key)


def all_examples() -> list[Examples]:
    return sorted(_examples.values(), key=lambda e: e.key)


def autodiscover() -> None:
    """Import every installed app's ``metrics`` module so its figures register themselves."""
    for config in apps.get_app_configs():
        if config.name.startswith("dangjian."):
            try:
                importlib.import_module(f"{config.name}.metrics")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.metrics":
                    raise
