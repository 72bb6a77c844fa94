"""The import's bulk insert (columns prepared at once, COPY or executemany) stores, column for column,
what saving each person, membership and period through the ORM stores."""

import pytest
from django.db import connection
from django.utils import timezone

from dangjian.core.actors import SYSTEM
from dangjian.core.pii import get_cipher
from dangjian.people.models import Member, MembershipPeriod, Person
from dangjian.people.services import prepare_person

from .factories import HEADER, atomic_import, roster_rows, xlsx_bytes

pytestmark = pytest.mark.django_db

FULL_HEADER = [*HEADER, "党员状态", "党内职务", "流动党员", "村两委干部"]
SKIPPED = {"id", "created_at", "updated_at"}


def _roster() -> list[list]:
    rows = roster_rows(6)
    for i, row in enumerate(rows):
        probationary = i % 3 == 2
        if probationary:
            row[8] = None  # no 转正时间
        row.extend(
            [
                "预备党员" if probationary else "正式党员",
                "组织委员" if i == 1 else None,
                "是" if i % 2 else "否",
                "否" if i % 2 else "是",
            ]
        )
    rows[3][10] = None  # no phone
    rows[4][3] = None  # no 民族
    rows[4][6] = None  # no 学历
    return rows


def _stored(model, where: str, params: list) -> list[dict]:
    """The rows as the database holds them (ciphertext decrypted: its nonce differs each time)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {where}", params)  # noqa: S608
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for key in ("id_number", "phone"):
            if row.get(key):
                row[key] = get_cipher().decrypt(row[key])
    return rows


def _snapshot(org) -> list[tuple]:
    persons = {p["id"]: p for p in _stored(Person, "org_id = %s", [org.pk])}
    members = {m["id"]: m for m in _stored(Member, "org_id = %s", [org.pk])}
    periods = _stored(MembershipPeriod, "org_id = %s", [org.pk])
    out = []
    for period in periods:
        member = members[period["member_id"]]
        person = persons[member["person_id"]]
        out.append(
            (
                {k: v for k, v in person.items() if k not in SKIPPED},
                {k: v for k, v in member.items() if k not in SKIPPED | {"person_id"}},
                {k: v for k, v in period.items() if k not in SKIPPED | {"member_id"}},
            )
        )
    return sorted(out, key=lambda t: t[0]["id_index"])


@pytest.mark.parametrize("staged", ["never", "always"])
def test_the_bulk_insert_stores_what_saving_each_row_through_the_orm_stores(branch, settings, staged):
    settings.IMPORT_STAGED_COMMIT = staged
    data = xlsx_bytes(_roster(), header=FULL_HEADER)
    # The rows as checked: a committed report has let go of the rows it wrote while checking.
    checked = atomic_import(actor=SYSTEM, org=branch, data=data, filename="花名册.xlsx", dry_run=True)
    report = atomic_import(actor=SYSTEM, org=branch, data=data, filename="花名册.xlsx", dry_run=False)
    assert report.committed, report.issues
    bulk = _snapshot(branch)
    assert len(bulk) == 6

    MembershipPeriod.objects.filter(org=branch).delete()
    Member.objects.filter(org=branch).delete()
    Person.objects.filter(org=branch).delete()
    today = timezone.localdate()
    for row in checked.rows:
        v = row.values
        person = Person(
            org=branch,
            name=v["name"],
            id_number=v["id_number"],
            ethnicity=v["ethnicity"] or "",
            education=v["education"] or "",
            phone=v["phone"] or "",
            work_post=v["work_post"] or "",
        )
        prepare_person(person)
        person.save()
        member = Member.objects.create(
            person=person,
            org=branch,
            status=v["status"],
            joined_on=v["joined_on"],
            full_on=v["full_on"],
            party_post=v["party_post"] or "",
            is_floating=bool(v["is_floating"]),
            is_village_cadre=bool(v["is_village_cadre"]),
        )
        MembershipPeriod.objects.create(
            member=member, org=branch, started_on=v["joined_on"] or today, reason="花名册导入"
        )
    assert _snapshot(branch) == bulk
