"""The dashboard's "organizational life held vs due by month" chart, read off the compliance calendar."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.activities import services
from dangjian.activities.models import Kind
from dangjian.core import metrics
from dangjian.orgs.models import Org

from .factories import meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def january(zone, branch, other_branch):
    services.ensure_default_rules(Org.objects.get(pk=zone.pk))
    a = Org.objects.get(code="T-A")
    meeting(a, kind=Kind.COMMITTEE, day=date(2023, 1, 5))
    meeting(
        a, kind=Kind.COMMITTEE, day=date(2023, 1, 20), title="第二次支委会"
    )  # beyond the rule: not counted twice
    meeting(a, kind=Kind.THEME_DAY, day=date(2023, 1, 10), title="一月主题党日")
    return Org.objects.get(pk=zone.pk)


def test_due_counts_each_branchs_monthly_requirements_and_held_caps_at_them(january):
    due = metrics.get("activities.required_due").split(january, 2023)
    held = metrics.get("activities.required_held").split(january, 2023)
    # Two branches, each owing a 支委会 and a 主题党日 every month; only 甲村 met January's.
    assert due["1月"] == 4
    assert held["1月"] == 2
    assert held.get("2月", 0) == 0


def test_held_and_due_roll_up_per_branch(january):
    total, own, children = metrics.get("activities.required_held").rollup(january, 2023)
    a, b = Org.objects.get(code="T-A"), Org.objects.get(code="T-B")
    assert children == {a.path: 2}
    assert (total, own) == (2, 0)
    assert metrics.get("activities.required_due").by_child(january, 2023)[b.path] > 0


def test_dashboard_draws_held_against_due_in_one_chart(admin_client, january):
    response = admin_client.get(reverse("reports:dashboard"), {"year": 2023})
    charts = {c["title"]: c for c in response.context["charts"]}
    chart = charts["组织生活：应开与已开（按月）"]
    assert [s["name"] for s in chart["series"]] == ["应开组织生活", "已开组织生活（计入要求）"]
    assert chart["categories"][:3] == ["1月", "2月", "3月"]
    # The admin persona's tree has three branches (甲村, 乙村, 丙社区第一): six meetings due in January.
    assert chart["series"][0]["data"][0] == 6
    assert chart["series"][1]["data"][0] == 2
