"""Tests for dangjian.core.cnnum — pure Python, no database."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.cnnum import approx, approx_with_unit, exact_with_unit, yuan_approx, yuan_exact

_PHRASE = re.compile(r"(\d+(?:\.\d+)?)(余)?([万亿])?(余)?")
_MULTIPLIER = {None: 1, "万": 10**4, "亿": 10**8}


def parse(text: str, unit: str = "") -> tuple[int, bool]:
    """Read a phrase such as "1.2万余名" back into (kept value, has 余)."""
    assert text.endswith(unit), text
    match = _PHRASE.fullmatch(text[: len(text) - len(unit)])
    assert match, text
    assert not (match[2] and match[4]), f"余 written twice in {text!r}"
    value = Decimal(match[1]) * _MULTIPLIER[match[3]]
    assert value == value.to_integral_value(), text
    return int(value), bool(match[2] or match[4])


def parse_fen(text: str) -> tuple[int, bool]:
    """Read a money phrase ("610余万元", "123.45元") back into (fen, has 余)."""
    assert text.endswith("元"), text
    match = _PHRASE.fullmatch(text[:-1])
    assert match, text
    value = Decimal(match[1]) * _MULTIPLIER[match[3]] * 100
    assert value == value.to_integral_value(), text
    return int(value), bool(match[2] or match[4])


def last_kept_unit(n: int) -> int:
    """Place value of the last digit the article keeps for ``n`` (the spec, restated)."""
    if n < 10:
        return 1
    if n < 100:
        return 10
    return 10 ** (len(str(n)) - 2)


def significant_digits(value: int) -> int:
    return len(str(value).rstrip("0")) if value else 1


# --- approx: the article's examples ------------------------------------------


def test_single_digit_counts_are_exact():
    assert approx(7) == "7"
    assert approx(0) == "0"


def test_thirty_four_activities_read_as_30_yu():
    assert approx(34) == "30余"


def test_exactly_thirty_has_no_yu():
    assert approx(30) == "30"


def test_members_over_sixteen_hundred_read_as_1600_yu():
    assert approx(1623) == "1600余"


def test_5043_reads_as_5000_yu():
    assert approx(5043) == "5000余"


def test_610_keeps_two_significant_digits_exactly():
    assert approx(610) == "610"


def test_6512_is_truncated_not_rounded_up_to_6500_yu():
    assert approx(6512) == "6500余"


def test_3001_reads_as_3000_yu():
    assert approx(3001) == "3000余"


def test_12345_reads_as_1_2_wan_yu():
    assert approx(12345) == "1.2万余"


def test_12000_reads_as_1_2_wan_without_yu():
    assert approx(12000) == "1.2万"


def test_150000_reads_as_15_wan_without_decimal():
    assert approx(150_000) == "15万"


def test_6_050_000_keeps_two_digits_and_reads_as_600_wan_yu():
    assert approx(6_050_000) == "600万余"


def test_230_million_reads_as_2_3_yi():
    assert approx(230_000_000) == "2.3亿"


def test_just_below_one_yi_stays_in_wan():
    assert approx(99_999_999) == "9900万余"
    assert approx(100_000_000) == "1亿"


# --- approx_with_unit --------------------------------------------------------


def test_unit_follows_yu_for_hundreds():
    assert approx_with_unit(1623, "名") == "1600余名"


def test_unit_follows_yu_for_wan():
    assert approx_with_unit(12345, "名") == "1.2万余名"


def test_unit_follows_yu_for_tens():
    assert approx_with_unit(34, "次") == "30余次"


def test_unit_follows_exact_figure_without_yu():
    assert approx_with_unit(610, "人") == "610人"


# --- yuan_approx -------------------------------------------------------------


def test_six_point_one_million_yuan_reads_as_610_yu_wan_yuan():
    assert yuan_approx(6_123_456_00) == "610余万元"


def test_forty_two_million_yuan_reads_as_4200_yu_wan_yuan():
    assert yuan_approx(42_345_678_00) == "4200余万元"


def test_6_050_000_yuan_reads_as_600_yu_wan_yuan():
    assert yuan_approx(6_050_000_00) == "600余万元"


def test_decimal_wan_amount_puts_yu_after_wan():
    assert yuan_approx(12_345_00) == "1.2万余元"


def test_round_wan_amount_has_no_yu():
    assert yuan_approx(150_000_00) == "15万元"
    assert yuan_approx(230_000_000_00) == "2.3亿元"


def test_amount_above_one_yi_reads_in_yi_yuan():
    assert yuan_approx(1_234_567_890_00) == "12亿余元"


def test_amount_below_one_wan_uses_count_phrasing_in_yuan():
    assert yuan_approx(70_000) == "700元"
    assert yuan_approx(12_345) == "120余元"


def test_dropped_jiao_and_fen_earn_yu():
    assert yuan_approx(8000_01) == "8000余元"
    assert yuan_approx(7_50) == "7余元"


# --- yuan_exact --------------------------------------------------------------


def test_108_5_wan_yuan():
    assert yuan_exact(108_500_000) == "108.5万元"


def test_15_92_wan_yuan():
    assert yuan_exact(15_920_000) == "15.92万元"


def test_23_yi_yuan():
    assert yuan_exact(230_000_000_000) == "23亿元"


def test_eighty_million_yuan_is_below_one_yi_and_reads_in_wan():
    assert yuan_exact(8_000_000_000) == "8000万元"


def test_102_yi_yuan():
    assert yuan_exact(10_200_000_000_00) == "102亿元"


def test_small_amounts_read_in_yuan():
    assert yuan_exact(70_000) == "700元"
    assert yuan_exact(12_345) == "123.45元"
    assert yuan_exact(0) == "0元"


def test_yi_amount_needing_more_than_four_decimals_falls_back_to_wan():
    assert yuan_exact(123_456_789_00) == "12345.6789万元"


def test_wan_amount_with_jiao_falls_back_to_yuan():
    assert yuan_exact(1_000_010) == "10000.1元"


# --- exact_with_unit ---------------------------------------------------------


def test_exact_counts_are_plain_digits():
    assert exact_with_unit(81, "个") == "81个"
    assert exact_with_unit(22, "次") == "22次"
    assert exact_with_unit(12345, "名") == "12345名"


# --- argument checking -------------------------------------------------------

ONE_ARG = [approx, yuan_approx, yuan_exact]
TWO_ARGS = [approx_with_unit, exact_with_unit]


@pytest.mark.parametrize("func", ONE_ARG)
@pytest.mark.parametrize("bad", [True, 1.0, "12", None])
def test_non_int_amounts_are_rejected_with_type_error(func, bad):
    with pytest.raises(TypeError):
        func(bad)


@pytest.mark.parametrize("func", ONE_ARG)
def test_negative_amounts_are_rejected_with_value_error(func):
    with pytest.raises(ValueError):
        func(-1)


@pytest.mark.parametrize("func", TWO_ARGS)
def test_unit_functions_reject_bad_counts_and_units(func):
    with pytest.raises(TypeError):
        func(False, "名")
    with pytest.raises(TypeError):
        func(3.0, "名")
    with pytest.raises(ValueError):
        func(-3, "名")
    with pytest.raises(TypeError):
        func(3, None)


# --- properties --------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**14)


@given(counts)
def test_approx_never_overstates_and_misses_by_less_than_one_kept_digit(n):
    kept, has_yu = parse(approx(n))
    assert kept <= n < kept + last_kept_unit(n)
    assert has_yu == (kept != n)
    assert significant_digits(kept) <= 2


@given(counts, st.sampled_from(["名", "次", "个"]))
def test_approx_with_unit_is_approx_plus_unit(n, unit):
    assert approx_with_unit(n, unit) == approx(n) + unit


@given(counts, counts)
def test_approx_is_monotonic(a, b):
    n, m = sorted((a, b))
    assert parse(approx(n))[0] <= parse(approx(m))[0]


@given(counts)
def test_yuan_exact_round_trips_to_the_fen(fen):
    text = yuan_exact(fen)
    assert parse_fen(text) == (fen, False)
    number = _PHRASE.fullmatch(text[:-1])[1]
    decimals = len(number.partition(".")[2])
    assert decimals <= (4 if text[-2] in "万亿" else 2)
    assert not number.endswith(("0", ".")) or "." not in number


@given(counts)
def test_yuan_approx_never_overstates_and_marks_any_cut(fen):
    kept, has_yu = parse_fen(yuan_approx(fen))
    yuan = fen // 100
    assert kept <= fen < kept + last_kept_unit(yuan) * 100
    assert has_yu == (kept != fen)


# --- where 余 goes in money (issue 13, point 11) ------------------------------


def test_ten_thousand_and_fifty_yuan_reads_1_wan_yu_yuan_not_1_yu_wan_yuan():
    """Money phrasing: a one-digit figure before 万 takes 余 after the unit (1万余元)."""
    assert yuan_approx(10_050_00) == "1万余元"


def test_159_200_yuan_reads_15_wan_yu_yuan_not_15_yu_wan_yuan():
    """Money phrasing: a two-digit figure before 万 takes 余 after the unit (15万余元)."""
    assert yuan_approx(159_200_00) == "15万余元"


def test_23_yi_and_more_reads_23_yi_yu_yuan():
    assert yuan_approx(2_345_678_900_00) == "23亿余元"


def test_three_digits_before_the_unit_keep_yu_before_it_as_the_article_writes():
    assert yuan_approx(6_050_000_00) == "600余万元"


@given(st.integers(min_value=10**4 * 100, max_value=10**14))
def test_yu_precedes_the_unit_only_after_a_whole_figure_of_three_or_more_digits(fen):
    """cnnum's money rule: 余 before 万/亿 iff the figure before the unit is whole with ≥ 3 digits."""
    text = yuan_approx(fen)
    match = _PHRASE.fullmatch(text[:-1])
    number, yu_before, unit, yu_after = match[1], match[2], match[3], match[4]
    assert unit in ("万", "亿")
    if not (yu_before or yu_after):
        return
    before = "." not in number and len(number) >= 3
    assert bool(yu_before) == before and bool(yu_after) == (not before)
