"""Compliance matrix of a whole city on PostgreSQL: 10,000 branches, 500,000 members, ~330,000 meetings
and ~10,000,000 attendance rows (generated in SQL with generate_series; no Python row loops). The demo
zone (seed_demo) is loaded into the same database, and each city page is printed beside the demo zone's
compliance page measured in the same run, as a ratio.

Sizes can be lowered for a quick run: BENCH_BRANCHES (default 10000), BENCH_MEMBERS_PER_BRANCH (50),
BENCH_ATTENDEES (30 per meeting).
"""

DATABASES = ("pg",)

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure, page, peak_rss_mb, setup, timed  # noqa: E402

BRANCHES = int(os.environ.get("BENCH_BRANCHES", "10000"))
PER_BRANCH = int(os.environ.get("BENCH_MEMBERS_PER_BRANCH", "50"))
ATTENDEES = int(os.environ.get("BENCH_ATTENDEES", "30"))
DISTRICTS = 20
YEAR = 2023


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _column_defaults(model, overrides: dict[str, str]) -> tuple[list[str], list[str]]:
    """Column names and SQL expressions for an INSERT … SELECT: ``overrides`` by column, and for every
    other column its NULL, its Python default as a literal, or an empty value of its type, so the
    benchmark keeps working while other apps add fields."""
    from django.db import models

    columns, exprs = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in overrides:
            continue
        columns.append(f.column)
        if f.column in overrides:
            exprs.append(overrides[f.column])
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            exprs.append("now()")
        elif f.null:
            exprs.append("NULL")
        elif f.has_default() and not callable(f.default):
            exprs.append(_literal(f.default))
        elif isinstance(f, models.BooleanField):
            exprs.append("false")
        elif isinstance(f, models.IntegerField | models.DecimalField | models.FloatField):
            exprs.append("0")
        elif isinstance(f, models.JSONField):
            exprs.append("'{}'::jsonb")
        else:
            exprs.append("''")
    return columns, exprs


def _insert(cursor, model, overrides: dict[str, str], from_sql: str) -> int:
    columns, exprs = _column_defaults(model, overrides)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(exprs)} {from_sql}"
    cursor.execute(sql)
    return cursor.rowcount


def build_city() -> dict:
    from django.db import connection, transaction

    from dangjian.activities.models import Activity, Attendance
    from dangjian.activities.services import ensure_default_rules
    from dangjian.orgs.models import Org
    from dangjian.people.models import Member, Person

    per_district = BRANCHES // DISTRICTS
    sizes: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        # Bulk load: skip FK triggers (the rows are consistent by construction); CHECKs still apply.
        cursor.execute("SET LOCAL session_replication_role = replica")
        _insert(
            cursor,
            Org,
            {
                "path": "'0001'",
                "depth": "1",
                "numchild": str(DISTRICTS),
                "code": "'CITY'",
                "name": "'市委'",
                "level": "'working_committee'",
                "kind": "'zone'",
                "term_years": "5",
                "active": "true",
            },
            "",
        )
        _insert(
            cursor,
            Org,
            {
                "path": "'0001' || lpad(d::text, 4, '0')",
                "depth": "2",
                "numchild": str(per_district),
                "code": "'D' || d",
                "name": "'第' || d || '区党工委'",
                "level": "'working_committee'",
                "kind": "'zone'",
                "term_years": "5",
                "active": "true",
            },
            f"FROM generate_series(1, {DISTRICTS}) d",
        )
        _insert(
            cursor,
            Org,
            {
                "path": "'0001' || lpad(d::text, 4, '0') || lpad(b::text, 4, '0')",
                "depth": "3",
                "numchild": "0",
                "code": "'D' || d || '-B' || b",
                "name": "'第' || d || '区第' || b || '党支部'",
                "level": "'branch'",
                "kind": "'village'",
                "term_years": "5",
                "active": "true",
            },
            f"FROM generate_series(1, {DISTRICTS}) d CROSS JOIN generate_series(1, {per_district}) b",
        )
        # Members: PER_BRANCH persons and memberships per branch, ids contiguous per branch.
        _insert(
            cursor,
            Person,
            {"org_id": "o.id", "name": "'党员' || o.id || '-' || k"},
            f"FROM orgs_org o CROSS JOIN generate_series(1, {PER_BRANCH}) k WHERE o.level = 'branch' ORDER BY o.id, k",
        )
        _insert(
            cursor,
            Member,
            {
                "person_id": "p.id",
                "org_id": "p.org_id",
                "status": "CASE WHEN p.id % 10 = 0 THEN 'probationary' ELSE 'full' END",
                "joined_on": "DATE '2000-07-01'",
            },
            "FROM people_person p ORDER BY p.id",
        )
        sizes["load_orgs_members_s"] = time.perf_counter() - start
        city = Org.objects.get(code="CITY")
        ensure_default_rules(city)

        # Meetings: the required kinds each month/quarter/year, with ~1% missed to make gaps.
        start = time.perf_counter()
        kinds = "(VALUES ('committee', 0), ('theme_day', 0), ('congress', 2), ('lecture', 2), ('life_meeting', 12))"
        _insert(
            cursor,
            Activity,
            {
                "org_id": "o.id",
                "kind": "k.kind",
                "status": "'held'",
                "title": "k.kind || ' ' || m",
                "date": f"make_date({YEAR}, m, 10)",
                "audience": "0",
            },
            f"FROM orgs_org o CROSS JOIN generate_series(1, 12) m CROSS JOIN {kinds} AS k(kind, every)"
            " WHERE o.level = 'branch'"
            " AND (k.every = 0 OR (k.every = 2 AND m % 3 = 2) OR (k.every = 12 AND m = 12))"
            " AND (o.id * 31 + m * 7 + length(k.kind)) % 97 <> 0",
        )
        sizes["activities"] = Activity.objects.count()
        sizes["load_activities_s"] = time.perf_counter() - start

        start = time.perf_counter()
        # Loading 10M rows into a table with its indexes is several times slower than building the
        # indexes afterwards: set them aside and rebuild them (same names and definitions).
        table = Attendance._meta.db_table
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
            " AND contype = 'u'",
            [table],
        )
        uniques = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _ in uniques:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        _insert(
            cursor,
            Attendance,
            {
                "activity_id": "a.id",
                "member_id": "f.first + ((a.id + g) % " + str(PER_BRANCH) + ")",
                "status": "CASE WHEN (a.id + g) % 20 = 0 THEN 'absent' WHEN (a.id + g) % 10 = 1 THEN 'leave'"
                " ELSE 'present' END",
                "reason": "CASE WHEN (a.id + g) % 20 = 0 THEN '外出务工' ELSE '' END",
                "voting": "((f.first + ((a.id + g) % " + str(PER_BRANCH) + ")) % 10 <> 0)",
            },
            "FROM activities_activity a"
            " JOIN (SELECT org_id, min(id) AS first FROM people_member GROUP BY org_id) f ON f.org_id = a.org_id"
            f" CROSS JOIN generate_series(0, {min(ATTENDEES, PER_BRANCH) - 1}) g",
        )
        sizes["load_attendance_s"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for name, definition in uniques:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            cursor.execute(definition)
        sizes["index_attendance_s"] = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sizes["analyze_s"] = time.perf_counter() - start
    sizes["attendance"] = Attendance.objects.count()
    sizes["members"] = Member.objects.count()
    sizes["branches"] = Org.objects.filter(level="branch").count()
    return sizes


def main(db: str) -> None:
    # BENCH_REUSE=1 measures again on the city a previous run loaded (the load takes minutes).
    reuse = os.environ.get("BENCH_REUSE") == "1"
    setup(db, fresh=not reuse)
    from django.db import connection

    from dangjian.accounts.models import User
    from dangjian.activities import selectors
    from dangjian.activities.models import Activity, Attendance
    from dangjian.core import metrics
    from dangjian.orgs.models import Org
    from dangjian.people.models import Member

    if reuse and Org.objects.filter(code="CITY").exists():
        sizes = {
            "branches": Org.objects.filter(level="branch").count(),
            "members": Member.objects.count(),
            "activities": Activity.objects.count(),
            "attendance": Attendance.objects.count(),
        }
    else:
        sizes = build_city()
    figure("database", f"{connection.vendor} {connection.pg_version if db == 'pg' else ''}")
    figure("branches", f"{sizes['branches']:,}")
    figure("members", f"{sizes['members']:,}")
    figure("meetings (2023)", f"{sizes['activities']:,}")
    figure("attendance rows", f"{sizes['attendance']:,}")
    if "analyze_s" in sizes:
        figure("load: orgs + persons + members", f"{sizes['load_orgs_members_s']:.1f}", "s")
        figure("load: meetings", f"{sizes['load_activities_s']:.1f}", "s")
        figure("load: attendance (without indexes)", f"{sizes['load_attendance_s']:.1f}", "s")
        figure("rebuild attendance indexes", f"{sizes['index_attendance_s']:.1f}", "s")
        figure("ANALYZE", f"{sizes['analyze_s']:.1f}", "s")

    if not Org.objects.filter(code="SFQ").exists():
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("seed_demo", verbosity=0)
        figure("demo zone: seed_demo", f"{time.perf_counter() - start:.1f}", "s")

    # The page finds the branches with a gap in the stored 应开未开 figure: what the worker's rebuild of
    # the compliance calendar's figures costs (seed_demo rebuilt every figure; on a reused database
    # this also stores figures added since).
    from dangjian.reports import figures

    # The same for the Article 9 flags (members.lapse_*), which find the flagged branches.
    for label, prefix in (
        ("the compliance calendar's", "activities.required_"),
        ("Article 9's", "members.lapse_"),
    ):
        chosen = [m for m in metrics.all_metrics() if m.key.startswith(prefix)]
        start = time.perf_counter()
        figures.rebuild(chosen, years=[YEAR])
        figure(f"rebuild {label} figures (all orgs, 2023)", f"{time.perf_counter() - start:.1f}", "s")

    city = Org.objects.get(code="CITY")
    district = Org.objects.get(code="D1")
    ms, queries, matrix = timed(lambda: selectors.compliance_matrix(city, YEAR), repeat=3)
    figure("compliance matrix, city (selector)", f"{ms:.0f} ms, {queries} queries")
    figure("  branches in matrix / with gaps", f"{len(matrix.rows):,} / {len(matrix.overdue):,}")
    ms, queries, _ = timed(lambda: selectors.compliance_matrix(district, YEAR), repeat=5)
    figure("compliance matrix, one district (selector)", f"{ms:.0f} ms, {queries} queries")

    admin = User.objects.filter(username="benchadmin").first() or User.objects.create_superuser(
        "benchadmin", password="Bench-pass-2023"
    )
    demo_ms, queries, status = page(admin, f"/activities/compliance/?org=SFQ&year={YEAR}", repeat=5)
    figure("compliance page, demo zone (server time)", f"{demo_ms:.0f} ms, {queries} queries, HTTP {status}")
    for label, query in (
        ("city", "org=CITY"),
        ("city, only gaps", "org=CITY&gaps=1"),
        ("city, page 50", "org=CITY&page=50"),
        ("one district", "org=D1"),
    ):
        ms, queries, status = page(admin, f"/activities/compliance/?{query}&year={YEAR}", repeat=3)
        figure(
            f"compliance page, {label} (server time)",
            f"{ms:.0f} ms, {queries} queries, HTTP {status} = {ms / demo_ms:.1f}× the demo zone",
        )
    ms, queries, status = page(admin, f"/activities/?org=CITY&year={YEAR}", repeat=3)
    figure("activity list, city, first page (server time)", f"{ms:.0f} ms, {queries} queries, HTTP {status}")
    ms, queries, value = timed(lambda: metrics.get("activities.attendance_rate").value(city, YEAR), repeat=1)
    figure("attendance rate metric, city", f"{ms:.0f} ms, {queries} queries = {value}%")
    ms, queries, value = timed(
        lambda: metrics.get("activities.meetings_held").value(district, YEAR), repeat=3
    )
    figure("meetings held metric, one district", f"{ms:.0f} ms, {queries} queries = {value}")
    figure("peak RSS", f"{peak_rss_mb():.0f}", "MB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pg")
