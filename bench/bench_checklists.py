"""The task × branch matrix of the key-task checklist: 200 tasks owned by each of 10,000 branches
(2,000,000 owner rows, generated in SQL) on PostgreSQL, as a ratio to the same matrix for the demo zone
(15 tasks × 81 organizations, from seed_demo) in the same run and database.

Sizes can be lowered for a quick run: BENCH_TASKS (default 200), BENCH_BRANCHES (default 10000).
"""

DATABASES = ("pg",)

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure, page, peak_rss_mb, setup, timed  # noqa: E402

TASKS = int(os.environ.get("BENCH_TASKS", "200"))
BRANCHES = int(os.environ.get("BENCH_BRANCHES", "10000"))
DISTRICTS = 20
YEAR = 2023


def build_city() -> dict:
    from bench_activities import _insert
    from django.db import connection, transaction

    from dangjian.checklists.models import Assignment, KeyTask
    from dangjian.orgs.models import Org

    per_district = BRANCHES // DISTRICTS
    sizes: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute("SET LOCAL session_replication_role = replica")
        org = {"term_years": "5", "active": "true"}
        _insert(
            cursor,
            Org,
            {
                **org,
                "path": "'0009'",
                "depth": "1",
                "numchild": str(DISTRICTS),
                "code": "'CITY'",
                "name": "'市委'",
                "level": "'working_committee'",
                "kind": "'zone'",
            },
            "",
        )
        _insert(
            cursor,
            Org,
            {
                **org,
                "path": "'0009' || lpad(d::text, 4, '0')",
                "depth": "2",
                "numchild": str(per_district),
                "code": "'D' || d",
                "name": "'第' || d || '区党工委'",
                "level": "'committee'",
                "kind": "'zone'",
            },
            f"FROM generate_series(1, {DISTRICTS}) d",
        )
        _insert(
            cursor,
            Org,
            {
                **org,
                "path": "'0009' || lpad(d::text, 4, '0') || lpad(b::text, 4, '0')",
                "depth": "3",
                "numchild": "0",
                "code": "'D' || d || '-B' || b",
                "name": "'第' || d || '区第' || b || '党支部'",
                "level": "'branch'",
                "kind": "'village'",
            },
            f"FROM generate_series(1, {DISTRICTS}) d CROSS JOIN generate_series(1, {per_district}) b",
        )
        city = Org.objects.get(code="CITY")
        _insert(
            cursor,
            KeyTask,
            {
                "zone_id": str(city.pk),
                "year": str(YEAR),
                "number": "n",
                "category": "'org_building'",
                "title": "'重点任务' || n",
                "start_on": f"make_date({YEAR}, 1, 1)",
                "due_on": f"make_date({YEAR}, 1 + n % 12, 28)",
                "status": "'published'",
                "evidence_kinds": "'[\"file\"]'::jsonb",
                "owner_kinds": "'[]'::jsonb",
                "version": "1",
            },
            f"FROM generate_series(1, {TASKS}) n",
        )
        sizes["load_orgs_tasks_s"] = time.perf_counter() - start
        start = time.perf_counter()
        # Every task owned by every branch; about 70% done (some late), the rest open or waiting review.
        _insert(
            cursor,
            Assignment,
            {
                "task_id": "t.id",
                "org_id": "o.id",
                "state": "CASE WHEN (o.id + t.id) % 10 < 7 THEN 'done' WHEN (o.id + t.id) % 10 = 7 THEN 'submitted'"
                " ELSE 'open' END",
                "completed_on": "CASE WHEN (o.id + t.id) % 10 < 7 THEN t.due_on + ((o.id % 9) - 6)::int END",
            },
            f"FROM checklists_keytask t CROSS JOIN orgs_org o WHERE t.zone_id = {city.pk} AND o.level = 'branch'"
            f" AND o.path LIKE '0009%'",
        )
        sizes["assignments"] = Assignment.objects.filter(task__zone=city).count()
        sizes["load_assignments_s"] = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sizes


def main(db: str) -> None:
    setup(db)
    import importlib

    from django.db import transaction

    from dangjian.accounts.models import User
    from dangjian.checklists import selectors
    from dangjian.core.seeding import SeedContext
    from dangjian.orgs.models import Org

    ctx = SeedContext(say=lambda text: None)
    start = time.perf_counter()
    for app in ("orgs", "accounts", "checklists"):
        with transaction.atomic():
            importlib.import_module(f"dangjian.{app}.seed").run(ctx)
    figure("demo zone seeded (orgs, accounts, checklists)", f"{time.perf_counter() - start:.1f}", "s")
    sizes = build_city()
    for key, value in sizes.items():
        figure(key, f"{value:.1f}" if isinstance(value, float) else f"{value:,}")
    admin = User.objects.create_superuser("bench", password="x")  # noqa: S106
    demo, city = Org.objects.get(code="SFQ"), Org.objects.get(code="CITY")
    district = Org.objects.get(code="D1")

    demo_ms, demo_q, m = timed(lambda: selectors.task_matrix(admin, demo, YEAR))
    figure(
        f"matrix, demo zone ({len(m.rows)} tasks × {len(m.columns)} columns)",
        f"{demo_ms:.1f}",
        f"ms, {demo_q} queries",
    )
    city_ms, city_q, m = timed(lambda: selectors.task_matrix(admin, city, YEAR), repeat=3)
    figure(
        f"matrix, city ({len(m.rows)} tasks × {len(m.columns)} districts, {m.grand.total:,} owners)",
        f"{city_ms:.1f}",
        f"ms, {city_q} queries",
    )
    figure("ratio city / demo zone", f"{city_ms / demo_ms:.0f}", "×")
    d_ms, d_q, m = timed(lambda: selectors.task_matrix(admin, district, YEAR), repeat=3)
    figure(
        f"matrix, one district ({len(m.rows)} tasks × {len(m.columns)} branches)",
        f"{d_ms:.1f}",
        f"ms, {d_q} queries",
    )
    ms, q, status = page(admin, f"/checklists/matrix/?org=CITY&year={YEAR}", repeat=3)
    figure("matrix page, city (server time)", f"{ms:.1f}", f"ms, {q} queries, HTTP {status}")
    ms, q, status = page(admin, f"/checklists/matrix/?org=SFQ&year={YEAR}", repeat=3)
    figure("matrix page, demo zone (server time)", f"{ms:.1f}", f"ms, {q} queries, HTTP {status}")
    figure("peak memory", f"{peak_rss_mb():.0f}", "MB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pg")
