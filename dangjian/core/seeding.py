"""The demo district, built by ``manage.py seed_demo`` from each app's ``seed.py``.

Contract for an app's ``seed.py``: a function ``run(ctx: SeedContext) -> None`` that is deterministic
(draw randomness only from ``ctx.rng(name)``) and idempotent (running it again changes nothing: check
what exists first and skip). Apps run in INSTALLED_APPS order, so a later app may use earlier records.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段靳申姬"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华志国红梅玉兰海燕凤霞文学德福永胜春生宝林振东卫民爱国淑珍玉珍秀珍金凤桂芝晓东晓燕建军建国新民"


def demo_password() -> str:
    return getattr(settings, "DANGJIAN_DEMO_PASSWORD", None) or "Dangjian@2023"


@dataclass
class SeedContext:
    year: int = 2023
    zone_code: str = "SFQ"
    say: Callable[[str], None] = print
    _rngs: dict[str, random.Random] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        """A random stream per name, so one app's draws never shift another's."""
        if name not in self._rngs:
            self._rngs[name] = random.Random(f"{self.zone_code}:{self.year}:{name}")
        return self._rngs[name]

    def zone(self) -> Any:
        from . import registry

        return registry.provider("org_by_code")(self.zone_code)


def fake_name(rng: random.Random) -> str:
    given = GIVEN[rng.randrange(len(GIVEN))]
    if rng.random() < 0.7:
        given += GIVEN[rng.randrange(len(GIVEN))]
    return SURNAMES[rng.randrange(len(SURNAMES))] + given


def run_all(ctx: SeedContext) -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("dangjian."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.seed")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.seed":
                raise
            continue
        module.run(ctx)
