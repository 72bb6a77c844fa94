"""Tree page: server time and query count for the demo zone and for a generated 10,000-org tree."""

import sys
import time

from common import figure, page, setup, timed

DATABASES = ("sqlite", "pg")


def step(n: int) -> str:
    from dangjian.orgs.models import Org

    return Org._int2str(n).rjust(Org.steplen, Org.alphabet[0])


def build_city(branches: int):
    """A city: 1 root → 10 districts → 100 streets/townships each 10 → branches spread under them."""
    from dangjian.orgs.models import Kind, Level, Org

    root = Org.objects.add_root(
        instance=Org(code="CITY", name="市委", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
    )
    districts = [
        Org.objects.add_child(
            root, instance=Org(code=f"D{d:02d}", name=f"第{d}区党工委", level=Level.COMMITTEE, kind=Kind.ZONE)
        )
        for d in range(10)
    ]
    # Bulk insert below the streets with hand-built paths: add_child per node would take minutes.
    streets = []
    for district in districts:
        for s in range(10):
            streets.append(
                Org.objects.add_child(
                    district,
                    instance=Org(
                        code=f"{district.code}S{s:02d}",
                        name=f"{district.name}第{s}街道党委",
                        level=Level.COMMITTEE,
                        kind=Kind.COMMUNITY,
                    ),
                )
            )
    per_street = branches // len(streets)
    rows = []
    for street in streets:
        for b in range(per_street):
            rows.append(
                Org(
                    code=f"{street.code}B{b:03d}",
                    name=f"{street.name}第{b}党支部",
                    level=Level.BRANCH,
                    kind=Kind.VILLAGE if b % 2 else Kind.COMMUNITY,
                    path=street.path + step(b + 1),
                    depth=street.depth + 1,
                    numchild=0,
                )
            )
        street.numchild = per_street
    Org.objects.bulk_create(rows, batch_size=2000)
    Org.objects.bulk_update(streets, ["numchild"])
    return root


def main(db: str) -> None:
    setup(db)
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from dangjian.accounts.models import Role, RoleAssignment, User
    from dangjian.accounts.services import issue_token
    from dangjian.orgs.models import Org

    call_command("seed_demo", verbosity=0)
    admin = User.objects.get(username="admin")
    ms, queries, status = page(admin, "/orgs/")
    figure(
        f"demo zone ({Org.objects.count()} orgs): tree page",
        f"{ms:.1f} ms, {queries} queries (HTTP {status})",
    )
    ms, queries, status = page(admin, "/orgs/SFQ-V01/")
    figure("demo zone: org detail page", f"{ms:.1f} ms, {queries} queries (HTTP {status})")

    start = time.perf_counter()
    root = build_city(10_000)
    figure("generated city: build", f"{time.perf_counter() - start:.1f} s, {Org.objects.count()} orgs in all")
    superuser = User.objects.create_superuser("citysuper", password="Bench-pass-2023")
    city_admin = User.objects.create_user("cityadmin", password="Bench-pass-2023")
    RoleAssignment.objects.create(user=city_admin, role=Role.objects.get(identifier="zone_admin"), org=root)
    for label, user in (("city admin", city_admin), ("superuser", superuser)):
        ms, queries, status = page(user, "/orgs/")
        figure(f"10,000-branch city, {label}: tree page", f"{ms:.1f} ms, {queries} queries (HTTP {status})")
    ms, queries, status = page(city_admin, "/orgs/D05S05/children/")
    figure(
        "10,000-branch city: expand a street (100 branches)",
        f"{ms:.1f} ms, {queries} queries (HTTP {status})",
    )
    from dangjian.core.actors import SYSTEM

    with transaction.atomic():
        raw = issue_token(actor=SYSTEM, user=city_admin)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    ms, queries, _ = timed(lambda: client.get("/api/v1/orgs?limit=100&offset=5000"))
    figure("10,000-branch city: API /orgs page of 100 at offset 5000", f"{ms:.1f} ms, {queries} queries")


if __name__ == "__main__":
    main(sys.argv[1])
