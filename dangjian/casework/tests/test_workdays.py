"""Deadlines in working days: weekends, statutory holidays and weekend days worked (调休)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.casework import services, workdays
from dangjian.casework.models import CalendarDay, DayKind

pytestmark = pytest.mark.django_db


def test_five_working_days_from_a_monday_end_the_next_monday():
    assert workdays.add_working_days(date(2023, 3, 6), 5) == date(2023, 3, 13)


def test_the_spring_festival_week_does_not_count_and_its_weekend_workdays_do():
    # 2023-01-20 (Fri); 21–27 holiday; 28 (Sat) and 29 (Sun) worked.
    assert workdays.add_working_days(date(2023, 1, 20), 1) == date(2023, 1, 28)
    assert workdays.add_working_days(date(2023, 1, 20), 3) == date(2023, 1, 30)


def test_national_day_2023_pushes_a_deadline_past_the_holiday():
    # Thu 28 Sep + 3 working days: 29 Sep–6 Oct off, 7–8 Oct worked.
    assert workdays.add_working_days(date(2023, 9, 28), 3) == date(2023, 10, 9)


def test_staff_edits_to_the_calendar_change_later_deadlines(admin_user, zone):
    with transaction.atomic():
        services.set_calendar_day(
            actor=admin_user, zone=zone, day=date(2023, 3, 7), kind=DayKind.HOLIDAY, name="测试"
        )
    assert workdays.add_working_days(date(2023, 3, 6), 1) == date(2023, 3, 8)
    with transaction.atomic():
        services.set_calendar_day(actor=admin_user, zone=zone, day=date(2023, 3, 7), kind=None)
    assert not CalendarDay.objects.filter(date=date(2023, 3, 7)).exists()


def test_a_secretary_cannot_edit_the_calendar(secretary, zone):
    with pytest.raises(ValidationError), transaction.atomic():
        services.set_calendar_day(actor=secretary, zone=zone, day=date(2023, 3, 7), kind=DayKind.HOLIDAY)


def test_working_days_between_counts_after_the_first_day():
    assert workdays.working_days_between(date(2023, 3, 6), date(2023, 3, 13)) == 5
    assert workdays.working_days_between(date(2023, 3, 13), date(2023, 3, 6)) == 0


def test_the_shipped_calendars_are_loaded_by_the_migration():
    assert CalendarDay.objects.filter(date=date(2024, 2, 12), kind=DayKind.HOLIDAY).exists()
    assert CalendarDay.objects.filter(date=date(2025, 10, 11), kind=DayKind.WORKDAY).exists()


def test_the_2026_spring_festival_is_nine_days_off_with_two_saturdays_worked():
    # 2026: 15–23 Feb off; Sat 14 Feb and Sat 28 Feb worked. Fri 13 Feb + 1 working day is the Saturday.
    assert workdays.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert workdays.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert workdays.working_days_between(date(2026, 2, 23), date(2026, 3, 1)) == 5  # 24–27 Feb and Sat 28


def test_national_day_2026_is_seven_days_with_two_weekend_days_worked():
    assert CalendarDay.objects.filter(date=date(2026, 9, 20), kind=DayKind.WORKDAY).exists()
    assert workdays.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays.Calendar(date(2026, 10, 10), date(2026, 10, 10)).is_working_day(date(2026, 10, 10))
