import pytest
from cryptography.fernet import Fernet
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import pii
from dangjian.core.money import fmt_yuan, yuan_to_fen
from dangjian.people.models import Person


def test_masks_hide_the_middle_of_id_numbers_and_phones():
    assert pii.mask_id("410611194301011238") == "410611***********8"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_name("王凤侠") == "王*侠"
    assert pii.mask_name("王芳") == "王*"


def test_blind_index_ignores_full_width_digits_spaces_and_case():
    assert pii.blind_index("id", "41061119430101123x") == pii.blind_index("id", " ４１０６１１19430101123X ")
    assert pii.blind_index("id", "1") != pii.blind_index("phone", "1")


@pytest.mark.django_db
def test_id_numbers_are_stored_encrypted(zone):
    person = Person.objects.create(org=zone, name="张三", id_number="410611194301011238")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert "410611" not in stored
    assert Person.objects.get(pk=person.pk).id_number == "410611194301011238"


@pytest.mark.django_db
def test_rotation_reads_old_rows_and_resaves_with_the_new_key(zone, settings):
    person = Person.objects.create(org=zone, name="张三", id_number="410611194301011238")
    new_key = Fernet.generate_key().decode()
    pii.set_cipher(pii.AeadCipher([new_key, *settings.PII_KEYS]))
    try:
        person = Person.objects.get(pk=person.pk)
        person.save()
        pii.set_cipher(pii.AeadCipher([new_key]))
        assert Person.objects.get(pk=person.pk).id_number == "410611194301011238"
    finally:
        pii.set_cipher(None)


def test_the_batch_decryptor_reads_what_decrypt_reads_under_any_configured_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = pii.AeadCipher([old])
    tokens = {
        "newest": pii.AeadCipher([new, old]).encrypt("410611194301011238"),
        "older key": before.encrypt("13812345678"),
        "fernet": pii.FernetCipher([old]).encrypt("王凤侠"),
    }
    cipher = pii.AeadCipher([new, old])
    pii.set_cipher(cipher)
    try:
        fast = pii.decryptor()
        assert {k: fast(t) for k, t in tokens.items()} == {k: cipher.decrypt(t) for k, t in tokens.items()}
        with pytest.raises(ValueError):
            fast(pii.AeadCipher([Fernet.generate_key().decode()]).encrypt("x"))
        with pytest.raises(ValueError):
            fast("g1:not base64!")
    finally:
        pii.set_cipher(None)


def test_yuan_parses_to_exact_fen_and_refuses_fractions_of_a_fen():
    assert yuan_to_fen("1,085,000") == 108_500_000
    assert yuan_to_fen("700.5元") == 70_050
    with pytest.raises(ValueError):
        yuan_to_fen("1.005")
    with pytest.raises(ValueError):
        yuan_to_fen("abc")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_formatted_yuan_parses_back_to_the_same_fen(fen):
    assert yuan_to_fen(fmt_yuan(fen)) == fen


def test_the_bulk_blind_indexer_gives_blind_index_digests():
    index = pii.blind_indexer("id")
    for value in ["410611194301011238", "４１０６１１ 19430101123x", "", None, "王 芳"]:
        assert index(value) == pii.blind_index("id", value)


def test_a_column_encrypted_at_once_reads_back_and_leaves_blanks_as_they_are():
    values = ["410611197104040374", "", None, "13900001111", "410611197104040374"]
    tokens = pii.encrypt_many(values)
    assert tokens[1] == "" and tokens[2] is None
    assert tokens[0] != tokens[4]  # each value its own nonce
    assert [pii.get_cipher().decrypt(t) if t else t for t in tokens] == values


def test_a_cipher_without_encrypt_many_is_called_per_value():
    class Plain:
        def encrypt(self, text: str) -> str:
            return text[::-1]

        def decrypt(self, token: str) -> str:
            return token[::-1]

    pii.set_cipher(Plain())
    try:
        assert pii.encrypt_many(["ab", "", "cd"]) == ["ba", "", "dc"]
    finally:
        pii.set_cipher(None)
