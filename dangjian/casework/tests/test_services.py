"""The request workflow 受理 → 转办 → 办理 → 办结 → 回访评价, with history, scope and deadlines."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.casework import selectors, services
from dangjian.casework.models import Action, Request, Satisfaction, Status
from dangjian.core.actors import PUBLIC, SYSTEM
from dangjian.core.models import AuditEntry

from .factories import aware, categories, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def cats(zone):
    return categories(zone)


def atomic(fn, **kwargs):
    with transaction.atomic():
        return fn(**kwargs)


@time_machine.travel(aware(date(2023, 3, 6), 9), tick=False)
def test_a_request_gets_its_deadline_in_working_days_of_its_category(branch, cats):
    r = request(branch, cats["policy"])  # 3 working days from Monday
    assert r.deadline == date(2023, 3, 9)
    assert r.status == Status.RECEIVED
    assert [s.action for s in r.steps.all()] == [Action.RECEIVE]


def test_the_whole_workflow_keeps_every_step_and_one_audit_entry_each(admin_user, branch, other_branch, cats):
    r = request(branch, cats["environment"])
    before = AuditEntry.objects.count()
    r = atomic(services.transfer_request, actor=admin_user, request=r, to_org=other_branch, note="属地办理")
    r = atomic(services.start_request, actor=admin_user, request=r)
    r = atomic(services.note_request, actor=admin_user, request=r, note="已联系保洁")
    r = atomic(services.resolve_request, actor=admin_user, request=r, reply="垃圾已清运。")
    r = atomic(services.close_request, actor=admin_user, request=r, satisfaction=Satisfaction.SATISFIED)
    assert AuditEntry.objects.count() == before + 5
    steps = list(selectors.history(r))
    assert [s.action for s in steps] == ["receive", "transfer", "start", "note", "resolve", "close"]
    assert steps[1].from_org == branch and steps[1].to_org == other_branch
    assert r.status == Status.CLOSED and r.satisfaction == "satisfied" and r.org == other_branch


def test_the_sending_branch_keeps_read_access_but_cannot_act(secretary, branch, other_branch, cats):
    r = request(branch, cats["dispute"])
    atomic(services.transfer_request, actor=secretary, request=r, to_org=other_branch)
    assert selectors.requests_visible_to(secretary).filter(pk=r.pk).exists()
    with pytest.raises(ValidationError):
        atomic(services.start_request, actor=secretary, request=Request.objects.get(pk=r.pk))


def test_the_receiving_branch_sees_the_whole_history(outsider, secretary, branch, other_branch, cats):
    r = request(branch, cats["dispute"])
    atomic(services.transfer_request, actor=secretary, request=r, to_org=other_branch)
    seen = selectors.requests_visible_to(outsider).get(pk=r.pk)
    assert [s.action for s in selectors.history(seen)] == ["receive", "transfer"]
    atomic(services.start_request, actor=outsider, request=seen)


def test_an_outsider_sees_nothing_of_another_branchs_requests(outsider, branch, cats):
    r = request(branch, cats["dispute"])
    assert not selectors.requests_visible_to(outsider).filter(pk=r.pk).exists()
    with pytest.raises(ValidationError):
        atomic(services.resolve_request, actor=outsider, request=r, reply="x")


def test_a_stale_version_is_refused(admin_user, branch, cats):
    r = request(branch, cats["dispute"])
    atomic(services.start_request, actor=admin_user, request=r, version=1)
    with pytest.raises(ValidationError, match="已被他人更新"):
        atomic(services.resolve_request, actor=admin_user, request=r, reply="好", version=1)


def test_steps_out_of_order_are_refused(admin_user, branch, cats):
    r = request(branch, cats["dispute"])
    with pytest.raises(ValidationError):
        atomic(services.close_request, actor=admin_user, request=r, satisfaction="satisfied")
    atomic(services.resolve_request, actor=admin_user, request=r, reply="已处理")
    with pytest.raises(ValidationError):
        atomic(services.transfer_request, actor=admin_user, request=r, to_org=branch)


def test_a_transfer_outside_the_zone_is_refused(admin_user, branch, cats, db):
    from dangjian.orgs.models import Kind, Level, Org

    other_zone = Org.objects.add_root(
        instance=Org(code="Z", name="别区", level=Level.WORKING_COMMITTEE, kind=Kind.ZONE)
    )
    r = request(branch, cats["dispute"])
    with pytest.raises(ValidationError, match="本区"):
        atomic(services.transfer_request, actor=admin_user, request=r, to_org=other_zone)


def test_the_public_actor_may_submit_but_not_handle(branch, cats, settings):
    settings.DANGJIAN_ZONE_CODE = "T"
    r, code = atomic(
        services.submit_public_request,
        actor=PUBLIC,
        category_code="policy",
        description="咨询",
        phone="13800001111",
    )
    assert r.org.code == "T" and len(code) >= 10
    with pytest.raises(ValidationError):
        atomic(services.start_request, actor=PUBLIC, request=r)


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "点击 javascript:alert(1)", "<img src=x onerror=alert(1)>", "a\x00b"],
)
def test_scripted_input_is_refused(zone, cats, text, settings):
    settings.DANGJIAN_ZONE_CODE = "T"
    with pytest.raises(ValidationError):
        atomic(services.submit_public_request, category_code="policy", description=text, phone="13800001111")


def test_oversized_input_and_bad_phone_numbers_are_refused(zone, cats, settings):
    settings.DANGJIAN_ZONE_CODE = "T"
    with pytest.raises(ValidationError, match="1000"):
        atomic(
            services.submit_public_request,
            category_code="policy",
            description="长" * 1001,
            phone="13800001111",
        )
    with pytest.raises(ValidationError, match="电话"):
        atomic(services.submit_public_request, category_code="policy", description="咨询", phone="12345")


class TestQueue:
    @time_machine.travel(aware(date(2023, 3, 15), 9), tick=False)
    def test_the_queue_splits_new_due_soon_and_overdue(self, secretary, branch, cats):
        overdue = request(branch, cats["policy"], received=date(2023, 3, 1))  # due 3-6
        due = request(branch, cats["policy"], received=date(2023, 3, 14))  # due 3-17
        later = request(branch, cats["infrastructure"], received=date(2023, 3, 14))  # due 3-28
        atomic(services.start_request, actor=secretary, request=later)
        q = selectors.queue_for(secretary)
        assert set(q.new) == {overdue, due}
        assert list(q.due_soon) == [due]
        assert list(q.overdue) == [overdue]
        assert overdue.overdue_on(date(2023, 3, 15)) and not due.overdue_on(date(2023, 3, 15))

    @time_machine.travel(aware(date(2023, 3, 15), 9), tick=False)
    def test_a_resolved_request_leaves_the_queue_and_counts_as_late_if_it_was(self, admin_user, branch, cats):
        r = request(branch, cats["policy"], received=date(2023, 3, 1))
        r = atomic(services.resolve_request, actor=admin_user, request=r, reply="已答复")
        assert not selectors.queue_for(admin_user).overdue.exists()
        assert r.overdue_on(date(2023, 3, 15))


@time_machine.travel(aware(date(2023, 6, 30), 9), tick=False)
def test_zone_totals_count_by_category_and_branch(admin_user, zone, branch, other_branch, cats):
    request(branch, cats["policy"], received=date(2023, 6, 1))
    r = request(other_branch, cats["policy"], received=date(2023, 6, 28))
    atomic(services.resolve_request, actor=admin_user, request=r, reply="好")
    t = selectors.zone_totals(admin_user, zone, 2023)
    assert t.total["received"] == 2 and t.total["resolved"] == 1 and t.total["overdue"] == 1
    by_branch = {row["name"]: row for row in t.by_branch}
    assert by_branch["甲村党支部"]["overdue"] == 1 and by_branch["乙村党支部"]["on_time"] == 1
    assert t.oldest_open[0].org == branch


def test_a_research_problem_handed_on_becomes_a_request_of_the_visiting_org(admin_user, zone, branch, cats):
    from .factories import theme

    t = theme(zone)
    with time_machine.travel(aware(date(2023, 5, 10)), tick=False):
        visit = atomic(
            services.record_research_visit,
            actor=admin_user,
            theme=t,
            org=branch,
            date=date(2023, 5, 9),
            visitors="张三",
            visitee_kind="resident",
            visitee="村民座谈",
            people_count=12,
        )
        p = atomic(
            services.add_problem,
            actor=admin_user,
            visit=visit,
            description="道路破损",
            hand_on_to=cats["infrastructure"],
        )
    assert p.request.org == branch and p.request.source == "research"


def test_a_person_can_be_a_key_target_only_once_at_a_time(admin_user, branch):
    from dangjian.people.tests.factories import PersonFactory

    person = PersonFactory(org=branch)
    atomic(
        services.mark_key_target,
        actor=admin_user,
        org=branch,
        name="",
        person=person,
        reason="low_income",
        marked_on=date(2023, 1, 5),
    )
    with pytest.raises(ValidationError, match="已是重点帮扶对象"):
        atomic(
            services.mark_key_target,
            actor=admin_user,
            org=branch,
            name="",
            person=person,
            reason="illness",
            marked_on=date(2023, 2, 5),
        )


def test_system_records_without_scope_checks_and_is_named_in_the_audit(branch, cats):
    request(branch, cats["policy"])
    assert AuditEntry.objects.filter(action="casework.create_request").last().actor_name == SYSTEM.label
