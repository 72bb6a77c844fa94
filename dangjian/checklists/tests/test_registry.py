"""The ledger registry fails loudly on a bad registration and lists what the apps contribute."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from dangjian.core import ledgers


def test_activities_contributes_the_org_life_ledger_and_meetings_as_records():
    assert ledgers.get_ledger("activities.org_life").name == "组织生活台账"
    assert ledgers.get_record_kind("activities.activity").label == "会议活动"


def test_a_ledger_registered_twice_under_one_key_fails_at_start():
    ledgers.register_ledger(
        key="tests.once", name="甲台账", capability="x", columns=[ledgers.Column("甲")], rows=list
    )
    try:
        with pytest.raises(ImproperlyConfigured, match="registered twice"):
            ledgers.register_ledger(
                key="tests.once", name="乙台账", capability="x", columns=[ledgers.Column("甲")], rows=list
            )
    finally:
        ledgers.unregister_ledger("tests.once")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "nodot", "name": "台账", "capability": "x", "rows": list, "columns": [ledgers.Column("甲")]},
        {"key": "a.b", "name": " ", "capability": "x", "rows": list, "columns": [ledgers.Column("甲")]},
        {"key": "a.b", "name": "台账", "capability": "x", "columns": [ledgers.Column("甲")]},
        {"key": "a.b", "name": "台账", "capability": "x", "rows": list},
        {"key": "a.b", "name": "台账", "capability": "x", "rows": list, "sections": list},
        {"key": "a.b", "name": "台账", "capability": "x", "rows": list, "columns": [ledgers.Column("")]},
    ],
)
def test_a_bad_ledger_registration_is_refused(kwargs):
    with pytest.raises(ImproperlyConfigured):
        ledgers.register_ledger(**kwargs)
    assert ledgers.get_ledger("a.b") is None


def test_the_owning_modules_ledger_wins_over_the_checklists_stand_in():
    assert ledgers.ledger_named("争先夺优台账").key == "checklists.tasks_excellence"
    ledgers.register_ledger(
        key="ratings.honours", name="争先夺优台账", capability="x", columns=[ledgers.Column("甲")], rows=list
    )
    try:
        assert ledgers.ledger_named("争先夺优台账").key == "ratings.honours"
    finally:
        ledgers.unregister_ledger("ratings.honours")


def test_projects_contributes_the_construction_ledger_the_catalogue_finds_by_name():
    assert ledgers.ledger_named("项目建设台账").key == "projects.construction"


def test_the_articles_five_ledgers_are_each_drawn_by_the_module_that_owns_the_records():
    owners = {
        name: ledgers.ledger_named(name).key
        for name in ("项目建设台账", "组织生活台账", "走访台账", "奖惩台账")
    }
    assert owners == {
        "项目建设台账": "projects.construction",
        "组织生活台账": "activities.org_life",
        "走访台账": "casework.visits",
        "奖惩台账": "ratings.rewards_discipline",
    }
    assert ledgers.ledger_named("民生实事台账").key == "casework.requests"


def test_visits_and_projects_are_records_a_progress_report_can_cite():
    assert ledgers.get_record_kind("casework.visit").label == "走访记录"
    assert ledgers.get_record_kind("projects.project").label == "项目"
