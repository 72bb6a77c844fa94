"""Phone numbers as offices write them: a mainland mobile (1[3-9] and nine digits) or a landline with
its area code (0 and two or three digits, then seven or eight), spaces, dashes and brackets allowed
and dropped. One check for every phone field, page, import and API alike."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["PhoneError", "clean_phone"]

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_DROPPED = " ()（）"


class PhoneError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def clean_phone(raw: str | None, *, label: str = "联系电话", required: bool = False) -> str:
    """The number with spaces and brackets dropped (a landline keeps its dash), or ``PhoneError``."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    number = "".join(ch for ch in text if ch not in _DROPPED)
    if number.startswith("+86"):
        number = number[3:].lstrip("-")
    if not number:
        if required:
            raise PhoneError(f"请填写{label}。", "required")
        return ""
    if _MOBILE.fullmatch(number.replace("-", "")):
        return number.replace("-", "")
    if _LANDLINE.fullmatch(number):
        return number
    raise PhoneError(f"{label}格式不正确，请填写手机号码或带区号的固定电话（如 0571-87654321）。", "phone")
