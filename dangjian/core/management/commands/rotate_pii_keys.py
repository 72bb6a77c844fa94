import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from dangjian.core.rotation import BATCH, rebuild_blind_indexes, rotate_encrypted


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted personal field under the newest key of DANGJIAN_PII_KEYS (keep the "
        "old keys after it until this has run), in batches; a rerun continues where an interrupted one "
        "stopped. --blind-index also rebuilds the blind indexes under the newest key of "
        "DANGJIAN_PII_INDEX_KEYS. Audited as the system."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--blind-index",
            action="store_true",
            help="also rebuild the blind indexes (after putting a new key first in DANGJIAN_PII_INDEX_KEYS)",
        )
        parser.add_argument(
            "--batch", type=int, default=BATCH, help=f"rows per transaction (default {BATCH})"
        )

    def handle(self, *args: Any, blind_index: bool, batch: int, **options: Any) -> None:
        if batch < 1:
            raise CommandError("--batch 至少为1。")
        bars: dict[str, tqdm] = {}

        def progress(label: str, done: int, total: int) -> None:
            bar = bars.get(label)
            if bar is None:  # one progress line per column, the previous one finished
                for done_bar in bars.values():
                    done_bar.close()
                bar = bars[label] = tqdm(total=total, desc=label, unit="行", file=sys.stderr, leave=True)
            bar.update(done - bar.n)

        try:
            tally = rotate_encrypted(batch=batch, progress=progress)
            for label in tally.seen:
                self.stdout.write(f"{label}：{tally.seen[label]}项，重新加密{tally.changed[label]}项")
            if blind_index:
                rebuilt = rebuild_blind_indexes(batch=batch, progress=progress)
                for key in rebuilt.seen:
                    self.stdout.write(f"盲索引 {key}：{rebuilt.seen[key]}行，重建{rebuilt.changed[key]}行")
        except ValueError as exc:  # a value no configured key decrypts
            raise CommandError(
                f"{exc}：请把旧密钥保留在 DANGJIAN_PII_KEYS 中（新密钥在前）后重试。"
            ) from None
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write("完成。确认无误后即可从 DANGJIAN_PII_KEYS 中移除旧密钥。")
