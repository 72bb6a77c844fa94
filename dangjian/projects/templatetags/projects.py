from django import template

from ..exporters import _wan

register = template.Library()


@register.filter
def wan(fen) -> str:
    """分 → 万元 as ledgers print it: 4236万元 → "4,236", 102亿元 → "1,020,000"."""
    return _wan(int(fen or 0))


@register.filter
def yuan_cn(fen) -> str:
    """分 → the article's exact phrasing: 102亿元, 4236万元, 1250.5元."""
    from dangjian.core import cnnum

    return cnnum.yuan_exact(int(fen or 0))


@register.simple_tag
def page_query(request, number: int) -> str:
    """The current query string with ``page`` replaced, so paging keeps every filter."""
    query = request.GET.copy()
    query["page"] = number
    return query.urlencode()
