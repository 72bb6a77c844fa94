"""Key rotation for personal data: re-encrypt every encrypted field, rebuild every blind index.

``rotate_pii_keys`` walks the encrypted files apps register (``registry.register_encrypted_files``:
the payouts' signed-sheet scans) and every ``EncryptedTextField`` of every installed model (found, not listed,
so a new one is never missed) in primary-key batches, each batch its own transaction, and rewrites
the values not yet under the newest key. Only the ciphertext column is written (raw SQL): no
``save()``, no ``updated_at``, no version bump — the records do not change, their encryption does.
A rerun after an interruption skips what is done (the cipher's ``is_current``), so it is resumable
and idempotent. Tables the database keeps append-only (the payouts ledger, an approved payout list)
have their triggers lifted for the batch's transaction alone and put back before it commits: on
PostgreSQL ``ALTER TABLE … DISABLE TRIGGER`` holds the table's exclusive lock to the commit, on SQLite
the DDL is part of the transaction, so no other writer ever sees the table unguarded.

``--blind-index`` recomputes each registered index column (``registry.register_blind_index``)
under the newest index key from the decrypted source value. Digests of secrets nobody keeps (voting
and tracking codes) cannot be recomputed; their lookups try every configured index key instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection, models, transaction

from . import registry
from .actors import SYSTEM, Actor
from .audit import log_action
from .pii import EncryptedTextField, blind_index, get_cipher

BATCH = 500
Progress = Callable[[str, int, int], None]


@dataclass
class Tally:
    """Per column: rows looked at, rows rewritten."""

    seen: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, seen: int, changed: int) -> None:
        self.seen[label] = self.seen.get(label, 0) + seen
        self.changed[label] = self.changed.get(label, 0) + changed


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of every concrete model (``app.Model.field``, sorted)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                found.append((model, f))
    return sorted(found, key=lambda mf: (mf[0]._meta.label, mf[1].name))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@contextlib.contextmanager
def _guards_lifted(table: str) -> Iterator[None]:
    """Inside the caller's transaction: the table's own triggers off, and back on before commit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
            )
            if not cursor.fetchone()[0]:
                yield
                return
            # Deferred constraint checks pending in the transaction would make ALTER TABLE fail.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {_q(table)} DISABLE TRIGGER USER")
            yield
            cursor.execute(f"ALTER TABLE {_q(table)} ENABLE TRIGGER USER")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {_q(name)}")
            yield
            for _, sql in triggers:
                cursor.execute(sql)


def _batches(table: str, pk: str, column: str, batch: int) -> Iterator[list[tuple[object, str]]]:
    """(pk, stored value) of the non-empty values, in primary-key order, ``batch`` at a time."""
    last = None
    while True:
        where = f"{_q(column)} IS NOT NULL AND {_q(column)} <> ''"
        params: list[Any] = []
        if last is not None:
            where += f" AND {_q(pk)} > %s"
            params.append(last)
        sql = f"SELECT {_q(pk)}, {_q(column)} FROM {_q(table)} WHERE {where} ORDER BY {_q(pk)} LIMIT %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, batch])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _count(table: str, column: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {_q(table)} WHERE {_q(column)} IS NOT NULL AND {_q(column)} <> ''"  # noqa: S608
        )
        return int(cursor.fetchone()[0])


def _rewrite(table: str, pk: str, column: str, changes: list[tuple[str | None, Any]]) -> None:
    if not changes:
        return
    with transaction.atomic(), _guards_lifted(table), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {_q(table)} SET {_q(column)} = %s WHERE {_q(pk)} = %s",  # noqa: S608
            changes,
        )


def rotate_encrypted(*, actor: Actor = SYSTEM, batch: int = BATCH, progress: Progress | None = None) -> Tally:
    """Re-encrypt every encrypted value under the newest key; audited (one entry, with the counts)."""
    cipher = get_cipher()
    rotate = getattr(cipher, "rotate", None) or (lambda token: cipher.encrypt(cipher.decrypt(token)))
    is_current = getattr(cipher, "is_current", None) or (lambda token: False)
    tally = Tally()
    for key, names in registry.encrypted_files().items():
        seen = changed = 0
        for name in names():
            with default_storage.open(name, "rb") as fh:
                token = fh.read().decode()
            if not is_current(token):
                with default_storage.open(name, "wb") as fh:
                    fh.write(rotate(token).encode())
                changed += 1
            seen += 1
            if progress and seen % 100 == 0:
                progress(key, seen, seen)
        tally.add(key, seen, changed)
    for model, f in encrypted_fields():
        label = f"{model._meta.label}.{f.name}"
        table, pk, column = model._meta.db_table, model._meta.pk.column, f.column
        assert pk and column  # a concrete model's primary key and fields have columns
        total, done = _count(table, column), 0
        for rows in _batches(table, pk, column, batch):
            changes = [(rotate(value), key) for key, value in rows if not is_current(value)]
            _rewrite(table, pk, column, changes)
            done += len(rows)
            tally.add(label, len(rows), len(changes))
            if progress:
                progress(label, done, total)
        tally.add(label, 0, 0)
    with transaction.atomic():
        log_action(
            actor=actor,
            action="core.rotate_pii_keys",
            data={"fields": tally.seen, "reencrypted": tally.changed},
        )
    return tally


def rebuild_blind_indexes(
    *, actor: Actor = SYSTEM, batch: int = BATCH, progress: Progress | None = None
) -> Tally:
    """Recompute every registered blind-index column under the newest index key; audited."""
    tally = Tally()
    for entry in registry.blind_indexes():
        model = apps.get_model(entry.model)
        index_field = model._meta.get_field(entry.index_field)
        table, pk = model._meta.db_table, model._meta.pk.column
        total, done, last = model._base_manager.count(), 0, None
        while True:
            qs = model._base_manager.order_by("pk")
            if last is not None:
                qs = qs.filter(pk__gt=last)
            rows = list(qs.values_list("pk", entry.source_field, entry.index_field)[:batch])
            if not rows:
                break
            changes = []
            # An empty source has no index: NULL where the column allows it (a unique index then
            # needs no condition), else "".
            empty = None if index_field.null else ""
            for key, source, stored in rows:
                wanted = blind_index(entry.kind, source) if source else empty
                if wanted != stored:
                    changes.append((wanted, key))
            _rewrite(table, pk, index_field.column, changes)
            done, last = done + len(rows), rows[-1][0]
            tally.add(entry.key, len(rows), len(changes))
            if progress:
                progress(entry.key, done, total)
        tally.add(entry.key, 0, 0)
    with transaction.atomic():
        log_action(
            actor=actor,
            action="core.rebuild_blind_index",
            data={"indexes": tally.seen, "rebuilt": tally.changed},
        )
    return tally
