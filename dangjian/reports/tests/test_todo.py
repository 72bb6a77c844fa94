"""待办: what a branch secretary must do this month, from every app's ``register_todo`` items.

The clock is frozen at 2026-05-12 09:30 Beijing time (``workday_morning``).
"""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.activities import services as activities
from dangjian.activities.models import Kind
from dangjian.activities.tests.factories import meeting, member
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Kind as OrgKind
from dangjian.orgs.models import Level, Org
from dangjian.people import development, dues, transfers
from dangjian.people.models import DuesCategory

pytestmark = pytest.mark.django_db

TODO = reverse("reports:todo")


@pytest.fixture
def rules(zone, branch, other_branch, workday_morning):
    """The zone's default 组织生活 rules (支委会 and 主题党日 monthly, 党员大会 and 党课 quarterly…)."""
    with transaction.atomic():
        activities.ensure_default_rules(Org.objects.get(pk=zone.pk))
    return workday_morning


def page(client, **params) -> str:
    response = client.get(TODO, params)
    assert response.status_code == 200
    return response.content.decode()


def items(client) -> list:
    return client.get(TODO).context["todo"].entries


def test_a_secretary_sees_this_months_committee_meeting_as_due_with_a_link_to_record_it(
    secretary_client, rules
):
    entry = next(e for e in items(secretary_client) if e.item.label == "5月支委会尚未召开")
    assert entry.item.due == date(2026, 5, 31) and entry.urgency == "month"
    assert entry.item.url == reverse("activities:new") + "?org=T-A&kind=committee"


def test_a_meeting_held_this_month_is_no_longer_due(secretary_client, branch, rules):
    meeting(branch, kind=Kind.COMMITTEE, day=date(2026, 5, 6), title="五月支委会")
    labels = [e.item.label for e in items(secretary_client)]
    assert "5月支委会尚未召开" not in labels and "5月主题党日尚未召开" in labels


def test_months_missed_earlier_this_year_come_first_as_overdue(secretary_client, branch, rules):
    for month in (1, 2, 4):
        meeting(branch, kind=Kind.COMMITTEE, day=date(2026, month, 6), title=f"{month}月支委会")
    entries = items(secretary_client)
    missed = next(e for e in entries if e.item.label == "2026年组织生活有缺开")
    assert missed.urgency == "overdue" and "支委会缺1次（3月）" in missed.item.detail
    assert "主题党日缺4次（1—4月）" in missed.item.detail
    urgencies = [e.urgency for e in entries]
    assert urgencies == sorted(urgencies, key=["overdue", "month", "later"].index)


def test_a_secretary_sees_only_her_branchs_items(
    secretary_client, outsider_client, branch, other_branch, rules
):
    meeting(other_branch, kind=Kind.COMMITTEE, day=date(2026, 5, 6), title="乙村五月支委会")
    mine = {e.item.org for e in items(secretary_client) if e.item.org}
    theirs = {e.item.org for e in items(outsider_client) if e.item.org}
    assert mine == {"甲村党支部"} and theirs == {"乙村党支部"}
    assert "乙村" not in page(secretary_client)


def test_a_meeting_whose_attendance_is_blank_links_to_its_attendance_form(secretary_client, branch, rules):
    held = meeting(branch, kind=Kind.THEME_DAY, day=date(2026, 5, 8), title="五月主题党日")
    entry = next(e for e in items(secretary_client) if e.item.label == "登记出席：五月主题党日")
    assert entry.item.url == reverse("activities:attendance", args=[held.pk])


def test_members_who_have_not_paid_this_months_dues_are_counted(secretary_client, branch, rules):
    paid, _ = member(branch, "已缴党员"), member(branch, "未缴党员")
    with transaction.atomic():
        dues.set_dues_assessment(actor=SYSTEM, member=paid, year=2026, category=DuesCategory.FARMER)
    with transaction.atomic():
        dues.record_dues_payment(actor=SYSTEM, member=paid, month=date(2026, 5, 1), paid_on=rules)
    entry = next(e for e in items(secretary_client) if e.item.label == "5月党费未缴")
    assert entry.item.count == 1 and entry.item.url == reverse("people:dues") + "?month=2026-05"


def test_a_transfer_out_waiting_for_approval_is_listed_for_the_sending_branch_only(
    secretary_client, outsider_client, branch, other_branch, rules
):
    leaving = member(branch, "外出党员")
    with transaction.atomic():
        transfers.request_transfer_out(
            actor=SYSTEM, member=leaving, applied_on=date(2026, 5, 4), months_away=12, to_org=other_branch
        )
    entry = next(e for e in items(secretary_client) if e.item.label == "组织关系转出待审批")
    assert entry.item.count == 1 and entry.item.url == reverse("people:transfers")
    assert not [e for e in items(outsider_client) if "转" in e.item.label]


def test_an_applicant_not_talked_to_within_a_month_is_overdue(secretary_client, branch, rules):
    from dangjian.payouts.tests.factories import person

    applicant = person(branch, "申请人", birth=date(1995, 3, 1))
    with transaction.atomic():
        development.register_application(
            actor=SYSTEM, person=applicant, org=branch, applied_on=date(2026, 3, 20), note="补录"
        )
    entry = next(e for e in items(secretary_client) if e.item.label == "与入党申请人申请人谈话")
    assert entry.item.due == date(2026, 4, 20) and entry.urgency == "overdue"
    case = applicant.development.get()
    assert entry.item.url == reverse("people:development") + f"#case-{case.pk}"
    assert f'id="case-{case.pk}"' in secretary_client.get(reverse("people:development")).content.decode()


def test_an_overdue_residents_request_is_overdue_on_the_list(secretary_client, zone, branch, rules):
    from dangjian.casework.tests.factories import categories, request

    request(branch, categories(Org.objects.get(pk=zone.pk))["infrastructure"], received=date(2026, 3, 2))
    entry = next(e for e in items(secretary_client) if e.item.label == "群众诉求已超期")
    assert entry.item.count == 1 and entry.urgency == "overdue"
    assert entry.item.url.startswith(reverse("casework:index")) and "tab=overdue" in entry.item.url
    assert secretary_client.get(entry.item.url).status_code == 200


def test_a_key_task_due_this_month_links_to_its_report_form(secretary_client, zone, branch, rules):
    from dangjian.checklists.tests.factories import task

    t = task(
        Org.objects.get(pk=zone.pk),
        [branch],
        title="五月任务",
        start_on=date(2026, 4, 1),
        due_on=date(2026, 5, 20),
    )
    entry = next(e for e in items(secretary_client) if e.item.label == "报送任务进展：五月任务")
    assert entry.item.url == reverse("checklists:assignment", args=[t.pk, "T-A"])
    assert entry.item.due == date(2026, 5, 20) and entry.urgency == "month"


def test_a_prepared_payout_list_waits_for_a_verifier_but_not_for_the_one_who_prepared_it(
    client, roles, zone, branch, rules
):
    from dangjian.payouts import services as payouts
    from dangjian.payouts.tests.factories import programme, signers

    preparer, verifier, _ = signers(roles)
    prog = programme(branch, name="五月奖励")
    with transaction.atomic():
        payouts.advance_list(actor=preparer, programme=prog)
    client.force_login(verifier)
    assert any(e.item.label == "发放名单待审核：五月奖励" for e in items(client))
    client.force_login(preparer)
    assert not any("五月奖励" in e.item.label for e in items(client))


def test_the_page_costs_the_same_queries_for_one_branch_as_for_ten(admin_client, zone, rules):
    def count() -> int:
        admin_client.get(TODO)  # warm the per-request caches the first request fills
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(TODO).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    root = Org.objects.get(pk=zone.pk)
    for n in range(10):
        branch = Org.objects.add_child(
            Org.objects.get(pk=root.pk),
            instance=Org(code=f"T-X{n}", name=f"新村{n}党支部", level=Level.BRANCH, kind=OrgKind.VILLAGE),
        )
        member(branch, f"新村{n}党员")
        meeting(branch, kind=Kind.THEME_DAY, day=date(2026, 5, 8), title=f"新村{n}主题党日")
    assert count() == few
    assert few <= 40


def test_a_grassroots_secretary_lands_on_todo_and_a_zone_admin_on_the_dashboard(
    secretary_client, admin_client, rules
):
    assert secretary_client.get(reverse("core:home")).url == TODO
    assert admin_client.get(reverse("core:home")).url == reverse("reports:dashboard")


def test_the_menu_offers_todo_to_a_secretary(secretary_client, rules):
    html = page(secretary_client)
    assert f'href="{TODO}">待办</a>' in html
