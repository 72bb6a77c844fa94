"""Shared pieces for every app's API: capability declaration, pagination, error schema."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Schema

from dangjian.core.scoping import declare, has_capability

if TYPE_CHECKING:
    # django-stubs' name for settings.AUTH_USER_MODEL; api imports no app's models.
    from django.contrib.auth.models import _User


class ApiRequest(HttpRequest):
    """The request an operation behind ``requires_api`` gets: ninja sets ``auth`` to the user the
    bearer token authenticated (``api.auth.BearerToken``); anonymous requests never reach it."""

    auth: "_User"


# A ninja operation: called with the request, answers what its schema says.
_Op = TypeVar("_Op", bound=Callable[..., Any])


class ErrorOut(Schema):
    code: str
    message: str


def requires_api(capability: str) -> Callable[[_Op], _Op]:
    """Declares (for the meta-test) and enforces the capability an operation needs; absent → 404."""

    def decorate(func: _Op) -> _Op:
        @wraps(func)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:  # ninja's request, with .auth
            if not has_capability(request.auth, capability):
                raise Http404
            return func(request, *args, **kwargs)

        # ``wraps`` keeps the operation's signature, which ninja reads for its parameters.
        return declare(cast(_Op, wrapped), capability)

    return decorate


def public_api(func: _Op) -> _Op:
    """Declares (for the meta-test) an operation open without a token; it must say ``auth=None`` and
    act as ``core.actors.PUBLIC`` in the services it calls."""
    return declare(func, None, is_public=True)


MAX_LIMIT = 500
# Far past any real list, well inside a 64-bit integer (offset=9223372036854775808 is refused, not a 500).
MAX_OFFSET = 10**9
# Ids in paths and bodies are 64-bit keys.
MAX_ID = 2**63 - 1


def limit_param(default: int = 50) -> Any:
    """``limit`` of a list: 1 … MAX_LIMIT, else 422."""
    return Query(default, ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）")


def offset_param() -> Any:
    """``offset`` of a list: 0 … MAX_OFFSET, else 422."""
    return Query(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


def year_param(default: Any = None) -> Any:
    """A year asked for in a query: within the platform's years (core.years), else 422."""
    from dangjian.core.years import FIRST_YEAR, LAST_YEAR

    return Query(default, ge=FIRST_YEAR, le=LAST_YEAR, description=f"年度（{FIRST_YEAR}–{LAST_YEAR}）")


def page(qs: QuerySet[Any], limit: int, offset: int, convert: Callable[[Any], Any] | None = None) -> dict:
    """``{"items": [...], "count": N}`` for one page of ``qs`` (two queries: count and slice)."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    items = list(qs[offset : offset + limit])
    return {"items": [convert(i) for i in items] if convert else items, "count": qs.count()}
