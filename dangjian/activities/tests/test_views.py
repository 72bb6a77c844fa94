"""Pages and API: permission matrix, the phone roll, QR check-in, photos, compliance, ledger exports."""

import io
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from dangjian.activities import services
from dangjian.activities.models import Activity, ActivityPhoto, Attendance, Kind
from dangjian.core import printing
from dangjian.core.actors import SYSTEM
from dangjian.people import sections

from .factories import meeting, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(admin_user, secretary, outsider):
    return {"admin": admin_user, "secretary": secretary, "outsider": outsider}


@pytest.fixture
def roll(branch):
    return [member(branch, f"甲村党员{i}") for i in range(3)]


@pytest.fixture
def own(branch):
    return meeting(branch, title="甲村五月支委会")


MATRIX = [("admin", True, True), ("secretary", True, True), ("outsider", False, False)]


@pytest.mark.parametrize(("persona", "may_see", "may_edit"), MATRIX)
def test_meeting_pages_answer_404_out_of_scope(client, everyone, own, persona, may_see, may_edit):
    client.force_login(everyone[persona])
    assert client.get(reverse("activities:detail", args=[own.pk])).status_code == (200 if may_see else 404)
    assert client.get(reverse("activities:edit", args=[own.pk])).status_code == (200 if may_edit else 404)
    assert client.get(reverse("activities:attendance", args=[own.pk])).status_code == (
        200 if may_edit else 404
    )
    assert client.get(reverse("activities:ledger", args=["T-A", 2023])).status_code == (
        200 if may_see else 404
    )


@pytest.mark.parametrize(("persona", "may_see", "_"), MATRIX)
def test_meeting_api_answers_404_out_of_scope(client, everyone, token_for, own, persona, may_see, _):
    response = client.get(f"/api/v1/activities/{own.pk}", **token_for(everyone[persona]))
    assert response.status_code == (200 if may_see else 404)


def test_activity_list_shows_only_the_actors_scope(outsider_client, secretary_client, own):
    url = reverse("activities:index") + "?year=2023"
    assert "甲村五月支委会" in secretary_client.get(url).content.decode()
    assert "甲村五月支委会" not in outsider_client.get(url).content.decode()


def test_activity_list_api_counts_only_the_scope(client, outsider, token_for, own):
    body = client.get("/api/v1/activities", **token_for(outsider)).json()
    assert body == {"items": [], "count": 0}


def test_secretary_records_a_meeting_through_the_form(secretary_client, branch):
    response = secretary_client.post(
        reverse("activities:new") + "?org=T-A",
        {"kind": "committee", "status": "held", "title": "六月支委会", "date": "2023-06-05", "audience": 0},
    )
    activity = Activity.objects.get(title="六月支委会")
    assert response.status_code == 302 and activity.org == branch


def test_form_refuses_a_future_date_marked_held_with_a_chinese_error(secretary_client):
    response = secretary_client.post(
        reverse("activities:new") + "?org=T-A",
        {"kind": "committee", "status": "held", "title": "下年支委会", "date": "2099-06-05", "audience": 0},
    )
    assert response.status_code == 200
    assert "未来日期的活动不能标记为已召开" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_zone_activity_takes_its_participants_picked_by_name(admin_client, branch, other_branch):
    page = admin_client.get(reverse("activities:new") + "?org=T").content.decode()
    assert "/pick/orgs.org/?cap=activities.view" in page and "参与组织代码" not in page
    payload = {
        "kind": "theme_day",
        "status": "held",
        "title": "全区主题党日",
        "date": "2023-06-05",
        "audience": 0,
    }
    response = admin_client.post(
        reverse("activities:new") + "?org=T", {**payload, "participants": [branch.pk, other_branch.pk]}
    )
    assert response.status_code == 302
    assert set(Activity.objects.get().participants.all()) == {branch, other_branch}
    edit = admin_client.get(reverse("activities:edit", args=[Activity.objects.get().pk])).content.decode()
    assert "甲村党支部" in edit and "乙村党支部" in edit


def test_a_participant_out_of_scope_is_refused_with_a_chinese_error(secretary_client, other_branch):
    payload = {"kind": "committee", "status": "held", "title": "联学", "date": "2023-06-05", "audience": 0}
    response = secretary_client.post(
        reverse("activities:new") + "?org=T-A", {**payload, "participants": [other_branch.pk]}
    )
    assert response.status_code == 200 and "不在您可选的范围内" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_empty_year_says_which_year_and_what_to_try(secretary_client, own):
    page = secretary_client.get(reverse("activities:index") + "?year=2019").content.decode()
    assert "2019年没有符合条件的组织生活记录" in page and "可换个年份或类型查看" in page


def test_the_list_and_compliance_filters_pick_the_org_by_name_and_keep_its_code(admin_client, branch):
    for name in ("activities:index", "activities:compliance"):
        page = admin_client.get(reverse(name) + "?org=T-A&year=2023").content.decode()
        assert "组织代码" not in page and 'name="org" value="T-A"' in page and "甲村党支部" in page
        assert "/pick/orgs.org/?cap=activities.view" in page and "by=code" in page


def test_secretary_cannot_open_the_new_form_for_another_branch(secretary_client, other_branch):
    assert secretary_client.get(reverse("activities:new") + "?org=T-B").status_code == 404


def test_phone_roll_saves_present_leave_and_absent(secretary_client, own, roll):
    url = reverse("activities:attendance", args=[own.pk])
    page = secretary_client.get(url).content.decode()
    assert "甲村党员0" in page and 'name="viewport"' in page
    response = secretary_client.post(
        url,
        {
            f"s{roll[0].pk}": "present",
            f"s{roll[1].pk}": "leave",
            f"r{roll[1].pk}": "病假",
            f"s{roll[2].pk}": "present",
        },
    )
    assert response.status_code == 302
    detail = secretary_client.get(reverse("activities:detail", args=[own.pk])).content.decode()
    # A 支委会 expects its committee, and this branch has none on file: 应到 0, 实到 2.
    assert "0 / 2" in detail


def test_phone_roll_refuses_a_posted_non_member_and_saves_nothing(secretary_client, own, roll, other_branch):
    stranger = member(other_branch, "乙村党员")
    response = secretary_client.post(
        reverse("activities:attendance", args=[own.pk]),
        {f"s{roll[0].pk}": "present", f"s{stranger.pk}": "present"},
    )
    assert response.status_code == 400
    assert "不是本组织当日在册党员" in response.content.decode()
    assert not Attendance.objects.exists()


def test_attendance_api_refuses_a_non_member_with_a_clear_error(
    client, secretary, token_for, own, roll, other_branch
):
    stranger = member(other_branch, "乙村党员")
    response = client.put(
        f"/api/v1/activities/{own.pk}/attendance",
        data=json.dumps([{"member_id": stranger.pk, "status": "present"}]),
        content_type="application/json",
        **token_for(secretary),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_member"
    assert not Attendance.objects.exists()


def test_attendance_api_reports_quorum_of_a_party_congress(client, secretary, token_for, branch, roll):
    congress = meeting(branch, kind=Kind.PARTY_CONGRESS, title="党员大会")
    marks = [{"member_id": roll[0].pk, "status": "present"}] + [
        {"member_id": m.pk, "status": "absent", "reason": "外出"} for m in roll[1:]
    ]
    body = client.put(
        f"/api/v1/activities/{congress.pk}/attendance",
        data=json.dumps(marks),
        content_type="application/json",
        **token_for(secretary),
    ).json()
    assert (body["expected"], body["present"], body["quorate"]) == (3, 1, False)


def test_api_creates_a_meeting_and_refuses_another_branch(client, secretary, token_for, other_branch):
    payload = {"org": "T-A", "kind": "theme_day", "title": "七月主题党日", "date": "2023-07-01"}
    created = client.post(
        "/api/v1/activities",
        data=json.dumps(payload),
        content_type="application/json",
        **token_for(secretary),
    )
    assert created.status_code == 201 and created.json()["org_code"] == "T-A"
    payload["org"] = "T-B"
    refused = client.post(
        "/api/v1/activities",
        data=json.dumps(payload),
        content_type="application/json",
        **token_for(secretary),
    )
    assert refused.status_code == 404
    assert Activity.objects.count() == 1


def test_api_refuses_a_future_meeting_marked_held(client, secretary, token_for, branch):
    payload = {"org": "T-A", "kind": "theme_day", "title": "未来", "date": "2099-07-01"}
    response = client.post(
        "/api/v1/activities",
        data=json.dumps(payload),
        content_type="application/json",
        **token_for(secretary),
    )
    assert response.status_code == 400 and response.json()["code"] == "future_held"


def test_qr_code_is_an_svg_for_editors_only(secretary_client, outsider_client, own):
    response = secretary_client.get(reverse("activities:qr", args=[own.pk]))
    assert response["Content-Type"] == "image/svg+xml" and b"<svg" in response.content
    assert outsider_client.get(reverse("activities:qr", args=[own.pk])).status_code == 404


def test_member_checks_in_from_the_scanned_link_once(client, branch, roll, roles, workday_morning):
    from conftest import make_user

    user = make_user("dangyuan")
    roll[0].person.user = user
    roll[0].person.save()
    today = meeting(branch, day=workday_morning, kind=Kind.THEME_DAY, title="今日主题党日")
    url = reverse("activities:checkin", args=[services.checkin_token(today)])
    client.force_login(user)
    assert "确认签到" in client.get(url).content.decode()
    assert "签到成功" in client.post(url).content.decode()
    assert "无需重复签到" in client.post(url).content.decode()
    assert Attendance.objects.filter(activity=today, status="present").count() == 1


def test_a_forged_checkin_link_is_refused(client, secretary):
    client.force_login(secretary)
    response = client.get(reverse("activities:checkin", args=["forged:token"]))
    assert response.status_code == 400 and "无效" in response.content.decode()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def test_photos_are_served_only_inside_the_scope(secretary_client, outsider_client, own, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    secretary_client.post(
        reverse("activities:photo_upload", args=[own.pk]), {"image": SimpleUploadedFile("x.png", _png())}
    )
    photo = ActivityPhoto.objects.get()
    url = reverse("activities:photo", args=[photo.pk])
    assert secretary_client.get(url)["Content-Type"] == "image/png"
    assert outsider_client.get(url).status_code == 404


def test_uploading_a_non_image_shows_an_error_and_saves_nothing(secretary_client, own, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = secretary_client.post(
        reverse("activities:photo_upload", args=[own.pk]),
        {"image": SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not an image")},
        follow=True,
    )
    assert "不是图片" in response.content.decode()
    assert not ActivityPhoto.objects.exists()


def test_compliance_page_lists_branches_and_gaps_for_the_zone(admin_client, zone, branch, other_branch, own):
    services.ensure_default_rules(zone)
    page = admin_client.get(reverse("activities:compliance") + "?org=T&year=2023").content.decode()
    assert "甲村党支部" in page and "乙村党支部" in page
    assert "未按要求召开会议的党支部" in page


def test_compliance_page_of_a_secretary_shows_only_the_own_branch(
    secretary_client, zone, branch, other_branch
):
    page = secretary_client.get(reverse("activities:compliance") + "?year=2023").content.decode()
    assert "甲村党支部" in page and "乙村党支部" not in page
    assert secretary_client.get(reverse("activities:compliance") + "?org=T").status_code == 404


def test_compliance_api_gives_the_matrix(client, admin_user, token_for, zone, own):
    services.ensure_default_rules(zone)
    body = client.get("/api/v1/activities/compliance?org=T&year=2023", **token_for(admin_user)).json()
    assert body["branches"] == 3 and len(body["rows"][0]["cells"]) == 12


def test_zone_admin_changes_a_rule_and_a_secretary_cannot(admin_client, secretary_client, zone):
    data = {"kind": "committee", "period": "quarter", "min_count": 1, "valid_from": "2024-01-01"}
    assert admin_client.post(reverse("activities:rules", args=["T"]), data).status_code == 302
    assert secretary_client.post(reverse("activities:rules", args=["T"]), data).status_code == 404


def test_appraisal_page_refuses_too_many_excellent(secretary_client, branch, roll):
    url = reverse("activities:appraisal", args=["T-A", 2023])
    response = secretary_client.post(url, {f"g{roll[0].pk}": "excellent", f"g{roll[1].pk}": "excellent"})
    assert response.status_code == 400 and "三分之一" in response.content.decode()


def test_ledger_exports_as_xlsx_with_a_formula_looking_title_kept_as_text(secretary_client, branch, roll):
    meeting(branch, title="=HYPERLINK(1)", agenda="议程一")
    response = secretary_client.get(reverse("activities:ledger_xlsx", args=["T-A", 2023]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    from python_calamine import CalamineWorkbook

    sheet = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name("会议活动").to_python()
    )
    assert sheet[3][2] == "=HYPERLINK(1)"


def _ledger_queries(client) -> tuple[int, str]:
    url = reverse("activities:ledger", args=["T-A", 2023])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    return len(ctx.captured_queries), page


def test_ledger_print_page_renders_in_a_fixed_number_of_queries(secretary_client, branch, roll):
    def add(days):
        for day in days:
            a = meeting(branch, day=date(2023, 3, day), title=f"三月{day}日会议")
            services.set_attendance(
                actor=SYSTEM, activity=a, marks=[services.Mark(roll[0].pk, "leave", "病假")]
            )

    add(range(1, 3))
    few, _ = _ledger_queries(secretary_client)
    add(range(3, 11))
    many, page = _ledger_queries(secretary_client)
    assert "三月10日会议" in page and "病假" in page
    assert few == many


@pytest.mark.skipif(printing.chromium_path() is None, reason="Chromium is not installed")
def test_ledger_pdf_is_printed_by_chromium(secretary_client, branch, own):
    response = secretary_client.get(reverse("activities:ledger_pdf", args=["T-A", 2023]))
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"


def test_person_page_section_shows_the_members_attendance(secretary, outsider, own, roll):
    services.set_attendance(actor=SYSTEM, activity=own, marks=[services.Mark(roll[0].pk, "present")])
    section = next(s for s in sections.sections() if s.key == "activities.attendance")
    assert "甲村五月支委会" in section.render(roll[0].person, secretary)
    assert "甲村五月支委会" not in section.render(roll[0].person, outsider)


def test_liaison_group_member_sees_the_matrix_of_every_supervised_org(
    client, roles, zone, branch, other_branch, community
):
    from conftest import make_user
    from dangjian.orgs.models import LiaisonGroup, Org

    services.ensure_default_rules(zone)
    liaison = make_user("liaison")
    group = LiaisonGroup.objects.create(zone=zone, name="第一联络组")
    group.orgs.set([Org.objects.get(code="T-A"), Org.objects.get(code="T-C")])
    group.members.add(liaison)
    client.force_login(liaison)
    page = client.get(reverse("activities:compliance") + "?year=2023").content.decode()
    assert "甲村党支部" in page and "丙社区第一党支部" in page
    assert "乙村党支部" not in page


def test_zone_admin_adds_a_lecturer_to_the_roster_and_a_secretary_cannot(
    admin_client, secretary_client, zone
):
    from dangjian.activities.models import Lecturer

    data = {"which": "lecturer", "name": "周秀兰", "kind": "district", "title": "区委党校"}
    assert admin_client.post(reverse("activities:resources", args=["T"]), data).status_code == 302
    assert (
        secretary_client.post(
            reverse("activities:resources", args=["T"]), data | {"name": "越权"}
        ).status_code
        == 404
    )
    assert list(Lecturer.objects.values_list("name", flat=True)) == ["周秀兰"]


def test_trainees_are_added_to_a_training_session_by_name(secretary_client, branch):
    training = meeting(branch, kind=Kind.TRAINING, title="书记培训")
    secretary_client.post(reverse("activities:trainees", args=[training.pk]), {"names": "张三、李四\n王五"})
    assert sorted(training.trainees.values_list("name", flat=True)) == ["张三", "李四", "王五"]


def test_an_anonymous_scan_is_sent_to_login_and_back(client, own):
    url = reverse("activities:checkin", args=[services.checkin_token(own)])
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_liaison_matrix_query_count_does_not_grow_with_supervised_orgs(
    roles, zone, branch, other_branch, community
):
    from conftest import make_user
    from dangjian.activities import selectors
    from dangjian.orgs.models import LiaisonGroup, Org

    liaison = make_user("liaison2")
    group = LiaisonGroup.objects.create(zone=zone, name="第二联络组")
    group.members.add(liaison)

    def queries(codes):
        group.orgs.set(Org.objects.filter(code__in=codes))
        user = type(liaison).objects.get(pk=liaison.pk)  # fresh grants
        roots = list(Org.objects.filter(code__in=codes).order_by("path"))
        with CaptureQueriesContext(connection) as ctx:
            matrix = selectors.compliance_for(user, roots, 2023)
        return len(matrix.rows), len(ctx.captured_queries)

    two, three = queries(["T-A", "T-B"]), queries(["T-A", "T-B", "T-C"])
    assert (two[0], three[0]) == (2, 3)
    assert two[1] == three[1]


def test_activity_list_opens_on_the_configured_default_year(admin_client, settings):
    settings.DANGJIAN_DEFAULT_YEAR = 2023
    response = admin_client.get("/activities/")
    assert response.status_code == 200
    assert "2023年" in response.content.decode()
