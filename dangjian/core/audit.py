"""The audit log: every service writes exactly one entry in its own transaction."""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .actors import Actor, _Sentinel, acting_user, actor_label
from .models import AuditEntry
from .pii import mask_id
from .rows import fetch, insert_row

GENESIS = "0" * 64
# Set by core.middleware for the duration of a request so services need not pass the IP around.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)
_PG_LOCK_KEY = 0x64616E67  # "dang": serializes chain appends across app servers
_HEAD = "SELECT hash FROM core_auditentry ORDER BY id DESC LIMIT 1"
_ENTRY_FIELDS = (
    "at",
    "actor",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "org_path",
    "data",
    "ip",
    "prev_hash",
    "hash",
)


# An ID number anywhere in an entry's data (a search typed into a filter, say) is stored masked: the
# audit log must not become a list of the numbers it protects.
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{9}[0-9Xx](?![0-9])")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _ID_NUMBER.sub(lambda m: mask_id(m.group(0)), value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _canonical(data: Any) -> Any:
    return _scrub(json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False)))


def compute_hash(entry: AuditEntry) -> str:
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = [
        entry.prev_hash,
        at,
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.org_path,
        entry.data,
        entry.ip,
    ]
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def log_action(
    *,
    actor: Actor,
    action: str,
    obj: Model | None = None,
    org: object = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the caller's transaction (services are atomic)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_action must be called inside the service's transaction")
    if not isinstance(actor, _Sentinel) and not getattr(actor, "is_authenticated", False):
        # No string, None or AnonymousUser: a command passes SYSTEM, an anonymous request PUBLIC.
        raise TypeError(f"log_action needs a user, SYSTEM or PUBLIC as actor, not {actor!r}")
    if connection.vendor == "postgresql":
        fetch("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    if org is None and obj is not None:
        org = getattr(obj, "org", None)
    user = acting_user(actor)
    # The chain's head and the append are written in SQL: every service's transaction ends with them,
    # the counter's a few hundred times a second, and the ORM compiled them for longer than they ran.
    head = fetch(_HEAD, [])
    prev = head[0][0] if head else GENESIS
    entry = AuditEntry(
        at=timezone.now().astimezone(UTC).replace(tzinfo=UTC),
        actor=user,
        actor_name=actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        org_path=getattr(org, "path", "") or "",
        data=_canonical(data),
        ip=ip or current_ip.get(),
        prev_hash=prev,
    )
    entry.hash = compute_hash(entry)
    values = {f: getattr(entry, f) for f in _ENTRY_FIELDS}
    entry.pk = insert_row(AuditEntry, {**values, "actor": entry.actor_id})
    entry._state.adding, entry._state.db = False, connection.alias
    return entry


def purged_up_to(prev_hash: str) -> bool:
    """True if a recorded purge ended at the entry with this hash (the chain may start there)."""
    return AuditEntry.objects.filter(action="core.audit_purge", data__last_hash=prev_hash).exists()


def verify_chain(batch: int = 5000, after: tuple[int, str] | None = None) -> tuple[int, list[str]]:
    """Walk the chain in id order; return (entries checked, problems found).

    ``after`` = (id, hash) of an entry vouched for otherwise (a signed checkpoint): the walk starts
    after it. Without it the walk starts at the first entry kept, whose ``prev_hash`` is the genesis
    or, after a purge of old entries, the hash the purge recorded.
    """
    problems: list[str] = []
    prev = GENESIS
    checked = 0
    last_id = 0
    if after is not None:
        last_id, prev = after
    else:
        first = AuditEntry.objects.order_by("id").values_list("prev_hash", flat=True).first()
        if first and first != GENESIS and purged_up_to(first):
            prev = first
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for entry in rows:
            checked += 1
            if entry.prev_hash != prev:
                problems.append(f"#{entry.id}: prev_hash does not match the entry before it")
            if compute_hash(entry) != entry.hash:
                problems.append(f"#{entry.id}: contents do not match its hash")
            prev = entry.hash
            last_id = entry.id
    return checked, problems
