"""Personal data at rest: an encrypted field, a keyed blind index for lookup, and masks for display.

The cipher is pluggable (``set_cipher``) so a national algorithm such as SM4 can replace Fernet
without touching models; rotation: put the new key first in DANGJIAN_PII_KEYS and re-save rows.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class Cipher(Protocol):
    def encrypt(self, plaintext: str) -> str: ...
    def decrypt(self, token: str) -> str: ...


class FernetCipher:
    def __init__(self, keys: list[str]):
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("PII value cannot be decrypted with the configured keys") from None


_cipher: Cipher | None = None


def get_cipher() -> Cipher:
    global _cipher
    if _cipher is None:
        _cipher = FernetCipher(settings.PII_KEYS)
    return _cipher


def set_cipher(cipher: Cipher | None) -> None:
    """Replace the cipher (None: back to the configured Fernet keys)."""
    global _cipher
    _cipher = cipher


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code sees plaintext. Not searchable: pair it with a blind index."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return get_cipher().decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return get_cipher().encrypt(value)


def normalize(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def blind_index(kind: str, value: str | None) -> str:
    """Keyed HMAC of the normalized value: equal inputs give equal indexes, nothing else leaks."""
    if not value:
        return ""
    key = settings.PII_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}:{normalize(value)}".encode(), hashlib.sha256).hexdigest()


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


def mask_birth(value) -> str:
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
