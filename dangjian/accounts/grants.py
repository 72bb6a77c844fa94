"""An actor's grants, computed from role assignments and liaison groups (core.scoping asks for them
through the registry: roles and the tree belong here and in orgs, not in core)."""

from __future__ import annotations

from django.utils import timezone

from dangjian.core.scoping import ALL, Grant
from dangjian.orgs.models import LiaisonGroup, Org

from .models import RoleAssignment, User
from .roles import effective_capabilities, role_capabilities


def grants_of(user: User) -> list[Grant]:
    """A superuser holds everything on every root; anyone else what their assignments give today."""
    if user.is_superuser:
        return [
            Grant(path, True, frozenset({ALL}))
            for path in Org.objects.get_root_nodes().values_list("path", flat=True)
        ]
    grants: list[Grant] = []
    today = timezone.localdate()
    for assignment in RoleAssignment.objects.active_on(today).filter(user=user).select_related("role", "org"):
        caps = effective_capabilities(assignment.role.identifier, assignment.role.capabilities)
        grants.append(Grant(assignment.org.path, assignment.subtree, caps))
    paths = [
        path
        for path in LiaisonGroup.objects.filter(members=user, active=True).values_list(
            "orgs__path", flat=True
        )
        if path
    ]
    if paths:  # the liaison role's capabilities are read only for a liaison: one query fewer a request
        liaison_caps = role_capabilities("liaison")
        grants.extend(Grant(path, True, liaison_caps) for path in paths)
    return grants
