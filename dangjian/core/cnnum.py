"""Chinese number phrasing in the style of a newspaper year-end article.

All public functions take non-negative ``int`` values only: ``bool`` and
``float`` raise ``TypeError``, negative values raise ``ValueError``.

Approximate counts — ``approx(n)``
    The number is *truncated* (never rounded up) and "余" is appended
    exactly when the truncation dropped something, so the phrase never
    overstates the real figure.

    * ``n < 10``: exact digits. ``7`` → "7".
    * ``10 <= n < 100``: truncated to the tens. ``34`` → "30余", ``30`` → "30".
    * ``100 <= n < 10000``: two significant digits. ``1623`` → "1600余",
      ``5043`` → "5000余", ``610`` → "610", ``6512`` → "6500余".
    * ``n >= 10000``: two significant digits, written in 万 (in 亿 from
      ``10**8`` on, however large), with a decimal point only when the kept
      digits need one; "余" follows the unit. ``12345`` → "1.2万余",
      ``12000`` → "1.2万", ``150000`` → "15万", ``6_050_000`` → "600万余",
      ``230_000_000`` → "2.3亿".

    ``approx_with_unit(n, unit)`` appends the measure word after "余":
    ``(1623, "名")`` → "1600余名", ``(12345, "名")`` → "1.2万余名".

Approximate money — ``yuan_approx(fen)``
    Amounts are integer 分 (100 分 = 1 元). The same two-significant-digit
    truncation applies to the amount in 元; dropped 角/分 also count as
    something cut, so they also earn "余".

    * below 1万元: the ``approx`` phrasing of the whole 元 plus "元":
      ``12_345`` 分 → "120余元", ``70_000`` 分 → "700元".
    * from 1万元 (from 1亿元 in 亿元), where "余" goes depends on the figure
      written before the unit:

      - three or more digits (a whole number): "余" goes before the unit,
        as newspapers write money — 6,123,456 元 → "610余万元",
        42,345,678 元 → "4200余万元", 6,050,000 元 → "600余万元";
      - one or two digits: "余" follows the unit, since "1余万元" reads as
        "more than one, in 万" and is not how the article writes it —
        10,050 元 → "1万余元", 159,200 元 → "15万余元",
        2,345,678,900 元 → "23亿余元";
      - a decimal: "余" cannot sit inside "1.2万", so it follows the unit —
        12,345 元 → "1.2万余元".

    Which figures print approximately and which exactly (108.5万元, 15.92万元,
    23亿元) is the caller's choice (a metric's ``approx``), not this module's.

Exact money — ``yuan_exact(fen)``
    From 1亿元 in 亿元, from 1万元 in 万元, otherwise in 元; as many decimals
    as the exact value needs (trailing zeros stripped, never rounded). When
    the 亿 or 万 figure would need more than four decimals, the next smaller
    unit is used instead. ``108_500_000`` 分 → "108.5万元",
    ``230_000_000_000`` 分 → "23亿元", ``8_000_000_000`` 分 → "8000万元",
    ``12_345`` 分 → "123.45元".

Exact counts — ``exact_with_unit(n, unit)``
    Plain digits at any size, as the article writes exact counts: "81个".
"""

from __future__ import annotations

__all__ = ["approx", "approx_with_unit", "exact_with_unit", "yuan_approx", "yuan_exact"]

YU = "余"

_WAN = 10**4
_YI = 10**8
_FEN_PER_YUAN = 100
# At most four decimals of the 万/亿 figure, i.e. a granularity of 1元 or 1万元.
_MAX_DECIMALS = 4


def _check_int(value: object, name: str) -> int:
    # bool is an int subclass, but True/False as a count is always a caller bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _check_unit(unit: object) -> str:
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a str, got {type(unit).__name__}")
    return unit


def _truncate(n: int) -> int:
    """Return ``n`` truncated to the digits the article keeps (see module docstring)."""
    if n < 10:
        return n
    if n < 100:
        return n // 10 * 10
    step: int = 10 ** (len(str(n)) - 2)
    return n // step * step


def _decimal(value: int, base: int) -> str:
    """Exact decimal text of ``value / base`` for a power-of-ten ``base``, trailing zeros stripped."""
    whole, rest = divmod(value, base)
    if rest == 0:
        return str(whole)
    width = len(str(base)) - 1
    return f"{whole}.{str(rest).rjust(width, '0').rstrip('0')}"


def _scaled(value: int) -> tuple[str, str]:
    """Split ``value`` into (number text, "万"/"亿"/"") for display."""
    if value >= _YI:
        return _decimal(value, _YI), "亿"
    if value >= _WAN:
        return _decimal(value, _WAN), "万"
    return str(value), ""


def approx(n: int) -> str:
    """Truncated "余" phrasing of a count, e.g. ``approx(1623) == "1600余"``."""
    _check_int(n, "n")
    kept = _truncate(n)
    number, big_unit = _scaled(kept)
    return f"{number}{big_unit}{YU if kept != n else ''}"


def approx_with_unit(n: int, unit: str) -> str:
    """``approx(n)`` followed by the measure word, e.g. ``(1623, "名") → "1600余名"``."""
    return approx(n) + _check_unit(unit)


def exact_with_unit(n: int, unit: str) -> str:
    """Exact count as plain digits plus measure word, e.g. ``(81, "个") → "81个"``."""
    _check_int(n, "n")
    return f"{n}{_check_unit(unit)}"


def yuan_approx(fen: int) -> str:
    """Truncated "余" phrasing of an amount given in 分, e.g. 612345600 分 → "610余万元"."""
    _check_int(fen, "fen")
    kept_yuan = _truncate(fen // _FEN_PER_YUAN)
    cut = kept_yuan * _FEN_PER_YUAN != fen
    number, big_unit = _scaled(kept_yuan)
    if not cut:
        return f"{number}{big_unit}元"
    if big_unit and "." not in number and len(number) >= 3:
        return f"{number}{YU}{big_unit}元"
    return f"{number}{big_unit}{YU}元"


def yuan_exact(fen: int) -> str:
    """Exact amount given in 分, in 亿元/万元/元 as the module docstring describes."""
    _check_int(fen, "fen")
    for base_yuan, unit in ((_YI, "亿元"), (_WAN, "万元")):
        base_fen = base_yuan * _FEN_PER_YUAN
        if fen >= base_fen and fen % (base_fen // 10**_MAX_DECIMALS) == 0:
            return _decimal(fen, base_fen) + unit
    return _decimal(fen, _FEN_PER_YUAN) + "元"
