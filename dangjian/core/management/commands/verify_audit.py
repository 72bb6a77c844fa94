from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import verify_chain
from dangjian.core.checkpoints import checkpoint_file, verify_checkpoints


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain and check it against the signed checkpoints kept outside the "
        "database (so deleting the newest entries is noticed too)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = verify_chain()
        last, checkpoint_problems = verify_checkpoints()
        problems += checkpoint_problems
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"审计日志校验失败：{len(problems)}处问题（共{checked}条）。")
        if last is None:
            self.stdout.write(
                f"审计日志哈希链无误：共{checked}条；{checkpoint_file()} 中尚无检查点，"
                "无法确认末尾记录未被删除（请运行 manage.py audit_checkpoint）。"
            )
        else:
            self.stdout.write(
                f"审计日志完整：共{checked}条，哈希链无误；最近检查点 {last.at}（第{last.entry_id}条）"
                f"之前的记录与检查点一致，其后{checked - last.count}条经哈希链校验。"
            )
