"""Every ledger's xlsx at the speed of writing (issue 11: ≤ 1.3× bare xlsxwriter, as the 花名册's).

Each ledger is fetched as its user fetches it: a GET through Django's test client, so the view's
scope check, its queries and the exporter are all in the figure. Beside it, the reference measured in
the same run: bare xlsxwriter (constant_memory, one border format, a date format) writing exactly the
cells the ledger's file holds, read back from that file with python-calamine. Both are timed in CPU
seconds (this process's plus the PostgreSQL backend's: common.cpu_clock) BENCH_LEDGER_ROUNDS times
(default 5), interleaved, and the best of each kept (the machine is shared).

The ledgers that grow with a district run at size on top of the demo zone (seed_demo):
BENCH_LEDGER_LINES payout lines (default 100,000: the 签领表, the 公示名单 and the bank batch file),
BENCH_LEDGER_VISITS visits and BENCH_LEDGER_REQUESTS residents' requests in the zone's year (defaults
50,000 and 20,000: the 走访台账 and the 民生实事台账). The ledgers kept per branch or per task (the
组织生活台账, a key-task ledger, the 项目建设台账) are printed at the demo zone's size: at a few dozen
rows their time is the request's fixed cost, so beside the ratio the absolute time and the query
count are what to read.
"""

DATABASES = ("sqlite", "pg")

import io  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cpu_clock, figure, setup  # noqa: E402

LINES = int(os.environ.get("BENCH_LEDGER_LINES", "100000"))
VISITS = int(os.environ.get("BENCH_LEDGER_VISITS", "50000"))
REQUESTS = int(os.environ.get("BENCH_LEDGER_REQUESTS", "20000"))
YEAR = 2023
ROUNDS = int(os.environ.get("BENCH_LEDGER_ROUNDS", "5"))


def cells_of(data: bytes) -> list[tuple[str, list[list]]]:
    """Every sheet's cells as python-calamine reads them back from the ledger's file."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]


def bare_write(sheets: list[tuple[str, list[list]]], clock=time.perf_counter) -> float:
    """Seconds bare xlsxwriter takes to write the same cells, each with a border (and a date format)."""
    import xlsxwriter

    start = clock()
    with tempfile.TemporaryFile() as out:
        book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False})
        cell_fmt = book.add_format({"border": 1})
        date_fmt = book.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
        for name, rows in sheets:
            sheet = book.add_worksheet(name[:31])
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is None or value == "":
                        sheet.write_blank(r, c, None, cell_fmt)
                    elif isinstance(value, str):
                        sheet.write_string(r, c, value, cell_fmt)
                    elif isinstance(value, date | datetime):
                        sheet.write_datetime(r, c, value, date_fmt)
                    else:
                        sheet.write_number(r, c, value, cell_fmt)
        book.close()
    return clock() - start


def measure(label: str, user, path: str) -> None:
    """The ledger's GET beside bare xlsxwriter writing its cells: best of ROUNDS each, interleaved."""
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    reset_queries()
    with override_settings(LOGIN_POLICY_ENFORCED=False):
        response = client.get(path)  # warm the session and the caches
        if response.status_code != 200 or not response.content.startswith(b"PK"):
            figure(f"!! {label}", f"{path} answered {response.status_code}, not an xlsx file")
            return
        sheets = cells_of(response.content)
        # CPU seconds (this process's and the PostgreSQL backend's, which the test client keeps
        # from request to request): wall time charges a neighbour's busy minute to either side.
        clock = cpu_clock()
        times, bare_times, queries = [], [], 0
        for _ in range(ROUNDS):
            with CaptureQueriesContext(connection) as ctx:
                start = clock()
                response = client.get(path)
                times.append(clock() - start)
            queries = len(ctx.captured_queries)
            bare_times.append(bare_write(sheets, clock))
    rows = sum(len(rows) for _, rows in sheets)
    got, bare = min(times), min(bare_times)
    figure(
        f"{label} ({rows:,} rows, {len(sheets)} sheet{'s' if len(sheets) > 1 else ''})",
        f"{got * 1000:,.0f} ms, {queries} queries",
        f"= {got / bare:.2f}× bare xlsxwriter ({bare * 1000:,.0f} ms) (CPU, best of {ROUNDS}; goal ≤ 1.3×)",
    )


def add_casework(zone) -> None:
    """VISITS visits and REQUESTS requests in the zone's branches over the year (bulk inserted)."""
    from django.utils import timezone

    from dangjian.casework.models import Category, KeyTarget, Request, Visit
    from dangjian.orgs.models import Org

    branches = list(Org.objects.filter(path__startswith=zone.path, level="branch").order_by("path"))
    targets = list(KeyTarget.objects.filter(org__path__startswith=zone.path)[:50]) or [None]
    categories = list(Category.objects.filter(zone=zone))
    first = date(YEAR, 1, 1)
    Visit.objects.bulk_create(
        [
            Visit(
                org=branches[i % len(branches)],
                date=first + timedelta(days=i % 360),
                visitor=f"走访人{i % 300}",
                visitee=f"群众{i}",
                address=f"{i % 40}组{i % 97}号",
                target=targets[i % len(targets)] if i % 7 == 0 else None,
                raised="反映道路照明不足，希望尽快维修。" if i % 3 == 0 else "",
            )
            for i in range(VISITS)
        ],
        batch_size=5000,
    )
    start = timezone.make_aware(datetime(YEAR, 1, 1, 9))
    Request.objects.bulk_create(
        [
            Request(
                org=branches[i % len(branches)],
                category=categories[i % len(categories)],
                source="phone",
                status="closed" if i % 10 else "in_progress",
                code_digest=f"bench-ledger-{i:010d}",
                description=f"小区{i % 50}号楼下水道堵塞，请求疏通。",
                name=f"居民{i}",
                phone=f"139{i:08d}",
                received_at=start + timedelta(days=i % 360, hours=i % 8),
                deadline=first + timedelta(days=i % 360 + 5),
                resolved_at=start + timedelta(days=i % 360 + 3) if i % 10 else None,
                reply="已联系物业疏通，居民表示满意。" if i % 10 else "",
                satisfaction="satisfied" if i % 10 else "",
            )
            for i in range(REQUESTS)
        ],
        batch_size=5000,
    )


def main(db: str) -> None:
    setup(db)
    from django.core.management import call_command
    from django.db.models import Count

    from dangjian.accounts.models import User
    from dangjian.activities.models import Activity
    from dangjian.checklists.models import LedgerEntry
    from dangjian.orgs.models import Org
    from dangjian.payouts import services
    from dangjian.payouts.models import BankBatch

    start = time.perf_counter()
    call_command("seed_demo", verbosity=0)
    figure("demo zone: seed_demo", f"{time.perf_counter() - start:.1f}", "s")
    admin = User.objects.get(username="admin")
    zone = Org.objects.get(depth=1)

    # The ledgers kept per branch, per task, per zone: the demo zone's own.
    busiest = (
        Activity.objects.filter(date__year=YEAR).values("org__code").annotate(n=Count("id")).order_by("-n")[0]
    )
    measure(
        f"组织生活台账 of the busiest branch ({busiest['n']} meetings)",
        admin,
        f"/activities/ledger/{busiest['org__code']}/{YEAR}/xlsx/",
    )
    for entry in LedgerEntry.objects.filter(zone=zone).order_by("pk"):
        measure(
            f"台账 {entry.name}",
            admin,
            f"/checklists/ledgers/{entry.pk}/{zone.code}/{YEAR}/xlsx/",
        )
    measure("项目建设台账 of the zone", admin, f"/projects/ledger/{zone.code}/{YEAR}/?format=xlsx")

    # The ledgers that grow with a district, at size.
    start = time.perf_counter()
    add_casework(zone)
    figure(f"added {VISITS:,} visits and {REQUESTS:,} requests in", f"{time.perf_counter() - start:.1f}", "s")
    measure("走访台账 of the zone", admin, f"/casework/ledger/visits/{zone.code}/{YEAR}/xlsx/")
    measure("民生实事台账 of the zone", admin, f"/casework/ledger/requests/{zone.code}/{YEAR}/xlsx/")

    from bench_payouts import _world

    start = time.perf_counter()
    programme, cashier = _world(LINES, "基准奖励资金")
    figure(f"an approved {LINES:,}-line programme built in", f"{time.perf_counter() - start:.1f}", "s")
    approver = User.objects.get(username="b-approve")
    measure("签领表", approver, f"/payouts/{programme.pk}/sign-sheet/?format=xlsx")
    measure("公示名单", approver, f"/payouts/{programme.pk}/publicity/?format=xlsx")
    services.create_bank_batch(actor=cashier, programme=programme)
    batch = BankBatch.objects.get(programme=programme)
    measure("银行代发 batch file", cashier, f"/payouts/bank/{batch.pk}/file/")
    figure("machine", f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
