"""Capabilities and the default roles. Roles live in the database (configurable); these are seeds."""

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
    "reports.view": _("查看统计与报告"),
    "reports.edit": _("编辑年度综述"),
    "accounts.manage": _("管理用户与角色"),
    "audit.view": _("查看审计日志"),
}

_READ = ["orgs.view", "members.view", "activities.view", "reports.view"]

DEFAULT_ROLES = {
    "zone_admin": ("区级管理员", sorted(set(CAPABILITIES) - {"audit.view"})),
    "staff": (
        "组织部/党群部工作人员",
        _READ
        + ["orgs.edit", "members.edit", "members.import", "pii.reveal", "activities.edit", "reports.edit"],
    ),
    "liaison": ("联络组成员", _READ + ["orgs.supervise"]),
    "secretary": (
        "支部书记",
        _READ + ["orgs.edit", "members.edit", "members.import", "pii.reveal", "activities.edit"],
    ),
    "clerk": ("党务工作者", _READ + ["members.edit", "members.import", "activities.edit"]),
    "viewer": ("只读领导", list(_READ)),
    "auditor": ("审计员", ["orgs.view", "audit.view"]),
    "sysadmin": ("系统管理员", ["orgs.view", "accounts.manage"]),
    "secadmin": ("安全管理员", ["orgs.view", "accounts.manage", "audit.view"]),
    "auditadmin": ("审计管理员", ["orgs.view", "audit.view"]),
}


def role_capabilities(identifier: str) -> frozenset[str]:
    from .models import Role

    caps = Role.objects.filter(identifier=identifier).values_list("capabilities", flat=True).first()
    if caps is None:
        caps = DEFAULT_ROLES.get(identifier, ("", []))[1]
    return frozenset(caps)
