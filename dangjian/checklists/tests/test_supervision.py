"""Liaison groups plan and record supervision visits, find problems and close them when rectified."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.checklists import selectors, services
from dangjian.checklists.models import Problem, ProblemState, SupervisionVisit
from dangjian.checklists.tests.factories import LiaisonGroupFactory
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(admin_user, zone, branch):
    return LiaisonGroupFactory(zone=Org.objects.get(pk=zone.pk), covers=[branch])


@pytest.fixture
def liaison(roles, group):
    from conftest import make_user

    user = make_user("liaison")
    group.members.add(user)
    return user


def _visit(actor, group, org, **kw):
    with transaction.atomic():
        return services.plan_visit(
            actor=actor, group=group, org=org, planned_on=date(2023, 4, 1), topic="主题教育开展情况", **kw
        )


def _record(actor, visit, problems=(), day=date(2023, 4, 3)):
    with transaction.atomic():
        return services.record_visit(
            actor=actor, visit=visit, visited_on=day, summary="查阅台账", problems=problems
        )


def test_a_liaison_member_records_a_visit_with_problems(liaison, group, branch, time_machine):
    time_machine.move_to("2023-04-05 10:00", tick=False)
    visit = _visit(liaison, group, branch)
    _record(liaison, visit, [services.ProblemIn("三会一课记录不全", date(2023, 5, 1), "张书记")])
    assert Problem.objects.get().visit == visit


def test_a_group_cannot_visit_an_org_outside_its_assignment(liaison, group, other_branch):
    with pytest.raises(ValidationError):
        _visit(liaison, group, other_branch)
    assert SupervisionVisit.objects.count() == 0


def test_a_rectification_deadline_before_the_visit_is_refused_and_nothing_saved(
    liaison, group, branch, time_machine
):
    time_machine.move_to("2023-04-05 10:00", tick=False)
    visit = _visit(liaison, group, branch)
    with pytest.raises(ValidationError, match="整改时限不能早于督导日期"):
        _record(liaison, visit, [services.ProblemIn("问题", date(2023, 3, 1))])
    visit.refresh_from_db()
    assert visit.visited_on is None and Problem.objects.count() == 0


def test_closing_a_problem_marks_it_rectified(liaison, group, branch, time_machine):
    time_machine.move_to("2023-06-01 10:00", tick=False)
    visit = _record(liaison, _visit(liaison, group, branch), [services.ProblemIn("问题", date(2023, 5, 1))])
    problem = visit.problems.get()
    with transaction.atomic():
        services.close_problem(
            actor=liaison, problem=problem, rectified_on=date(2023, 4, 20), rectification="已补齐"
        )
    assert Problem.objects.get().state == ProblemState.RECTIFIED


def test_a_secretary_cannot_record_supervision(secretary, group, branch):
    with pytest.raises(ValidationError):
        _visit(secretary, group, branch)


def test_the_group_board_counts_open_and_overdue_problems(liaison, group, branch, time_machine):
    time_machine.move_to("2023-06-01 10:00", tick=False)
    _record(
        liaison,
        _visit(liaison, group, branch),
        [services.ProblemIn("甲", date(2023, 5, 1)), services.ProblemIn("乙", date(2023, 7, 1))],
    )
    (row,) = selectors.group_board(group, 2023)
    assert (row.visits, row.problems, row.open_problems, row.overdue_problems) == (1, 2, 2, 1)
