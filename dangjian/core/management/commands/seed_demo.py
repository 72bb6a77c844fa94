from typing import Any

from django.core.management.base import BaseCommand

from dangjian.core.seeding import SeedContext, run_all


class Command(BaseCommand):
    help = "Build the demo zone (示范区) and its 2023 records; deterministic and idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = SeedContext(say=lambda text: self.stdout.write(text) if options["verbosity"] > 1 else None)
        run_all(ctx)
        if options["verbosity"] > 0:
            self.stdout.write("示范区演示数据已就绪。")
