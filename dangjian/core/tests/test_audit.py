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
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_change ON core_auditentry")


# ---------------------------------------------------------------- issue 8, breach 6: checkpoints


@pytest.mark.django_db
def test_deleting_the_tail_with_its_checkpoint_row_is_noticed_from_the_file_outside_the_database():
    from dangjian.core.checkpoints import ACTION, write_checkpoint

    write("a.one")
    write("a.two")
    checkpoint = write_checkpoint()
    call_command("verify_audit")
    _drop_triggers()
    # The attacker removes the newest entries, the checkpoint's own row included: the chain still links.
    AuditEntry.objects.filter(id__gte=checkpoint.entry_id).delete()
    assert not AuditEntry.objects.filter(action=ACTION).exists()
    assert verify_chain()[1] == []
    with pytest.raises(CommandError):
        call_command("verify_audit")


@pytest.mark.django_db
def test_entries_after_the_last_checkpoint_are_still_verified_by_the_chain():
    from dangjian.core.checkpoints import verify_checkpoints, write_checkpoint

    write("a.one")
    write_checkpoint()
    write("a.two", amount=1)
    changed = write("a.three", amount=2)
    write("a.four")
    _drop_triggers()
    AuditEntry.objects.filter(pk=changed.pk).update(data={"amount": 3})
    last, problems = verify_checkpoints()
    assert last is not None and problems == []
    assert verify_chain()[1] == [f"#{changed.pk}: contents do not match its hash"]
    with pytest.raises(CommandError):
        call_command("verify_audit")


@pytest.mark.django_db
def test_a_checkpoint_line_edited_in_the_file_fails_its_signature(settings):
    from dangjian.core.checkpoints import verify_checkpoints, write_checkpoint

    write("a.one")
    write_checkpoint()
    path = settings.AUDIT_CHECKPOINT_FILE
    path.write_text(path.read_text().replace('"count": 1', '"count": 0'))
    _, problems = verify_checkpoints()
    assert problems and "签名无效" in problems[0]


@pytest.mark.django_db
def test_a_full_id_number_in_audit_data_is_stored_masked():
    entry = write("people.export_roster", filter={"q": "410611194301011238", "org": "T-A"})
    assert entry.data["filter"] == {"q": "410611***********8", "org": "T-A"}
    assert "194301011238" not in str(AuditEntry.objects.get(pk=entry.pk).data)
