"""Signed audit checkpoints kept outside the database.

The hash chain proves that no entry was changed or removed *in the middle*; it cannot show that the
last entries were deleted (on a copy, after dropping the trigger): the shortened chain still verifies.
A checkpoint records the id and hash of the newest entry, signed with HMAC-SHA256 under a key from
the environment (``DANGJIAN_AUDIT_KEY``), and is written

- as one line appended to a file outside the database (``DANGJIAN_AUDIT_CHECKPOINT_FILE``, opened
  append-only), and to the ``dangjian.audit`` log stream, so a copy survives outside the server, and
- as an audit entry (``core.audit_checkpoint``) in the chain itself.

``verify`` then checks every checkpoint line's signature and that the entry it names is still there
with the same hash; deleting the tail together with its checkpoint row is noticed from the file.
Checkpoints are written by the scheduled job (``manage.py audit_checkpoint``, e.g. hourly from cron or a
systemd timer) and on demand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .actors import SYSTEM, Actor
from .audit import log_action
from .models import AuditEntry

logger = logging.getLogger("dangjian.audit")
ACTION = "core.audit_checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    entry_id: int
    entry_hash: str
    count: int
    at: str
    mac: str = ""

    def payload(self) -> bytes:
        return json.dumps(
            {"id": self.entry_id, "hash": self.entry_hash, "count": self.count, "at": self.at},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    def sign(self) -> Checkpoint:
        mac = hmac.new(_key(), self.payload(), hashlib.sha256).hexdigest()
        return Checkpoint(self.entry_id, self.entry_hash, self.count, self.at, mac)

    @property
    def signed_correctly(self) -> bool:
        expected = hmac.new(_key(), self.payload(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.mac)

    def line(self) -> str:
        return json.dumps(
            {
                "id": self.entry_id,
                "hash": self.entry_hash,
                "count": self.count,
                "at": self.at,
                "mac": self.mac,
            },
            sort_keys=True,
        )


def _key() -> bytes:
    return settings.AUDIT_CHECKPOINT_KEY.encode()


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _append(line: str) -> None:
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write lands at the end, whatever else has the file open.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint(*, actor: Actor = SYSTEM) -> Checkpoint | None:
    """Sign the newest entry and record it outside the database and in the chain. None if empty."""
    with transaction.atomic():
        last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
        if last is None:
            return None
        count = AuditEntry.objects.filter(id__lte=last[0]).count()
        at = datetime.now(UTC).isoformat(timespec="seconds")
        checkpoint = Checkpoint(last[0], last[1], count, at).sign()
        _append(checkpoint.line())
        logger.warning("audit checkpoint %s", checkpoint.line())
        log_action(
            actor=actor,
            action=ACTION,
            data={
                "id": checkpoint.entry_id,
                "hash": checkpoint.entry_hash,
                "count": count,
                "mac": checkpoint.mac,
            },
        )
    return checkpoint


def read_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in the file, and the lines that could not be read."""
    path = checkpoint_file()
    if not path.exists():
        return [], []
    found, bad = [], []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
            found.append(Checkpoint(int(row["id"]), row["hash"], int(row["count"]), row["at"], row["mac"]))
        except (ValueError, KeyError, TypeError):
            bad.append(f"检查点文件第{number}行无法读取")
    return found, bad


def verify_checkpoints() -> tuple[Checkpoint | None, list[str]]:
    """Check every checkpoint against the database: (the last good checkpoint, problems found)."""
    checkpoints, problems = read_checkpoints()
    # Entries exported and purged after the retention period are vouched for by the purge entry
    # (hash-linked and checkpointed itself) and its archive: their checkpoints are not looked up.
    purged_through = max(
        (
            int(d.get("last_id", 0))
            for d in AuditEntry.objects.filter(action="core.audit_purge").values_list("data", flat=True)
        ),
        default=0,
    )
    checkpoints = [c for c in checkpoints if c.entry_id > purged_through]
    last_good = None
    hashes: dict[int, str] = {}
    ids = [c.entry_id for c in checkpoints]
    for start in range(0, len(ids), 1000):
        hashes.update(AuditEntry.objects.filter(id__in=ids[start : start + 1000]).values_list("id", "hash"))
    for c in checkpoints:
        if not c.signed_correctly:
            problems.append(f"检查点（#{c.entry_id}，{c.at}）签名无效：检查点文件被改动或密钥不符")
            continue
        stored = hashes.get(c.entry_id)
        if stored is None:
            problems.append(f"检查点（{c.at}）记录的第{c.entry_id}条审计记录已不存在：日志末尾被删除")
        elif stored != c.entry_hash:
            problems.append(f"第{c.entry_id}条审计记录与检查点（{c.at}）记录的哈希不符")
        else:
            last_good = c
    # The chain links every entry to the one before, so one count up to the newest good checkpoint
    # shows rows removed together with their successors' links rewritten.
    if (
        last_good is not None
        and AuditEntry.objects.filter(id__lte=last_good.entry_id).count() < last_good.count
    ):
        problems.append(f"检查点（{last_good.at}）之前的审计记录少于当时的{last_good.count}条")
    return last_good, problems


def last_checkpoint() -> Checkpoint | None:
    checkpoints, _ = read_checkpoints()
    return checkpoints[-1] if checkpoints else None
