"""Who acts: a logged-in user, the SYSTEM (commands, jobs, seeds) or the PUBLIC (anonymous residents, voters).

Every service takes ``actor: Actor`` and checks it with one ``core.scoping.require(actor, capability,
org)``. No string stands in for an actor: a command passes ``SYSTEM``, an anonymous page ``PUBLIC``.
The audit entry records each as such ("系统" / "公众" when there is no user).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    # _User is django-stubs' name for settings.AUTH_USER_MODEL (accounts.User; core imports no app).
    from django.contrib.auth.models import AnonymousUser, _User


@runtime_checkable
class UserLike(Protocol):
    """What scoping needs of a user (``accounts.User`` satisfies it; core does not import accounts).

    ``is_authenticated`` is ``Literal[True]`` so an ``AnonymousUser`` is not an actor: a view behind a
    login passes ``AuthedRequest.user`` (``core.http``), an anonymous page passes ``PUBLIC``.
    """

    @property
    def pk(self) -> int | None: ...
    @property
    def is_authenticated(self) -> Literal[True]: ...

    is_active: bool
    is_superuser: bool

    def get_username(self) -> str: ...


class _Sentinel:
    """A non-user actor. ``is_authenticated`` is False so nothing mistakes it for a user."""

    is_authenticated: Final = False
    is_active: Final = True
    is_superuser: Final = False
    pk: Final = None

    def __init__(self, name: str, label: str, capabilities: frozenset[str]) -> None:
        self.name = name
        self.label = label
        self.capabilities = capabilities

    def get_username(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Actor {self.name}>"

    def __reduce__(self) -> tuple[Any, tuple[str]]:  # sentinels stay singletons across pickling (jobs)
        return (_sentinel, (self.name,))


# The system holds every capability everywhere: it is the server acting on its own (commands, jobs).
SYSTEM: Final = _Sentinel("system", "系统", frozenset({"*"}))
# Anonymous residents and voters may do exactly these things, and nothing else.
PUBLIC_CAPABILITIES: frozenset[str] = frozenset(
    {
        "activities.checkin",  # a signed QR link; the link itself names the meeting
        "casework.public_submit",
        "casework.public_lookup",
        "ratings.vote",
    }
)
PUBLIC: Final = _Sentinel("public", "公众", PUBLIC_CAPABILITIES)

_SENTINELS = {"system": SYSTEM, "public": PUBLIC}


def _sentinel(name: str) -> _Sentinel:
    return _SENTINELS[name]


if TYPE_CHECKING:
    Actor = UserLike | _Sentinel
    # Who may be asking before anything is done: an actor, an anonymous visitor, or no one (a
    # template rendered outside a request). Scoping's questions take it; services take an Actor.
    Viewer = UserLike | _Sentinel | AnonymousUser | None
else:
    Actor = object
    Viewer = object


def is_sentinel(actor: object) -> bool:
    return actor is SYSTEM or actor is PUBLIC


def acting_user(actor: Actor) -> _User | None:
    """The user to record as having done it (a ``created_by``, the audit entry's actor): the actor when
    it is a user — a row of settings.AUTH_USER_MODEL — and None for SYSTEM and PUBLIC."""
    return cast("_User", actor) if actor.is_authenticated else None


def actor_label(actor: Viewer) -> str:
    """How the audit log and pages name the actor."""
    if isinstance(actor, _Sentinel):
        return actor.label
    return actor.get_username() if actor is not None and actor.is_authenticated else ""
