"""After ``rotate_pii_keys`` the old keys can go: every value decrypts and every lookup still works."""

import io
import secrets
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction

from dangjian.casework import selectors as casework_selectors
from dangjian.casework.tests import factories as cf
from dangjian.core import pii, rotation
from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.payouts import services as payout_services
from dangjian.payouts.models import Method, SignedSheet
from dangjian.payouts.tests import factories as pf
from dangjian.people.models import Person, Transfer, TransferKind
from dangjian.people.tests.factories import PersonFactory, fresh_id

pytestmark = pytest.mark.django_db

A, B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
IA, IB = secrets.token_hex(32), secrets.token_hex(32)


@pytest.fixture
def keys(settings):
    """configure(pii=[...], index=[...]): the keys newest first, as the environment would give them."""

    def configure(*, pii_keys: list[str], index_keys: list[str]) -> None:
        settings.PII_KEYS, settings.PII_INDEX_KEYS, settings.PII_INDEX_KEY = (
            pii_keys,
            index_keys,
            index_keys[0],
        )
        pii.set_cipher(None)

    configure(pii_keys=[A], index_keys=[IA])
    yield configure
    pii.set_cipher(None)


def _stored(model, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE {column} <> ''")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_pii_keys", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_every_encrypted_field_is_found():
    found = {f"{m._meta.label}.{f.name}" for m, f in rotation.encrypted_fields()}
    assert found >= {
        "people.Person.id_number",
        "people.Person.phone",
        "people.Transfer.person_id_number",
        "payouts.Entitlement.id_number",
        "payouts.Payment.signature_png",
        "payouts.Payment.proxy_id_number",
        "casework.Request.phone",
    }


def test_after_rotation_only_the_new_keys_are_needed(keys, roles, admin_user, zone, branch, settings):
    people = PersonFactory.create_batch(3, org=branch)
    transfer = Transfer.objects.create(
        kind=TransferKind.FORMAL,
        to_org=branch,
        person_name="李四",
        person_id_number=fresh_id(),
        applied_on=date(2023, 3, 1),
    )
    trio = pf.signers(roles)
    prog = pf.approved(branch, trio)  # an approved list: the database freezes its entitlements
    entitlement = prog.entitlements.order_by("line_no").first()
    with transaction.atomic():
        payout_services.pay_entitlement(  # the ledger: append-only in the database
            actor=SYSTEM,
            entitlement=entitlement,
            method=Method.PROXY,
            proxy_name="王五",
            proxy_id_number=fresh_id(),
            signature_png=pf.png_b64(),
        )
        sheet = payout_services.upload_sheet(actor=SYSTEM, programme=prog, data=b"%PDF-1.4 scan")
    request = cf.request(branch, cf.categories(zone)["environment"], phone="13912345678")
    plain = {p.pk: (p.id_number, p.phone) for p in Person.objects.all()}
    last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    keys(pii_keys=[B, A], index_keys=[IB, IA])
    out = _rotate("--blind-index")
    assert "people.Person.id_number" in out and "盲索引 people.person_id" in out
    # Tracking codes are kept only as digests: found under the old index key while it is listed.
    assert casework_selectors.lookup_public_request(tracking_code=request.tracking_code, phone_last4="5678")

    keys(pii_keys=[B], index_keys=[IB])
    only_b = pii.AeadCipher([B])
    for model, f in rotation.encrypted_fields():
        for token in _stored(model, f.column):
            only_b.decrypt(token)  # raises if any value is still under A
    with default_storage.open(SignedSheet.objects.get(pk=sheet.pk).storage_name, "rb") as fh:
        only_b.decrypt(fh.read().decode())
    assert {p.pk: (p.id_number, p.phone) for p in Person.objects.all()} == plain
    assert Transfer.objects.get(pk=transfer.pk).person_id_number
    for person in people:
        found = Person.objects.get(id_index=pii.blind_index("id", person.id_number))
        assert found.pk == person.pk
        assert Person.objects.get(phone_index=pii.blind_index("phone", person.phone)).pk == person.pk
    actions = list(
        AuditEntry.objects.filter(pk__gt=last_entry).order_by("id").values_list("action", "actor_name")
    )
    assert actions == [("core.rotate_pii_keys", "系统"), ("core.rebuild_blind_index", "系统")]


def test_an_interrupted_rotation_continues_and_a_rerun_changes_nothing(keys, branch, monkeypatch):
    PersonFactory.create_batch(5, org=branch)
    keys(pii_keys=[B, A], index_keys=[IA])
    real, calls = rotation._rewrite, []

    def fail_on_second_batch(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        real(*args)

    monkeypatch.setattr(rotation, "_rewrite", fail_on_second_batch)
    with pytest.raises(RuntimeError):
        rotation.rotate_encrypted(batch=2)
    monkeypatch.setattr(rotation, "_rewrite", real)
    cipher = pii.get_cipher()
    assert sum(cipher.is_current(t) for t in _stored(Person, "id_number")) == 2  # the first batch

    again = rotation.rotate_encrypted(batch=2)
    assert again.changed["people.Person.id_number"] == 3
    assert rotation.rotate_encrypted(batch=2).changed == {k: 0 for k in again.changed}


def test_the_cipher_stays_pluggable(keys, branch):
    """Moving to another cipher (SM4, say) is a rotation too: the new one reads the old tokens and
    writes its own; rotate_pii_keys needs only encrypt and decrypt."""
    people = PersonFactory.create_batch(2, org=branch)

    class Tagged:
        old, new = pii.AeadCipher([A]), Fernet(B)

        def encrypt(self, plaintext: str) -> str:
            return "v2:" + self.new.encrypt(plaintext.encode()).decode()

        def decrypt(self, token: str) -> str:
            if token.startswith("v2:"):
                return self.new.decrypt(token[3:].encode()).decode()
            return self.old.decrypt(token)

    pii.set_cipher(Tagged())
    rotation.rotate_encrypted()
    assert all(t.startswith("v2:") for t in _stored(Person, "id_number"))
    assert sorted(Person.objects.values_list("id_number", flat=True)) == sorted(p.id_number for p in people)


def test_a_value_no_key_decrypts_stops_the_rotation_with_advice(keys, branch):
    PersonFactory(org=branch)
    keys(pii_keys=[B], index_keys=[IA])  # the old key dropped too early
    with pytest.raises(Exception, match="DANGJIAN_PII_KEYS"):
        _rotate()


def test_values_written_under_fernet_are_read_and_rotation_moves_them_to_aes_gcm(keys, branch):
    """Rows stored before the AES-GCM cipher keep working, and rotate_pii_keys rewrites them."""
    pii.set_cipher(pii.FernetCipher([A]))
    people = PersonFactory.create_batch(3, org=branch)
    assert all(t.startswith("gAAAA") for t in _stored(Person, "id_number"))
    pii.set_cipher(None)
    plain = sorted(p.id_number for p in people)
    assert sorted(Person.objects.values_list("id_number", flat=True)) == plain

    tally = rotation.rotate_encrypted()
    assert tally.changed["people.Person.id_number"] == 3
    assert all(t.startswith("g1:") for t in _stored(Person, "id_number"))
    assert sorted(Person.objects.values_list("id_number", flat=True)) == plain
    assert rotation.rotate_encrypted().changed["people.Person.id_number"] == 0


def test_an_aes_gcm_token_names_its_key_and_refuses_tampering(keys):
    old, new = pii.AeadCipher([A]), pii.AeadCipher([B, A])
    token = old.encrypt("410611194301011238")
    assert new.decrypt(token) == "410611194301011238"
    assert not new.is_current(token) and new.is_current(new.rotate(token))
    assert old.encrypt("x") != old.encrypt("x")  # a fresh nonce each time
    flipped = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]  # inside the ciphertext
    with pytest.raises(ValueError):
        new.decrypt(flipped)
    with pytest.raises(ValueError):
        pii.AeadCipher([B]).decrypt(token)


def test_rebuilding_the_blind_indexes_leaves_persons_without_an_id_number_without_one(keys, branch):
    from dangjian.people.services import prepare_person

    for name in ("张三", "李四"):  # two: the unique index holds any number of NULLs, not of ""
        prepare_person(Person(org=branch, name=name)).save()
    PersonFactory(org=branch)
    keys(pii_keys=[A], index_keys=[IB, IA])
    rotation.rebuild_blind_indexes()
    assert Person.objects.filter(id_index__isnull=True).count() == 2
    assert not Person.objects.filter(id_index="").exists()
