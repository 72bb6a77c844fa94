"""The demo zone's 2023 reproduces the article's figures 3, 5–8, 10 and 15 through the metrics registry."""

import importlib
from datetime import date

import pytest
from django.db import transaction

from dangjian.activities import selectors
from dangjian.activities.models import Activity, Attendance
from dangjian.core import metrics
from dangjian.core.models import AuditEntry
from dangjian.core.seeding import SeedContext
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


def _seed() -> SeedContext:
    ctx = SeedContext(say=lambda text: None)
    for app in ("orgs", "accounts", "people", "activities"):
        try:
            module = importlib.import_module(f"dangjian.{app}.seed")
        except ModuleNotFoundError:
            continue
        with transaction.atomic():
            module.run(ctx)
    return ctx


def figure(key: str, zone: Org, year: int = 2023) -> int:
    return metrics.get(key).value(zone, year)


# (metric key, lowest, highest) — the article's 2023 figures for the demo zone.
FIGURES = [
    ("activities.office_meetings", 7, 7),
    ("activities.promotion_meetings", 1, 99),
    ("activities.leader_lecturers", 7, 7),
    ("activities.study_sessions", 30, 39),
    ("activities.theme_days", 22, 22),
    ("activities.lecturers", 9, 9),
    ("activities.lectures", 18, 18),
    ("activities.lecture_audience", 5001, 5099),
    ("activities.trainees", 610, 610),
    ("activities.training_bases", 4, 4),
    ("activities.choir_contests", 4, 4),
    ("activities.exchange_meetings", 1, 99),
    ("activities.theme_categories", 5, 5),
]


def test_demo_zone_2023_reproduces_the_articles_figures_and_a_second_seed_changes_nothing():
    # One seed run for every check: the demo seed (with ~1600 members) is the slow part.
    ctx = _seed()
    zone = Org.objects.get(code=ctx.zone_code)
    outside = {key: figure(key, zone) for key, low, high in FIGURES if not low <= figure(key, zone) <= high}
    assert outside == {}

    assert sorted(selectors.training_bases(zone, 2023)) == sorted(
        ["浙江大学", "上海交大", "新乡先进群体教育基地", "洛阳栾川县伏牛山乡村振兴实践基地"]
    )
    names = selectors.theme_category_names(zone, 2023)
    assert len(names) == 5 and {"出彩担当", "先锋践初心"} <= set(names)
    assert Activity.objects.filter(kind="exchange", title__contains="晒妙招·开土方·传真经").exists()
    assert figure("activities.choir_contests", zone, 2021) == 2

    matrix = selectors.compliance_matrix(zone, 2023)
    assert len(matrix.rows) > 60
    assert 1 <= len(matrix.overdue) <= len(matrix.rows) // 4
    assert figure("activities.meetings_held", zone) > 20 * len(matrix.rows)

    # The demo member login can check in: it is linked to a member of 姬庄村第一党支部.
    from dangjian.accounts.models import User
    from dangjian.people.selectors import member_for_user

    assert member_for_user(User.objects.get(username="dangyuan")).org.code == "SFQ-V01-1"

    # Issue 13: a case of each rule where the demo secretary (姬庄村) meets it — and the figures above
    # are the article's all the same.
    from dangjian.activities.models import Decision
    from dangjian.people.models import DevelopmentCase, DuesPayment, DuesWaiver, Member, Transfer
    from dangjian.people.seed import rule_case_pool

    pool = rule_case_pool(Org.objects.get(code="SFQ-V01-1"), 2023)
    watched, waived, lapsed, away = pool[1], pool[3], pool[5], pool[7]
    assert watched.watch_from and not watched.has_vote_on(date(2023, 8, 20))
    assert not Attendance.objects.filter(
        member=watched, activity__date__gte=date(2023, 5, 1), voting=True
    ).exists()
    assert DuesWaiver.objects.filter(member=waived, kind="exempt").exists()
    assert not DuesPayment.objects.filter(member=lapsed, month__gte=date(2023, 7, 1)).exists()
    assert not Attendance.objects.filter(
        member=lapsed, activity__date__gte=date(2023, 7, 1), status="present"
    ).exists()
    stay = Transfer.objects.get(member=away, kind="temporary")
    assert Attendance.objects.filter(member=away, activity__org=stay.to_org, status="present").exists()
    assert Member.objects.get(pk=away.pk).org.code == "SFQ-V01-1", "the roll stays at home"
    case = DevelopmentCase.objects.get(
        org__code="SFQ-V01-1", stage="candidate", steps__step="application_form"
    )
    assert case.steps.filter(overdue=True, step="talk").exists() and case.steps.count() == 15
    decision = Decision.objects.get(activity__org__path__startswith=zone.path)
    assert decision.passed and decision.voting_present * 2 > decision.voting_expected
    assert decision.votes_for + decision.votes_against + decision.votes_abstain <= decision.voting_present

    before = (Activity.objects.count(), Attendance.objects.count(), AuditEntry.objects.count())
    _seed()
    assert (Activity.objects.count(), Attendance.objects.count(), AuditEntry.objects.count()) == before
