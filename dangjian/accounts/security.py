"""The 安全管理员's page: who lacks the second factor, what expires soon, lockouts, oracle alerts, and
the state of the audit chain and its last checkpoint."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.actors import Actor
from dangjian.core.audit import verify_chain
from dangjian.core.checkpoints import verify_checkpoints
from dangjian.core.http import AuthedRequest
from dangjian.core.scoping import requires

from .models import ApiToken, SecurityPolicy
from .policy import has_second_factor, needs_second_factor, password_expires_on
from .selectors import users_visible_to
from .services import set_second_factor_for_everyone

SOON_DAYS = 14


def security_overview(actor: Actor) -> dict:
    from axes.models import AccessAttempt

    from dangjian.people.registration import oracle_alerts

    now = timezone.now()
    users = list(users_visible_to(actor).filter(is_active=True))
    without_2fa = [u for u in users if needs_second_factor(u) and not has_second_factor(u)]
    expiring = sorted(
        (
            (u, password_expires_on(u))
            for u in users
            if password_expires_on(u) <= now + timedelta(days=SOON_DAYS)
        ),
        key=lambda pair: pair[1],
    )
    tokens = (
        ApiToken.objects.filter(user__in=[u.pk for u in users], revoked=False)
        .filter(Q(expires_at__lte=now + timedelta(days=SOON_DAYS)) | Q(expires_at__isnull=True))
        .select_related("user")
        .order_by("expires_at")
    )
    lockouts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=now - timedelta(days=30)
    ).order_by("-attempt_time")[:50]
    last_checkpoint, checkpoint_problems = verify_checkpoints()
    # Past the last good checkpoint the chain is walked here; before it the checkpoint vouches.
    checked, chain_problems = verify_chain(
        after=(last_checkpoint.entry_id, last_checkpoint.entry_hash) if last_checkpoint else None
    )
    return {
        "without_2fa": without_2fa,
        "expiring_passwords": expiring,
        "expiring_tokens": tokens,
        "lockouts": lockouts,
        "oracle_alerts": oracle_alerts(),
        "last_checkpoint": last_checkpoint,
        "chain_checked": checked,
        "chain_problems": checkpoint_problems + chain_problems,
        "now": now,
        "soon_days": SOON_DAYS,
        "policy": SecurityPolicy.current(),
        "policy_forced": settings.OTP_REQUIRED_FOR_ALL,
    }


@require_GET
@requires("security.view")
def page(request: AuthedRequest) -> HttpResponse:
    return render(request, "accounts/security.html", security_overview(request.user))


@require_POST
@requires("security.view")
def set_policy(request: AuthedRequest) -> HttpResponse:
    required = request.POST.get("second_factor_for_everyone") == "on"
    set_second_factor_for_everyone(actor=request.user, required=required)
    messages.success(
        request,
        "已要求所有用户启用二次验证。"
        if required
        else "已恢复为仅管理员与可查看完整个人信息者须启用二次验证。",
    )
    return redirect("accounts:security")
