"""Small request helpers shared by views, and the request types views are annotated with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    # django-stubs' name for settings.AUTH_USER_MODEL (its plugin resolves it to accounts.User), so
    # core names the user type without importing the accounts app.
    from django.contrib.auth.models import _User


class Request(HttpRequest):
    """Every request the views see: ``HtmxMiddleware`` sets ``htmx`` on each one (django-htmx's advice)."""

    htmx: HtmxDetails


class AuthedRequest(Request):
    """A request behind a login (``core.scoping.requires`` / ``authenticated``): the user is a real user,
    an ``Actor`` to hand to services, never an ``AnonymousUser``."""

    user: _User


def safe_next(request: HttpRequest, default: str, **default_kwargs: Any) -> str:
    """Where ``next`` (POST or GET) asks to go, if it stays on this site; else ``default`` resolved.

    Never an open redirect: another host, a scheme other than this request's, or ``//evil`` fails
    ``url_has_allowed_host_and_scheme`` and the default is used.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default, **default_kwargs)


def disposition(filename: str) -> str:
    """A download's Content-Disposition: the Chinese file name survives every browser (RFC 6266)."""
    return f"attachment; filename*=UTF-8''{quote(filename)}"
