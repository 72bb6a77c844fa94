"""Login policy (等保 2.0 level 3): who needs a second factor, when a password must change.

Read by ``middleware.LoginPolicyMiddleware`` on every request and by the security page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from .roles import ADMIN_DUTIES

if TYPE_CHECKING:
    from .models import User

# Roles whose holders always need the second factor, besides anyone holding pii.reveal.
SECOND_FACTOR_ROLES = (*ADMIN_DUTIES, "zone_admin")


def demo_exempt(user: User) -> bool:
    """In demo mode the logins seed_demo made skip the second factor, first-login change and expiry."""
    if not settings.DANGJIAN_DEMO:
        return False
    from .seed import DEMO_USERS

    return user.get_username() in {u[0] for u in DEMO_USERS}


def second_factor_for_everyone() -> bool:
    """The zone setting (the security page's switch, or DANGJIAN_2FA_FOR_EVERYONE in the environment)."""
    from .models import SecurityPolicy

    if settings.OTP_REQUIRED_FOR_ALL:
        return True
    return SecurityPolicy.objects.filter(pk=1, second_factor_for_everyone=True).exists()


def needs_second_factor(user: User) -> bool:
    if not getattr(user, "is_authenticated", False) or demo_exempt(user):
        return False
    if settings.OTP_REQUIRED_FOR_ALL or user.is_superuser or second_factor_for_everyone():
        return True
    from dangjian.core.scoping import has_capability

    from .models import RoleAssignment

    if has_capability(user, "pii.reveal"):
        return True
    return (
        RoleAssignment.objects.active_on(timezone.localdate())
        .filter(user=user, role__identifier__in=SECOND_FACTOR_ROLES)
        .exists()
    )


def has_second_factor(user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def password_expires_on(user: User) -> datetime:
    changed = user.password_changed_at or user.date_joined
    return changed + timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def password_change_reason(user: User) -> str | None:
    """Why the user must change their password before anything else, or None."""
    if demo_exempt(user):
        return None
    if user.must_change_password:
        return "首次登录或密码被管理员重置后，请先修改密码。"
    if password_expires_on(user) <= timezone.now():
        return f"密码已超过{settings.PASSWORD_MAX_AGE_DAYS}天未修改，请修改密码。"
    return None
