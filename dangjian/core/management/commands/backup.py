import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.backup import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database into OUT, encrypted with DANGJIAN_BACKUP_KEY (SQLite: the online "
        "backup API; PostgreSQL: pg_dump -Fc). Audited as the system."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="archive file to create (never overwritten)")

    def handle(self, *args: Any, out: str, **options: Any) -> None:
        started = time.monotonic()
        try:
            outcome = make_backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if getattr(settings, "DEV_KEYS_IN_USE", False):
            self.stderr.write(
                "注意：使用的是开发环境自动生成的备份密钥（var/dev-keys.json），生产环境请设置 DANGJIAN_BACKUP_KEY。"
            )
        self.stdout.write(
            f"已备份（{outcome.header['vendor']}）→ {outcome.path}：{outcome.bytes / 1e6:.1f} MB，"
            f"用时{time.monotonic() - started:.1f}秒，SHA-256 {outcome.sha256}"
        )
