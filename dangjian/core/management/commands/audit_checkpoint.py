from typing import Any

from django.core.management.base import BaseCommand

from dangjian.core.checkpoints import checkpoint_file, write_checkpoint


class Command(BaseCommand):
    help = (
        "Sign the newest audit entry and append the checkpoint to the file outside the database "
        "(run it from the scheduler, e.g. hourly, and on demand)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = write_checkpoint()
        if checkpoint is None:
            self.stdout.write("审计日志为空，未写检查点。")
            return
        self.stdout.write(
            f"已写入检查点：第{checkpoint.entry_id}条（共{checkpoint.count}条）→ {checkpoint_file()}"
        )
