"""Job files (uploads waiting for their commit, exports waiting for their download).

They go through Django's storage API, so a local folder and an S3-compatible store work alike and
several app servers share them; every byte is encrypted first (Fernet under the PII keys, newest
first, so key rotation covers these files too), because an uploaded 花名册 is the whole roll's
ID numbers and phones.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

ROOT = "jobs"


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in settings.PII_KEYS])


def save(data: bytes, *, folder: str, suffix: str = "") -> str:
    """Store ``data`` encrypted; returns the storage name. The name says nothing about the content."""
    suffix = "".join(ch for ch in suffix.lower() if ch.isalnum() or ch == ".")[:8]
    name = f"{ROOT}/{folder}/{timezone.now():%Y%m%d}/{secrets.token_hex(16)}{suffix}.enc"
    return default_storage.save(name, ContentFile(_fernet().encrypt(data)))


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return _fernet().decrypt(handle.read())


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)


def purge_older_than(hours: int) -> int:
    """Delete every job file older than ``hours`` (by its storage time); returns how many."""
    cutoff = timezone.now() - timedelta(hours=hours)
    removed = 0

    def walk(path: str) -> Iterator[str]:
        try:
            dirs, names = default_storage.listdir(path)
        except FileNotFoundError:
            return
        for d in dirs:
            yield from walk(f"{path}/{d}")
        for n in names:
            yield f"{path}/{n}"

    for name in list(walk(ROOT)):
        try:
            modified = default_storage.get_modified_time(name)
        except (FileNotFoundError, NotImplementedError):
            continue
        if modified < cutoff:
            default_storage.delete(name)
            removed += 1
    return removed
