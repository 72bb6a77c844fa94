"""Chinese numerals for the few figures the article writes in characters ("四届", "五大类")."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"
_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def cn_numeral(n: int) -> str:
    """``4 → "四"``, ``10 → "十"``, ``15 → "十五"``, ``105 → "一百零五"``, ``2023 → "二千零二十三"``.

    Counts above 9999 are not written in characters by the article; they stay in digits."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    if n > 9999:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    parts: list[str] = []
    rest = n
    pending_zero = False
    for value, unit in _UNITS:
        digit, rest = divmod(rest, value)
        if digit:
            if pending_zero:
                parts.append("零")
                pending_zero = False
            # "十五", not "一十五", when the number starts with the tens.
            parts.append(unit if (value == 10 and digit == 1 and not parts) else _DIGITS[digit] + unit)
        elif parts:
            pending_zero = True
    if rest:
        if pending_zero:
            parts.append("零")
        parts.append(_DIGITS[rest])
    return "".join(parts)
