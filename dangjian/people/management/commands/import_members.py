"""python manage.py import_members FILE --org ORG_CODE [--dry-run] [--as USERNAME]

Exit status 0 only when the file is clean (and, without --dry-run, committed); 1 when it has
problems (each printed by Excel row and column); 2 for a bad command line.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.actors import SYSTEM, Actor
from dangjian.core.importing import issues_as_text, timings_as_text
from dangjian.orgs.models import Org
from dangjian.people.importers import import_members


class Command(BaseCommand):
    help = "导入党员花名册（xlsx、xls、ods、csv）；--dry-run 只检查不写入。"
    # The system checks (URLs, templates, deployment settings) cost a second of start-up and say
    # nothing about a roster; `manage.py check` and every server start still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="党支部的组织代码")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--as", dest="username", help="以该用户身份导入（默认：系统）")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        org = Org.objects.filter(code=options["org"].strip().upper()).first()
        if org is None:
            raise CommandError(f"组织代码不存在：{options['org']}")
        actor: Actor = SYSTEM
        if options["username"]:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=options["username"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户不存在：{options['username']}")
            actor = user
        bar = None
        progress = None
        if not options["no_progress"] and options["verbosity"] > 0:
            from tqdm import tqdm

            bar = tqdm(desc="导入", unit="行", file=self.stderr._out, leave=False)

            def progress(done: int, total: int) -> None:
                if total and bar.total != total:
                    bar.reset(total=total)
                bar.n = done
                bar.refresh()

        try:
            report = import_members(
                actor=actor,
                org=org,
                data=path.read_bytes(),
                filename=path.name,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        finally:
            if bar is not None:
                bar.close()
        for line in issues_as_text(report):
            self.stdout.write(line)
        if options["verbosity"] > 1:
            for line in timings_as_text(report):
                self.stdout.write(f"用时：{line}")
        c = report.counts
        summary = (
            f"共{c.get('rows', len(report.rows))}行：新增{c.get('added', 0)}，"
            f"更新{c.get('updated', 0)}，无变化{c.get('unchanged', 0)}"
        )
        if not report.ok:
            self.stdout.write(
                self.style.ERROR(f"发现{len(report.issues)}个问题，涉及{len(report.bad_rows)}行；未导入。")
            )
            raise SystemExit(1)
        if options["dry_run"]:
            self.stdout.write(self.style.SUCCESS(f"检查通过（未写入）。{summary}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"导入完成。{summary}"))
