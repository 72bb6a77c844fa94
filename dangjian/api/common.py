"""Shared pieces for every app's API: capability declaration, pagination, error schema."""

from functools import wraps

from django.http import Http404
from ninja import Schema

from dangjian.core.scoping import has_capability


class ErrorOut(Schema):
    code: str
    message: str


def requires_api(capability: str):
    """Declares (for the meta-test) and enforces the capability an operation needs; absent → 404."""

    def decorate(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.auth, capability):
                raise Http404
            return func(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorate


def public_api(func):
    """Declares (for the meta-test) an operation open without a token; it must say ``auth=None`` and
    act as ``core.actors.PUBLIC`` in the services it calls."""
    func.required_capability = None
    func.is_public = True
    return func


MAX_LIMIT = 500


def page(qs, limit: int, offset: int, convert=None) -> dict:
    """``{"items": [...], "count": N}`` for one page of ``qs`` (two queries: count and slice)."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    items = list(qs[offset : offset + limit])
    return {"items": [convert(i) for i in items] if convert else items, "count": qs.count()}
