"""Demo logins: a zone admin, a liaison-group member, two branch secretaries and an auditor."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, demo_password
from dangjian.orgs.models import LiaisonGroup, Org

from .models import Role, RoleAssignment, User
from .roles import ADMIN_DUTIES
from .services import ensure_default_roles

DEMO_USERS = [
    # username, display name, role, org code, what they see
    ("admin", "区级管理员", "zone_admin", "SFQ", "全区"),
    ("liaison1", "第一联络组组员", None, "SFQ", "第一联络组联系的组织"),
    ("jizhuang", "姬庄村党总支书记", "secretary", "SFQ-V01", "姬庄村党总支及其支部"),
    ("sanhai", "三海社区党委书记", "secretary", "SFQ-C01", "三海社区党委及其支部"),
    ("auditor", "审计员", "auditor", "SFQ", "审计日志"),
    # The three administrator duties (三员分立), one login each.
    ("xitong", "系统管理员", "sysadmin", "SFQ", "账号的创建、停用与密码重置"),
    ("anquan", "安全管理员", "secadmin", "SFQ", "角色授权与安全状况"),
    ("shenji", "审计管理员", "auditadmin", "SFQ", "审计日志的检索与导出"),
    ("dangyuan", "姬庄村党员", None, "SFQ-V01-1", "扫码签到（关联姬庄村第一党支部的一名党员）"),
]


@transaction.atomic
def run(ctx: SeedContext) -> None:
    ensure_default_roles(actor=SYSTEM)
    zone = ctx.zone()
    if User.objects.filter(username="admin").exists():
        # Demo databases seeded before the three duties existed get their logins too.
        added = _add_users([u for u in DEMO_USERS if u[2] in ADMIN_DUTIES])
        if added:
            log_action(actor=SYSTEM, action="accounts.seed_demo", org=zone, data={"users": added})
        return
    added = _add_users(DEMO_USERS)
    LiaisonGroup.objects.get(zone=zone, name="第一联络组").members.add(User.objects.get(username="liaison1"))
    log_action(actor=SYSTEM, action="accounts.seed_demo", org=zone, data={"users": added})


def _add_users(rows: Iterable[tuple[str, str, str | None, str, Any]]) -> list[str]:
    added = []
    for username, display, role_id, code, _ in rows:
        if User.objects.filter(username=username).exists():
            continue
        added.append(username)
        demo_user(username, display, role_id, Org.objects.get(code=code))
    return added


def demo_user(username: str, display: str, role_id: str | None, org: Org) -> User:
    """A demo login with the demo password and one role on ``org``'s subtree (other apps' seeds add
    their staff with it); an existing login of that name is returned as it is."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(username=username, display_name=display, home_org=org)
    user.set_password(demo_password())
    user.save()
    if role_id:
        RoleAssignment.objects.create(
            user=user, role=Role.objects.get(identifier=role_id), org=org, subtree=True
        )
    return user
