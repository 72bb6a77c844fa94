import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import GENESIS, log_action, verify_chain
from dangjian.core.models import AuditEntry


def write(action: str, **data) -> AuditEntry:
    with transaction.atomic():
        return log_action(actor=SYSTEM, action=action, data=data)


@pytest.mark.django_db
def test_entries_chain_each_to_the_one_before():
    first = write("a.one", n=1)
    second = write("a.two", n=2)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert verify_chain() == (2, [])


@pytest.mark.django_db
def test_database_refuses_to_update_an_entry():
    entry = write("a.one")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    assert AuditEntry.objects.get(pk=entry.pk).action == "a.one"


@pytest.mark.django_db
def test_database_refuses_to_delete_an_entry():
    entry = write("a.one")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_verify_audit_finds_an_entry_changed_behind_the_triggers_back():
    write("a.one", amount=100)
    entry = write("a.two", amount=200)
    write("a.three")
    _drop_triggers()
    AuditEntry.objects.filter(pk=entry.pk).update(data={"amount": 999})
    checked, problems = verify_chain()
    assert checked == 3
    assert problems == [f"#{entry.pk}: contents do not match its hash"]
    with pytest.raises(CommandError):
        call_command("verify_audit")


def _drop_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_change ON core_auditentry")
