"""Yearly payout figures (see core.metrics): amounts and beneficiaries per programme kind, counted
from the unreversed payments of the year's approved programmes, so the summary prints what was paid."""

from django.db.models import Count, QuerySet, Sum

from dangjian.core.metrics import Metric, register, register_examples
from dangjian.orgs.models import Org

from .models import Kind, Payment

AREA = "资金发放"
PATH = "entitlement__programme__org__path"
COLUMNS = (
    ("entitlement__programme__name", "项目"),
    ("entitlement__programme__org__name", "发放单位"),
    ("entitlement__name", "姓名"),
    ("amount_fen", "金额（元）"),
    ("paid_at", "发放时间"),
)
KIND_LABELS = dict(Kind.choices)


def _paid(year: int, *kinds: str) -> QuerySet[Payment]:
    qs = Payment.objects.filter(entitlement__programme__year=year, reversal__isnull=True)
    if kinds:
        qs = qs.filter(entitlement__programme__kind__in=kinds)
    return qs


def _amount(key, label, kinds, order, approx=False, description=""):
    return register(
        Metric(
            key=key,
            label=label,
            unit="元",
            area=AREA,
            facts=lambda year: _paid(year, *kinds),
            path_field=PATH,
            aggregate=Sum("amount_fen"),
            money=True,
            approx=approx,
            order=order,
            breakdown="entitlement__programme__kind" if len(kinds) != 1 else None,
            breakdown_labels=KIND_LABELS,
            columns=COLUMNS,
            chart="pie" if len(kinds) != 1 else "",
            description=description,
        )
    )


def _people(key, label, kinds, order, approx=False, description=""):
    return register(
        Metric(
            key=key,
            label=label,
            unit="人",
            area=AREA,
            facts=lambda year: _paid(year, *kinds),
            path_field=PATH,
            # One person paid by two programmes of the kind counts once.
            aggregate=Count("entitlement__person", distinct=True),
            approx=approx,
            order=order,
            columns=COLUMNS,
            description=description,
        )
    )


_amount(
    "payouts.paid_total",
    "资金发放总额",
    list(Kind.values),
    600,
    description="本年度各类项目已发放金额（不含已冲正）",
)
_amount("payouts.reward_total", "拨付奖励资金", [Kind.REWARD], 601, approx=True)
_people("payouts.reward_beneficiaries", "奖励资金惠及人数", [Kind.REWARD], 602, approx=True)
_amount("payouts.elder_total", "老年补贴发放金额", [Kind.ELDER], 603)
_people("payouts.elder_beneficiaries", "老年补贴受益人数", [Kind.ELDER], 604)
_amount("payouts.dividend_total", "集体经济分红", [Kind.DIVIDEND], 605)
_people("payouts.dividend_beneficiaries", "分红受益群众", [Kind.DIVIDEND], 606)
_amount("payouts.pension_total", "发放养老金", [Kind.PENSION], 607)
_people("payouts.pension_beneficiaries", "养老金受益群众", [Kind.PENSION], 608)


def _community_name(name: str) -> str:
    for suffix in ("党委", "党总支", "党支部"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def dividend_orgs(org: Org, year: int) -> list[str]:
    """Collectives that paid a dividend in the year, largest first ("三海社区")."""
    rows = (
        _paid(year, Kind.DIVIDEND)
        .filter(**{f"{PATH}__startswith": org.path})
        .values("entitlement__programme__org__name")
        .annotate(total=Sum("amount_fen"))
        .order_by("-total", "entitlement__programme__org__name")
    )
    return [_community_name(r["entitlement__programme__org__name"]) for r in rows]


register_examples("payouts.dividend_orgs", "发放分红的集体经济组织", dividend_orgs)
