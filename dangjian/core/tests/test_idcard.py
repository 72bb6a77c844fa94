"""Tests for dangjian.core.idcard — pure Python, no database."""

import pickle
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.idcard import (
    _WEIGHTS,
    PROVINCE_CODES,
    IdNumberError,
    birth_date,
    check_char,
    make_id,
    normalize_id,
    sex,
    validate_id,
)

# The worked example printed in GB 11643-1999.
STANDARD_EXAMPLE = "11010519491231002X"
# Born 1943 in Henan, carrying 410611 (淇滨区), a district created long after 1943.
ELDER_1943 = "41061119430315125X"
VALID_MALE = "110105198001010032"
VALID_FEMALE = "110105198001010024"


def assert_code(raw, code: str, **kwargs) -> IdNumberError:
    with pytest.raises(IdNumberError) as info:
        validate_id(raw, **kwargs)
    assert info.value.code == code
    return info.value


# --- accepted numbers --------------------------------------------------------


def test_standard_example_with_x_check_char_is_valid():
    assert validate_id(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_elder_born_1943_with_later_county_code_410611_is_accepted():
    assert validate_id(ELDER_1943) == ELDER_1943
    assert birth_date(ELDER_1943) == date(1943, 3, 15)
    assert sex(ELDER_1943) == "男"


def test_full_width_digits_and_lower_case_x_are_accepted():
    full_width = "４１０６１１１９４３０３１５１２５ｘ"
    assert validate_id(full_width) == ELDER_1943
    assert validate_id("41061119430315125x") == ELDER_1943


def test_spaces_tabs_and_zero_width_characters_are_stripped():
    assert validate_id(" 410611 19430315 125X\t\n") == ELDER_1943
    assert validate_id("\ufeff41061119430315\u200b125X\u3000") == ELDER_1943


def test_sex_reads_the_seventeenth_character():
    assert sex(VALID_MALE) == "男"
    assert sex(VALID_FEMALE) == "女"
    assert sex(STANDARD_EXAMPLE) == "女"


def test_birth_date_reads_characters_seven_to_fourteen():
    assert birth_date(STANDARD_EXAMPLE) == date(1949, 12, 31)


def test_born_on_the_first_day_of_1900_is_accepted():
    first17 = "11010519000101001"
    number = first17 + check_char(first17)
    assert validate_id(number) == number


def test_born_today_is_accepted():
    number = make_id("110105", date(2024, 5, 6), 1, "女")
    assert validate_id(number, today=date(2024, 5, 6)) == number


# --- each error code ---------------------------------------------------------


def test_blank_cell_is_reported_as_empty():
    assert_code("", "empty")
    assert_code(" \t\u3000", "empty")
    assert_code(None, "empty")


def test_fifteen_digit_old_number_asks_for_conversion():
    assert_code("110105491231002", "length15")


def test_seventeen_characters_is_wrong_length():
    assert_code(STANDARD_EXAMPLE[:17], "length")
    assert_code(STANDARD_EXAMPLE + "1", "length")
    assert_code("11010549123100X", "length")  # 15 chars but not an old all-digit number


def test_letters_other_than_final_x_are_rejected_as_chars():
    assert_code("1101051949123100A2", "chars")
    assert_code("11010519491231X021", "chars")
    assert_code("110105-19491231002", "chars")
    assert_code("11010519_91231002X", "chars")  # int() would read the underscore as a separator


def test_non_ascii_digits_are_rejected_as_chars():
    # Arabic-Indic digits survive NFKC and must not pass as digits.
    assert_code("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "chars")


def test_unknown_province_prefix_is_rejected():
    assert_code("99010519800101001X", "province")
    assert_code("100105198001010032", "province")


def test_february_thirtieth_birth_date_is_rejected():
    assert_code("110105194902300012", "birthdate")


def test_birth_before_1900_is_rejected():
    assert_code("110105189912310015", "birthdate")


def test_birth_in_the_future_is_rejected():
    assert_code("110105210001010015", "birthdate")
    tomorrow = make_id("110105", date(2024, 5, 7), 1, "女")
    assert_code(tomorrow, "birthdate", today=date(2024, 5, 6))


def test_wrong_check_character_is_rejected():
    assert_code("110105194912310021", "checksum")
    assert_code("110105198001010030", "checksum")


def test_excel_integer_cell_is_reported_as_numeric_cell():
    assert_code(410611194303151250, "numeric_cell")
    assert_code(Decimal("410611194303151250"), "numeric_cell")


def test_excel_float_cell_is_reported_as_numeric_cell():
    assert_code(4.10611194303151e17, "numeric_cell")


def test_scientific_notation_text_is_reported_as_numeric_cell():
    assert_code("4.10611E+17", "numeric_cell")
    assert_code("4.10611e+17", "numeric_cell")
    assert_code("410611194303151250.0", "numeric_cell")


# --- messages and the exception type ----------------------------------------

MESSAGES = {
    "checksum": "身份证号校验位错误",
    "birthdate": "身份证号中的出生日期不存在",
    "length15": "15位旧身份证号需先转换为18位",
    "numeric_cell": "身份证号被Excel存成了数字，末几位已丢失，请把该列设为文本后重新填写",
    "province": "身份证号的省份代码不存在",
    "length": "身份证号应为18位",
    "chars": "身份证号只能包含数字和末位X",
}


@pytest.mark.parametrize(("code", "message"), MESSAGES.items())
def test_error_message_is_the_chinese_text_for_its_code(code, message):
    error = IdNumberError(code)
    assert str(error) == message
    assert error.code == code


def test_every_code_has_a_chinese_message():
    assert set(IdNumberError.MESSAGES) == set(MESSAGES) | {"empty"}
    assert str(IdNumberError("empty"))


def test_error_is_a_value_error_and_survives_pickling():
    error = pickle.loads(pickle.dumps(IdNumberError("checksum")))
    assert isinstance(error, ValueError)
    assert error.code == "checksum"
    assert str(error) == MESSAGES["checksum"]


def test_unknown_error_code_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown"):
        IdNumberError("nope")


# --- normalize_id ------------------------------------------------------------


def test_normalize_does_not_validate():
    assert normalize_id("abc") == "ABC"
    assert normalize_id("１２３") == "123"


def test_normalize_rejects_non_text_types():
    with pytest.raises(TypeError):
        normalize_id(True)
    with pytest.raises(TypeError):
        normalize_id(b"110105194912310021")


# --- check_char and make_id --------------------------------------------------


def test_check_char_of_the_standard_example_is_x():
    assert check_char(STANDARD_EXAMPLE[:17]) == "X"


@pytest.mark.parametrize(
    "bad",
    [
        "1101051949123100",
        "1101051949123100X",
        "１１０１０５１９４９１２３１００２",
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢",
        "+1101051949123100",
    ],
)
def test_check_char_needs_seventeen_ascii_digits(bad):
    with pytest.raises(ValueError):
        check_char(bad)


def test_make_id_lays_out_county_birth_seq_and_sex():
    number = make_id("410611", date(1943, 3, 15), 12, "女")
    assert number[:6] == "410611"
    assert number[6:14] == "19430315"
    assert number[14:16] == "12"
    assert number[16] == "4"
    assert validate_id(number) == number


def test_make_id_accepts_a_datetime_as_its_date():
    assert make_id("110105", datetime(1980, 1, 1, 8, 30), 0, "男") == make_id(
        "110105", date(1980, 1, 1), 0, "男"
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("41061", date(1980, 1, 1), 0, "男"), ValueError),
        (("990105", date(1980, 1, 1), 0, "男"), ValueError),
        (("110105", date(1899, 12, 31), 0, "男"), ValueError),
        (("110105", date(1980, 1, 1), 100, "男"), ValueError),
        (("110105", date(1980, 1, 1), -1, "男"), ValueError),
        (("110105", date(1980, 1, 1), 0, "M"), ValueError),
        (("110105", "1980-01-01", 0, "男"), TypeError),
        (("110105", date(1980, 1, 1), True, "男"), TypeError),
    ],
)
def test_make_id_rejects_bad_arguments(args, error):
    with pytest.raises(error):
        make_id(*args)


# --- properties --------------------------------------------------------------

counties = st.builds(
    lambda province, rest: province + f"{rest:04d}",
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(min_value=0, max_value=9999),
)
births = st.dates(min_value=date(1900, 1, 1), max_value=date.today())


@given(counties, births, st.integers(min_value=0, max_value=99), st.sampled_from(["男", "女"]))
def test_make_id_always_validates_and_round_trips(county, born, seq, sex_):
    number = make_id(county, born, seq, sex_)
    assert validate_id(number) == number
    assert birth_date(number) == born
    assert sex(number) == sex_


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_character_is_the_standards_weighted_sum(first17):
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    assert check_char(first17) == "10X98765432"[total % 11]


@given(counties, births, st.integers(min_value=0, max_value=99), st.sampled_from(["男", "女"]))
def test_any_single_digit_typo_in_the_body_breaks_the_checksum(county, born, seq, sex_):
    number = make_id(county, born, seq, sex_)
    position = seq % 17
    typo = str((int(number[position]) + 1 + seq % 9) % 10)
    mangled = number[:position] + typo + number[position + 1 :]
    with pytest.raises(IdNumberError):
        validate_id(mangled)
