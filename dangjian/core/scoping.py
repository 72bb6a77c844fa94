"""Scope is the org tree: every read filters to the actor's grants with one predicate on the path.

A grant is (org path, subtree?, capabilities). Grants come from active role assignments and from
liaison-group membership (read + supervise on each assigned org's subtree). Superusers hold every
capability on every root.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from . import registry
from .actors import PUBLIC, SYSTEM, _Sentinel


@dataclass(frozen=True)
class Grant:
    path: str
    subtree: bool
    capabilities: frozenset[str]

    def covers(self, path: str) -> bool:
        return path.startswith(self.path) if self.subtree else path == self.path


ALL = "*"


def grants_for(actor) -> list[Grant]:
    """The actor's grants today, computed once per request and cached on the user object."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, "_dangjian_grants", None)
    if cached is not None:
        return cached
    # Roles and the tree are the accounts and orgs apps'; accounts provides the computation.
    grants: list[Grant] = registry.provider("grants")(actor)
    actor._dangjian_grants = grants
    return grants


def has_capability(actor, capability: str, org=None) -> bool:
    """True if the actor holds the capability anywhere (org None) or on that org."""
    if isinstance(actor, _Sentinel):
        return ALL in actor.capabilities or capability in actor.capabilities
    for grant in grants_for(actor):
        held = capability in grant.capabilities or ALL in grant.capabilities
        if held and (org is None or grant.covers(org.path)):
            return True
    return False


def covers_path(actor, capability: str, path: str) -> bool:
    """True if the actor holds ``capability`` on the org at ``path`` (``SYSTEM`` holds everything)."""
    from .actors import SYSTEM

    if actor is SYSTEM:
        return True
    for grant in grants_for(actor):
        if (capability in grant.capabilities or ALL in grant.capabilities) and grant.covers(path):
            return True
    return False


def scope_q(actor, capability: str, path_field: str) -> Q:
    """One Q of path prefixes (subtree grants) and exact paths (node grants); never true by default."""
    if actor is SYSTEM:
        return ~Q(pk__in=[])  # the server acting on its own reads everything
    subtrees: set[str] = set()
    nodes: set[str] = set()
    for grant in grants_for(actor):
        if capability in grant.capabilities or ALL in grant.capabilities:
            (subtrees if grant.subtree else nodes).add(grant.path)
    # A prefix already covered by a shorter prefix adds nothing but a longer predicate.
    kept = sorted(p for p in subtrees if not any(p != q and p.startswith(q) for q in subtrees))
    nodes = {n for n in nodes if not any(n.startswith(q) for q in kept)}
    q = Q(pk__in=[])
    for prefix in kept:
        q |= Q(**{f"{path_field}__startswith": prefix})
    if nodes:
        q |= Q(**{f"{path_field}__in": sorted(nodes)})
    return q


def scope_paths(model) -> tuple[str, ...]:
    """Where a model's rows reach their org's path: its ``SCOPE_PATH`` (one lookup, or a tuple when a
    row belongs to two orgs, as a transfer does), else ``org__path``. Always through foreign keys to
    the live ``Org.path``, never through a stored copy (a copy goes stale when an org moves)."""
    declared = getattr(model, "SCOPE_PATH", "org__path")
    return (declared,) if isinstance(declared, str) else tuple(declared)


def scoped(qs: QuerySet, actor, capability: str, path_field: str | None = None) -> QuerySet:
    """Filter ``qs`` to what the actor may see with ``capability``.

    The path comes from ``path_field``, else the model's ``SCOPE_PATH`` (see ``scope_paths``).
    A row belonging to several orgs is visible from any of them.
    """
    fields = (path_field,) if path_field else scope_paths(qs.model)
    q = scope_q(actor, capability, fields[0])
    for field in fields[1:]:
        q |= scope_q(actor, capability, field)
    return qs.filter(q)


def get_scoped_or_404(qs: QuerySet, actor, capability: str, **lookup):
    """The one object in scope matching ``lookup``; anything else (absent or out of scope) is 404."""
    try:
        return scoped(qs, actor, capability).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def requires(capability: str):
    """View decorator: login required, the capability held somewhere, and declared for the meta-test."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise Http404
            return view(request, *args, **kwargs)

        guarded = login_required(wrapped)
        guarded.required_capability = capability
        return guarded

    return decorate


def public(view):
    """Declares a view open to anonymous users (login page, resident request form, health check)."""
    view.required_capability = None
    view.is_public = True
    return view


def authenticated(view):
    """Declares a view open to every logged-in user; what it shows is still scoped."""
    guarded = login_required(view)
    guarded.required_capability = "authenticated"
    return guarded


class OutOfScope(ValidationError):
    """A service refused: the actor lacks the capability on that org. Views answer it as 404 or a form error."""


def require(actor, capability: str, org=None, message: str | None = None) -> None:
    """The one permission check every service makes.

    ``SYSTEM`` may do anything; ``PUBLIC`` only what ``core.actors.PUBLIC_CAPABILITIES`` lists; a user
    needs the capability on ``org`` (or anywhere, when ``org`` is None). Raises ``OutOfScope`` (with
    ``message`` when the service has a more telling one, e.g. which side of a transfer must act).
    """
    if actor is SYSTEM:
        return
    if actor is PUBLIC:
        if capability in PUBLIC.capabilities:
            return
        raise OutOfScope("该操作需要登录。", code="out_of_scope")
    if isinstance(actor, str):
        raise TypeError("an actor is a user, SYSTEM or PUBLIC, never a string")
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise TypeError("an actor is a user, SYSTEM or PUBLIC; pass PUBLIC for anonymous requests")
    if not has_capability(actor, capability, org):
        raise OutOfScope(message or "该组织不在您的管理范围内。", code="out_of_scope")


def view_capability(viewname: str, *args, **kwargs) -> str | None:
    """The capability the view behind a URL name declares (``requires``/``authenticated``/``public``).

    Raises ``LookupError`` for a view that declares none, so a link cannot be drawn on a guess.
    """
    from django.urls import resolve, reverse

    match = resolve(reverse(viewname, args=args or None, kwargs=kwargs or None))
    func = match.func
    for candidate in (func, getattr(func, "view_class", None), getattr(func, "__wrapped__", None)):
        if candidate is not None and hasattr(candidate, "required_capability"):
            return candidate.required_capability
    raise LookupError(f"{viewname} declares no capability")


def may_open(user, viewname: str, *args, org=None, **kwargs) -> bool:
    """May ``user`` open the page at ``viewname``? The same check its view makes.

    The view's declared capability, held anywhere — or on ``org`` when the view checks it on one
    org (an edit page of that org, a group in that zone). Menus, tabs and buttons ask this, so they
    never show a link that answers 404.
    """
    capability = view_capability(viewname, *args, **kwargs)
    if capability is None:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if capability == "authenticated":
        return True
    return has_capability(user, capability, org)
