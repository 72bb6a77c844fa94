"""The demo zone's 2023 checklist, supervision and ledgers (FIGURES.md rows 4 and 14) through the registry."""

import importlib

import pytest
from django.db import transaction

from dangjian.checklists.models import Evidence, KeyTask
from dangjian.core import metrics
from dangjian.core.models import AuditEntry
from dangjian.core.seeding import SeedContext
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


def _seed() -> None:
    # Members are left out (the slowest seed): meetings exist without attendance, which is all we cite.
    ctx = SeedContext(say=lambda text: None)
    for app in ("orgs", "accounts", "activities", "checklists"):
        module = importlib.import_module(f"dangjian.{app}.seed")
        with transaction.atomic():
            module.run(ctx)


@pytest.fixture
def zone(db):
    _seed()
    return Org.objects.get(code="SFQ")


def value(key: str, zone: Org) -> int:
    return metrics.get(key).value(zone, 2023)


def test_the_demo_zone_has_a_2023_list_with_done_late_and_open_owners(zone):
    owners = value("checklists.assignments", zone)
    on_time, overdue = value("checklists.tasks_on_time", zone), value("checklists.tasks_overdue", zone)
    assert KeyTask.objects.filter(zone=zone, year=2023).count() == value("checklists.key_tasks", zone) == 15
    assert on_time > owners / 2 and 0 < overdue < owners / 3
    assert set(KeyTask.objects.values_list("category", flat=True)) >= {
        "excellence",
        "projects",
        "theme_education",
    }


def test_reports_cite_the_branches_own_meetings(zone):
    evidence = Evidence.objects.filter(record_kind="activities.activity").select_related(
        "report__assignment__org"
    )
    assert evidence.exists()
    from dangjian.activities.models import Activity

    sample = evidence.first()
    assert Activity.objects.get(pk=sample.record_id).org.path.startswith(sample.report.assignment.org.path)


def test_four_liaison_groups_supervised_and_most_problems_are_rectified(zone):
    assert value("orgs.liaison_groups", zone) == 4
    found, fixed = value("checklists.problems_found", zone), value("checklists.problems_rectified", zone)
    assert value("checklists.supervision_visits", zone) > 0 and 0 < fixed < found


def test_the_overview_names_five_ledgers_and_the_checklist(zone):
    from dangjian.reports.summary import build_summary

    text = "".join(t for _, paragraphs in build_summary(zone, 2023).plain_paragraphs() for t in paragraphs)
    assert "纳入“争先夺优”“项目建设”等五本台账" in text
    assert "将全年党建重点任务实行清单化管理" in text


def test_seeding_again_changes_nothing(zone):
    audits = AuditEntry.objects.count()
    _seed()
    assert AuditEntry.objects.count() == audits
