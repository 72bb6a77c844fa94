"""Dashboard, drill-down, comparisons and the year-end overview: server time and query count.

SQLite: the demo zone (seed_demo). PostgreSQL: the demo zone and, in the same database, a generated
10,000-branch city with 200,000 members, 500,000 activities in the year and 10,000,000 attendance rows
(``BENCH_CITY_ACTIVITIES`` per branch, all attended by the branch's members). The pages read the stored
figures (``manage.py rebuild_figures`` first); each city figure is printed beside the demo zone's
measured in the same run, as a ratio — the goal is at most 2×.
"""

import os
import sys
import time
from datetime import date

from common import figure, page, setup, timed

DATABASES = ("sqlite", "pg")
YEAR = 2023
MEMBERS_PER_BRANCH = 20
ACTIVITIES_PER_BRANCH = int(os.environ.get("BENCH_CITY_ACTIVITIES", "50"))


def _report_pages(user, code: str, label: str, reference: dict | None = None) -> dict:
    """Each report page's server time; with ``reference`` (the demo zone's times of this run) the ratio."""
    times = {}
    for name, path in (
        ("dashboard", f"/reports/?org={code}&year={YEAR}"),
        (
            "drill-down of 党员 (children + records page)",
            f"/reports/metric/members.on_roll/?org={code}&year={YEAR}",
        ),
        ("two years side by side", f"/reports/compare/years/?org={code}&a={YEAR - 1}&b={YEAR}"),
        (
            "village branches side by side (page of 100)",
            f"/reports/compare/peers/?org={code}&year={YEAR}&kind=village&level=branch",
        ),
        ("year-end overview page", f"/reports/summary/?org={code}&year={YEAR}"),
        (
            "year-end overview download (docx)",
            f"/reports/summary/download/?org={code}&year={YEAR}&format=docx",
        ),
    ):
        ms, queries, status = page(user, path, repeat=3)
        times[name] = ms
        ratio = f" = {ms / reference[name]:.2f}× the demo zone" if reference and reference.get(name) else ""
        figure(f"{label}: {name}", f"{ms:.1f} ms, {queries} queries (HTTP {status}){ratio}")
    return times


def _summary_command(code: str, label: str) -> None:
    from dangjian.orgs.models import Org
    from dangjian.reports.summary import build_summary
    from dangjian.reports.writers import to_markdown

    org = Org.objects.get(code=code)
    ms, queries, text = timed(lambda: to_markdown(build_summary(org, YEAR)), repeat=3)
    figure(f"{label}: year_summary (md) build", f"{ms:.1f} ms, {queries} queries, {len(text)} chars")


def _fill_city(root) -> None:
    """Members, a year of activities and attendance under every branch of the generated city."""
    from django.db import connection

    from dangjian.activities.models import Activity, Kind, Status
    from dangjian.orgs.models import Level, Org
    from dangjian.people.models import Member, MemberStatus, Person

    branches = list(
        Org.objects.filter(path__startswith=root.path, level=Level.BRANCH).values_list("id", flat=True)
    )
    persons = []
    for i, org_id in enumerate(branches):
        for j in range(MEMBERS_PER_BRANCH):
            persons.append(
                Person(
                    org_id=org_id, name=f"党员{i}-{j}", birth_date=date(1950 + (i + j) % 55, 1 + j % 12, 1)
                )
            )
    Person.objects.bulk_create(persons, batch_size=5000)
    person_ids = Person.objects.filter(org_id__in=branches).order_by("id").values_list("id", "org_id")
    members = [
        Member(
            person_id=pid,
            org_id=org_id,
            status=MemberStatus.FULL if pid % 10 else MemberStatus.PROBATIONARY,
            joined_on=date(1980 + pid % 44, 7, 1),
            full_on=date(1981 + pid % 44, 7, 1) if pid % 10 else None,
        )
        for pid, org_id in person_ids.iterator(chunk_size=10000)
    ]
    Member.objects.bulk_create(members, batch_size=5000)
    kinds = [Kind.PARTY_CONGRESS, Kind.COMMITTEE, Kind.GROUP, Kind.THEME_DAY, Kind.LECTURE, Kind.SEMINAR]
    activities = [
        Activity(
            org_id=org_id,
            kind=kinds[m % len(kinds)],
            status=Status.HELD,
            title=f"{m + 1}月组织生活",
            date=date(YEAR, m % 12 + 1, 1 + m // 12),
            audience=30 if kinds[m % len(kinds)] == Kind.LECTURE else 0,
        )
        for org_id in branches
        for m in range(ACTIVITIES_PER_BRANCH)
    ]
    Activity.objects.bulk_create(activities, batch_size=5000)
    # Attendance in SQL: every member of the branch at its congresses and theme days.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO activities_attendance (activity_id, member_id, status, reason, voting)
            SELECT a.id, m.id,
                   CASE WHEN (a.id + m.id) %% 7 = 0 THEN 'leave' ELSE 'present' END,
                   CASE WHEN (a.id + m.id) %% 7 = 0 THEN '外出务工' ELSE '' END,
                   TRUE
            FROM activities_activity a JOIN people_member m ON m.org_id = a.org_id
            WHERE a.org_id IN (SELECT id FROM orgs_org WHERE path LIKE %s)
            """,
            [root.path + "%"],
        )
        cursor.execute("ANALYZE")


def main(db: str) -> None:
    setup(db)
    from django.core.management import call_command

    from dangjian.accounts.models import Role, RoleAssignment, User
    from dangjian.core.metrics import all_metrics, is_stored

    figure(
        "metrics registered (stored / live)",
        f"{len(all_metrics())} ({sum(is_stored(m) for m in all_metrics())} / "
        f"{sum(not is_stored(m) for m in all_metrics())})",
    )
    if db == "sqlite":
        start = time.perf_counter()
        call_command("seed_demo", verbosity=0)
        figure("demo zone: seed_demo", f"{time.perf_counter() - start:.1f} s")
        admin = User.objects.get(username="admin")
        _report_pages(admin, "SFQ", "demo zone")
        _summary_command("SFQ", "demo zone")
        return

    from bench_orgs import build_city
    from django.db import transaction

    from dangjian.activities.models import Activity, Attendance
    from dangjian.core.metrics import get
    from dangjian.orgs.models import Org
    from dangjian.people.models import Member
    from dangjian.reports import figures

    start = time.perf_counter()
    call_command("seed_demo", verbosity=0)
    figure("demo zone: seed_demo", f"{time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    with transaction.atomic():
        root = build_city(10_000)
    _fill_city(root)
    figure(
        "generated city: build",
        f"{time.perf_counter() - start:.1f} s — {Member.objects.count():,} members, "
        f"{Activity.objects.count():,} activities, {Attendance.objects.count():,} attendance rows",
    )
    start = time.perf_counter()
    rows = figures.rebuild(years=[YEAR - 1, YEAR])
    figure(
        "rebuild_figures (demo zone + city, 2 years)", f"{time.perf_counter() - start:.1f} s, {rows:,} rows"
    )

    admin = User.objects.get(username="admin")
    demo = _report_pages(admin, "SFQ", "demo zone")
    city_admin = User.objects.create_user("cityadmin", password="Bench-pass-2023")
    RoleAssignment.objects.create(user=city_admin, role=Role.objects.get(identifier="zone_admin"), org=root)
    _report_pages(city_admin, "CITY", "10,000-branch city", demo)
    _report_pages(city_admin, "D05", "one district (1,000 branches)", demo)
    _summary_command("SFQ", "demo zone")
    _summary_command("CITY", "10,000-branch city")

    rate = get("activities.attendance_rate")
    city, zone = Org.objects.get(code="CITY"), Org.objects.get(code="SFQ")
    stored_ms, _, value = timed(lambda: figures.value(rate, city, YEAR), repeat=3)
    demo_ms, _, _ = timed(lambda: figures.value(rate, zone, YEAR), repeat=3)
    live_ms, _, live = timed(lambda: rate.value(city, YEAR), repeat=1)
    figure(
        "attendance_rate over the city (stored)",
        f"{stored_ms:.1f} ms = {stored_ms / demo_ms:.2f}× the demo zone's ({demo_ms:.1f} ms); "
        f"live scan {live_ms:.0f} ms; {value}% (live {live}%)",
    )

    # A write under one branch, then the worker: how long the refresh of that branch takes.
    from dangjian.activities import services as activities
    from dangjian.activities.models import Kind, Status
    from dangjian.core.actors import SYSTEM
    from dangjian.orgs.models import Level

    branch = Org.objects.filter(path__startswith=city.path, level=Level.BRANCH).order_by("path").first()
    activities.record_activity(
        actor=SYSTEM,
        org=branch,
        kind=Kind.THEME_DAY,
        title="基准写入",
        date=date(YEAR, 6, 1),
        status=Status.HELD,
    )
    ms, queries, marks = timed(figures.refresh, repeat=1)
    figure(
        "worker refresh after one write under a city branch",
        f"{ms:.0f} ms, {queries} queries, {marks} mark(s)",
    )


if __name__ == "__main__":
    main(sys.argv[1])
