"""A zone's rosters in one batch: matched by title row or file name, unmatched ones picked, one report."""

import contextlib
import io
import zipfile

import pytest

from dangjian.core.actors import SYSTEM
from dangjian.jobs.models import Job
from dangjian.orgs.models import Org
from dangjian.people.batch import commit_batch_import, match_branch, start_batch_import
from dangjian.people.models import Member

from .factories import HEADER, roster_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def zipped(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def untitled_csv(rows) -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(c) for c in row) for row in rows]
    return "\n".join(lines).encode("utf-8-sig")


def test_the_longest_branch_name_in_the_title_wins(branch, community):
    branches = list(Org.objects.filter(level="branch"))
    assert [b.code for b in match_branch("丙社区第一党支部党员花名册（2023年）", branches)] == ["T-C1"]
    assert match_branch("某某党支部花名册", branches) == []


def test_a_zip_of_branch_rosters_is_matched_checked_and_committed_per_branch(admin_user, community):
    zone = Org.objects.get(code="T")
    data = zipped(
        {
            "一支部.xlsx": xlsx_bytes(roster_rows(3), title="甲村党支部党员花名册"),  # by title row
            "乙村党支部花名册.csv": untitled_csv(roster_rows(2, start=100)),  # by file name
            "说明/其他.csv": untitled_csv(roster_rows(1, start=200)),  # matches nothing
        }
    )
    job = start_batch_import(actor=admin_user, org=zone, uploads=[("全区花名册.zip", data)])
    job.refresh_from_db()
    files = {f["name"]: f for f in job.result["files"]}
    assert job.status == "checked"
    assert (files["一支部.xlsx"]["org"], files["一支部.xlsx"]["matched_by"]) == ("T-A", "title")
    assert (files["乙村党支部花名册.csv"]["org"], files["乙村党支部花名册.csv"]["matched_by"]) == (
        "T-B",
        "name",
    )
    assert files["其他.csv"]["state"] == "unmatched" and not files["其他.csv"]["clean"]

    from dangjian.people.batch import assign_branch

    assign_branch(actor=admin_user, job=job, name="其他.csv", code="T-C1")
    job.refresh_from_db()
    assert {f["name"]: f.get("org") for f in job.result["files"]}["其他.csv"] == "T-C1"
    commit_batch_import(actor=admin_user, job=job)
    job.refresh_from_db()
    assert job.status == "committed"
    counts = dict(
        Member.objects.values_list("org__code").annotate(n=__import__("django").db.models.Count("pk"))
    )
    assert counts == {"T-A": 3, "T-B": 2, "T-C1": 1}


def test_a_branch_file_with_issues_is_left_out_while_the_others_commit(admin_user, community):
    zone = Org.objects.get(code="T")
    bad = roster_rows(2, start=300)
    bad[1][5] = "123"
    data = zipped(
        {
            "甲村党支部.csv": untitled_csv(roster_rows(2, start=400)),
            "乙村党支部.csv": untitled_csv(bad),
        }
    )
    job = start_batch_import(actor=admin_user, org=zone, uploads=[("z.zip", data)])
    commit_batch_import(actor=admin_user, job=job)
    job.refresh_from_db()
    states = {f["name"]: f["state"] for f in job.result["files"]}
    assert states == {"甲村党支部.csv": "committed", "乙村党支部.csv": "skipped"}
    assert set(Member.objects.values_list("org__code", flat=True)) == {"T-A"}


def test_a_secretary_cannot_batch_import_into_the_zone(secretary, community):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        start_batch_import(actor=secretary, org=Org.objects.get(code="T"), uploads=[("a.csv", b"x")])
    assert not Job.objects.exists()


def empty_the_roll():
    from django.apps import apps
    from django.db.models import ProtectedError

    models = list(apps.get_app_config("people").get_models())
    for _ in range(len(models)):
        for model in models:
            # A model whose rows others still protect is deleted on a later pass.
            with contextlib.suppress(ProtectedError):
                model.objects.all().delete()
        if not any(model.objects.exists() for model in models):
            return
    raise AssertionError("could not empty the roll")


def snapshot():
    return sorted(
        Member.objects.filter(left_on__isnull=True)
        .select_related("person", "org")
        .values_list(
            "org__code",
            "person__name",
            "person__id_index",
            "status",
            "joined_on",
            "full_on",
            "party_post",
            "person__phone_index",
            "is_floating",
            "is_village_cadre",
        )
    )


def test_the_demo_zones_rosters_exported_as_a_zip_and_imported_into_an_empty_zone_reproduce_the_roster():
    from dangjian.core.seeding import SeedContext
    from dangjian.orgs import seed as orgs_seed
    from dangjian.people import seed as people_seed
    from dangjian.people.exporters import RosterExporter

    ctx = SeedContext(say=lambda text: None)
    orgs_seed.run(ctx)
    people_seed.run(ctx)
    zone = Org.objects.get(code="SFQ")
    before = snapshot()
    assert len(before) > 1500
    entries = {}
    for branch in Org.objects.filter(level="branch", path__startswith=zone.path):
        members = Member.objects.filter(org=branch, left_on__isnull=True)
        if members.exists():
            title = f"{branch.name}党员花名册"
            exporter = RosterExporter(actor=SYSTEM, members=members, title=title, reveal=True)
            entries[f"{title}.xlsx"] = exporter.xlsx_bytes()
    archive = zipped(entries)

    empty_the_roll()  # the same tree, emptied of people
    assert not Member.objects.exists()

    job = start_batch_import(actor=SYSTEM, org=zone, uploads=[("全区花名册.zip", archive)])
    job.refresh_from_db()
    assert job.result["clean"], [f for f in job.result["files"] if not f["clean"]][:3]
    commit_batch_import(actor=SYSTEM, job=job)
    job.refresh_from_db()
    assert job.status == "committed"
    assert snapshot() == before
