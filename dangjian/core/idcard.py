"""Chinese resident identity numbers (居民身份证号码, GB 11643-1999).

An 18-character number is: 6-digit administrative division code, 8-digit
birth date (YYYYMMDD), 3-digit sequence code whose last digit is odd for men
and even for women, and a check character (ISO 7064 MOD 11-2, "X" for 10).

Validation deliberately checks only the province-level prefix of the
division code, never whether the county code existed in the birth year:
numbers are issued with the division current at issue time, so a member born
in 1943 legitimately carries 410611, a district created decades later.

Error messages are in Chinese because they are shown to the people filling
in member rosters; ``IdNumberError.code`` is the stable machine-readable part.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from datetime import date, datetime

__all__ = [
    "PROVINCE_CODES",
    "IdNumberError",
    "birth_date",
    "check_char",
    "make_id",
    "normalize_id",
    "sex",
    "validate_id",
]

# Grouped by region so a missing or extra code stands out on review.
# fmt: off
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",        # North
    "21", "22", "23",                    # Northeast
    "31", "32", "33", "34", "35", "36", "37",  # East
    "41", "42", "43", "44", "45", "46",  # Central-South
    "50", "51", "52", "53", "54",        # Southwest
    "61", "62", "63", "64", "65",        # Northwest
    "71", "81", "82",                    # Taiwan, Hong Kong, Macao
})
# fmt: on
EARLIEST_BIRTH = date(1900, 1, 1)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # the standard's, for the tests
_CHECK_CHARS = "10X98765432"

_MESSAGES = {
    "empty": "身份证号不能为空",
    "length15": "15位旧身份证号需先转换为18位",
    "length": "身份证号应为18位",
    "chars": "身份证号只能包含数字和末位X",
    "checksum": "身份证号校验位错误",
    "birthdate": "身份证号中的出生日期不存在",
    "province": "身份证号的省份代码不存在",
    "numeric_cell": "身份证号被Excel存成了数字，末几位已丢失，请把该列设为文本后重新填写",
}

# Explicit [0-9] rather than \d: \d also matches Arabic-Indic and other digits.
_COUNTY = re.compile(r"[0-9]{6}")
# How a number stored in an Excel numeric cell comes out as text:
# "4.10611E+17" as displayed, or "410611430101001.0" from a float.
_NUMERIC_TEXT = re.compile(r"[0-9]+(?:\.[0-9]*)?E[+-]?[0-9]+|[0-9]+\.0+")


class IdNumberError(ValueError):
    """Invalid ID number; ``code`` is one of the keys of ``IdNumberError.MESSAGES``, str() is Chinese."""

    MESSAGES = _MESSAGES

    def __init__(self, code: str) -> None:
        if code not in _MESSAGES:
            raise ValueError(f"unknown IdNumberError code {code!r}")
        self.code = code
        self.message = _MESSAGES[code]
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[IdNumberError], tuple[str]]:
        # The default would call __init__(message); rebuild from the code instead.
        return (type(self), (self.code,))


def normalize_id(raw: object) -> str:
    """Canonical text form of a raw cell value; does not validate.

    NFKC-normalizes (full-width digits become ASCII), drops all whitespace and
    invisible format characters, and upper-cases "x". ``None`` becomes "".
    Numbers (int/float/Decimal) and numeric-looking text such as "4.10611E+17"
    raise ``IdNumberError("numeric_cell")``: Excel keeps only 15 significant
    digits of a numeric cell, so the original number is unrecoverable.
    Other non-str types raise ``TypeError``.
    """
    if type(raw) is str and raw.isascii():
        # The common case, first: NFKC leaves ASCII as it is, and no ASCII character is a format
        # character (Cf).
        text = "".join(raw.split()).upper()
        # Numeric text holds an E or a point: a plain number skips the pattern.
        if ("E" in text or "." in text) and _NUMERIC_TEXT.fullmatch(text):
            raise IdNumberError("numeric_cell")
        return text
    if raw is None:
        return ""
    if isinstance(raw, bool):
        raise TypeError("ID number must be a str, got bool")
    if isinstance(raw, numbers.Number):
        raise IdNumberError("numeric_cell")
    if not isinstance(raw, str):
        raise TypeError(f"ID number must be a str, got {type(raw).__name__}")
    text = unicodedata.normalize("NFKC", raw)
    # Pasted spreadsheet text often carries zero-width spaces or a BOM (category Cf).
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf").upper()
    if _NUMERIC_TEXT.fullmatch(text):
        raise IdNumberError("numeric_cell")
    return text


def check_char(first17: str) -> str:
    """Check character ("0"–"9" or "X") for the first 17 ASCII digits."""
    if not isinstance(first17, str) or len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("check_char needs exactly 17 ASCII digits")
    return _check_char(first17)


def _check_char(digits17: str) -> str:
    # MOD 11-2 weighs the digits 2**17 … 2**1 (mod 11: _WEIGHTS). 13 ≡ 2 (mod 11), so the digits read
    # as one base-13 number weigh 2**16 … 2**0: twice that number is the weighted sum, mod 11, from
    # one C call instead of 17 int() calls and products.
    return _CHECK_CHARS[2 * int(digits17, 13) % 11]


def _parse_birth(yyyymmdd: str) -> date | None:
    try:
        return date.fromisoformat(yyyymmdd)  # YYYYMMDD, 8 ASCII digits here
    except ValueError:
        return None


def validate_id(raw: object, *, today: date | None = None) -> str:
    """Normalize and validate; return the 18-character number or raise ``IdNumberError``.

    Checks, in order: empty, 15-digit old number, length, characters,
    province prefix, birth date (a real date from 1900-01-01 to ``today``,
    default ``date.today()``; callers in Django should pass
    ``timezone.localdate()`` so the cut-off follows TIME_ZONE), check character.
    """
    number = normalize_id(raw)
    if len(number) != 18:
        if not number:
            raise IdNumberError("empty")
        if len(number) == 15 and number.isascii() and number.isdigit():
            raise IdNumberError("length15")
        raise IdNumberError("length")
    # isdigit() alone would take other scripts' digits; ASCII ones are exactly 0-9.
    if not (number.isascii() and number[:17].isdigit() and (number[17] == "X" or number[17].isdigit())):
        raise IdNumberError("chars")
    if number[:2] not in PROVINCE_CODES:
        raise IdNumberError("province")
    born = _parse_birth(number[6:14])
    if born is None or not EARLIEST_BIRTH <= born <= (today or date.today()):
        raise IdNumberError("birthdate")
    if _check_char(number[:17]) != number[17]:
        raise IdNumberError("checksum")
    return number


def birth_date(id18: object) -> date:
    """Birth date encoded in a valid ID number; raises ``IdNumberError`` if it is not valid."""
    number = validate_id(id18)
    born = _parse_birth(number[6:14])
    assert born is not None  # guaranteed by validate_id
    return born


def sex(id18: object) -> str:
    """ "男" when the 17th character is odd, else "女"; raises ``IdNumberError`` if not valid."""
    number = validate_id(id18)
    return "男" if int(number[16]) % 2 else "女"


def make_id(county: str, birth: date, seq: int, sex: str) -> str:
    """Build a valid fictitious ID number for seed data and tests.

    ``county`` is a 6-digit division code with a real province prefix,
    ``birth`` a date from 1900-01-01 to today, ``seq`` 0–99 becomes the
    15th–16th characters, and the 17th is ``2 * (seq % 5) + 1`` for "男"
    or ``2 * (seq % 5)`` for "女". Bad arguments raise ``ValueError``/``TypeError``.
    """
    if not isinstance(county, str) or not _COUNTY.fullmatch(county):
        raise ValueError("county must be 6 ASCII digits")
    if county[:2] not in PROVINCE_CODES:
        raise ValueError(f"unknown province prefix in county code {county!r}")
    if isinstance(birth, datetime):
        birth = birth.date()
    if not isinstance(birth, date):
        raise TypeError("birth must be a date")
    if not EARLIEST_BIRTH <= birth <= date.today():
        raise ValueError("birth must be between 1900-01-01 and today")
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise TypeError("seq must be an int")
    if not 0 <= seq <= 99:
        raise ValueError("seq must be within 0–99")
    if sex == "男":
        sex_digit = 2 * (seq % 5) + 1
    elif sex == "女":
        sex_digit = 2 * (seq % 5)
    else:
        raise ValueError('sex must be "男" or "女"')
    first17 = f"{county}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + check_char(first17)
