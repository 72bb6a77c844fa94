"""Writes for users, role assignments and API tokens. Each is one transaction with one audit entry."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import PUBLIC, SYSTEM, Actor
from dangjian.core.audit import log_action
from dangjian.core.scoping import require
from dangjian.orgs.models import Org

from .models import ApiToken, Role, RoleAssignment, User
from .roles import DEFAULT_ROLES, exclusion_conflict, may_grant


class AccountError(ValidationError):
    pass


def _require_manage(actor: Actor, org: Org | None) -> None:
    require(actor, "accounts.manage", org, message="您无权在该组织范围内管理账号与授权。")


def _active_roles(user: User) -> set[str]:
    today = timezone.localdate()
    held = set(
        RoleAssignment.objects.active_on(today).filter(user=user).values_list("role__identifier", flat=True)
    )
    from dangjian.orgs.models import LiaisonGroup

    if LiaisonGroup.objects.filter(members=user, active=True).exists():
        held.add("liaison")
    return held


def _granter_roles(actor, org: Org) -> set[str]:
    """The actor's roles whose assignment covers ``org`` today (what they may grant there follows)."""
    today = timezone.localdate()
    return {
        a.role.identifier
        for a in RoleAssignment.objects.active_on(today).filter(user=actor).select_related("role", "org")
        if (org.path.startswith(a.org.path) if a.subtree else org.path == a.org.path)
    }


def check_grant(actor, *, user: User, role: Role, org: Org, revoke: bool = False) -> None:
    """Separation of duties (``roles.GRANT_RULES``): may ``actor`` grant (revoke) ``role`` on ``org``?"""
    verb = "撤销" if revoke else "授予"
    if actor is not SYSTEM:
        if getattr(actor, "pk", None) == user.pk:
            raise AccountError(f"不能为自己{verb}角色。", code="self_grant")
        _require_manage(actor, org)
        if not getattr(actor, "is_superuser", False) and not any(
            may_grant(granter, role.identifier) for granter in _granter_roles(actor, org)
        ):
            raise AccountError(f"您无权{verb}“{role.name}”角色。", code="separation_of_duties")
        if user.home_org_id is not None:
            require(actor, "accounts.manage", user.home_org, message="该用户不在您的管理范围内。")
    if not revoke:
        conflict = exclusion_conflict(role.identifier, _active_roles(user))
        if conflict is not None:
            names = dict(Role.objects.values_list("identifier", "name"))
            raise AccountError(
                f"“{role.name}”与该用户已有的“{names.get(conflict, conflict)}”角色互斥"
                "（系统管理员、安全管理员、审计管理员三员分立，且不兼任其他角色）。",
                code="mutually_exclusive",
            )


@transaction.atomic
def ensure_default_roles(*, actor: Actor) -> int:
    """Create the default roles that do not exist yet; never overwrites a configured role."""
    require(actor, "accounts.manage")
    created = 0
    for identifier, (name, caps) in DEFAULT_ROLES.items():
        _, was_created = Role.objects.get_or_create(
            identifier=identifier, defaults={"name": name, "capabilities": sorted(caps)}
        )
        created += was_created
    if created:
        log_action(actor=actor, action="accounts.ensure_default_roles", data={"created": created})
    return created


@transaction.atomic
def create_user(
    *,
    actor: Actor,
    username: str,
    password: str,
    display_name: str = "",
    phone: str = "",
    org: Org | None = None,
) -> User:
    """Create a login. ``org`` (where the admin manages accounts) is checked against the actor's scope."""
    _require_manage(actor, org)
    username = username.strip()
    if not username:
        raise AccountError("用户名不能为空。", code="required")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"用户名“{username}”已存在。", code="duplicate")
    user = User(username=username, display_name=display_name.strip(), phone=phone.strip(), home_org=org)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    log_action(actor=actor, action="accounts.create_user", obj=user, org=org, data={"username": username})
    return user


@transaction.atomic
def grant_role(
    *,
    actor: Actor,
    user: User,
    role: Role,
    org: Org,
    subtree: bool = True,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> RoleAssignment:
    """Give ``user`` the role on ``org`` (and its subtree), by the rules of ``roles.GRANT_RULES``."""
    check_grant(actor, user=user, role=role, org=org)
    if valid_from and valid_to and valid_to < valid_from:
        raise AccountError("失效日期不能早于生效日期。", code="dates")
    if valid_to and valid_to < timezone.localdate():
        raise AccountError("失效日期已过，该授权不会生效。", code="expired")
    if (
        RoleAssignment.objects.active_on(timezone.localdate())
        .filter(user=user, role=role, org=org, subtree=subtree)
        .exists()
    ):
        raise AccountError("该用户已有相同的授权。", code="duplicate")
    if user.home_org_id is None:
        user.home_org = org
        user.save(update_fields=["home_org"])
    assignment = RoleAssignment.objects.create(
        user=user, role=role, org=org, subtree=subtree, valid_from=valid_from, valid_to=valid_to
    )
    log_action(
        actor=actor,
        action="accounts.grant_role",
        obj=assignment,
        org=org,
        data={
            "user": user.username,
            "role": role.identifier,
            "org": org.code,
            "subtree": subtree,
            "valid_from": valid_from,
            "valid_to": valid_to,
        },
    )
    return assignment


@transaction.atomic
def end_role(*, actor: Actor, assignment: RoleAssignment) -> RoleAssignment:
    """End an assignment at once: it stays in history, valid up to yesterday (never deleted)."""
    check_grant(actor, user=assignment.user, role=assignment.role, org=assignment.org, revoke=True)
    end = timezone.localdate() - timedelta(days=1)
    assignment.valid_to = end
    if assignment.valid_from and assignment.valid_from > end:
        assignment.valid_from = end  # it never took effect
    assignment.save(update_fields=["valid_from", "valid_to"])
    log_action(
        actor=actor,
        action="accounts.end_role",
        obj=assignment,
        org=assignment.org,
        data={
            "user": assignment.user.username,
            "role": assignment.role.identifier,
            "org": assignment.org.code,
        },
    )
    return assignment


@transaction.atomic
def issue_token(*, actor: Actor, user: User, name: str = "") -> str:
    """Create an API token for ``user`` and return it; only its digest is kept."""
    if actor is not user:
        _require_manage(actor, user.home_org)
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=ApiToken.digest_of(raw))
    log_action(
        actor=actor,
        action="accounts.issue_token",
        obj=token,
        data={"user": user.username, "prefix": token.prefix},
    )
    return raw


@transaction.atomic
def record_login(*, user=None, username: str, success: bool, ip: str | None) -> None:
    """A login or a failed attempt; a failed one is the public's (the username is in the data)."""
    log_action(
        actor=user if success and user is not None else PUBLIC,
        action="accounts.login" if success else "accounts.login_failed",
        data={"username": username},
        ip=ip,
    )
