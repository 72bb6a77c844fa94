from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.audit_archive import verify_archive


class Command(BaseCommand):
    help = "Check an exported audit archive offline: every entry's hash and the links between them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        with open(path, encoding="utf-8") as lines:
            count, problems = verify_archive(lines)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"归档校验失败：{len(problems)}处问题（共{count}条）。")
        self.stdout.write(f"归档完整：共{count}条，哈希与链接无误。")
