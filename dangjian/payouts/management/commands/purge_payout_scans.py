"""Delete signed-sheet scans past their programme's retention period (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from dangjian.core.actors import SYSTEM
from dangjian.payouts.services import purge_expired_sheets


class Command(BaseCommand):
    help = "删除超过保存期限的签领表扫描件（含指纹的生物识别信息）"

    def handle(self, *args, **options):
        with transaction.atomic():
            n = purge_expired_sheets(actor=SYSTEM)
        self.stdout.write(f"已删除过期扫描件{n}份。")
