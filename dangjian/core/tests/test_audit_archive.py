"""The audit log for its administrators: search in Chinese labels, a date range exported with its
hashes and verified offline, retention of at least 180 days, purging as an audited checkpointed step."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action, verify_chain
from dangjian.core.audit_archive import RetentionError, purge_before, verify_archive
from dangjian.core.checkpoints import verify_checkpoints, write_checkpoint
from dangjian.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def write(action: str, **data) -> AuditEntry:
    with transaction.atomic():
        return log_action(actor=SYSTEM, action=action, data=data)


@pytest.fixture
def auditor_client(client, roles, zone):
    client.force_login(make_user("shenji", roles["auditadmin"], zone))
    return client


def test_the_log_shows_chinese_labels_and_filters_by_user_action_and_dates(auditor_client, time_machine):
    time_machine.move_to("2026-03-01 10:00 +08:00", tick=False)
    write("accounts.login", username="a")
    time_machine.move_to("2026-03-05 10:00 +08:00", tick=False)
    write("people.reveal_pii", field="phone")
    page = auditor_client.get(reverse("core:audit")).content.decode()
    assert "登录" in page and "查看完整个人信息" in page
    assert "<td>accounts.login</td>" not in page
    narrowed = auditor_client.get(
        reverse("core:audit"), {"action": "people.reveal_pii", "from": "2026-03-04"}
    )
    assert [e.action for e in narrowed.context["page"]] == ["people.reveal_pii"]
    by_date = auditor_client.get(reverse("core:audit"), {"from": "2026-03-01", "to": "2026-03-02"})
    assert [e.action for e in by_date.context["page"]] == ["accounts.login"]


def test_an_exported_range_verifies_offline_and_a_changed_line_does_not(auditor_client, tmp_path):
    write("a.one", n=1)
    write("a.two", n=2)
    today = timezone.localdate().isoformat()
    response = auditor_client.get(reverse("core:audit_export"), {"from": today, "to": today})
    body = b"".join(response.streaming_content).decode()
    count, problems = verify_archive(body.splitlines(keepends=True))
    assert problems == [] and count == AuditEntry.objects.exclude(action="core.export_audit").count()
    path = tmp_path / "a.jsonl"
    path.write_text(body)
    call_command("verify_audit_archive", str(path))
    path.write_text(body.replace('"n": 2', '"n": 3'))
    with pytest.raises(CommandError):
        call_command("verify_audit_archive", str(path))
    assert AuditEntry.objects.filter(action="core.export_audit").exists()


def test_nothing_younger_than_the_retention_period_may_be_purged(tmp_path):
    write("a.one")
    with pytest.raises(RetentionError):
        purge_before(before=timezone.localdate() - timedelta(days=179), out_path=tmp_path / "x.jsonl")
    assert AuditEntry.objects.count() == 1


def test_purging_exports_first_is_audited_and_the_chain_and_checkpoints_still_verify(tmp_path, time_machine):
    time_machine.move_to("2025-01-10 10:00 +08:00", tick=False)
    write("a.old", n=1)
    write("a.old", n=2)
    write_checkpoint()
    time_machine.move_to("2026-01-10 10:00 +08:00", tick=False)
    write("a.new")
    out = tmp_path / "archive.jsonl"
    purged = purge_before(before=date(2025, 6, 1), out_path=out)
    assert purged == 3  # the two entries and the checkpoint's own row
    assert not AuditEntry.objects.filter(action="a.old").exists()
    assert verify_archive(out.read_text().splitlines(keepends=True)) == (3, [])
    assert AuditEntry.objects.filter(action="core.audit_purge").exists()
    assert verify_chain()[1] == []
    assert verify_checkpoints()[1] == []
    call_command("verify_audit")
