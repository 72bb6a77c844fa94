"""Working days: Monday to Friday, minus statutory holidays, plus the weekend days worked in exchange (调休).

The exceptions live in ``CalendarDay`` rows that staff edit per year; ``DEFAULT_CALENDAR`` holds the State
Council's published arrangements that a new installation starts from.
"""

from __future__ import annotations

from datetime import date, timedelta

from .models import CalendarDay, DayKind


def _span(start: tuple[int, int, int], end: tuple[int, int, int]) -> list[date]:
    first, last = date(*start), date(*end)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# (holidays as (first, last, name), weekend days worked as (day, name)) per year.
DEFAULT_CALENDAR: dict[int, tuple[list[tuple], list[tuple]]] = {
    2023: (
        [
            ((2022, 12, 31), (2023, 1, 2), "元旦"),
            ((2023, 1, 21), (2023, 1, 27), "春节"),
            ((2023, 4, 5), (2023, 4, 5), "清明节"),
            ((2023, 4, 29), (2023, 5, 3), "劳动节"),
            ((2023, 6, 22), (2023, 6, 24), "端午节"),
            ((2023, 9, 29), (2023, 10, 6), "中秋节、国庆节"),
            ((2023, 12, 30), (2024, 1, 1), "元旦"),
        ],
        [
            ((2023, 1, 28), "春节调休"),
            ((2023, 1, 29), "春节调休"),
            ((2023, 4, 23), "劳动节调休"),
            ((2023, 5, 6), "劳动节调休"),
            ((2023, 6, 25), "端午节调休"),
            ((2023, 10, 7), "国庆节调休"),
            ((2023, 10, 8), "国庆节调休"),
        ],
    ),
    2024: (
        [
            ((2024, 2, 10), (2024, 2, 17), "春节"),
            ((2024, 4, 4), (2024, 4, 6), "清明节"),
            ((2024, 5, 1), (2024, 5, 5), "劳动节"),
            ((2024, 6, 10), (2024, 6, 10), "端午节"),
            ((2024, 9, 15), (2024, 9, 17), "中秋节"),
            ((2024, 10, 1), (2024, 10, 7), "国庆节"),
        ],
        [
            ((2024, 2, 4), "春节调休"),
            ((2024, 2, 18), "春节调休"),
            ((2024, 4, 7), "清明节调休"),
            ((2024, 4, 28), "劳动节调休"),
            ((2024, 5, 11), "劳动节调休"),
            ((2024, 9, 14), "中秋节调休"),
            ((2024, 9, 29), "国庆节调休"),
            ((2024, 10, 12), "国庆节调休"),
        ],
    ),
    2025: (
        [
            ((2025, 1, 1), (2025, 1, 1), "元旦"),
            ((2025, 1, 28), (2025, 2, 4), "春节"),
            ((2025, 4, 4), (2025, 4, 6), "清明节"),
            ((2025, 5, 1), (2025, 5, 5), "劳动节"),
            ((2025, 5, 31), (2025, 6, 2), "端午节"),
            ((2025, 10, 1), (2025, 10, 8), "国庆节、中秋节"),
        ],
        [
            ((2025, 1, 26), "春节调休"),
            ((2025, 2, 8), "春节调休"),
            ((2025, 4, 27), "劳动节调休"),
            ((2025, 9, 28), "国庆节调休"),
            ((2025, 10, 11), "国庆节调休"),
        ],
    ),
    # 国务院办公厅关于2026年部分节假日安排的通知.
    2026: (
        [
            ((2026, 1, 1), (2026, 1, 3), "元旦"),
            ((2026, 2, 15), (2026, 2, 23), "春节"),
            ((2026, 4, 4), (2026, 4, 6), "清明节"),
            ((2026, 5, 1), (2026, 5, 5), "劳动节"),
            ((2026, 6, 19), (2026, 6, 21), "端午节"),
            ((2026, 9, 25), (2026, 9, 27), "中秋节"),
            ((2026, 10, 1), (2026, 10, 7), "国庆节"),
        ],
        [
            ((2026, 1, 4), "元旦调休"),
            ((2026, 2, 14), "春节调休"),
            ((2026, 2, 28), "春节调休"),
            ((2026, 5, 9), "劳动节调休"),
            ((2026, 9, 20), "国庆节调休"),
            ((2026, 10, 10), "国庆节调休"),
        ],
    ),
}


def default_days(year: int) -> list[tuple[date, str, str]]:
    """The default exceptions of ``year`` as (day, kind, name); empty for a year not shipped."""
    holidays, workdays = DEFAULT_CALENDAR.get(year, ([], []))
    rows = [(d, DayKind.HOLIDAY, name) for first, last, name in holidays for d in _span(first, last)]
    rows += [(date(*day), DayKind.WORKDAY, name) for day, name in workdays]
    return sorted(rows)


class Calendar:
    """The exceptions between two dates, read once; answers working-day questions without more queries."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.exceptions = dict(
            CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind")
        )

    def is_working_day(self, day: date) -> bool:
        kind = self.exceptions.get(day)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (the day of receipt does not count)."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


def add_working_days(start: date, days: int) -> date:
    # Three calendar weeks per working week plus the longest holiday (9 days in 2026) is always enough.
    return Calendar(start, start + timedelta(days=days * 3 + 21)).add(start, days)


def working_days_between(first: date, last: date) -> int:
    """Working days after ``first`` up to and including ``last`` (0 when ``last`` is not later)."""
    if last <= first:
        return 0
    cal = Calendar(first, last)
    return sum(1 for i in range(1, (last - first).days + 1) if cal.is_working_day(first + timedelta(days=i)))
