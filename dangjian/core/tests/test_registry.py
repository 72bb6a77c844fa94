"""The registry fails loudly: a bad registration stops the start, never empties a page at render time."""

import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from dangjian.core import registry
from dangjian.core.metrics import ComputedMetric, QueryMetric
from dangjian.orgs.models import Org


def _facts(year):
    return Org.objects.none()


def test_a_key_registered_twice_is_refused():
    with pytest.raises(ImproperlyConfigured, match="twice"):
        registry.register_section("activities.attendance", "再来一次", 1, lambda person, actor: "")


def test_a_key_without_its_app_label_is_refused():
    with pytest.raises(ImproperlyConfigured, match="app label"):
        registry.register_examples("brands", "品牌", lambda org, year: [])


def test_something_that_is_not_callable_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not callable"):
        registry.register_examples("testing.examples", "示例", "dangjian.activities.selectors.training_bases")
    assert registry.examples("testing.examples") is None


def test_a_metric_without_a_facts_function_is_refused():
    with pytest.raises(ImproperlyConfigured, match="facts"):
        registry.register_metric(
            QueryMetric(key="testing.bad", label="坏", unit="个", area="测试", facts=None)
        )
    with pytest.raises(ImproperlyConfigured, match="compute"):
        registry.register_metric(
            ComputedMetric(key="testing.bad", label="坏", unit="个", area="测试", facts=_facts, compute=3)
        )
    assert registry.metric_or_none("testing.bad") is None


def test_an_exporter_without_what_its_kind_needs_is_refused():
    class NoRows:
        identifier = "testing.norows"
        verbose_name = "无行"

    with pytest.raises(ImproperlyConfigured, match="iterate_rows"):
        registry.register_exporter(NoRows)


def test_every_app_registration_fits_together_as_shipped():
    assert registry.problems() == []
    registry.validate()


def test_the_overview_naming_a_figure_no_installed_app_registers_stops_the_start(monkeypatch):
    kept = {k: m for k, m in registry._kinds["metric"].items() if k != "members.on_roll"}
    monkeypatch.setitem(registry._kinds, "metric", kept)
    assert any("members.on_roll" in p for p in registry.problems())
    with pytest.raises(ImproperlyConfigured, match="members.on_roll"):
        registry.validate()
    with pytest.raises(SystemCheckError, match="members.on_roll"):
        call_command("check")


def test_renamed_examples_the_overview_still_names_stop_the_start(monkeypatch):
    kept = {k: e for k, e in registry._kinds["examples"].items() if k != "activities.training_bases"}
    monkeypatch.setitem(registry._kinds, "examples", kept)
    assert any("activities.training_bases" in p for p in registry.problems())


def test_an_app_whose_ready_forgets_its_metrics_module_stops_the_start(monkeypatch):
    monkeypatch.delitem(sys.modules, "dangjian.orgs.metrics")
    assert any(p.startswith("orgs: metrics.py") for p in registry.problems())


def test_a_todo_source_that_is_not_callable_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not callable"):
        registry.register_todo("testing.todo", "测试", 1, "dangjian.activities.todo.meeting_items")
    assert "testing.todo" not in {t.key for t in registry.todos()}


def test_every_app_contributes_its_todo_items_in_order():
    keys = [t.key for t in registry.todos()]
    assert keys[:2] == ["activities.meetings", "activities.attendance"]
    assert {"people.dues", "people.transfers", "people.development", "casework.requests"} <= set(keys)
    assert {"checklists.tasks", "payouts.lists"} <= set(keys)
