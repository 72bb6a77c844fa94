"""Yearly figures of the org tree (see core.metrics for the contract)."""

import re

from django.db.models import Count, QuerySet

from dangjian.core.metrics import Metric, register

from .models import GRASSROOTS_LEVELS, Kind, LiaisonGroup, Org


def _grassroots(year: int) -> QuerySet[Org]:
    # Orgs carry no founding/closing history yet: the figure is the current count of active orgs.
    return Org.objects.filter(level__in=GRASSROOTS_LEVELS, active=True)


register(
    Metric(
        key="orgs.grassroots",
        label="基层党组织",
        unit="个",
        area="组织",
        facts=_grassroots,
        path_field="path",
        aggregate=Count("pk"),
        order=10,
        breakdown="kind",
        breakdown_labels={k.value: str(k.label) for k in Kind},
        columns=(("name", "组织名称"), ("level", "层级"), ("kind", "类型"), ("founded_on", "成立日期")),
        description="党工委之下的党委、党总支、党支部（不含党小组）",
    )
)

register(
    Metric(
        key="orgs.liaison_groups",
        label="联络组",
        unit="个",
        area="督导",
        facts=lambda year: LiaisonGroup.objects.filter(active=True),
        path_field="zone__path",
        aggregate=Count("pk"),
        columns=(("name", "联络组"), ("zone__name", "所属"), ("leader_name", "组长")),
        order=20,
        description="党工委成立的联络组，对所联系的基层党组织督促指导",
    )
)


# Named examples for the year-end summary (registered in apps.ready).
_QUOTES = "“”\"'"
_ORG_SUFFIX = re.compile(r"(党总支|党支部|党委|党工委|总支|支部)$")


def brands(org: Org, year: int) -> list[str]:
    rows = (
        Org.objects.filter(path__startswith=org.path, active=True)
        .exclude(brand="")
        .exclude(pk=org.pk)
        .order_by("path")
        .values_list("name", "short_name", "brand")[:20]
    )
    return [f"{_ORG_SUFFIX.sub('', short or name)}“{brand.strip(_QUOTES)}”" for name, short, brand in rows]


def own_brand(org: Org, year: int) -> list[str]:
    return [org.brand.strip(_QUOTES)] if org.brand else []
