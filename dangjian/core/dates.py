"""Calendar arithmetic as the party's rules count time — the one place dates are added to.

The rules speak in calendar months and years, never in days: "within one month" of an application
handed in on 30 September means by 30 October (not 31 days later); "one year" as an activist from
2023-03-01 means not before 2024-03-01 (not 365 days, which lands on 2024-02-29); eighteen months
from 2022-08-31 is 2024-02-29. Adding months keeps the day of the month and, where the target month
is shorter, takes its last day (31 January + 1 month = 28 or 29 February).

A "half-year review" means one review in each half year: the half years of a period are counted from
its start, ``(start + 6k months, start + 6(k+1) months]``, the review closing each one falling on or
before its last day.
"""

from __future__ import annotations

import calendar
from datetime import date

__all__ = [
    "add_months",
    "PARTY_FOUNDED",
    "RecordDateError",
    "add_years",
    "check_record_date",
    "days_in_month",
    "half_years",
    "month_index",
    "month_start",
    "months_back",
    "whole_years",
]


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (negative goes back), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def add_years(day: date, years: int) -> date:
    """``day`` plus ``years`` calendar years; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def month_index(day: date) -> int:
    """Months since year 0 — consecutive months have consecutive indexes."""
    return day.year * 12 + day.month - 1


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s month."""
    return add_months(month_start(day), -months)


def whole_years(start: date, day: date) -> int:
    """Completed calendar years from ``start`` to ``day`` (age, 党龄); never negative."""
    years = day.year - start.year
    if add_years(start, years) > day:
        years -= 1
    return max(0, years)


def half_years(start: date, end: date) -> list[tuple[date, date]]:
    """The complete half years ``(first, last]`` counted from ``start`` whose last day is on or before
    ``end``: a review in each is what "reviewed every half year" asks."""
    out: list[tuple[date, date]] = []
    k = 0
    while True:
        first, last = add_months(start, 6 * k), add_months(start, 6 * (k + 1))
        if last > end:
            return out
        out.append((first, last))
        k += 1


# The Communist Party of China was founded on 1 July 1921: no record of its work is older.
PARTY_FOUNDED = date(1921, 7, 1)


class RecordDateError(ValueError):
    """A date outside what a record can hold; ``message`` is the Chinese sentence for the user."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def check_record_date(
    value: date | None,
    label: str,
    *,
    today: date | None = None,
    future: bool = False,
    earliest: date = PARTY_FOUNDED,
) -> date | None:
    """``value`` if a record may hold it, else ``RecordDateError`` naming ``label``.

    Dates of events that have happened (a meeting held, a join, a transfer received) are neither
    before ``earliest`` (the party's founding unless a field says otherwise, e.g. a birth date) nor
    after ``today``; ``future=True`` allows a date ahead (a deadline, a planned meeting). ``None``
    (a blank optional field) passes.
    """
    if value is None:
        return None
    if value < earliest:
        when = (
            f"{earliest.year}年"
            if (earliest.month, earliest.day) == (1, 1)
            else f"{earliest:%Y}年{earliest.month}月{earliest.day}日"
        )
        raise RecordDateError(f"{label}不能早于{when}。", "too_early")
    if not future:
        if today is None:
            from django.utils import timezone

            today = timezone.localdate()
        if value > today:
            raise RecordDateError(f"{label}不能晚于今天。", "future")
    return value
