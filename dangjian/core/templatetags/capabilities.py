"""``{% may_open "people:import" as ok %}``: draw a link only when its view would open for this user."""

from typing import Any

from django import template
from django.template import Context

from dangjian.core.scoping import HasPath
from dangjian.core.scoping import may_open as _may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open(context: Context, viewname: str, *args: Any, org: HasPath | None = None, **kwargs: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return _may_open(user, viewname, *args, org=org, **kwargs)
