"""Casework at city scale on PostgreSQL: the secretary's queue page and the zone totals page over
BENCH_REQUESTS requests (default 1,000,000) in BENCH_CASE_BRANCHES branches (default 10,000), as ratios
to the same pages on the demo zone (seed_demo) measured in the same run.

Rows are generated in SQL (generate_series); no Python row loops. The requests' history steps are not
generated: neither page reads them.
"""

DATABASES = ("pg",)

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_activities import _insert  # noqa: E402
from common import figure, page, setup  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000000"))
BRANCHES = int(os.environ.get("BENCH_CASE_BRANCHES", "10000"))
DISTRICTS = 20
YEAR = 2023


def build_city() -> dict:
    from django.db import connection, transaction

    from dangjian.casework.models import Category, Request
    from dangjian.casework.services import ensure_default_categories
    from dangjian.orgs.models import Org

    per_district = BRANCHES // DISTRICTS
    sizes: dict = {}
    with transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute("SET LOCAL session_replication_role = replica")
        root = "'Z001'"
        org = {"level": "'working_committee'", "kind": "'zone'", "term_years": "5", "active": "true"}
        _insert(
            cursor,
            Org,
            {
                **org,
                "path": root,
                "depth": "1",
                "numchild": str(DISTRICTS),
                "code": "'CITY'",
                "name": "'市委'",
            },
            "",
        )
        _insert(
            cursor,
            Org,
            {
                **org,
                "path": f"{root} || lpad(d::text, 4, '0')",
                "depth": "2",
                "numchild": str(per_district),
                "code": "'CD' || d",
                "name": "'第' || d || '区党工委'",
            },
            f"FROM generate_series(1, {DISTRICTS}) d",
        )
        _insert(
            cursor,
            Org,
            {
                **org,
                "level": "'branch'",
                "kind": "'village'",
                "path": f"{root} || lpad(d::text, 4, '0') || lpad(b::text, 4, '0')",
                "depth": "3",
                "numchild": "0",
                "code": "'CD' || d || '-B' || b",
                "name": "'第' || d || '区第' || b || '村党支部'",
            },
            f"FROM generate_series(1, {DISTRICTS}) d CROSS JOIN generate_series(1, {per_district}) b",
        )
        city = Org.objects.get(code="CITY")
        ensure_default_categories(city)
        categories = list(
            Category.objects.filter(zone=city).order_by("id").values_list("id", "deadline_days")
        )
        first_cat, n_cat = categories[0][0], len(categories)
        # Requests spread over the branches and the year; ~3% still open, a third of those overdue.
        _insert(
            cursor,
            Request,
            {
                "org_id": "b.id",
                "category_id": f"{first_cat} + g % {n_cat}",
                "source": "'phone'",
                "status": "CASE WHEN g % 100 < 1 THEN 'received' WHEN g % 100 < 3 THEN 'in_progress'"
                " WHEN g % 100 < 30 THEN 'resolved' ELSE 'closed' END",
                "code_digest": "md5(g::text) || md5((g + 7)::text)",
                "description": "'诉求' || g",
                "received_at": f"make_timestamptz({YEAR}, 1, 1, 8, 0, 0, 'Asia/Shanghai') + (g % 360) * interval '1 day'"
                " + (g % 9) * interval '1 hour'",
                "deadline": f"make_date({YEAR}, 1, 1) + (g % 360) + 3 + g % 10",
                "resolved_at": f"CASE WHEN g % 100 >= 3 THEN make_timestamptz({YEAR}, 1, 1, 15, 0, 0, 'Asia/Shanghai')"
                " + (g % 360 + 1 + g % 12) * interval '1 day' END",
                "satisfaction": "CASE WHEN g % 100 >= 30 THEN 'satisfied' ELSE '' END",
                "version": "1",
            },
            f"FROM generate_series(1, {REQUESTS}) g JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k"
            f" FROM orgs_org WHERE level = 'branch' AND path LIKE 'Z001%%') b ON b.k = g % {BRANCHES}",
        )
        sizes["load_s"] = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sizes["requests"] = Request.objects.filter(org__path__startswith="Z001").count()
    return sizes


def main(db: str) -> None:
    setup(db)
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("seed_demo", verbosity=0)
    figure("seed_demo", f"{time.perf_counter() - start:.1f}", "s")

    from dangjian.accounts.models import Role, RoleAssignment, User
    from dangjian.casework.models import Request
    from dangjian.orgs.models import Org

    demo = Org.objects.get(code="SFQ")
    figure("demo zone requests", f"{Request.objects.filter(org__path__startswith=demo.path).count():,}")
    admin = User.objects.get(username="admin")
    secretary = User.objects.get(username="sanhai")
    paths = {
        "queue (zone admin, overdue)": "/casework/?tab=overdue",
        "queue (zone admin, new)": "/casework/",
        "queue (community secretary)": "/casework/",
        "zone totals": f"/casework/totals/?year={YEAR}",
    }
    users_demo = {"queue (community secretary)": secretary}
    demo_ms = {}
    for label, path in paths.items():
        ms, queries, status = page(users_demo.get(label, admin), path)
        demo_ms[label] = ms
        figure(f"demo: {label}", f"{ms:.1f} ms, {queries} queries, {status}")

    sizes = build_city()
    figure("city requests", f"{sizes['requests']:,} in {BRANCHES:,} branches (load {sizes['load_s']:.1f} s)")
    city = Org.objects.get(code="CITY")
    city_admin = User.objects.create_user("city_admin", password="x-Bench-2023")
    RoleAssignment.objects.create(user=city_admin, role=Role.objects.get(identifier="zone_admin"), org=city)
    branch = Org.objects.filter(path__startswith="Z001", level="branch").order_by("path").first()
    city_secretary = User.objects.create_user("city_secretary", password="x-Bench-2023")
    RoleAssignment.objects.create(
        user=city_secretary, role=Role.objects.get(identifier="secretary"), org=branch
    )
    users_city = {"queue (community secretary)": city_secretary}
    for label, path in paths.items():
        ms, queries, status = page(users_city.get(label, city_admin), path, repeat=3)
        ratio = ms / demo_ms[label] if demo_ms[label] else 0
        figure(f"city: {label}", f"{ms:.1f} ms, {queries} queries, {status} (x{ratio:.1f} the demo)")


if __name__ == "__main__":
    main(sys.argv[1])
