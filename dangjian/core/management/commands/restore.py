from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a `manage.py backup` archive into the configured database, which must be empty "
        "(just created, or just migrated). Stop the server and the worker first. Audited as the system."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="IN", help="archive made by manage.py backup")

    def handle(self, *args: Any, source: str, **options: Any) -> None:
        try:
            header = restore_backup(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已恢复 {header.get('created')} 的备份（审计日志至第{header.get('audit_last_id')}条）。"
            "请运行 manage.py verify_audit 校验审计日志。"
        )
