"""Archives of the audit log: a date range exported with every hash, verifiable offline, and the
retention rule for purging (no entry younger than ``AUDIT_RETENTION_DAYS``, 180 by default).

An archive is JSON Lines: a header line, then one line per entry with exactly the fields its hash
covers, so ``verify_archive`` (or ``manage.py verify_audit_archive FILE``) recomputes every hash and
the links between them without the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .actors import SYSTEM, Actor
from .audit import compute_hash, log_action
from .audit_labels import action_label
from .models import AuditEntry

FORMAT = "dangjian-audit-archive/1"


def entry_record(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "action": e.action,
        "action_label": action_label(e.action),
        "object_type": e.object_type,
        "object_id": e.object_id,
        "org_path": e.org_path,
        "data": e.data,
        "ip": e.ip,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def archive_lines(entries: Iterable[AuditEntry], *, described: dict[str, Any]) -> Iterator[str]:
    entries = list(entries)
    header = {"format": FORMAT, **described, "count": len(entries)}
    if entries:
        header["first_prev_hash"] = entries[0].prev_hash
        header["last_hash"] = entries[-1].hash
    yield json.dumps(header, ensure_ascii=False, default=str) + "\n"
    for e in entries:
        yield json.dumps(entry_record(e), ensure_ascii=False, sort_keys=True) + "\n"


def verify_archive(lines: Iterable[str]) -> tuple[int, list[str]]:
    """Recompute each entry's hash and its link to the one before: (entries checked, problems)."""
    problems: list[str] = []
    iterator = iter(lines)
    try:
        header = json.loads(next(iterator))
    except (StopIteration, ValueError):
        return 0, ["不是审计归档文件"]
    if header.get("format") != FORMAT:
        return 0, ["不是审计归档文件"]
    prev = header.get("first_prev_hash")
    count = 0
    for line in iterator:
        if not line.strip():
            continue
        r = json.loads(line)
        count += 1
        entry = AuditEntry(
            at=datetime.fromisoformat(r["at"]),
            actor_id=r["actor_id"],
            actor_name=r["actor_name"],
            action=r["action"],
            object_type=r["object_type"],
            object_id=r["object_id"],
            org_path=r["org_path"],
            data=r["data"],
            ip=r["ip"],
            prev_hash=r["prev_hash"],
        )
        if compute_hash(entry) != r["hash"]:
            problems.append(f"#{r['id']}：内容与哈希不符")
        if prev is not None and r["prev_hash"] != prev:
            problems.append(f"#{r['id']}：与前一条记录的哈希链接不符（中间有记录缺失或被改动）")
        prev = r["hash"]
    if count != header.get("count"):
        problems.append(f"归档声明{header.get('count')}条，实有{count}条")
    return count, problems


def entries_between(qs: QuerySet[AuditEntry], start: date | None, end: date | None) -> QuerySet[AuditEntry]:
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(at__gte=datetime.combine(start, datetime.min.time(), tz))
    if end:
        qs = qs.filter(at__lt=datetime.combine(end + timedelta(days=1), datetime.min.time(), tz))
    return qs.order_by("id")


@transaction.atomic
def record_export(
    *, actor: Actor, start: date | None, end: date | None, count: int, filters: dict[str, Any]
) -> None:
    log_action(
        actor=actor,
        action="core.export_audit",
        data={"from": start, "to": end, "count": count, "filters": filters},
    )


class RetentionError(ValueError):
    pass


def _toggle_triggers(enable: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred constraint checks queued by this transaction's inserts block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            verb = "ENABLE" if enable else "DISABLE"
            cursor.execute(f"ALTER TABLE core_auditentry {verb} TRIGGER core_auditentry_no_change")  # noqa: S608
        elif not enable:
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
        else:
            cursor.execute(
                "CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
            )


def purge_before(*, before: date, out_path: str | Path, actor: Actor = SYSTEM) -> int:
    """Export every entry older than ``before`` to ``out_path``, then delete them: one audited,
    checkpointed step. Refused for anything younger than the retention period."""
    from .checkpoints import write_checkpoint

    limit = timezone.localdate() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if before > limit:
        raise RetentionError(
            f"审计记录至少保留{settings.AUDIT_RETENTION_DAYS}天：只能清理{limit:%Y-%m-%d}之前的记录。"
        )
    with transaction.atomic():
        old = list(entries_between(AuditEntry.objects.all(), None, before - timedelta(days=1)))
        if not old:
            return 0
        body = "".join(archive_lines(old, described={"purged_before": before.isoformat()}))
        with open(out_path, "x", encoding="utf-8") as out:  # never overwrite an earlier archive
            out.write(body)
        _toggle_triggers(enable=False)
        AuditEntry.objects.filter(id__lte=old[-1].id).delete()
        _toggle_triggers(enable=True)
        log_action(
            actor=actor,
            action="core.audit_purge",
            data={
                "before": before,
                "count": len(old),
                "last_id": old[-1].id,
                "last_hash": old[-1].hash,
                "archive_sha256": hashlib.sha256(body.encode()).hexdigest(),
            },
        )
    write_checkpoint(actor=actor)
    return len(old)
