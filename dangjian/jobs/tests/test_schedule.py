"""The daily schedule runs the platform's periodic work, each item once a day across workers."""

import pytest

from dangjian.core.checkpoints import read_checkpoints
from dangjian.core.models import AuditEntry
from dangjian.jobs.registry import daily_items

pytestmark = pytest.mark.django_db


def test_the_schedule_holds_the_periodic_work_the_spine_promises():
    assert {
        "jobs.purge_expired_files",
        "people.overdue_transfers",
        "people.purge_import_stages",
        "reports.rebuild_figures",
        "core.audit_checkpoint",
        "payouts.purge_expired_scans",
    } <= set(daily_items())


def test_the_daily_audit_checkpoint_signs_the_newest_entry_into_the_file(admin_user):
    newest = AuditEntry.objects.latest("pk")
    assert daily_items()["core.audit_checkpoint"]() == f"entry {newest.pk}"
    checkpoints, problems = read_checkpoints()
    assert not problems and [c.entry_id for c in checkpoints] == [newest.pk]
