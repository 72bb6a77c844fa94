from django.conf import settings

from .scoping import has_capability


def platform(request):
    user = getattr(request, "user", None)

    def can(capability: str) -> bool:
        return bool(user and user.is_authenticated and has_capability(user, capability))

    return {
        "PLATFORM_NAME": "党建工作平台",
        "nav": {
            "orgs": can("orgs.view"),
            "members": can("members.view"),
            "activities": can("activities.view"),
            "casework": can("casework.view"),
            "projects": can("projects.view"),
            "ratings": can("ratings.view"),
            "checklists": can("checklists.view"),
            "reports": can("reports.view"),
            "payouts": can("payouts.view"),
            "accounts": can("accounts.manage"),
            "audit": can("audit.view"),
            "security": can("security.view"),
        },
        "IDLE_TIMEOUT_MINUTES": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "DEMO": settings.DANGJIAN_DEMO,
    }
