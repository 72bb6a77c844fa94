"""Yearly figures of the roll (see core.metrics for the contract).

On the roll at year end = joined on or before 31 December (or joining date unknown) and not left by
then. The facts are membership periods (``MembershipPeriod``), so a member counts at the branch whose
roll he was on on 31 December of that year — not at the branch he is in today.
"""

from datetime import date

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, Value, When

from dangjian.core.dates import add_years
from dangjian.core.metrics import ComputedMetric, Metric, register
from dangjian.orgs.models import Kind

from .models import MembershipPeriod, MemberStatus
from .selectors import LAPSE_METRICS, lapse_counts, lapsed_members, period_on_q

AGE_BAND_LABELS = {
    "u35": "35岁以下",
    "35-45": "35–45岁",
    "46-60": "46–60岁",
    "61-69": "61–69岁",
    "70+": "70岁以上",
}


def on_roll(year: int):
    """The period of each member on a roll on 31 December (its ``org`` is that day's branch)."""
    end = date(year, 12, 31)
    return (
        MembershipPeriod.objects.filter(period_on_q(end))
        .filter(Q(member__joined_on__lte=end) | Q(member__joined_on__isnull=True))
        .filter(Q(member__left_on__isnull=True) | Q(member__left_on__gt=end))
    )


def _with_status(year: int):
    end = date(year, 12, 31)
    return on_roll(year).annotate(
        status_at=Case(
            When(member__full_on__lte=end, then=Value(MemberStatus.FULL)),
            When(
                member__status=MemberStatus.FULL, member__full_on__isnull=True, then=Value(MemberStatus.FULL)
            ),
            default=Value(MemberStatus.PROBATIONARY),
            output_field=CharField(),
        )
    )


def _joined(year: int):
    """The period that began each membership of the year: the branch that admitted the member."""
    joined = F("member__joined_on")
    return MembershipPeriod.objects.filter(member__joined_on__year=year).filter(
        Q(started_on__lte=joined) | Q(started_on__isnull=True),
        Q(ended_on__isnull=True) | Q(ended_on__gt=joined),
    )


def _ago(end: date, years: int) -> date:
    return add_years(end, -years)


def _with_age_band(year: int):
    end = date(year, 12, 31)
    born = "member__person__birth_date"
    return on_roll(year).annotate(
        age_band=Case(
            When(**{f"{born}__gt": _ago(end, 35)}, then=Value("u35")),
            When(**{f"{born}__gt": _ago(end, 46)}, then=Value("35-45")),
            When(**{f"{born}__gt": _ago(end, 61)}, then=Value("46-60")),
            When(**{f"{born}__gt": _ago(end, 70)}, then=Value("61-69")),
            When(**{f"{born}__isnull": False}, then=Value("70+")),
            default=Value("unknown"),
            output_field=CharField(),
        )
    )


MEMBER_COLUMNS = (
    ("member__person__name", "姓名"),
    ("org__name", "党支部"),
    ("member__joined_on", "入党日期"),
)
STATUS_LABELS = {MemberStatus.FULL.value: "正式党员", MemberStatus.PROBATIONARY.value: "预备党员"}

register(
    Metric(
        key="members.on_roll",
        label="党员",
        unit="名",
        area="党员",
        facts=_with_status,
        aggregate=Count("pk"),
        columns=MEMBER_COLUMNS,
        approx=True,
        order=30,
        breakdown="status_at",
        breakdown_labels=STATUS_LABELS,
        description="年末在册党员（含预备党员）",
    )
)
register(
    Metric(
        key="members.new",
        label="新发展党员",
        unit="名",
        area="党员",
        facts=_joined,
        columns=MEMBER_COLUMNS,
        aggregate=Count("pk"),
        order=31,
        description="当年入党（支部大会接收为预备党员）的人数",
    )
)
register(
    Metric(
        key="members.by_status",
        tile=False,
        label="党员（按状态）",
        unit="名",
        area="党员",
        facts=_with_status,
        aggregate=Count("pk"),
        columns=MEMBER_COLUMNS,
        order=32,
        breakdown="status_at",
        breakdown_labels=STATUS_LABELS,
    )
)
register(
    Metric(
        key="members.by_kind",
        tile=False,
        label="党员（按组织类型）",
        unit="名",
        area="党员",
        facts=on_roll,
        aggregate=Count("pk"),
        columns=MEMBER_COLUMNS,
        order=33,
        breakdown="org__kind",
        breakdown_labels={k.value: str(k.label) for k in Kind},
    )
)
register(
    Metric(
        key="members.by_age_band",
        tile=False,
        label="党员（按年龄段）",
        unit="名",
        area="党员",
        facts=_with_age_band,
        aggregate=Count("pk"),
        columns=MEMBER_COLUMNS,
        order=34,
        breakdown="age_band",
        breakdown_labels={**AGE_BAND_LABELS, "unknown": "未知"},
    )
)


# 党章 Article 9: members who for LAPSE_MONTHS months paid no dues, or took part in no organizational
# life, as of the end of the year (today in the current one). The compliance page of a city finds the
# branches with a flag in these stored figures instead of checking every member of the subtree; the
# dashboard draws no tile (people decide on a flag, it is no achievement to count). The figures move
# with the date (the window slides by the month): the daily rebuild keeps them right, and the page
# computes live when the stored ones were taken in another month.
LAPSE_LABELS = {"unpaid": "未交纳党费", "lifeless": "未参加组织生活"}


def _lapse_metric(which: str, order: int) -> ComputedMetric:
    months = settings.LAPSE_MONTHS
    return ComputedMetric(
        key=LAPSE_METRICS[which],
        tile=False,
        label=f"连续{months}个月{LAPSE_LABELS[which]}的党员",
        unit="名",
        area="党员",
        facts=lambda year: lapsed_members(which, year, settings.LAPSE_MONTHS),
        path_field="org__path",
        columns=(("person__name", "姓名"), ("org__name", "党支部")),
        compute=lambda org, year: lapse_counts(org, which, year, settings.LAPSE_MONTHS),
        # Beyond the member's own row and branch: what the two windows read. A meeting's change
        # (held, cancelled, its date) recomputes its org's subtree, where its attendance sits.
        depends_on=(
            ("people.duespayment", "member__org__path"),
            ("people.dueswaiver", "member__org__path"),
            ("people.membershipperiod", "member__org__path"),
            ("activities.attendance", "member__org__path"),
            ("activities.activity", "org__path"),
        ),
        order=order,
        description=f"党章第九条：连续{months}个月{LAPSE_LABELS[which]}的党员（截至年底，当年截至今天），由党组织研究决定",
    )


register(_lapse_metric("unpaid", 35))
register(_lapse_metric("lifeless", 36))
