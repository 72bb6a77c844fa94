from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the audit log's hash chain and report any entry that does not match."

    def handle(self, *args, **options):
        checked, problems = verify_chain()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"审计日志校验失败：{len(problems)}处问题（共{checked}条）。")
        self.stdout.write(f"审计日志完整：共{checked}条，哈希链无误。")
