"""Optimistic locking for records edited on a form: a stale save is refused, never applied.

An editable model has ``version = models.PositiveIntegerField(default=1, editable=False)``. The edit
form posts back, hidden, the version it was drawn with (``core.forms.VersionedForm``); the service
writes with ``save_versioned``: one ``UPDATE … SET …, version = version + 1 WHERE pk = … AND
version = <posted>``. If someone saved in between, no row matches and ``StaleEdit`` is raised — the
compare and the increment are one statement, so two saves racing on PostgreSQL or SQLite cannot
both pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F

__all__ = ["STALE_MESSAGE", "StaleEdit", "check_version", "save_versioned"]

STALE_MESSAGE = "该记录已被他人修改：请核对页面上的内容（您填写的内容仍在），确认后再次保存。"


class StaleEdit(ValidationError):
    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE, code="stale")


def check_version(obj: models.Model, expected: int | None) -> None:
    """Refuse a save drawn from an older version than the one on file (for a save that changes
    nothing, which writes no row to compare on)."""
    if expected is None:
        return
    current = type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
    if current != expected:
        raise StaleEdit()


def save_versioned(obj: models.Model, *, fields: Iterable[str], expected: int | None) -> None:
    """Write ``fields`` of ``obj`` (and its ``auto_now`` stamps) if its version on file is still
    ``expected`` (the loaded one when None), and step the version; else ``StaleEdit``."""
    model = type(obj)
    version = obj.version if expected is None else expected  # type: ignore[attr-defined]
    names = set(fields)
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in names or field.attname in names or getattr(field, "auto_now", False):
            values[field.attname] = field.pre_save(obj, add=False)
    updated = model._base_manager.filter(pk=obj.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise StaleEdit()
    obj.version = version + 1  # type: ignore[attr-defined]
