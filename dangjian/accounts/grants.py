"""An actor's grants, computed from role assignments and liaison groups (core.scoping asks for them
through the registry: roles and the tree belong here and in orgs, not in core)."""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone

from dangjian.core.rows import fetch
from dangjian.core.scoping import ALL, Grant
from dangjian.orgs.models import Org

from .models import User
from .roles import effective_capabilities, role_capabilities

# Every request asks for them (the API's capability check, every scope filter), so they come in one
# statement written in SQL: the ORM's two queries cost ~1.5 ms of CPU a request, mostly compiling.
# The first part is RoleAssignment.objects.active_on(today) with its role and org; the second the
# paths of the orgs of the active liaison groups the user is a member of. ``{user}`` is where the
# user's id comes from: a parameter here, the token's user in the API's statement (accounts.services).
GRANT_ROWS_SQL = (
    "SELECT o.path, ra.subtree, r.identifier, r.capabilities"
    " FROM accounts_roleassignment ra"
    " JOIN accounts_role r ON r.id = ra.role_id"
    " JOIN orgs_org o ON o.id = ra.org_id"
    " WHERE ra.user_id = {user}"
    " AND (ra.valid_from IS NULL OR ra.valid_from <= %s) AND (ra.valid_to IS NULL OR ra.valid_to >= %s)"
    " UNION ALL"
    " SELECT o.path, %s, NULL, NULL"
    " FROM orgs_liaisongroup g"
    " JOIN orgs_liaisongroup_members m ON m.liaisongroup_id = g.id"
    " JOIN orgs_liaisongroup_orgs lo ON lo.liaisongroup_id = g.id"
    " JOIN orgs_org o ON o.id = lo.org_id"
    " WHERE m.user_id = {user} AND g.active = %s"
)
_GRANTS_SQL = GRANT_ROWS_SQL.format(user="%s")


def grant_params(today: object) -> list[object]:
    """GRANT_ROWS_SQL's parameters after the user's id: the day (as the database adapts it) twice,
    a liaison's subtree flag, the group's active flag."""
    return [today, today, True, True]


def grants_of(user: User) -> list[Grant]:
    """A superuser holds everything on every root; anyone else what their assignments give today."""
    if user.is_superuser:
        return [
            Grant(path, True, frozenset({ALL}))
            for path in Org.objects.get_root_nodes().values_list("path", flat=True)
        ]
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    return grants_from_rows(fetch(_GRANTS_SQL, [user.pk, today, today, True, user.pk, True]))


def grants_from_rows(rows: list[tuple]) -> list[Grant]:
    """The grants that GRANT_ROWS_SQL's rows give (not for a superuser, who holds every root)."""
    grants: list[Grant] = []
    liaison_paths = []
    for path, subtree, identifier, capabilities in rows:
        if identifier is None:
            liaison_paths.append(path)
            continue
        # JSON text as JSONField reads it on both databases (psycopg hands jsonb over as text).
        caps = json.loads(capabilities) if isinstance(capabilities, str | bytes) else capabilities
        grants.append(Grant(path, bool(subtree), effective_capabilities(identifier, caps)))
    if liaison_paths:  # the liaison role's capabilities are read only for a liaison
        liaison_caps = role_capabilities("liaison")
        grants.extend(Grant(path, True, liaison_caps) for path in liaison_paths)
    return grants
