"""People: import of a generated 100,000-row 花名册 (rows/s, peak memory) against a naive one-save()-
per-row loop, export of the same roll, and the roster page on a 500,000-member database.

BENCH_PEOPLE_ROWS / BENCH_PEOPLE_NAIVE_ROWS / BENCH_PEOPLE_TOTAL shrink it for a quick look;
BENCH_PEOPLE_PARTS (a comma list of import, export, pages) runs only those parts: the export alone
loads its roll without timing the import.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    PEAK_REPORTING,
    cpu_clock,
    figure,
    own_peak_rss_mb,
    page,
    peak_rss_mb,
    reported_peak_rss_mb,
    reset_peak_rss,
    setup,
)

DATABASES = ("sqlite", "pg")
ROWS = int(os.environ.get("BENCH_PEOPLE_ROWS", 100_000))
NAIVE_ROWS = int(os.environ.get("BENCH_PEOPLE_NAIVE_ROWS", 5_000))
TOTAL = int(os.environ.get("BENCH_PEOPLE_TOTAL", 500_000))
# Which parts to run (a comma list): the export alone takes BENCH_PEOPLE_PARTS=export.
PARTS = set(os.environ.get("BENCH_PEOPLE_PARTS", "import,export,pages").split(","))
EXPORT_ROUNDS = int(os.environ.get("BENCH_PEOPLE_EXPORT_ROUNDS", 5))
HEADER = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生年月",
    "公民身份号码",
    "学历",
    "党员状态",
    "入党时间",
    "转正时间",
    "工作单位及职务",
    "联系电话",
]


def _ids(n: int, seed: str, province: str = "41"):
    """``n`` unique valid fictitious ID numbers; each data set uses its own province prefix so sets
    never collide (county codes PP0101–PP9929)."""
    from dangjian.core.idcard import make_id

    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < n:
        sex = rng.choice("男女")
        birth = date(1935, 1, 1) + timedelta(days=rng.randrange(24_000))
        county = f"{province}{rng.randrange(1, 100):02d}{rng.randrange(1, 30):02d}"
        number = make_id(county, birth, rng.randrange(100), sex)
        if number not in seen:
            seen.add(number)
            yield number, birth, sex


def write_roster(path: Path, n: int, seed: str, province: str = "41") -> None:
    import xlsxwriter

    from dangjian.core.seeding import fake_name

    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("花名册")
    sheet.write_string(0, 0, "基准测试党支部党员花名册")
    for c, h in enumerate(HEADER):
        sheet.write_string(1, c, h)
    for i, (number, birth, sex) in enumerate(_ids(n, seed, province), start=2):
        joined = max(birth.replace(day=1) + timedelta(days=365 * 22), date(1960, 1, 1))
        joined = min(joined, date(2022, 6, 1))
        full = joined.year < 2022
        row = [
            i - 1,
            fake_name(rng),
            sex,
            "汉族",
            f"{birth:%Y.%m}",
            number,
            rng.choice(["初中", "高中", "大专", "本科"]),
            "正式党员" if full else "预备党员",
            f"{joined:%Y.%m}",
            f"{joined.year + 1}.{joined.month:02d}" if full else "",
            rng.choice(["村民", "个体", "退休", "教师"]),
            f"139{rng.randrange(10**8):08d}",
        ]
        for c, v in enumerate(row):
            if isinstance(v, int):
                sheet.write_number(i, c, v)
            else:
                sheet.write_string(i, c, v)
    book.close()


def naive_import(data: bytes, org, actor) -> int:
    """The loop a first version would write: parse, then one save() per person, member and period."""
    from django.db import transaction

    from dangjian.people.importers import MemberImporter
    from dangjian.people.models import Member, MembershipPeriod, MemberStatus, Person
    from dangjian.people.services import prepare_person

    importer = MemberImporter(actor=actor, org=org)
    report = importer.parse(data, "naive.xlsx")
    with transaction.atomic():
        for row in report.rows:
            v = row.values
            person = Person(
                org=org,
                name=v["name"],
                id_number=v["id_number"],
                ethnicity=v["ethnicity"] or "",
                education=v["education"] or "",
                phone=v["phone"] or "",
                work_post=v["work_post"] or "",
            )
            prepare_person(person)
            person.save()
            member = Member(
                person=person,
                org=org,
                status=v["status"] or MemberStatus.FULL,
                joined_on=v["joined_on"],
                full_on=v["full_on"],
            )
            member.save()
            MembershipPeriod(member=member, org=org, started_on=member.joined_on).save()
    return len(report.rows)


def build_tree(branches: int):
    from dangjian.orgs.models import Kind, Level, Org

    zone = Org.objects.add_root(
        instance=Org(code="B", name="基准区", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
    )
    result = []
    per = 20
    for c in range(max(1, branches // per)):
        committee = Org.objects.add_child(
            Org.objects.get(pk=zone.pk),
            instance=Org(code=f"B-{c:03d}", name=f"第{c}党委", level=Level.COMMITTEE, kind=Kind.VILLAGE),
        )
        for b in range(per):
            result.append(
                Org.objects.add_child(
                    Org.objects.get(pk=committee.pk),
                    instance=Org(
                        code=f"B-{c:03d}-{b:02d}",
                        name=f"第{c}-{b}支部",
                        level=Level.BRANCH,
                        kind=Kind.VILLAGE,
                    ),
                )
            )
    return Org.objects.get(pk=zone.pk), result


def fill(total: int, branches, start_seed: str) -> None:
    """Members up to ``total`` over the branches: real encryption and blind indexes, raw executemany
    (the ORM's per-value overhead would dominate the set-up time, and set-up is not what we measure)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.core.pii import blind_index, get_cipher
    from dangjian.core.seeding import fake_name
    from dangjian.people.models import Member
    from dangjian.people.services import name_initials

    rng = random.Random(start_seed)
    cipher = get_cipher()
    now = timezone.now()
    have = Member.objects.count()
    ids = _ids(total - have + 10, start_seed, "43")
    person_sql = (
        "INSERT INTO people_person (org_id, name, name_initials, id_number, id_index, sex, birth_date, ethnicity,"
        " education, phone, phone_index, address, work_post, is_shareholder, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '', %s, %s, %s)"
    )
    member_sql = (
        "INSERT INTO people_member (person_id, org_id, status, joined_on, party_post, is_village_cadre,"
        " is_floating, left_reason, dues_category, watch_decision, created_at, updated_at)"
        " VALUES (%s, %s, 'full', %s, '', %s, %s, '', 'salaried', '', %s, %s)"
    )
    batch = 10_000
    while have < total:
        n = min(batch, total - have)
        rows = []
        for _ in range(n):
            number, birth, sex = next(ids)
            name = fake_name(rng)
            phone = f"138{rng.randrange(10**8):08d}"
            org = branches[rng.randrange(len(branches))].pk
            rows.append(
                (
                    org,
                    name,
                    name_initials(name),
                    cipher.encrypt(number),
                    blind_index("id", number),
                    sex,
                    birth,
                    "汉族",
                    rng.choice(["初中", "高中", "大专", "本科"]),
                    cipher.encrypt(phone),
                    blind_index("phone", phone),
                    False,
                    now,
                    now,
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
            last = cursor.fetchone()[0]
            cursor.executemany(person_sql, rows)
            cursor.execute("SELECT id, org_id FROM people_person WHERE id > %s ORDER BY id", [last])
            members = [
                (
                    pid,
                    org,
                    date(1990, 1, 1) + timedelta(days=rng.randrange(11_000)),
                    rng.random() < 0.03,
                    rng.random() < 0.05,
                    now,
                    now,
                )
                for pid, org in cursor.fetchall()
            ]
            cursor.executemany(member_sql, members)
        have += n


def bare_read(data: bytes) -> float:
    """Seconds python-calamine takes merely to read the file into Python lists: the import's floor."""
    import io

    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return time.perf_counter() - start


def bare_write(rows: list[list], headers: list[str], title: str, widths: dict[int, int], out) -> None:
    """Bare xlsxwriter writing the same cells into ``out`` as the export does, with the same workbook
    options, formats, column widths and print setup: the export's floor. Its file reads back cell for
    cell as the export's (the bench checks that)."""
    import xlsxwriter

    from dangjian.core.exporting import CELL_FORMAT, HEADER_FORMAT, TITLE_FORMAT, workbook_options
    from dangjian.core.printing import setup_sheet_printing

    book = xlsxwriter.Workbook(out, workbook_options())
    sheet = book.add_worksheet("bare")
    title_fmt = book.add_format(TITLE_FORMAT)
    head_fmt = book.add_format(HEADER_FORMAT)
    cell_fmt = book.add_format(CELL_FORMAT)
    sheet.merge_range(0, 0, 0, len(headers) - 1, title, title_fmt)
    for col, width in widths.items():
        sheet.set_column(col, col, width)
    for col, name in enumerate(headers):
        sheet.write_string(1, col, name, head_fmt)
    setup_sheet_printing(sheet, repeat_to_row=1, landscape=True)
    write_string, write_number, write_blank = sheet.write_string, sheet.write_number, sheet.write_blank
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if value is None or value == "":
                write_blank(r, c, None, cell_fmt)
            elif isinstance(value, str):
                write_string(r, c, value, cell_fmt)
            else:
                write_number(r, c, value, cell_fmt)
    book.close()


def same_cells(a: Path, b: Path) -> bool:
    from python_calamine import CalamineWorkbook

    def cells(path: Path) -> list[list]:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()

    return cells(a) == cells(b)


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def ratio(label: str, value: float, reference: float, goal: str) -> None:
    figure(label, f"{value / reference:.2f}×", f"(goal {goal})")


def main(db: str) -> None:
    # The bench roster is larger than the default row cap of an upload.
    os.environ.setdefault("DANGJIAN_IMPORT_MAX_ROWS", str(max(ROWS + 100, 50_000)))
    setup(db)

    from django.db import transaction

    from conftest import make_user
    from dangjian.accounts.models import Role
    from dangjian.accounts.services import ensure_default_roles
    from dangjian.core.actors import SYSTEM
    from dangjian.people.importers import MemberImporter

    figure("machine", load())
    with transaction.atomic():
        ensure_default_roles(actor=SYSTEM)
    zone, branches = build_tree(1000)
    admin = make_user("bench-admin", Role.objects.get(identifier="zone_admin"), zone)
    target = branches[0]

    tmp = Path(tempfile.mkdtemp())
    if "import" in PARTS:
        bench_import(tmp, branches, admin, target)
    else:  # the roll the export reads, loaded without timing
        roster_file = tmp / "roster.xlsx"
        write_roster(roster_file, ROWS, "bulk")
        importer = MemberImporter(actor=admin, org=target)
        report = importer.parse(roster_file.read_bytes(), "roster.xlsx")
        assert report.ok, report.issues[:5]
        with transaction.atomic():
            importer.commit(report.rows)
    if "export" in PARTS:
        bench_export(tmp, admin, target)
    if "pages" in PARTS:
        bench_pages(branches, admin, target)
    figure("machine", load())


def bench_import(tmp: Path, branches, admin, target) -> None:
    """The whole import command in its own process and the same import in this one, by phase,
    beside the bare calamine read and the naive loop; the in-process import leaves the roll in
    ``target`` for the export."""
    import resource
    import statistics
    import subprocess

    from django.db import transaction

    from dangjian.core.importing import read_table
    from dangjian.people.importers import MemberImporter

    roster_file = tmp / "roster.xlsx"
    command_file = tmp / "command.xlsx"
    naive_file = tmp / "naive.xlsx"
    write_roster(roster_file, ROWS, "bulk")
    write_roster(command_file, ROWS, "command", "45")
    write_roster(naive_file, NAIVE_ROWS, "naive", "42")
    data = roster_file.read_bytes()
    figure("generated roster file", f"{ROWS:,} rows, {len(data) / 1e6:.1f}", "MB")

    # References, measured in this run: this machine's absolute times vary from run to run.
    read_s = statistics.median(bare_read(data) for _ in range(3))
    figure(
        "reference: python-calamine merely reading the file",
        f"{read_s:.2f} s",
        f"({ROWS / read_s:,.0f} rows/s)",
    )
    naive_data = naive_file.read_bytes()
    start = time.perf_counter()
    naive_import(naive_data, branches[1], admin)
    naive_s = time.perf_counter() - start
    naive_rate = NAIVE_ROWS / naive_s
    figure(
        f"reference: naive import, one save() per row ({NAIVE_ROWS:,} rows)", f"{naive_rate:,.0f}", "rows/s"
    )

    # The whole command, start-up included, in its own process.
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK_REPORTING,  # its own peak, not this process's (see common.PEAK_REPORTING)
            "manage.py",
            "import_members",
            str(command_file),
            "--org",
            branches[2].code,
            "--no-progress",
            "-v",
            "2",  # the time of each phase
        ],
        capture_output=True,
        text=True,
    )
    command_s = time.perf_counter() - start
    child_rss = (
        reported_peak_rss_mb(done.stderr) or resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )
    if done.returncode:
        figure("!! manage.py import_members failed", done.stdout[-300:] + done.stderr[-300:])
    bare_setup = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()"
    for _ in range(2):  # the second, with the files in the page cache as the command had them
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", bare_setup], capture_output=True)
        startup_s = time.perf_counter() - start
    figure(
        "manage.py import_members, whole command", f"{command_s:.1f} s", f"({ROWS / command_s:,.0f} rows/s)"
    )
    figure("  of which Python + Django start-up", f"{startup_s:.1f}", "s")
    # Where the rest goes, as the command itself measured it (manage.py import_members -v 2).
    for line in done.stdout.splitlines():
        if line.startswith("用时："):
            label, seconds, _unit = line.removeprefix("用时：").rsplit(" ", 2)
            figure(f"  of which {label}", seconds, "s")
    figure("  peak RSS of the command's process", f"{child_rss:.0f}", "MB")
    ratio("whole command / bare calamine read", command_s, read_s, "≤ 8×")
    figure("whole command vs naive loop", f"{(ROWS / command_s) / naive_rate:.1f}× faster", "(goal ≥ 20×)")

    # The same import in this process, by phase.
    rss_now = reset_peak_rss()  # the growth over this process's RSS now, not over its past peak
    rss_before = rss_now if rss_now is not None else peak_rss_mb()
    start = time.perf_counter()
    rows_read = sum(1 for _ in read_table(data, ".xlsx"))
    phase_read = time.perf_counter() - start
    importer = MemberImporter(actor=admin, org=target)
    start = time.perf_counter()
    report = importer.parse(data, "roster.xlsx")
    phase_check = time.perf_counter() - start
    assert report.ok, report.issues[:5]
    start = time.perf_counter()
    with transaction.atomic():
        report.counts = importer.commit(report.rows)
    phase_commit = time.perf_counter() - start
    bulk_s = phase_check + phase_commit
    bulk_rate = ROWS / bulk_s
    assert rows_read >= ROWS
    figure(
        "import in-process (all checks + all-or-nothing bulk commit)",
        f"{bulk_s:.1f} s",
        f"({bulk_rate:,.0f} rows/s)",
    )
    figure("  reading the sheet (core.sheets, alone)", f"{phase_read:.2f}", "s")
    figure("  read + clean + row and file checks (Importer.parse)", f"{phase_check:.2f}", "s")
    for key, seconds in importer.timings.items():
        figure(f"    of which {key}", f"{seconds:.2f}", "s")
    figure("  commit (lookups, encryption, indexes, inserts)", f"{phase_commit:.2f}", "s")
    peak = own_peak_rss_mb() if rss_now is not None else None
    figure("  peak RSS growth during import", f"{(peak or peak_rss_mb()) - rss_before:.0f}", "MB")
    ratio("in-process import / bare calamine read", bulk_s, read_s, "≤ 8×")
    figure("in-process import vs naive loop", f"{bulk_rate / naive_rate:.1f}× faster", "(goal ≥ 20×)")

    start = time.perf_counter()
    again = MemberImporter(actor=admin, org=target).run(data, "roster.xlsx", dry_run=False)
    again_s = time.perf_counter() - start
    figure("re-import of the same file (all unchanged)", f"{ROWS / again_s:,.0f}", "rows/s")
    assert again.counts["unchanged"] == ROWS


def bench_export(tmp: Path, admin, target) -> None:
    """The roll's export, masked and in full, beside bare xlsxwriter writing the same cells."""
    import statistics

    from dangjian.people.exporters import RosterExporter
    from dangjian.people.models import Member

    roll = Member.objects.filter(org=target)
    # Each export and its reference five times, interleaved (export, bare, export, bare, …), the
    # best of each kept, in CPU seconds (this process's, plus the PostgreSQL backend's that runs the
    # export's query: see common.cpu_clock): on a shared machine wall time swung this ratio from
    # 1.11× to 1.36× between runs of the same code.
    clock = cpu_clock()
    for reveal in (False, True):
        rss_before = peak_rss_mb()
        out, bare_out = tmp / "export.xlsx", tmp / "bare.xlsx"
        exporter = RosterExporter(actor=admin, members=roll, title="花名册", reveal=reveal)
        cells = list(exporter.iterate_rows())
        times, bare_times, walls = [], [], []
        for _ in range(EXPORT_ROUNDS):
            wall, start = time.perf_counter(), clock()
            with out.open("wb") as fh:
                written = exporter.write_xlsx(fh)
            times.append(clock() - start)
            walls.append(time.perf_counter() - wall)
            start = clock()
            with bare_out.open("wb") as fh:
                bare_write(cells, exporter.headers, "花名册", exporter.column_widths, fh)
            bare_times.append(clock() - start)
        del cells
        export_s, bare_s = min(times), min(bare_times)
        growth = peak_rss_mb() - rss_before
        kind = "full" if reveal else "masked"
        figure(
            f"export of the roll, {kind} ({written:,} rows, xlsx, best of {EXPORT_ROUNDS})",
            f"{export_s:.1f} s CPU",
            f"({written / export_s:,.0f} rows/s; {min(walls):.1f} s wall)",
        )
        figure(
            f"  reference: bare xlsxwriter writing the same cells (best of {EXPORT_ROUNDS})",
            f"{bare_s:.1f}",
            "s CPU" + ("" if same_cells(out, bare_out) else "  !! its cells differ from the export's"),
        )
        figure("  peak RSS growth (with the reference's cells held)", f"{growth:.0f}", "MB")
        ratio(f"export ({kind}) / bare xlsxwriter, CPU", export_s, bare_s, "≤ 1.3×")
        rounds = [t / b for t, b in zip(times, bare_times, strict=True)]
        figure(
            "  each round's ratio (median)",
            " ".join(f"{r:.2f}" for r in rounds),
            f"({statistics.median(rounds):.2f}×)",
        )


def bench_pages(branches, admin, target) -> None:
    """The roster page and a person page on a database filled to ``TOTAL`` members."""
    from django.db import connection

    from conftest import make_user
    from dangjian.accounts.models import Role
    from dangjian.people.models import Member

    start = time.perf_counter()
    fill(TOTAL, branches, "fill")
    figure(
        f"filled the database to {Member.objects.count():,} members in",
        f"{time.perf_counter() - start:.0f}",
        "s",
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    secretary = make_user("bench-sec", Role.objects.get(identifier="secretary"), branches[5])
    for label, user, path in [
        ("roster page 1, zone admin (500k in scope)", admin, "/people/"),
        ("roster page 200, zone admin", admin, "/people/?page=200"),
        ("roster search by initials 'wfx', zone admin", admin, "/people/?q=wfx"),
        ("roster filter 70岁以上 + 村两委干部, zone admin", admin, "/people/?elder=1&cadre=1"),
        ("roster page 1, branch secretary", secretary, "/people/"),
    ]:
        ms, queries, status = page(user, path)
        figure(label, f"{ms:.0f} ms, {queries} queries, HTTP {status}")
    one = Member.objects.filter(org=target).values_list("person_id", flat=True).first()
    ms, queries, status = page(admin, f"/people/p/{one}/")
    figure("person page", f"{ms:.0f} ms, {queries} queries, HTTP {status}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
