"""Encrypted backups of the whole database and their restore into an empty one.

A backup is the database's own dump — SQLite's online backup API (a consistent copy while the
server runs) or PostgreSQL's ``pg_dump -Fc`` — streamed through AES-256-GCM in 1 MiB chunks, so a
city's database never has to fit in memory. The archive format (version 1):

    MAGIC · u32 header length · header (JSON: vendor, created, audit head) · 7-byte nonce prefix
    then chunks: flag (1 = last) · u32 ciphertext length · ciphertext+tag

Each chunk's nonce is prefix · u32 counter · flag and its associated data the header, so chunks
cannot be reordered, dropped, truncated off the end or moved between archives unnoticed, and the
header cannot be edited. The AES key is derived (HKDF) from ``DANGJIAN_BACKUP_KEY``; the header
carries a key id so a wrong key says so instead of "corrupt file". A restore authenticates the
whole archive into a temporary file before it touches the target database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from .actors import SYSTEM, Actor
from .audit import log_action
from .models import AuditEntry

MAGIC = b"DANGJIAN-BACKUP\x01"
CHUNK = 1 << 20
_LEN = struct.Struct(">I")


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator (Chinese)."""


# ---------------------------------------------------------------- the stream cipher


def _derive(key: str, info: bytes) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except ValueError:
        raise BackupError("DANGJIAN_BACKUP_KEY 不是有效的密钥（应为 Fernet 密钥，44个字符）。") from None
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)


def backup_key() -> str:
    key = getattr(settings, "BACKUP_KEY", "") or ""
    if not key:
        raise BackupError(
            "未设置备份密钥：请在环境变量 DANGJIAN_BACKUP_KEY 中提供一个 Fernet 密钥"
            '（python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"），'
            "并把它与备份文件分开保管。"
        )
    return key


def key_id(key: str) -> str:
    return _derive(key, b"dangjian backup key id").hex()[:16]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def encrypt_stream(src: IO[bytes], dst: IO[bytes], *, key: str, header: dict[str, Any]) -> None:
    """Write ``src`` to ``dst`` as an archive; memory stays at two chunks whatever the size."""
    header = {**header, "key_id": key_id(key)}
    head = json.dumps(header, sort_keys=True, ensure_ascii=False).encode()
    aead = AESGCM(_derive(key, b"dangjian backup v1"))
    prefix = os.urandom(7)
    dst.write(MAGIC + _LEN.pack(len(head)) + head + prefix)
    counter = 0
    chunk = src.read(CHUNK)
    while True:
        following = src.read(CHUNK) if chunk else b""
        last = not following
        sealed = aead.encrypt(_nonce(prefix, counter, last), chunk, head)
        dst.write((b"\x01" if last else b"\x00") + _LEN.pack(len(sealed)) + sealed)
        if last:
            return
        counter += 1
        chunk = following


def read_header(src: IO[bytes]) -> tuple[dict[str, Any], bytes, bytes]:
    """(header, its raw bytes, nonce prefix); raises BackupError on anything not an archive."""
    if src.read(len(MAGIC)) != MAGIC:
        raise BackupError("这不是本平台的备份文件（或文件版本不受支持）。")
    (size,) = _LEN.unpack(_read_exact(src, _LEN.size))
    if size > 1 << 20:
        raise BackupError("备份文件头已损坏。")
    head = _read_exact(src, size)
    try:
        header = json.loads(head)
    except ValueError:
        raise BackupError("备份文件头已损坏。") from None
    return header, head, _read_exact(src, 7)


def decrypt_stream(src: IO[bytes], dst: IO[bytes], *, key: str) -> dict[str, Any]:
    """Authenticate and decrypt an archive into ``dst``; return its header."""
    header, head, prefix = read_header(src)
    if header.get("key_id") != key_id(key):
        raise BackupError("备份文件不是用当前的 DANGJIAN_BACKUP_KEY 加密的：请设置制作该备份时使用的密钥。")
    aead = AESGCM(_derive(key, b"dangjian backup v1"))
    counter = 0
    while True:
        flag = src.read(1)
        if not flag:
            raise BackupError("备份文件不完整（在末尾被截断）。")
        last = flag == b"\x01"
        (size,) = _LEN.unpack(_read_exact(src, _LEN.size))
        if size > CHUNK + 64:
            raise BackupError("备份文件已损坏。")
        try:
            dst.write(aead.decrypt(_nonce(prefix, counter, last), _read_exact(src, size), head))
        except InvalidTag:
            raise BackupError(f"备份文件已损坏或被改动（第{counter + 1}段校验失败）。") from None
        if last:
            if src.read(1):
                raise BackupError("备份文件在结尾之后还有多余数据。")
            return header
        counter += 1


def _read_exact(src: IO[bytes], n: int) -> bytes:
    data = src.read(n)
    if len(data) != n:
        raise BackupError("备份文件不完整（在末尾被截断）。")
    return data


# ---------------------------------------------------------------- database side


@dataclass(frozen=True)
class Outcome:
    path: Path
    bytes: int
    sha256: str
    header: dict[str, Any]


def _audit_head(using: str = "default") -> dict[str, Any]:
    head = AuditEntry.objects.using(using).order_by("-id").values_list("id", "hash").first()
    return {"audit_last_id": head[0], "audit_last_hash": head[1]} if head else {"audit_last_id": None}


def _pg_tool(name: str) -> str:
    """The PostgreSQL client program, from DANGJIAN_PG_BINDIR or PATH, no older than the server."""
    bindir = os.environ.get("DANGJIAN_PG_BINDIR")
    path = str(Path(bindir) / name) if bindir else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise BackupError(
            f"找不到 {name}：请安装与服务器同一主版本的 PostgreSQL 客户端（Debian: apt-get install "
            "postgresql-client），或用 DANGJIAN_PG_BINDIR 指明其目录。"
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    connection.ensure_connection()
    server = connection.pg_version // 10000  # type: ignore[attr-defined]
    if match and int(match.group(1)) < server:
        raise BackupError(
            f"{name} 的版本（{match.group(1)}）低于数据库服务器（{server}）：请安装 "
            f"postgresql-client-{server}，或用 DANGJIAN_PG_BINDIR 指明其目录。"
        )
    return path


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    sd = connection.settings_dict
    args = ["--dbname", sd["NAME"]]
    if sd.get("HOST"):
        args += ["--host", str(sd["HOST"])]
    if sd.get("PORT"):
        args += ["--port", str(sd["PORT"])]
    if sd.get("USER"):
        args += ["--username", str(sd["USER"])]
    env = {**os.environ}
    if sd.get("PASSWORD"):
        env["PGPASSWORD"] = str(sd["PASSWORD"])
    if (sd.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(sd["OPTIONS"]["sslmode"])
    return args, env


def _dump(write: Callable[[IO[bytes]], None]) -> None:
    """Produce the database's dump as a byte stream and hand it to ``write``."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with tempfile.TemporaryDirectory(prefix="dangjian-backup-") as tmp:
            copy = Path(tmp) / "db.sqlite3"
            target = sqlite3.connect(copy)
            try:
                # The online backup API copies a consistent snapshot while others keep writing.
                connection.connection.backup(target)
            finally:
                target.close()
            with copy.open("rb") as src:
                write(src)
    elif connection.vendor == "postgresql":
        args, env = _pg_args_env()
        cmd = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *args]
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, env=env)  # noqa: S603
            assert proc.stdout is not None
            try:
                write(proc.stdout)
            finally:
                proc.stdout.close()
                code = proc.wait()
            if code != 0:
                errors.seek(0)
                raise BackupError(f"pg_dump 失败：{errors.read().decode(errors='replace').strip()}")
    else:
        raise BackupError(f"不支持备份 {connection.vendor} 数据库。")


def make_backup(out: str | Path, *, actor: Actor = SYSTEM) -> Outcome:
    """Dump the configured database encrypted into ``out`` (never overwritten); audited."""
    key = backup_key()
    path = Path(out)
    if path.exists():
        raise BackupError(f"{path} 已存在，不会覆盖。")
    header = {
        "format": 1,
        "vendor": connection.vendor,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **_audit_head(),
    }
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as dst:
            _dump(lambda src: encrypt_stream(src, dst, key=key, header=header))
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    size, digest = path.stat().st_size, _sha256(path)
    with transaction.atomic():
        log_action(
            actor=actor,
            action="core.backup",
            data={"file": path.name, "bytes": size, "sha256": digest, **_summary(header)},
        )
    return Outcome(path, size, digest, header)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _summary(header: dict[str, Any]) -> dict[str, Any]:
    keys = ("vendor", "created", "audit_last_id", "audit_last_hash")
    return {k: header[k] for k in keys if k in header}


def data_in_target() -> dict[str, int]:
    """What the configured database already holds of accounts, orgs and audit entries.

    A database just created (no tables) or just migrated holds none: migrations fill only reference
    tables (content types, permissions, the holiday calendar). Any account, org or audit entry is
    data a restore would destroy, so it is refused.
    """
    tables = set(connection.introspection.table_names())
    found = {}
    for label in ("core.AuditEntry", settings.AUTH_USER_MODEL, "orgs.Org"):
        model = apps.get_model(label)
        if model._meta.db_table in tables:
            count = model._default_manager.count()
            if count:
                found[str(model._meta.verbose_name)] = count
    return found


def _restore_sqlite(plain: Path) -> None:
    target = connection.settings_dict["NAME"]
    connection.close()
    src, dst = sqlite3.connect(plain), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _restore_pg(plain: Path, *, clean: bool) -> None:
    args, env = _pg_args_env()
    tool = _pg_tool("pg_restore")
    connection.close()
    cmd = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args]
    if clean:  # a migrated but empty database: drop its empty tables first
        cmd += ["--clean", "--if-exists"]
    proc = subprocess.run([*cmd, str(plain)], capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise BackupError(f"pg_restore 失败：{proc.stderr.strip()}")


def restore_backup(source: str | Path, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Restore an archive into the configured database, which must hold no data; audited there."""
    key = backup_key()
    path = Path(source)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}。")
    with path.open("rb") as src:
        header, _, _ = read_header(src)
    if header.get("vendor") != connection.vendor:
        raise BackupError(
            f"这是 {header.get('vendor')} 数据库的备份，不能恢复到 {connection.vendor} 数据库。"
        )
    found = data_in_target()
    if found:
        what = "、".join(f"{name}{n}条" for name, n in found.items())
        raise BackupError(f"目标数据库已有数据（{what}）：恢复只能在空数据库上进行，未做任何改动。")
    had_tables = bool(connection.introspection.table_names())
    with tempfile.TemporaryDirectory(prefix="dangjian-restore-") as tmp:
        plain = Path(tmp) / "dump"
        # The whole archive is authenticated before the target is touched.
        with path.open("rb") as src, plain.open("wb") as dst:
            header = decrypt_stream(src, dst, key=key)
        if connection.vendor == "sqlite":
            _restore_sqlite(plain)
        else:
            _restore_pg(plain, clean=had_tables)
    restored = _audit_head()
    if restored.get("audit_last_id") != header.get("audit_last_id"):
        raise BackupError("恢复后的审计日志与备份记录的末条不一致。")
    with transaction.atomic():
        log_action(
            actor=actor,
            action="core.restore",
            data={"file": path.name, "sha256": _sha256(path), **_summary(header)},
        )
    return header


def iter_counts() -> Iterator[tuple[str, int]]:
    """(model label, row count) for every concrete model: what a restore is compared by."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            yield model._meta.label, model._base_manager.count()
