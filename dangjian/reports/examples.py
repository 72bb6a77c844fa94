"""Named examples the summary quotes (brands, training bases, activity themes…).

Providers live in ``core.metrics``' examples registry so any module can add its own from its
``metrics.py``; the ones below read the foundation's records or the activities module's selectors,
imported defensively because that module may not be installed yet.
"""

from __future__ import annotations

import importlib
import re

from dangjian.core.metrics import get_examples, register_examples

_QUOTES = "“”\"'"
_ORG_SUFFIX = re.compile(r"(党总支|党支部|党委|党工委|总支|支部)$")


def _brands(org, year: int) -> list[str]:
    from dangjian.orgs.models import Org

    rows = (
        Org.objects.filter(path__startswith=org.path, active=True)
        .exclude(brand="")
        .exclude(pk=org.pk)
        .order_by("path")
        .values_list("name", "short_name", "brand")[:20]
    )
    return [f"{_ORG_SUFFIX.sub('', short or name)}“{brand.strip(_QUOTES)}”" for name, short, brand in rows]


def _own_brand(org, year: int) -> list[str]:
    return [org.brand.strip(_QUOTES)] if org.brand else []


def _from_selector(module: str, function: str):
    def fetch(org, year: int) -> list[str]:
        try:
            selector = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            return []
        return [str(name) for name in selector(org, year)]

    return fetch


def register_builtin_examples() -> None:
    if get_examples("orgs.brands") is None:
        register_examples("orgs.brands", "党建品牌", _brands)
    if get_examples("orgs.own_brand") is None:
        register_examples("orgs.own_brand", "本级党建品牌", _own_brand)
    for key, label, function in (
        ("activities.training_bases", "培训基地", "training_bases"),
        ("activities.theme_categories", "活动主题类别", "theme_category_names"),
    ):
        if get_examples(key) is None:
            register_examples(key, label, _from_selector("dangjian.activities.selectors", function))
