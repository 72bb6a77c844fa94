"""Projects services: the rules of issue #18 (bad input refused, nothing saved), scope and audit."""

from datetime import date

import pytest
import time_machine

from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.core.scoping import OutOfScope
from dangjian.people.tests.factories import MemberFactory
from dangjian.projects import services
from dangjian.projects.models import Project, ProjectKind, ProjectStatus, TeamMember
from dangjian.projects.selectors import rolled_progress

from .factories import ProjectFactory, TeamFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles")]
FROZEN = time_machine.travel(date(2024, 1, 15), tick=False)


def register(actor, org, **values):
    base = {
        "name": "冷链物流园",
        "kind": ProjectKind.INDUSTRY,
        "status": ProjectStatus.PLANNING,
        "investment": 0,
    }
    return services.register_project(actor=actor, org=org, **(base | values))


def test_secretary_registers_a_project_of_their_branch_with_one_audit_entry(secretary, branch):
    before = AuditEntry.objects.count()
    project = register(secretary, branch, investment=4_236 * 10**6)
    assert project.investment == 4_236_000_000
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.latest("id").action == "projects.register_project"


def test_secretary_cannot_register_a_project_for_another_branch(secretary, other_branch):
    with pytest.raises(OutOfScope):
        register(secretary, other_branch)
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"investment": -1}, "investment"),
        ({"investment": 10**14 + 1}, "investment"),
        ({"name": "  "}, "required"),
        ({"status": ProjectStatus.BUILDING}, "started_on"),
        ({"started_on": date(2023, 5, 1), "finished_on": date(2023, 4, 1)}, "date"),
        ({"status": ProjectStatus.IN_USE}, "finished_on"),
        ({"started_on": date(1900, 1, 1)}, "date"),
        ({"area": "12.5"}, "area_unit"),
        ({"area": "-3", "area_unit": "mu"}, "area"),
    ],
)
def test_bad_project_values_are_refused_and_nothing_is_saved(admin_user, zone, values, code):
    with pytest.raises(services.ProjectError) as exc:
        register(admin_user, zone, **values)
    assert exc.value.code == code
    assert not Project.objects.exists()


@FROZEN
def test_a_project_cannot_be_in_use_from_a_day_still_to_come(admin_user, zone):
    with pytest.raises(services.ProjectError):
        register(
            admin_user,
            zone,
            status=ProjectStatus.IN_USE,
            started_on=date(2023, 1, 1),
            finished_on=date(2024, 2, 1),
        )


@FROZEN
def test_progress_above_100_or_going_backwards_without_a_reason_is_refused(secretary, branch):
    project = ProjectFactory(org=branch, progress=60)
    with pytest.raises(services.ProjectError):
        services.report_progress(actor=secretary, project=project, progress=101)
    with pytest.raises(services.ProjectError) as exc:
        services.report_progress(actor=secretary, project=project, progress=40)
    assert exc.value.code == "backwards"
    project.refresh_from_db()
    assert project.progress == 60 and not project.reports.exists()


@FROZEN
def test_progress_may_go_backwards_with_a_recorded_reason(secretary, branch):
    project = ProjectFactory(org=branch, progress=60)
    services.report_progress(actor=secretary, project=project, progress=45, reason="汛期冲毁部分路基")
    project.refresh_from_db()
    assert project.progress == 45
    assert project.reports.get().reason == "汛期冲毁部分路基"


@FROZEN
def test_a_parents_progress_is_the_weighted_progress_of_its_children(admin_user, zone, branch):
    parent = ProjectFactory(org=zone, progress=0)
    a = ProjectFactory(org=branch, parent=parent, weight=3)
    b = ProjectFactory(org=branch, parent=parent, weight=1)
    services.report_progress(actor=admin_user, project=a, progress=80)
    services.report_progress(actor=admin_user, project=b, progress=40)
    assert rolled_progress([parent])[parent.pk] == 70  # (80×3 + 40×1) / 4
    with pytest.raises(services.ProjectError) as exc:
        services.report_progress(actor=admin_user, project=parent, progress=90)
    assert exc.value.code == "parent"


@FROZEN
def test_reaching_a_milestones_target_marks_it_done(secretary, branch):
    project = ProjectFactory(org=branch)
    milestone = services.add_milestone(
        actor=secretary, project=project, name="主体封顶", due_on=date(2023, 12, 31), target=50
    )
    services.report_progress(
        actor=secretary, project=project, progress=55, milestone=milestone, reported_on=date(2023, 11, 2)
    )
    milestone.refresh_from_db()
    assert milestone.done_on == date(2023, 11, 2)


def test_a_sub_project_cycle_is_refused(admin_user, zone):
    top = ProjectFactory(org=zone)
    child = ProjectFactory(org=zone, parent=top)
    with pytest.raises(services.ProjectError) as exc:
        services.update_project(actor=admin_user, project=top, version=top.version, parent=child)
    assert exc.value.code == "cycle"
    top.refresh_from_db()
    assert top.parent_id is None


def test_a_stale_edit_is_refused_not_applied(admin_user, zone):
    project = ProjectFactory(org=zone, name="原名")
    services.update_project(actor=admin_user, project=project, version=1, name="第一次修改")
    with pytest.raises(services.ProjectError) as exc:
        services.update_project(actor=admin_user, project=project, version=1, name="过期的修改")
    assert exc.value.code == "stale"
    assert Project.objects.get(pk=project.pk).name == "第一次修改"


@FROZEN
def test_a_team_keeps_its_members_home_branch(admin_user, zone, branch, other_branch):
    team = TeamFactory(org=zone)
    member = MemberFactory(org=other_branch)
    row = services.add_team_member(actor=admin_user, team=team, member=member)
    assert row.home_org == other_branch
    with pytest.raises(services.ProjectError) as exc:
        services.add_team_member(actor=admin_user, team=team, member=member)
    assert exc.value.code == "duplicate"


@FROZEN
def test_a_secretary_cannot_put_another_branchs_member_on_a_team(secretary, branch, other_branch):
    team = TeamFactory(org=branch)
    stranger = MemberFactory(org=other_branch)
    with pytest.raises(services.ProjectError) as exc:
        services.add_team_member(actor=secretary, team=team, member=stranger)
    assert exc.value.code == "out_of_scope"
    assert not TeamMember.objects.exists()


@FROZEN
def test_enterprise_member_workers_cannot_exceed_workers(admin_user, zone):
    with pytest.raises(services.ProjectError):
        services.register_enterprise(
            actor=admin_user,
            org=zone,
            name="某企业",
            workers=10,
            member_workers=11,
            joined_on=date(2023, 1, 1),
        )


def test_the_system_actor_passes_the_check_and_is_audited_as_such(zone):
    project = register(SYSTEM, zone)
    entry = AuditEntry.objects.latest("id")
    assert entry.object_id == str(project.pk) and entry.actor_id is None and entry.actor_name == "系统"


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    import io

    from PIL import Image

    img = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display upright
    exif[0x8825] = {1: "N", 2: (35.0, 30.0, 0.0)}  # GPS: where the photo was taken
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


@FROZEN
def test_a_progress_photo_loses_its_location_and_stands_upright(secretary, branch, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory(org=branch)
    upload = SimpleUploadedFile("site.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    report = services.report_progress(actor=secretary, project=project, progress=30, photo=upload)
    with Image.open(report.photo.path) as stored:
        assert stored.size == (20, 40)  # turned upright
        assert not stored.getexif().get_ifd(0x8825) and 0x8825 not in stored.getexif()


@FROZEN
def test_a_decompression_bomb_photo_is_refused_with_a_chinese_message(secretary, branch, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.PHOTO_MAX_PIXELS = 1_000_000
    project = ProjectFactory(org=branch, progress=10)
    upload = SimpleUploadedFile("bomb.png", _png(3000, 3000, "1"), content_type="image/png")
    with pytest.raises(services.ProjectError) as exc:
        services.report_progress(actor=secretary, project=project, progress=30, photo=upload)
    assert exc.value.code == "too_many_pixels" and "百万像素" in exc.value.messages[0]
    project.refresh_from_db()
    assert project.progress == 10 and not project.reports.exists()


@FROZEN
def test_a_project_in_use_takes_no_further_progress_report(secretary, branch):
    project = ProjectFactory(
        org=branch, status=ProjectStatus.IN_USE, progress=100, finished_on=date(2023, 9, 26)
    )
    with pytest.raises(services.ProjectError) as exc:
        services.report_progress(actor=secretary, project=project, progress=90, reason="返工")
    assert exc.value.code == "in_use" and "已投用" in exc.value.messages[0]
    project.refresh_from_db()
    assert project.progress == 100 and not project.reports.exists()


def test_sub_projects_stop_at_two_levels_even_when_a_parent_is_moved_under_another(admin_user, zone):
    top = ProjectFactory(org=zone, name="示范带")
    village = ProjectFactory(org=zone, parent=top, name="石佛寺村")
    lane = ProjectFactory(org=zone, parent=village, name="石佛寺村主街")
    with pytest.raises(services.ProjectError) as exc:
        register(admin_user, zone, name="主街路灯", parent=lane)
    assert exc.value.code == "depth"
    other = ProjectFactory(org=zone, name="另一示范带")
    with pytest.raises(services.ProjectError) as exc:
        services.update_project(actor=admin_user, project=top, version=top.version, parent=other)
    assert exc.value.code == "depth"
    top.refresh_from_db()
    assert top.parent_id is None and Project.objects.count() == 4
