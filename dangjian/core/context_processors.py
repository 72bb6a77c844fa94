from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from . import registry
from .actors import UserLike
from .scoping import may_open

# The main menu: each entry is drawn when its page would open (core.scoping.may_open asks the view).
NAV = {
    "todo": "reports:todo",
    "reports": "reports:dashboard",
    "orgs": "orgs:tree",
    "members": "people:roster",
    "activities": "activities:index",
    "casework": "casework:index",
    "projects": "projects:index",
    "ratings": "ratings:index",
    "payouts": "payouts:index",
    "checklists": "checklists:index",
    "accounts": "accounts:users",
    "audit": "core:audit",
    "security": "accounts:security",
}


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "PLATFORM_NAME": "党建工作平台",
        "nav": {key: signed_in and may_open(user, name) for key, name in NAV.items()},
        "MEMBER_HOME": member_home(user) if user and signed_in else None,
        "IDLE_TIMEOUT_MINUTES": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "DEMO": settings.DANGJIAN_DEMO,
    }


def member_home(user: UserLike) -> str | None:
    """The URL of 我的 when this login is linked to a member, else None (asked once per request)."""
    # Kept on the user object, which lives as long as the request (UserLike does not declare it).
    memo: dict[str, Any] = user.__dict__
    if "_dangjian_member_home" in memo:
        cached: str | None = memo["_dangjian_member_home"]
        return cached
    try:
        provide = registry.provider("member_home")
    except ImproperlyConfigured:  # no app provides it: no 我的 page
        provide = None
    url = provide(user) if provide else None
    memo["_dangjian_member_home"] = url
    return url
