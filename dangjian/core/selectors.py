from django.db.models import Q, QuerySet

from . import registry
from .actors import Viewer
from .models import AuditEntry
from .scoping import grants_for, scope_q


def _steplen() -> int:
    steplen: int = registry.provider("org_steplen")()
    return steplen


def audit_entries_visible_to(actor: Viewer) -> QuerySet[AuditEntry]:
    """Entries in the actor's audit scope; entries tied to no org (logins, system jobs) only for auditors
    whose grant starts at a root of the tree."""
    q = scope_q(actor, "audit.view", "org_path")
    at_root = any(
        ("audit.view" in g.capabilities or "*" in g.capabilities) and g.subtree and len(g.path) == _steplen()
        for g in grants_for(actor)
    )
    if at_root:
        q |= Q(org_path="")
    return AuditEntry.objects.filter(q).select_related("actor")
