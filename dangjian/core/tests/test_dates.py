"""core.dates: the rules count calendar months and years (issue 13, point 8)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.dates import (
    add_months,
    add_years,
    days_in_month,
    half_years,
    month_index,
    months_back,
    whole_years,
)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
months = st.integers(min_value=-600, max_value=600)


def test_within_one_month_of_30_september_is_30_october_not_31_days():
    """细则 Art. 7: the talk is due within one calendar month of the application."""
    assert add_months(date(2024, 9, 30), 1) == date(2024, 10, 30)


def test_one_year_from_1_march_2023_is_1_march_2024_not_365_days():
    """细则 Art. 12: at least one year as activist — a calendar year, across a leap day."""
    assert add_years(date(2023, 3, 1), 1) == date(2024, 3, 1)
    assert date(2023, 3, 1) + timedelta(days=365) == date(2024, 2, 29)


def test_eighteen_months_from_31_august_2022_is_29_february_2024():
    """Probation of 1 year extended by 6 months: month arithmetic knows leap years."""
    assert add_months(date(2022, 8, 31), 18) == date(2024, 2, 29)
    assert add_months(date(2021, 8, 31), 18) == date(2023, 2, 28)


def test_a_year_of_half_years_is_two_half_years_closed_by_their_last_day():
    assert half_years(date(2022, 3, 1), date(2023, 3, 10)) == [
        (date(2022, 3, 1), date(2022, 9, 1)),
        (date(2022, 9, 1), date(2023, 3, 1)),
    ]


@given(days, months)
def test_adding_months_moves_the_month_and_keeps_the_day_where_it_exists(day, n):
    out = add_months(day, n)
    assert month_index(out) == month_index(day) + n
    assert out.day == min(day.day, days_in_month(out.year, out.month))


@given(days, months)
def test_adding_months_then_going_back_returns_the_day_unless_it_was_clamped(day, n):
    out = add_months(day, n)
    back = add_months(out, -n)
    if out.day == day.day:
        assert back == day
    else:
        assert back < day and back.month == day.month


@given(days, days, months)
def test_adding_months_is_monotonic(a, b, n):
    a, b = sorted((a, b))
    assert add_months(a, n) <= add_months(b, n)


@given(days, st.integers(min_value=0, max_value=50))
def test_whole_years_counts_completed_calendar_years(start, years):
    day = add_years(start, years)
    assert whole_years(start, day) == years
    assert whole_years(start, day - timedelta(days=1)) == max(0, years - 1)


@given(days, st.integers(min_value=0, max_value=120))
def test_months_back_is_a_first_of_month_n_months_earlier(day, n):
    out = months_back(day, n)
    assert out.day == 1 and month_index(day) - month_index(out) == n


@given(days, st.integers(min_value=0, max_value=4000))
def test_half_years_tile_the_period_without_gaps_and_end_by_its_end(start, length):
    end = start + timedelta(days=length)
    periods = half_years(start, end)
    for (_, b), (c, _) in zip(periods, periods[1:], strict=False):
        assert b == c
    assert all(last <= end for _, last in periods)
    assert add_months(start, 6 * (len(periods) + 1)) > end
