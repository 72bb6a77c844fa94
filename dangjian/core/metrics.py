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
from django.db.models import Aggregate, Count, QuerySet
from django.db.models.functions import Coalesce, Substr


@dataclass(frozen=True)
class Metric:
    """Contract: ``facts(year)`` returns an unscoped queryset of the year's facts; ``path_field`` is the
    lookup to the path of the org each fact belongs to; ``aggregate`` turns the facts into one number
    (a count of rows by default). ``money`` figures are in 分. ``approx`` asks the summary to phrase
    the figure as the article does ("1600余名"); otherwise it prints exactly ("81个").
    ``breakdown`` optionally names a field to split the figure by (for charts)."""

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

    def _subtree(self, org, year: int) -> QuerySet:
        return self.facts(year).filter(**{f"{self.path_field}__startswith": org.path})

    def value(self, org, year: int) -> int:
        result = self._subtree(org, year).aggregate(v=Coalesce(self.aggregate, 0))["v"]
        return int(result or 0)

    def by_child(self, org, year: int) -> dict[str, int]:
        """Figure per direct child of ``org`` (keyed by the child's path) in one grouped query."""
        from dangjian.orgs.models import Org

        length = len(org.path) + Org.steplen
        rows = (
            self._subtree(org, year)
            .exclude(**{self.path_field: org.path})
            .annotate(child_path=Substr(self.path_field, 1, length))
            .values("child_path")
            .annotate(v=self.aggregate)
            .order_by()
        )
        return {row["child_path"]: int(row["v"] or 0) for row in rows}

    def split(self, org, year: int) -> dict[str, int]:
        """Figure per value of ``breakdown`` in one grouped query."""
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


_registry: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.key in _registry and _registry[metric.key] != metric:
        raise ValueError(f"metric {metric.key!r} is registered twice")
    _registry[metric.key] = metric
    return metric


def get(key: str) -> Metric:
    return _registry[key]


def all_metrics() -> list[Metric]:
    return sorted(_registry.values(), key=lambda m: (m.order, m.key))


def autodiscover() -> None:
    """Import every installed app's ``metrics`` module so its figures register themselves."""
    for config in apps.get_app_configs():
        if config.name.startswith("dangjian."):
            try:
                importlib.import_module(f"{config.name}.metrics")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.metrics":
                    raise
