"""Money is integer 分 everywhere; these helpers parse and print it exactly."""

from decimal import Decimal, InvalidOperation


def yuan_to_fen(text: str | int | Decimal) -> int:
    """Parse an amount in 元 ("1,234.5", "1234.56元") to 分; more than two decimals is an error."""
    if isinstance(text, bool):
        raise ValueError("金额格式不正确")
    raw = str(text).replace(",", "").replace("，", "").replace("元", "").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"金额“{text}”格式不正确") from None
    if not amount.is_finite():
        raise ValueError(f"金额“{text}”格式不正确")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"金额“{text}”最多保留两位小数")
    return int(fen)


def fmt_yuan(fen: int) -> str:
    """12345678 → '123,456.78'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"
