"""Writes for users, role assignments and API tokens. Each is one transaction with one audit entry."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from dangjian.core.actors import PUBLIC, SYSTEM, Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.rows import fetch, instance_from_row
from dangjian.core.scoping import remember_grants, require
from dangjian.orgs.models import Org

from .grants import GRANT_ROWS_SQL, grant_params, grants_from_rows
from .models import ApiToken, PasswordHistory, Role, RoleAssignment, SecurityPolicy, User
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


def _granter_roles(actor: Actor, org: Org) -> set[str]:
    """The actor's roles whose assignment covers ``org`` today (what they may grant there follows)."""
    today = timezone.localdate()
    return {
        a.role.identifier
        for a in RoleAssignment.objects.active_on(today).filter(user=actor).select_related("role", "org")
        if (org.path.startswith(a.org.path) if a.subtree else org.path == a.org.path)
    }


def check_grant(actor: Actor, *, user: User, role: Role, org: Org, revoke: bool = False) -> None:
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
    # Made by an administrator: the password is theirs, not the user's, until changed at first login.
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save()
    PasswordHistory.objects.create(user=user, password=user.password)
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
def issue_token(*, actor: Actor, user: User, name: str = "", days: int | None = None) -> str:
    """Create an API token for ``user`` and return it; only its digest is kept. It expires after
    ``days`` (default ``API_TOKEN_DAYS``, 180), and never later than that."""
    from django.conf import settings

    if not (getattr(actor, "is_authenticated", False) and actor.pk == user.pk):
        _require_manage(actor, user.home_org)  # someone else's token: an account manager's act
    days = min(days or settings.API_TOKEN_DAYS, settings.API_TOKEN_DAYS)
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80],
        prefix=raw[:10],
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    log_action(
        actor=actor,
        action="accounts.issue_token",
        obj=token,
        data={"user": user.username, "prefix": token.prefix, "name": token.name, "days": days},
    )
    return raw


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    """A user revokes their own token; an account manager any token of a user in their scope."""
    if getattr(actor, "pk", None) != token.user_id:
        _require_manage(actor, token.user.home_org)
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])
        log_action(
            actor=actor,
            action="accounts.revoke_token",
            obj=token,
            data={"user": token.user.username, "prefix": token.prefix},
        )
    return token


def _check_password_history(user: User, password: str) -> None:
    from django.conf import settings
    from django.contrib.auth.hashers import check_password

    recent = user.password_history.order_by("-created_at", "-id")[: settings.PASSWORD_HISTORY]
    if user.check_password(password) or any(check_password(password, h.password) for h in recent):
        raise AccountError(f"新密码不能与最近{settings.PASSWORD_HISTORY}次使用过的密码相同。", code="reused")


def _set_password(user: User, password: str, *, must_change: bool) -> None:
    validate_password(password, user)
    _check_password_history(user, password)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    PasswordHistory.objects.create(user=user, password=user.password)


@transaction.atomic
def change_own_password(*, actor: User, old_password: str, new_password: str) -> User:
    """A user changes their own password: the old one is required, the last five are refused."""
    if not actor.check_password(old_password):
        raise AccountError("原密码不正确。", code="wrong_password")
    _set_password(actor, new_password, must_change=False)
    log_action(actor=actor, action="accounts.change_password", obj=actor, org=actor.home_org)
    return actor


@transaction.atomic
def reset_password(*, actor: Actor, user: User, new_password: str) -> User:
    """An administrator sets a new password; the user must change it at their next login."""
    if getattr(actor, "pk", None) == user.pk:
        raise AccountError("请通过“修改密码”修改自己的密码。", code="self")
    _require_manage(actor, user.home_org)
    _set_password(user, new_password, must_change=True)
    log_action(
        actor=actor,
        action="accounts.reset_password",
        obj=user,
        org=user.home_org,
        data={"user": user.username},
    )
    return user


@transaction.atomic
def set_user_active(*, actor: Actor, user: User, active: bool) -> User:
    """Disable (or re-enable) a login. Disabling ends its sessions and revokes its API tokens at once."""
    if getattr(actor, "pk", None) == user.pk:
        raise AccountError("不能停用自己的账号。", code="self")
    _require_manage(actor, user.home_org)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    ended = revoked = 0
    if not active:
        revoked = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
        ended = end_sessions_of(user)
    log_action(
        actor=actor,
        action="accounts.enable_user" if active else "accounts.disable_user",
        obj=user,
        org=user.home_org,
        data={"user": user.username, "sessions_ended": ended, "tokens_revoked": revoked},
    )
    return user


def end_sessions_of(user: User) -> int:
    """Delete every live session of ``user`` (database sessions: decoded one by one, few are live)."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def record_login(*, user: User | None = None, username: str, success: bool, ip: str | None) -> None:
    """A login or a failed attempt; a failed one is the public's (the username is in the data)."""
    log_action(
        actor=user if success and user is not None else PUBLIC,
        action="accounts.login" if success else "accounts.login_failed",
        data={"username": username},
        ip=ip,
    )


@transaction.atomic
def set_second_factor_for_everyone(*, actor: Actor, required: bool) -> SecurityPolicy:
    """The zone setting requiring the second factor of every login; the security admin's (the
    capability of the security page, reserved to that duty)."""
    require(actor, "security.view", message="只有安全管理员可以修改安全策略。")
    policy = SecurityPolicy.objects.select_for_update().filter(pk=1).first() or SecurityPolicy(pk=1)
    before = policy.second_factor_for_everyone
    policy.second_factor_for_everyone = required
    policy.changed_at = timezone.now()
    policy.changed_by = acting_user(actor)
    policy.save()
    log_action(
        actor=actor,
        action="accounts.set_security_policy",
        data={"second_factor_for_everyone": required, "before": before},
    )
    return policy


_USER_COLUMNS = [f.attname for f in User._meta.concrete_fields]
# The token's user and, in the same statement, the rows of its grants (accounts.grants): every API
# request needs both, and one round trip fewer is ~0.25 ms of CPU a request (client and server).
# The user's row is the one with the token's id; each grant row has NULL there.
_NULLS = ", ".join(["NULL"] * (2 + len(_USER_COLUMNS)))
# Names from the models' own options; every value goes as a parameter.
_TOKEN_USER_SQL = "".join(
    (
        "WITH tu AS (SELECT t.id AS token_id,",
        " (t.last_used_at IS NULL OR t.last_used_at < %s) AS untouched, ",
        ", ".join(f'u."{f.column}"' for f in User._meta.concrete_fields),
        " FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id",
        " WHERE t.digest = %s AND t.revoked = %s AND u.is_active = %s",
        " AND (t.expires_at IS NULL OR t.expires_at > %s))",
        " SELECT tu.*, NULL, NULL, NULL, NULL FROM tu UNION ALL SELECT ",
        _NULLS,
        ", g.* FROM (",
        GRANT_ROWS_SQL.format(user="(SELECT tu.id FROM tu)"),
        ") g",
    )
)


def user_for_api_token(token: str) -> User | None:
    """The active user an API bearer token belongs to (unrevoked, unexpired), or None; the user comes
    with the grants it holds today (core.scoping.grants_for asks no more).

    Touches the token's last use at most once a minute, so reads through the API stay reads. Every
    API request asks, so the question is one statement written in SQL, its user loaded through the
    ORM's converters (core.rows); the ORM spent more CPU compiling it than the database running it."""
    if not token or len(token) > 200:
        return None
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    today = connection.ops.adapt_datefield_value(timezone.localdate(now))
    params = [adapt(now - timedelta(minutes=1)), ApiToken.digest_of(token), False, True, adapt(now)]
    rows = fetch(_TOKEN_USER_SQL, params + grant_params(today))
    users = [row for row in rows if row[0] is not None]
    if not users:
        return None
    token_id, untouched, *columns = users[0][: 2 + len(_USER_COLUMNS)]
    if untouched:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    user = instance_from_row(User, _USER_COLUMNS, columns, connection.alias)
    if not user.is_superuser:  # a superuser's grants are every root's, which grants_of reads
        remember_grants(user, grants_from_rows([row[-4:] for row in rows if row[0] is None]))
    return user
