"""The demo zone's 2023 reproduces the article's figures 3, 5–8, 10 and 15 through the metrics registry."""

import importlib

import pytest
from django.db import transaction

from dangjian.activities import selectors
from dangjian.activities.models import Activity
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


@pytest.fixture
def demo():
    ctx = _seed()
    return Org.objects.get(code=ctx.zone_code)


def figure(key: str, zone: Org) -> int:
    return metrics.get(key).value(zone, 2023)


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("activities.office_meetings", 7, 7),
        ("activities.promotion_meetings", 1, 99),
        ("activities.leader_lecturers", 7, 7),
        ("activities.study_sessions", 30, 39),
        ("activities.theme_days", 22, 22),
        ("activities.lecturers", 9, 9),
        ("activities.lectures", 18, 18),
        ("activities.lecture_audience", 5000, 5999),
        ("activities.trainees", 610, 610),
        ("activities.training_bases", 4, 4),
        ("activities.choir_contests", 4, 4),
        ("activities.exchange_meetings", 1, 99),
        ("activities.theme_categories", 5, 5),
    ],
)
def test_demo_zone_2023_reproduces_the_articles_figure(demo, key, low, high):
    assert low <= figure(key, demo) <= high


def test_demo_training_went_to_exactly_the_four_named_bases(demo):
    assert sorted(selectors.training_bases(demo, 2023)) == sorted(
        ["浙江大学", "上海交大", "新乡先进群体教育基地", "洛阳栾川县伏牛山乡村振兴实践基地"]
    )


def test_demo_theme_categories_include_the_articles_two_names(demo):
    names = selectors.theme_category_names(demo, 2023)
    assert len(names) == 5
    assert {"出彩担当", "先锋践初心"} <= set(names)


def test_demo_has_the_secretaries_exchange_meeting(demo):
    assert Activity.objects.filter(title__contains="晒妙招·开土方·传真经").exists()


def test_choir_contest_count_is_cumulative_by_year(demo):
    assert metrics.get("activities.choir_contests").value(demo, 2021) == 2


def test_every_branch_holds_monthly_life_with_only_a_few_gaps(demo):
    matrix = selectors.compliance_matrix(demo, 2023)
    assert len(matrix.rows) > 60
    assert 1 <= len(matrix.overdue) <= len(matrix.rows) // 4
    assert figure("activities.meetings_held", demo) > 20 * len(matrix.rows)


def test_running_the_seed_again_changes_nothing(demo):
    before = (Activity.objects.count(), AuditEntry.objects.count())
    _seed()
    assert (Activity.objects.count(), AuditEntry.objects.count()) == before
