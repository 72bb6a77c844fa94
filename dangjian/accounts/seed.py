"""Demo logins: a zone admin, a liaison-group member, two branch secretaries and an auditor."""

from django.db import transaction

from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, demo_password
from dangjian.orgs.models import LiaisonGroup, Org

from .models import Role, RoleAssignment, User
from .services import ensure_default_roles

DEMO_USERS = [
    # username, display name, role, org code, what they see
    ("admin", "区级管理员", "zone_admin", "SFQ", "全区"),
    ("liaison1", "第一联络组组员", None, "SFQ", "第一联络组联系的组织"),
    ("jizhuang", "姬庄村党总支书记", "secretary", "SFQ-V01", "姬庄村党总支及其支部"),
    ("sanhai", "三海社区党委书记", "secretary", "SFQ-C01", "三海社区党委及其支部"),
    ("auditor", "审计员", "auditor", "SFQ", "审计日志"),
    ("dangyuan", "姬庄村党员", None, "SFQ-V01-1", "扫码签到（关联姬庄村第一党支部的一名党员）"),
]


@transaction.atomic
def run(ctx: SeedContext) -> None:
    ensure_default_roles(actor="seed_demo")
    if User.objects.filter(username="admin").exists():
        return
    zone = ctx.zone()
    for username, display, role_id, code, _ in DEMO_USERS:
        org = Org.objects.get(code=code)
        user = User(username=username, display_name=display, home_org=org)
        user.set_password(demo_password())
        user.save()
        if role_id:
            RoleAssignment.objects.create(
                user=user, role=Role.objects.get(identifier=role_id), org=org, subtree=True
            )
    LiaisonGroup.objects.get(zone=zone, name="第一联络组").members.add(User.objects.get(username="liaison1"))
    log_action(
        actor="seed_demo", action="accounts.seed_demo", org=zone, data={"users": [u[0] for u in DEMO_USERS]}
    )
