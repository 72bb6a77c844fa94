"""``manage.py rebuild_figures [--year Y ...] [--metric KEY ...]``: recompute the stored figures from the
records. Idempotent; pages read live figures for what was never built."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.metrics import all_metrics, is_stored
from dangjian.reports.figures import default_years, rebuild


class Command(BaseCommand):
    help = "重新计算并保存统计数据（可重复执行，结果相同）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="年度（可多次给出；默认近几年）")
        parser.add_argument("--metric", action="append", help="指标键（可多次给出；默认全部）")
        parser.add_argument("--list", dest="show", action="store_true", help="列出各指标是保存还是实时计算")

    def handle(self, *args, year, metric, show, **options):
        metrics = all_metrics()
        if show:
            for m in metrics:
                self.stdout.write(f"{m.key}\t{m.label}\t{'保存' if is_stored(m) else '实时计算'}")
            return
        if metric:
            unknown = set(metric) - {m.key for m in metrics}
            if unknown:
                raise CommandError(f"没有这些指标：{'、'.join(sorted(unknown))}")
            metrics = [m for m in metrics if m.key in set(metric)]
        years = year or default_years()
        rows = rebuild(metrics, years)
        self.stdout.write(f"已保存 {rows} 条统计数据（{min(years)}–{max(years)} 年）。")
