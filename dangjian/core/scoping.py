"""Scope is the org tree: every read filters to the actor's grants with one predicate on the path.

A grant is (org path, subtree?, capabilities). Grants come from active role assignments and from
liaison-group membership (read + supervise on each assigned org's subtree). Superusers hold every
capability on every root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from . import registry
from .actors import PUBLIC, SYSTEM, _Sentinel

if TYPE_CHECKING:
    from .actors import Viewer

_M = TypeVar("_M", bound=Model)
_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])
# What ``declare``/``public`` mark: a page view or an API operation (which answers data, not a response).
_Callable = TypeVar("_Callable", bound=Callable[..., Any])


class HasPath(Protocol):
    """An org (``orgs.Org``) as scoping sees it: its materialized path."""

    @property
    def path(self) -> str: ...


@dataclass(frozen=True)
class Grant:
    path: str
    subtree: bool
    capabilities: frozenset[str]

    def covers(self, path: str) -> bool:
        return path.startswith(self.path) if self.subtree else path == self.path


ALL = "*"


def grants_for(actor: Viewer) -> list[Grant]:
    """The actor's grants today, computed once per request and cached on the user object."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return []
    cached: list[Grant] | None = getattr(actor, "_dangjian_grants", None)
    if cached is not None:
        return cached
    # Roles and the tree are the accounts and orgs apps'; accounts provides the computation.
    grants: list[Grant] = registry.provider("grants")(actor)
    remember_grants(actor, grants)
    return grants


def remember_grants(actor: Viewer, grants: list[Grant]) -> None:
    """Cache ``grants`` as the actor's for this request (a provider that read them with the user, as
    the API's token lookup does, saves grants_for its statement)."""
    # Cached on the user object, which lives as long as the request; UserLike does not declare it.
    actor.__dict__["_dangjian_grants"] = grants


def has_capability(actor: Viewer, capability: str, org: HasPath | None = None) -> bool:
    """True if the actor holds the capability anywhere (org None) or on that org."""
    if isinstance(actor, _Sentinel):
        return ALL in actor.capabilities or capability in actor.capabilities
    for grant in grants_for(actor):
        held = capability in grant.capabilities or ALL in grant.capabilities
        if held and (org is None or grant.covers(org.path)):
            return True
    return False


def covers_path(actor: Viewer, capability: str, path: str) -> bool:
    """True if the actor holds ``capability`` on the org at ``path`` (``SYSTEM`` holds everything)."""
    from .actors import SYSTEM

    if actor is SYSTEM:
        return True
    for grant in grants_for(actor):
        if (capability in grant.capabilities or ALL in grant.capabilities) and grant.covers(path):
            return True
    return False


def scope_q(actor: Viewer, capability: str, path_field: str) -> Q:
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


def scope_paths(model: type[Model]) -> tuple[str, ...]:
    """Where a model's rows reach their org's path: its ``SCOPE_PATH`` (one lookup, or a tuple when a
    row belongs to two orgs, as a transfer does), else ``org__path``. Always through foreign keys to
    the live ``Org.path``, never through a stored copy (a copy goes stale when an org moves)."""
    declared = getattr(model, "SCOPE_PATH", "org__path")
    return (declared,) if isinstance(declared, str) else tuple(declared)


def scoped(qs: QuerySet[_M], actor: Viewer, capability: str, path_field: str | None = None) -> QuerySet[_M]:
    """Filter ``qs`` to what the actor may see with ``capability``.

    The path comes from ``path_field``, else the model's ``SCOPE_PATH`` (see ``scope_paths``).
    A row belonging to several orgs is visible from any of them.
    """
    fields = (path_field,) if path_field else scope_paths(qs.model)
    q = scope_q(actor, capability, fields[0])
    for field in fields[1:]:
        q |= scope_q(actor, capability, field)
    return qs.filter(q)


def get_scoped_or_404(qs: QuerySet[_M], actor: Viewer, capability: str, **lookup: Any) -> _M:
    """The one object in scope matching ``lookup``; anything else (absent or out of scope) is 404."""
    try:
        return scoped(qs, actor, capability).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):  # the model's DoesNotExist is one
        raise Http404 from None


def declare(view: _Callable, capability: str | None, **flags: bool) -> _Callable:
    """Marks a view with the capability it requires, for ``view_capability`` and the meta-test.

    Through ``__dict__`` because a function's extra attributes are outside its type.
    """
    view.__dict__.update(required_capability=capability, **flags)
    return view


def requires(capability: str) -> Callable[[_View], _View]:
    """View decorator: login required, the capability held somewhere, and declared for the meta-test.

    The view may take ``core.http.AuthedRequest``: nobody anonymous gets past the login.
    """

    def decorate(view: _View) -> _View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_capability(request.user, capability):
                raise Http404
            return view(request, *args, **kwargs)

        # ``wraps`` keeps the view's name and signature: the guarded view is called like the view.
        return declare(login_required(cast(_View, wrapped)), capability)

    return decorate


def public(view: _Callable) -> _Callable:
    """Declares a view open to anonymous users (login page, resident request form, health check)."""
    return declare(view, None, is_public=True)


def authenticated(view: _View) -> _View:
    """Declares a view open to every logged-in user; what it shows is still scoped.

    The view may take ``core.http.AuthedRequest``."""
    return declare(login_required(view), "authenticated")


class OutOfScope(ValidationError):
    """A service refused: the actor lacks the capability on that org. Views answer it as 404 or a form error."""


def require(actor: Viewer, capability: str, org: HasPath | None = None, message: str | None = None) -> None:
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


def view_capability(viewname: str, *args: Any, **kwargs: Any) -> str | None:
    """The capability the view behind a URL name declares (``requires``/``authenticated``/``public``).

    Raises ``LookupError`` for a view that declares none, so a link cannot be drawn on a guess.
    """
    from django.urls import resolve, reverse

    match = resolve(reverse(viewname, args=args or None, kwargs=kwargs or None))
    func = match.func
    for candidate in (func, getattr(func, "view_class", None), getattr(func, "__wrapped__", None)):
        if candidate is not None and hasattr(candidate, "required_capability"):
            declared: str | None = candidate.required_capability
            return declared
    raise LookupError(f"{viewname} declares no capability")


def may_open(user: Viewer, viewname: str, *args: Any, org: HasPath | None = None, **kwargs: Any) -> bool:
    """May ``user`` open the page at ``viewname``? The same check its view makes.

    The view's declared capability, held anywhere — or on ``org`` when the view checks it on one
    org (an edit page of that org, a group in that zone). Menus, tabs and buttons ask this, so they
    never show a link that answers 404.
    """
    capability = view_capability(viewname, *args, **kwargs)
    if capability is None:
        return True
    if user is None or not user.is_authenticated:
        return False
    if capability == "authenticated":
        return True
    return has_capability(user, capability, org)
