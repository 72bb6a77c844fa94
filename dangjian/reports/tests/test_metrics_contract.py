"""The additive parts of core.metrics the reports rely on: by_depth, own, records, unregister, examples."""

from datetime import date

import pytest

from dangjian.core import metrics
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def founded(admin_user, temp_metric):
    for code in ("T-A", "T-B", "T-C1"):
        Org.objects.filter(code=code).update(founded_on=date(2023, 5, 1))
    Org.objects.filter(code="T-C").update(founded_on=date(2022, 5, 1))
    return temp_metric


def test_by_depth_groups_facts_under_the_orgs_at_that_depth(founded):
    zone = Org.objects.get(code="T")
    community = Org.objects.get(code="T-C")
    assert founded.by_depth(zone, 2023, zone.depth + 1) == {
        Org.objects.get(code="T-A").path: 1,
        Org.objects.get(code="T-B").path: 1,
        community.path: 1,
    }
    assert founded.by_depth(zone, 2023, community.depth + 1) == {Org.objects.get(code="T-C1").path: 1}
    assert founded.by_child(zone, 2023) == founded.by_depth(zone, 2023, zone.depth + 1)


def test_own_counts_only_the_facts_recorded_on_the_org_itself(founded):
    Org.objects.filter(code="T").update(level="branch", founded_on=date(2023, 1, 1))
    zone = Org.objects.get(code="T")
    assert founded.own(zone, 2023) == 1
    assert founded.value(zone, 2023) == 4


def test_records_lists_the_facts_behind_the_figure(founded):
    codes = list(founded.records(Org.objects.get(code="T"), 2023).values_list("code", flat=True))
    assert sorted(codes) == ["T-A", "T-B", "T-C1"]


def test_unregister_removes_a_metric_and_get_or_none_answers_none():
    metrics.register(metrics.Metric("testing.tmp", "临时", "个", "测试", facts=lambda y: Org.objects.none()))
    assert metrics.get_or_none("testing.tmp") is not None
    metrics.unregister("testing.tmp")
    assert metrics.get_or_none("testing.tmp") is None


def test_brand_examples_name_the_village_and_its_brand(zone, branch):
    Org.objects.filter(code="T-A").update(brand="孝善党建")
    provider = metrics.get_examples("orgs.brands")
    assert provider.fetch(Org.objects.get(code="T"), 2023) == ["甲村“孝善党建”"]


def test_rollup_answers_total_own_and_children_in_one_query_for_an_additive_metric(
    founded, django_assert_num_queries
):
    Org.objects.filter(code="T").update(level="branch", founded_on=date(2023, 1, 1))
    zone = Org.objects.get(code="T")
    assert founded.is_additive
    with django_assert_num_queries(1):
        total, own, children = founded.rollup(zone, 2023)
    assert (total, own) == (4, 1)
    assert children == founded.by_child(zone, 2023)


def test_a_distinct_count_of_a_field_is_not_additive_and_rolls_up_with_three_queries(
    founded, django_assert_num_queries
):
    from django.db.models import Count

    distinct_kinds = metrics.Metric(
        "testing.kinds",
        "类型数",
        "种",
        "测试",
        facts=founded.facts,
        path_field="path",
        aggregate=Count("kind", distinct=True),
    )
    assert not distinct_kinds.is_additive
    zone = Org.objects.get(code="T")
    with django_assert_num_queries(3):
        total, own, children = distinct_kinds.rollup(zone, 2023)
    assert total == 2  # village and community, not the sum of the children's 1 + 1 + 1
