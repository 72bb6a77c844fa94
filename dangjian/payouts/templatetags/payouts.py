from django import template

from dangjian.core.money import fmt_yuan

register = template.Library()


@register.filter
def yuan(fen: int | str | None) -> str:
    """分 → "1,234.56"."""
    if fen in (None, ""):
        return ""
    return fmt_yuan(int(fen))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key) if mapping else key
