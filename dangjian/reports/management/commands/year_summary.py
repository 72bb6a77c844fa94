from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dangjian.core.metrics import all_metrics
from dangjian.orgs.models import Org
from dangjian.reports import writers
from dangjian.reports.selectors import summary_overrides
from dangjian.reports.summary import build_summary


class Command(BaseCommand):
    help = "Write the year-end overview (年度综述) of an org's subtree from its records."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="组织代码，例如 SFQ")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", default="md", choices=sorted(writers.FORMATS))
        parser.add_argument("-o", "--output", help="输出文件；省略时 md/html 写到标准输出")

    def handle(self, *args, org, year, format, output, **options):
        found = Org.objects.filter(code=org.strip().upper()).first() or Org.objects.filter(code=org).first()
        if found is None:
            raise CommandError(f"组织代码“{org}”不存在。")
        if not 2000 <= year <= 2100:
            raise CommandError("年度不正确。")
        metrics = all_metrics()
        bar = None
        if options["verbosity"] > 0 and (output or format == "docx"):
            bar = tqdm(total=len(metrics), desc="读取指标", unit="项", file=self.stderr._out, leave=False)
        try:
            summary = build_summary(
                found,
                year,
                summary_overrides(found, year),
                metrics,
                progress=(lambda m: bar.update(1)) if bar else None,
            )
        finally:
            if bar is not None:
                bar.close()
        data = writers.render(summary, format)
        if output:
            Path(output).write_bytes(data)
            if options["verbosity"] > 0:
                self.stderr.write(f"已写入 {output}（{summary.as_of_text}）")
        elif format == "docx":
            raise CommandError("Word 格式请用 -o 指定输出文件。")
        else:
            self.stdout.write(data.decode(), ending="")
