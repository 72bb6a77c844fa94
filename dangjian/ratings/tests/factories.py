"""Builders for ratings tests: a scheme with one computed and one entered indicator per star."""

from __future__ import annotations

from dangjian.core.actors import SYSTEM
from dangjian.ratings import services
from dangjian.ratings.models import IndicatorSource


def scheme(
    zone,
    year: int = 2023,
    kind: str = "village",
    stars: int = 2,
    metric_key: str = "activities.meetings_held",
):
    spec = []
    for i in range(stars):
        spec.append(
            {
                "name": ["支部过硬", "产业兴旺", "生态宜居", "平安法治", "文明幸福"][i],
                "max_points": 100,
                "threshold": 80,
                "indicators": [
                    {
                        "name": "组织生活",
                        "points": 40,
                        "source": IndicatorSource.METRIC,
                        "metric_key": metric_key,
                        "target": 2,
                    },
                    {
                        "name": "填报项",
                        "points": 60,
                        "source": IndicatorSource.ENTERED,
                        "metric_key": "",
                        "target": 1,
                    },
                ],
            }
        )
    return services.define_scheme(
        actor=SYSTEM, zone=zone, year=year, kind=kind, name=f"{year}年方案", stars=spec
    )


def entered(scheme_obj, star_index: int = 0):
    return scheme_obj.stars.all()[star_index].indicators.get(source=IndicatorSource.ENTERED)
