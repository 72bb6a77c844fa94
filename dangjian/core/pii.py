"""Personal data at rest: an encrypted field, a keyed blind index for lookup, and masks for display.

The cipher is pluggable (``set_cipher``) so a national algorithm such as SM4 can replace ours
without touching models. Ours (``AeadCipher``) writes AES-256-GCM tokens (``g1:`` and base64 of key
id, nonce, ciphertext and tag) under keys derived from DANGJIAN_PII_KEYS, and still reads the Fernet
tokens written before it: a 100,000-row import encrypts 200,000 values, and Fernet (AES-CBC plus a
separate HMAC, through Python per value) cost five times as much per value. Rotation: put the new key
first in DANGJIAN_PII_KEYS (the old ones after it) and run ``manage.py rotate_pii_keys``, which
re-encrypts every ``EncryptedTextField`` value under the newest key (core.rotation) — Fernet tokens
included, which become ``g1:`` ones; then the old key can go. The blind-index key rotates the same way
(DANGJIAN_PII_INDEX_KEYS, newest first, and ``rotate_pii_keys --blind-index``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


class Cipher(Protocol):
    """Encrypts under the newest key, decrypts under any configured one (raises ValueError if none).

    Optional, for key rotation (``core.rotation`` falls back to decrypt-then-encrypt and to treating
    every value as stale): ``rotate(token) -> str`` re-encrypts under the newest key, and
    ``is_current(token) -> bool`` says a value is already under it, so a rerun skips it.
    """

    def encrypt(self, plaintext: str) -> str: ...
    def decrypt(self, token: str) -> str: ...


_UNREADABLE = "PII value cannot be decrypted with the configured keys"
_URLSAFE = bytes.maketrans(b"-_", b"+/")  # urlsafe base64 back to the standard alphabet


class FernetCipher:
    def __init__(self, keys: list[str]):
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self._newest = Fernet(keys[0])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError(_UNREADABLE) from None

    def rotate(self, token: str) -> str:
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise ValueError(_UNREADABLE) from None

    def is_current(self, token: str) -> bool:
        try:
            self._newest.decrypt(token.encode())
        except InvalidToken:
            return False
        return True


class AeadCipher:
    """AES-256-GCM under keys derived (HKDF) from the configured Fernet keys, newest first.

    A token is ``g1:`` + urlsafe base64 of key id (4 bytes) · nonce (12, random) · ciphertext · tag
    (16). The key id names the key without revealing it, so decryption tries one key, not each.
    Fernet tokens (``gAAAA…``, written before) are read with the same keys; ``is_current`` is False
    for them, so ``rotate_pii_keys`` moves them to ``g1:``.
    """

    PREFIX = "g1:"

    def __init__(self, keys: list[str]):
        self._fernet = FernetCipher(keys)
        self._by_id: dict[bytes, list[AESGCM]] = {}
        self._newest_id = b""
        for number, key in enumerate(keys):
            raw = base64.urlsafe_b64decode(key)
            derived = HKDF(hashes.SHA256(), 32, salt=None, info=b"dangjian pii aes-256-gcm v1").derive(raw)
            key_id = hashlib.sha256(b"dangjian pii key id:" + derived).digest()[:4]
            self._by_id.setdefault(key_id, []).append(AESGCM(derived))
            if number == 0:
                self._newest_id, self._newest = key_id, AESGCM(derived)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._newest.encrypt(nonce, plaintext.encode(), None)
        return self.PREFIX + base64.urlsafe_b64encode(self._newest_id + nonce + sealed).decode()

    def encrypt_many(self, plaintexts: list[str]) -> list[str]:
        """``encrypt`` of each, the nonces drawn from the OS in one call (an import's 200,000 values)."""
        nonces = os.urandom(12 * len(plaintexts))
        seal, key_id, encode, prefix = (
            self._newest.encrypt,
            self._newest_id,
            base64.urlsafe_b64encode,
            self.PREFIX,
        )
        out = []
        for i, text in enumerate(plaintexts):
            nonce = nonces[12 * i : 12 * i + 12]
            out.append(prefix + encode(key_id + nonce + seal(nonce, text.encode(), None)).decode())
        return out

    def decrypt(self, token: str) -> str:
        if not token.startswith(self.PREFIX):
            return self._fernet.decrypt(token)
        try:
            blob = base64.urlsafe_b64decode(token[3:])
        except (binascii.Error, ValueError):
            raise ValueError(_UNREADABLE) from None
        for aead in self._by_id.get(blob[:4], ()):
            try:
                return aead.decrypt(blob[4:16], blob[16:], None).decode()
            except InvalidTag:
                continue
        raise ValueError(_UNREADABLE)

    def decryptor(self) -> Callable[[str], str]:
        """``decrypt`` with its lookups done once: the newest key's token (nearly every one) opens
        with one call; anything else goes through ``decrypt``."""
        newest, prefix, key_id, decrypt = self._newest.decrypt, self.PREFIX, self._newest_id, self.decrypt
        # urlsafe_b64decode(text) is this, less two layers of Python calls: a third of the time
        # base64 took per value.
        a2b, urlsafe = binascii.a2b_base64, _URLSAFE

        def fast(token: str) -> str:
            if token.startswith(prefix):
                try:
                    blob = a2b(token[3:].encode().translate(urlsafe))
                    if blob[:4] == key_id:
                        return newest(blob[4:16], blob[16:], None).decode()
                except (binascii.Error, ValueError, InvalidTag):
                    pass
            return decrypt(token)  # older keys, Fernet, or the error

        return fast

    def rotate(self, token: str) -> str:
        return self.encrypt(self.decrypt(token))

    def is_current(self, token: str) -> bool:
        if not token.startswith(self.PREFIX):
            return False
        try:
            blob = base64.urlsafe_b64decode(token[3:])
            self._newest.decrypt(blob[4:16], blob[16:], None)
        except (binascii.Error, ValueError, InvalidTag):
            return False
        return blob[:4] == self._newest_id


_cipher: Cipher | None = None


def get_cipher() -> Cipher:
    global _cipher
    if _cipher is None:
        _cipher = AeadCipher(settings.PII_KEYS)
    return _cipher


def decryptor() -> Callable[[str], str]:
    """``get_cipher().decrypt`` for many values (an export's every row): the cipher's own batch
    reader when it has one (``decryptor()``, set up once), else its ``decrypt``."""
    cipher = get_cipher()
    batch = getattr(cipher, "decryptor", None)
    return batch() if batch is not None else cipher.decrypt


def shown(mask: Callable[[str], str], reveal: bool) -> Callable[[str | None], str]:
    """A stored token as an export shows it, opened by the cipher's batch reader: in full when the
    caller may reveal it, else through ``mask`` ("" for nothing stored)."""
    decrypt = decryptor()
    if reveal:
        return lambda token: decrypt(token) if token else ""
    return lambda token: mask(decrypt(token)) if token else ""


def shown_all(mask: Callable[[str], str], reveal: bool) -> Callable[[list[str | None]], list[str]]:
    """``shown`` for a column of tokens at once (an export's chunk of rows): the same values. The
    cipher's calls for a chunk run back to back rather than between the spreadsheet writer's cells,
    which keeps each in the processor's caches (a 100,000-row roll's export: about 1% of its time)."""
    decrypt = decryptor()
    if reveal:
        return lambda tokens: [decrypt(token) if token else "" for token in tokens]
    return lambda tokens: [mask(decrypt(token)) if token else "" for token in tokens]


def encrypt_many(values: list[str | None]) -> list[str | None]:
    """What ``EncryptedTextField`` stores for each value (None and "" as they are), in one call where
    the cipher offers ``encrypt_many``."""
    cipher = get_cipher()
    wanted = [i for i, v in enumerate(values) if v]
    texts = [values[i] for i in wanted]
    many = getattr(cipher, "encrypt_many", None)
    sealed = many(texts) if many is not None else [cipher.encrypt(t) for t in texts]  # type: ignore[arg-type]
    out = list(values)
    for i, token in zip(wanted, sealed, strict=True):
        out[i] = token
    return out


def set_cipher(cipher: Cipher | None) -> None:
    """Replace the cipher (None: back to ``AeadCipher`` on the configured keys)."""
    global _cipher
    _cipher = cipher


class EncryptedTextField(models.TextField[str, str]):
    """Stores ciphertext; Python code sees plaintext. Not searchable: pair it with a blind index."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        if value is None or value == "":
            return value
        return get_cipher().decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return get_cipher().encrypt(value)


def normalize(value: str) -> str:
    if value.isascii():  # NFKC leaves ASCII as it is
        return "".join(value.split()).upper()
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def index_keys() -> list[str]:
    """The blind-index keys, newest first (DANGJIAN_PII_INDEX_KEYS)."""
    return list(getattr(settings, "PII_INDEX_KEYS", None) or [settings.PII_INDEX_KEY])


def blind_index(kind: str, value: str | None, *, key: str | None = None) -> str:
    """Keyed HMAC of the normalized value: equal inputs give equal indexes, nothing else leaks.

    Under the newest index key unless ``key`` is given.
    """
    if not value:
        return ""
    secret = (key or index_keys()[0]).encode()
    return hmac.new(secret, f"{kind}:{normalize(value)}".encode(), hashlib.sha256).hexdigest()


def blind_indexer(kind: str) -> Callable[[str | None], str]:
    """``blind_index(kind, ·)`` for many values (an import's every row): the keyed HMAC is set up once
    and copied per value, which gives the same digest at half the cost."""
    keyed = hmac.new(index_keys()[0].encode(), f"{kind}:".encode(), hashlib.sha256)

    def index(value: str | None) -> str:
        if not value:
            return ""
        digest = keyed.copy()
        digest.update(normalize(value).encode())
        return digest.hexdigest()

    return index


def blind_index_candidates(kind: str, value: str | None) -> list[str]:
    """The value's index under every configured key, newest first: for digests of secrets nobody
    keeps (voting codes, tracking codes), which a rotation cannot rebuild, so a lookup tries each key
    still configured."""
    return [blind_index(kind, value, key=k) for k in index_keys()]


def mask_id(value: str | None) -> str:
    """At most the first six characters (the county) and the last one: 410611***********1.

    With the birth year and month an actor without ``pii.reveal`` may see, this still leaves the day
    and the three-digit sequence open — over a thousand candidates once the check digit is used. The
    old mask (first three, last four) left about three.
    """
    if not value:
        return ""
    if len(value) < 12:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 7) + value[-1:]


def mask_birth(value: date | None) -> str:
    """A birth date as the paper 花名册 writes it for readers without ``pii.reveal``: 1970年5月."""
    if not value:
        return ""
    return f"{value.year}年{value.month}月"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str | None) -> str:
    """For published lists: 王凤侠 → 王*侠, 王芳 → 王*."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
