from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.audit_archive import RetentionError, purge_before


class Command(BaseCommand):
    help = (
        "Export the audit entries older than --before to --out (a verifiable archive), then delete them. "
        "Refused for entries younger than DANGJIAN_AUDIT_RETENTION_DAYS (at least 180)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="archive file to create (never overwritten)")

    def handle(self, *args: Any, before: str, out: str, **options: Any) -> None:
        try:
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError("--before 须为 YYYY-MM-DD 格式的日期。") from None
        try:
            count = purge_before(before=day, out_path=out)
        except RetentionError as exc:
            raise CommandError(str(exc)) from None
        except FileExistsError:
            raise CommandError(f"归档文件 {out} 已存在，不会覆盖。") from None
        self.stdout.write(f"已归档并清理{count}条审计记录（{before}之前）→ {out}")
