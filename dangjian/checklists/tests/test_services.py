"""Key tasks, reports and review: the rules, and that a refused write saves nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.checklists import services
from dangjian.checklists.models import (
    Assignment,
    AssignmentState,
    Evidence,
    EvidenceKind,
    KeyTask,
    Report,
    ReportState,
)
from dangjian.checklists.tests import factories as f
from dangjian.core.actors import SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import Kind, Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(admin_user, branch, other_branch):
    return f.task(Org.objects.get(code="T"), [branch, other_branch])


def test_publishing_a_task_to_every_village_branch_assigns_each_one(admin_user, community):
    zone = Org.objects.get(code="T")
    task = f.task(zone, [], owner_kinds=[Kind.VILLAGE], actor=admin_user)
    assert sorted(task.assignments.values_list("org__code", flat=True)) == ["T-A", "T-B"]


def test_a_deadline_before_the_start_is_refused_and_nothing_saved(admin_user, branch):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="完成时限不能早于开始日期"):
        f.task(Org.objects.get(code="T"), [branch], start_on=date(2023, 5, 1), due_on=date(2023, 4, 1))
    assert KeyTask.objects.count() == 0 and AuditEntry.objects.count() == before


def test_a_milestone_outside_the_task_period_is_refused(admin_user, branch):
    with pytest.raises(ValidationError, match="节点"):
        f.task(
            Org.objects.get(code="T"),
            [branch],
            milestones=[services.MilestoneIn("中期检查", date(2023, 12, 1))],
        )


def test_a_secretary_cannot_publish_the_zone_list(secretary, branch):
    with pytest.raises(ValidationError):
        f.task(Org.objects.get(code="T"), [branch], actor=secretary)


def test_secretary_reports_with_a_photo_and_the_admin_accepts_it(published, secretary, admin_user, branch):
    a = f.assignment(published, branch)
    r = f.report(secretary, a, uploads=[f.png()])
    assert Evidence.objects.get(report=r).kind == EvidenceKind.PHOTO
    assert Assignment.objects.get(pk=a.pk).state == AssignmentState.SUBMITTED
    f.review(admin_user, r)
    a.refresh_from_db()
    assert a.state == AssignmentState.DONE and a.completed_on is not None


def test_a_report_on_another_branchs_task_is_refused(published, outsider, branch):
    a = f.assignment(published, branch)
    with pytest.raises(ValidationError, match="只能报送本组织的任务进展"):
        f.report(outsider, a)
    assert Report.objects.count() == 0


def test_nobody_accepts_their_own_report(published, admin_user, branch):
    r = f.report(admin_user, f.assignment(published, branch))
    with pytest.raises(ValidationError, match="不能审核自己报送的进展"):
        f.review(admin_user, r)
    assert Report.objects.get(pk=r.pk).state == ReportState.SUBMITTED


def test_returning_a_report_needs_a_reason_and_reopens_the_task(published, secretary, admin_user, branch):
    r = f.report(secretary, f.assignment(published, branch))
    with pytest.raises(ValidationError, match="退回原因"):
        f.review(admin_user, r, accept=False)
    f.review(admin_user, r, accept=False, note="缺少会议记录照片")
    assert Assignment.objects.get(task=published, org=branch).state == AssignmentState.RETURNED


def test_evidence_that_is_not_a_document_or_photo_is_refused_and_nothing_saved(published, secretary, branch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("会议记录.pdf", b"MZ\x90\x00 not really a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="不是可接受的佐证材料"):
        f.report(secretary, f.assignment(published, branch), uploads=[f.png(), bad])
    assert Report.objects.count() == 0 and Evidence.objects.count() == 0


def test_evidence_over_the_size_limit_is_refused(published, secretary, branch, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="超过"):
        f.report(secretary, f.assignment(published, branch), uploads=[f.pdf(body=b"x" * 2000)])
    assert Report.objects.count() == 0


def test_a_task_taking_only_files_refuses_a_photo(admin_user, secretary, branch):
    task = f.task(Org.objects.get(code="T"), [branch], evidence_kinds=[EvidenceKind.FILE])
    with pytest.raises(ValidationError, match="只接受：文件"):
        f.report(secretary, f.assignment(task, branch), uploads=[f.png()])
    f.report(secretary, f.assignment(task, branch), uploads=[f.pdf()])


def test_a_report_can_cite_a_meeting_of_its_own_branch_but_not_anothers(
    published, secretary, branch, other_branch
):
    from dangjian.activities.tests.factories import meeting

    own = meeting(branch)
    foreign = meeting(other_branch)
    a = f.assignment(published, branch)
    with pytest.raises(ValidationError, match="不存在或不在您的管理范围内"):
        f.report(secretary, a, links=[("activities.activity", foreign.pk)])
    r = f.report(secretary, a, links=[("activities.activity", own.pk)])
    assert r.evidence.get().label.endswith("五月支委会")


def test_a_finished_task_takes_no_more_reports(published, secretary, admin_user, branch):
    a = f.assignment(published, branch)
    f.review(admin_user, f.report(secretary, a))
    with pytest.raises(ValidationError, match="已完成销号"):
        f.report(secretary, Assignment.objects.get(pk=a.pk), final=False)


def test_a_stale_edit_is_refused(published, admin_user):
    with transaction.atomic():
        services.update_task(
            actor=admin_user,
            task=published,
            version=published.version,
            title="新的名称",
            category=published.category,
            start_on=published.start_on,
            due_on=published.due_on,
        )
    with pytest.raises(ValidationError, match="已被他人修改"), transaction.atomic():
        services.update_task(
            actor=admin_user,
            task=published,
            version=published.version,
            title="另一个名称",
            category=published.category,
            start_on=published.start_on,
            due_on=published.due_on,
        )


def test_each_write_leaves_one_audit_entry(published, secretary, admin_user, branch):
    before = AuditEntry.objects.count()
    r = f.report(secretary, f.assignment(published, branch))
    f.review(admin_user, r)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True)[before:])
    assert actions == ["checklists.submit_report", "checklists.accept_report"]


def test_system_may_publish_without_a_user(branch, zone):
    task = f.task(Org.objects.get(code="T"), [branch], actor=SYSTEM)
    assert task.status == "published"
