"""How a metric's value is written: on the dashboard (exact) and in the summary (the article's style)."""

from __future__ import annotations

from dangjian.core.cnnum import approx, yuan_approx, yuan_exact
from dangjian.core.metrics import BaseMetric as Metric

from .numerals import cn_numeral


def figure_text(metric: Metric, value: int, *, mode: str | None = None, with_unit: bool = False) -> str:
    """The figure as the article writes it.

    ``mode`` overrides the metric's own choice: "approx" ("1600余"), "exact" ("81") or "cn" ("四").
    Money always carries its unit ("600余万元", "108.5万元"); counts carry the metric's unit only when
    ``with_unit`` is set, because the summary's sentences usually write the measure word themselves."""
    mode = mode or ("approx" if metric.approx else "exact")
    if metric.money:
        return yuan_approx(value) if mode == "approx" else yuan_exact(value)
    if mode == "cn":
        text = cn_numeral(value)
    elif mode == "approx":
        text = approx(value)
    else:
        text = str(value)
    return text + (metric.unit if with_unit else "")


def dashboard_text(metric: Metric, value: int) -> str:
    """Exact figure for tiles and tables (money in 元/万元, counts in digits with thousands separators)."""
    if metric.money:
        return yuan_exact(value)
    return f"{value:,}"
