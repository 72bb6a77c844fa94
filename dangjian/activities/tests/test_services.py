import io
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from dangjian.activities import selectors, services
from dangjian.activities.models import (
    Activity,
    ActivityPhoto,
    Appraisal,
    Attendance,
    Grade,
    Kind,
)
from dangjian.activities.services import Mark
from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import Kind as OrgKind
from dangjian.orgs.models import Level, Org
from dangjian.people.models import MemberStatus

from .factories import meeting, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(branch):
    return [member(branch, f"党员{i}") for i in range(4)]


def test_secretary_records_a_meeting_with_one_audit_entry(secretary, branch):
    before = AuditEntry.objects.count()
    activity = services.record_activity(
        actor=secretary,
        org=branch,
        kind=Kind.COMMITTEE,
        title="五月支委会",
        date=date(2023, 5, 8),
        place="村部",
    )
    assert activity.pk and activity.org == branch
    assert AuditEntry.objects.count() == before + 1


def test_a_meeting_dated_in_the_future_cannot_be_marked_held(secretary, branch):
    with pytest.raises(ValidationError, match="未来日期") as info:
        services.record_activity(
            actor=secretary,
            org=branch,
            kind=Kind.COMMITTEE,
            title="下月支委会",
            date=date.today() + timedelta(days=3),
        )
    assert info.value.code == "future_held"
    assert not Activity.objects.exists()


def test_a_future_meeting_can_be_planned(secretary, branch):
    activity = services.record_activity(
        actor=secretary,
        org=branch,
        kind=Kind.COMMITTEE,
        title="下月支委会",
        date=date.today() + timedelta(days=3),
        status="planned",
    )
    assert activity.status == "planned"


def test_secretary_cannot_record_a_meeting_for_another_branch(secretary, other_branch):
    with pytest.raises(ValidationError, match="管理范围") as info:
        services.record_activity(
            actor=secretary, org=other_branch, kind=Kind.COMMITTEE, title="越权", date=date(2023, 5, 8)
        )
    assert info.value.code == "out_of_scope"
    assert not Activity.objects.exists()


def test_attendance_for_a_non_member_is_refused_and_nothing_is_saved(secretary, branch, other_branch, roll):
    stranger = member(other_branch, "外村党员")
    activity = meeting(branch)
    marks = [Mark(roll[0].pk, "present"), Mark(stranger.pk, "present")]
    with pytest.raises(ValidationError, match="不是本组织") as info:
        services.set_attendance(actor=secretary, activity=activity, marks=marks)
    assert info.value.code == "not_member"
    assert not Attendance.objects.exists()


def test_an_absence_needs_a_reason(secretary, branch, roll):
    activity = meeting(branch)
    with pytest.raises(ValidationError, match="缺席原因"):
        services.set_attendance(actor=secretary, activity=activity, marks=[Mark(roll[0].pk, "absent")])
    assert not Attendance.objects.exists()


def test_expected_and_present_are_derived_from_attendance(secretary, branch, roll):
    activity = meeting(branch, kind=Kind.THEME_DAY, title="主题党日")
    services.set_attendance(
        actor=secretary,
        activity=activity,
        marks=[
            Mark(roll[0].pk, "present"),
            Mark(roll[1].pk, "present"),
            Mark(roll[2].pk, "leave", "外出务工"),
            Mark(roll[3].pk, "absent", "身体原因"),
        ],
    )
    t = selectors.turnout(activity)
    assert (t.expected, t.present, t.leave, t.absent) == (4, 2, 1, 1)
    annotated = selectors.with_counts(Activity.objects.filter(pk=activity.pk)).get()
    assert (annotated.expected, annotated.present) == (4, 2)


def test_marking_attendance_again_updates_rows_instead_of_adding(secretary, branch, roll):
    activity = meeting(branch)
    services.set_attendance(actor=secretary, activity=activity, marks=[Mark(roll[0].pk, "leave", "病假")])
    services.set_attendance(actor=secretary, activity=activity, marks=[Mark(roll[0].pk, "present")])
    row = Attendance.objects.get()
    assert (row.status, row.reason) == ("present", "")


def test_party_congress_with_half_of_voting_members_present_is_not_quorate(secretary, branch, roll):
    probationer = member(branch, "预备党员", status=MemberStatus.PROBATIONARY)
    congress = meeting(branch, kind=Kind.PARTY_CONGRESS, title="支部党员大会")
    marks = [Mark(m.pk, "present") for m in roll[:2]] + [Mark(m.pk, "leave", "事假") for m in roll[2:]]
    services.set_attendance(
        actor=secretary, activity=congress, marks=[*marks, Mark(probationer.pk, "present")]
    )
    t = selectors.turnout(congress)
    assert (t.voting_expected, t.voting_present, t.present) == (4, 2, 3)
    assert t.quorate is False
    services.set_attendance(actor=secretary, activity=congress, marks=[Mark(roll[2].pk, "present")])
    assert selectors.turnout(congress).quorate is True


def test_only_a_party_congress_has_a_quorum(secretary, branch, roll):
    assert selectors.turnout(meeting(branch)).quorate is None


# --- QR check-in


@pytest.fixture
def scanner(branch, roll, roles):
    from conftest import make_user

    user = make_user("dangyuan0")
    roll[0].person.user = user
    roll[0].person.save()
    return user


def test_member_checks_in_by_qr_and_a_second_scan_counts_once(branch, roll, scanner, workday_morning):
    activity = meeting(branch, day=workday_morning, title="今日主题党日", kind=Kind.THEME_DAY)
    token = services.checkin_token(activity)
    row, created = services.check_in(actor=scanner, token=token)
    assert created and row.status == "present" and row.checked_in_at
    audits = AuditEntry.objects.count()
    _, again = services.check_in(actor=scanner, token=token)
    assert again is False
    assert Attendance.objects.filter(activity=activity).count() == 1
    assert AuditEntry.objects.count() == audits


def test_qr_checkin_expires_four_hours_after_the_start(branch, roll, scanner):
    activity = meeting(branch, day=date(2023, 5, 10))
    token = services.checkin_token(activity)
    later = services.checkin_expires_at(activity) + timedelta(minutes=1)
    with time_machine.travel(later), pytest.raises(ValidationError, match="已过期"):
        services.check_in(actor=scanner, token=token)
    assert not Attendance.objects.exists()


def test_tampered_qr_token_is_refused(branch, roll, scanner, workday_morning):
    activity = meeting(branch, day=workday_morning)
    token = services.checkin_token(activity)
    with pytest.raises(ValidationError, match="无效"):
        services.check_in(actor=scanner, token=token[:-2] + "xx")


def test_a_user_who_is_not_a_member_of_the_branch_cannot_check_in(
    branch, other_branch, roll, roles, workday_morning
):
    from conftest import make_user

    outsider = member(other_branch, "乙村党员")
    user = make_user("yicun")
    outsider.person.user = user
    outsider.person.save()
    token = services.checkin_token(meeting(branch, day=workday_morning))
    with pytest.raises(ValidationError, match="不是该组织在册党员"):
        services.check_in(actor=user, token=token)


# --- Photos


def _png(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_photo_is_stored_when_it_is_a_real_image(secretary, branch, media):
    photo = services.add_photo(
        actor=secretary, activity=meeting(branch), upload=SimpleUploadedFile("a.png", _png(), "image/png")
    )
    assert photo.content_type == "image/png"
    assert (media / photo.image.name).exists()


def test_a_file_that_is_not_an_image_is_refused(secretary, branch, media):
    fake = SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image", "image/jpeg")
    with pytest.raises(ValidationError, match="不是图片"):
        services.add_photo(actor=secretary, activity=meeting(branch), upload=fake)
    assert not ActivityPhoto.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(secretary, branch, media, settings):
    settings.PHOTO_MAX_BYTES = 50
    with pytest.raises(ValidationError, match="不能超过"):
        services.add_photo(
            actor=secretary, activity=meeting(branch), upload=SimpleUploadedFile("a.png", _png((64, 64)))
        )
    assert not ActivityPhoto.objects.exists()


# --- Appraisal


def test_appraisal_with_more_than_a_third_excellent_is_refused(secretary, branch, roll):
    grades = {roll[0].pk: Grade.EXCELLENT, roll[1].pk: Grade.EXCELLENT}
    grades |= {m.pk: Grade.QUALIFIED for m in roll[2:]}
    with pytest.raises(ValidationError, match="三分之一") as info:
        services.record_appraisals(actor=secretary, org=branch, year=2023, grades=grades)
    assert info.value.code == "too_many_excellent"
    assert not Appraisal.objects.exists()


def test_appraisal_with_one_excellent_of_four_is_recorded(secretary, branch, roll):
    grades = {roll[0].pk: Grade.EXCELLENT} | {m.pk: Grade.QUALIFIED for m in roll[1:]}
    assert services.record_appraisals(actor=secretary, org=branch, year=2023, grades=grades) == 4
    assert selectors.appraisals_for(branch, 2023)[roll[0].pk] == Grade.EXCELLENT


# --- Compliance


def _rules(zone):
    services.ensure_default_rules(zone)


def test_branch_calendar_shows_held_due_and_missed_meetings(zone, branch):
    _rules(zone)
    meeting(branch, kind=Kind.COMMITTEE, day=date(2023, 1, 5))
    meeting(branch, kind=Kind.THEME_DAY, day=date(2023, 1, 10), title="一月主题党日")
    matrix = selectors.compliance_matrix(zone, 2023, today=date(2023, 3, 15))
    row = next(r for r in matrix.rows if r.code == "T-A")
    assert row.cells[0].state == "ok"
    assert row.cells[1].state == "gap"  # February: no 支委会, no 主题党日
    assert set(row.cells[1].missing) == {"支委会", "主题党日"}
    assert row.cells[2].state == "due"  # March is under way; Q1 党员大会 and 党课 still due
    assert row.cells[5].state == "future"
    assert row in matrix.overdue


def test_a_zone_theme_day_counts_for_each_participating_branch(zone, branch, other_branch):
    _rules(zone)
    services.record_activity(
        actor=SYSTEM,
        org=zone,
        kind=Kind.THEME_DAY,
        title="全区主题党日",
        date=date(2023, 1, 1),
        participants=[branch],
    )
    matrix = selectors.compliance_matrix(zone, 2023, today=date(2023, 3, 1))
    states = {r.code: r.cells[0].requirements for r in matrix.rows}
    assert next(q for q in states["T-A"] if q.kind == Kind.THEME_DAY).state == "met"
    assert next(q for q in states["T-B"] if q.kind == Kind.THEME_DAY).state == "missed"


def test_a_rule_change_applies_from_its_date_and_earlier_months_keep_the_old_rule(admin_user, zone, branch):
    _rules(zone)
    services.save_rule(
        actor=admin_user,
        zone=zone,
        kind=Kind.COMMITTEE,
        period="quarter",
        min_count=1,
        valid_from=date(2023, 4, 1),
    )
    matrix = selectors.compliance_matrix(zone, 2023, today=date(2023, 12, 31))
    row = next(r for r in matrix.rows if r.code == "T-A")
    march = {(q.kind, q.period) for q in row.cells[2].requirements}
    may = {(q.kind, q.period) for q in row.cells[4].requirements}
    june = {(q.kind, q.period) for q in row.cells[5].requirements}
    assert (Kind.COMMITTEE, "month") in march
    assert (Kind.COMMITTEE, "month") not in may
    assert (Kind.COMMITTEE, "quarter") in june


def test_secretary_cannot_change_the_zones_rules(secretary, zone):
    with pytest.raises(ValidationError, match="管理范围"):
        services.save_rule(
            actor=secretary,
            zone=zone,
            kind=Kind.COMMITTEE,
            period="year",
            min_count=1,
            valid_from=date(2023, 1, 1),
        )


def _add_branches(zone, prefix: str, n: int) -> None:
    for i in range(n):
        org = Org.objects.add_child(
            Org.objects.get(pk=zone.pk),
            instance=Org(
                code=f"{prefix}{i}", name=f"新支部{prefix}{i}", level=Level.BRANCH, kind=OrgKind.VILLAGE
            ),
        )
        meeting(org, day=date(2023, 2, 3))
        meeting(org, kind=Kind.THEME_DAY, day=date(2023, 2, 10), title="主题党日")


def _matrix_queries(zone) -> tuple[int, int]:
    root = Org.objects.get(pk=zone.pk)
    with CaptureQueriesContext(connection) as ctx:
        matrix = selectors.compliance_matrix(root, 2023, today=date(2023, 12, 31))
    return len(matrix.rows), len(ctx.captured_queries)


def test_compliance_matrix_query_count_is_the_same_for_2_and_12_branches(zone):
    _rules(zone)
    _add_branches(zone, "T-X", 2)
    rows_few, few = _matrix_queries(zone)
    _add_branches(zone, "T-Y", 10)
    rows_many, many = _matrix_queries(zone)
    assert (rows_few, rows_many) == (2, 12)
    assert few == many == 4
