"""Capabilities and the default roles. Roles live in the database (configurable); these are seeds."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

CAPABILITIES = {
    "orgs.view": _("查看组织"),
    "orgs.edit": _("维护组织、班子与换届"),
    "orgs.supervise": _("督导（联络组）"),
    "members.view": _("查看党员与群众"),
    "members.edit": _("维护党员与群众"),
    "members.import": _("导入花名册"),
    "pii.reveal": _("查看完整身份证号和电话"),
    "activities.view": _("查看组织生活"),
    "activities.edit": _("记录组织生活"),
    "casework.view": _("查看走访调研与群众诉求"),
    "casework.edit": _("登记走访调研、办理群众诉求"),
    "casework.configure": _("维护诉求类别、办理时限与节假日"),
    "projects.view": _("查看项目、突击队与服务场所"),
    "projects.edit": _("维护项目、突击队与服务场所"),
    "ratings.view": _("查看评星评议"),
    "ratings.pledge": _("填报五星承诺、推荐与述诺"),
    "ratings.points": _("审核党员积分"),
    "ratings.manage": _("组织五星评定、评选与测评"),
    "payouts.view": _("查看资金发放"),
    "payouts.prepare": _("编制发放名单"),
    "payouts.verify": _("审核发放名单"),
    "payouts.approve": _("审批发放名单"),
    "payouts.pay": _("柜台发放与银行代发"),
    "payouts.reverse": _("申请与审批冲正"),
    "payouts.scans": _("查看签领表扫描件（含指纹）"),
    "checklists.view": _("查看重点任务、督导与台账"),
    "checklists.manage": _("发布重点任务、维护台账目录"),
    "checklists.report": _("报送重点任务进展"),
    "checklists.review": _("审核重点任务进展"),
    "reports.view": _("查看统计与报告"),
    "reports.edit": _("编辑年度综述"),
    "members.readmit": _("恢复党籍"),
    "accounts.manage": _("管理用户与角色"),
    "audit.view": _("查看审计日志"),
    "security.view": _("查看安全状况、设置安全策略"),
}

_READ = [
    "orgs.view",
    "members.view",
    "activities.view",
    "casework.view",
    "projects.view",
    "ratings.view",
    "checklists.view",
    "reports.view",
]

DEFAULT_ROLES = {
    "zone_admin": ("区级管理员", sorted(set(CAPABILITIES) - {"audit.view", "security.view"})),
    "staff": (
        "组织部/党群部工作人员",
        _READ
        + [
            "orgs.edit",
            "members.edit",
            "members.import",
            "pii.reveal",
            "activities.edit",
            "casework.edit",
            "casework.configure",
            "projects.edit",
            "ratings.pledge",
            "ratings.points",
            "ratings.manage",
            "reports.edit",
        ]
        + ["payouts.view", "payouts.prepare", "payouts.verify", "payouts.pay", "payouts.reverse"]
        + ["checklists.manage", "checklists.review"],
    ),
    "liaison": ("联络组成员", _READ + ["orgs.supervise", "checklists.review"]),
    "secretary": (
        "支部书记",
        _READ
        + [
            "orgs.edit",
            "members.edit",
            "members.import",
            "pii.reveal",
            "activities.edit",
            "casework.edit",
            "projects.edit",
            "ratings.pledge",
            "ratings.points",
        ]
        + ["payouts.view", "payouts.prepare", "payouts.pay", "checklists.report"],
    ),
    "clerk": (
        "党务工作者",
        _READ
        + [
            "members.edit",
            "members.import",
            "activities.edit",
            "casework.edit",
            "projects.edit",
            "payouts.view",
            "checklists.report",
        ],
    ),
    "viewer": ("只读领导", [*_READ, "payouts.view"]),
    "auditor": ("审计员", ["orgs.view", "audit.view"]),
    "sysadmin": ("系统管理员", ["orgs.view", "accounts.manage"]),
    "secadmin": ("安全管理员", ["orgs.view", "accounts.manage", "security.view"]),
    "auditadmin": ("审计管理员", ["orgs.view", "audit.view"]),
}


# ---------------------------------------------------------------- separation of duties
#
# The three administrator duties of 等保 2.0 (三员分立) and who may hand out which role. This table is
# the rule; README.md repeats it for readers. ``accounts.services.grant_role`` and ``end_role`` enforce it.
ADMIN_DUTIES = ("sysadmin", "secadmin", "auditadmin")
BUSINESS_ROLES = ("staff", "liaison", "secretary", "clerk", "viewer")
EVERY_ROLE = "*"

#   granter role   may grant and revoke          where
GRANT_RULES: dict[str, tuple[tuple[str, ...] | str, str]] = {
    "secadmin": (EVERY_ROLE, "其授权范围内的任何组织"),  # the three duties included
    "zone_admin": (BUSINESS_ROLES, "其管辖的组织及下级组织"),
    # 系统管理员 creates and disables logins and resets passwords, but grants nothing; 审计管理员,
    # 审计员 and the business roles grant nothing either.
}
# Nobody grants or revokes their own roles. The three duties exclude each other and every other role
# on one account. The first 安全管理员 is made on the server: `manage.py grant` acts as SYSTEM.

# Capabilities only these roles confer, whatever a configured role's capability list says: only the
# audit duties read the audit log, only the security admin reads the security page, and putting a
# member back on the roll is the zone admin's.
RESERVED_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "audit.view": ("auditadmin", "auditor"),
    "security.view": ("secadmin",),
    "members.readmit": ("zone_admin",),
}


def effective_capabilities(identifier: str, capabilities: Iterable[str]) -> frozenset[str]:
    """A role's capabilities with the reserved ones it may not confer taken out."""
    return frozenset(c for c in capabilities if identifier in RESERVED_CAPABILITIES.get(c, (identifier,)))


def may_grant(granter_role: str, role: str) -> bool:
    rule = GRANT_RULES.get(granter_role)
    if rule is None:
        return False
    roles = rule[0]
    return roles == EVERY_ROLE or role in roles


def exclusion_conflict(role: str, held: set[str]) -> str | None:
    """The held role that ``role`` may not sit beside on one account, or None."""
    others = held - {role}
    if role in ADMIN_DUTIES and others:
        return sorted(others)[0]
    for other in others:
        if other in ADMIN_DUTIES:
            return other
    return None


def role_capabilities(identifier: str) -> frozenset[str]:
    from .models import Role

    caps = Role.objects.filter(identifier=identifier).values_list("capabilities", flat=True).first()
    if caps is None:
        caps = DEFAULT_ROLES.get(identifier, ("", []))[1]
    return effective_capabilities(identifier, caps)
