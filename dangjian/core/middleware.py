import ipaddress
from collections.abc import Callable
from functools import cache
from typing import Any, cast

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as PolicyMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase, HttpResponseForbidden
from django.utils.module_loading import import_string

from .audit import current_ip
from .net import client_ip


class DemoLoopbackMiddleware:
    """In demo mode only the machine itself is served: demo logins skip the second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.DANGJIAN_DEMO:
            try:
                loopback = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "").is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                return HttpResponseForbidden(
                    "演示环境仅限本机访问。", content_type="text/plain; charset=utf-8"
                )
        return self.get_response(request)


class ClientIpMiddleware:
    """Makes the client's address available to audit entries written during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Behind nginx REMOTE_ADDR is the proxy's: the audit log wants the client's (core.net).
        token = current_ip.set(client_ip(request) or None)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class BearerApiMiddleware:
    """A call to the JSON API that carries a bearer token and no session cookie takes the shorter
    chain ``settings.API_TOKEN_MIDDLEWARE`` (the security headers, the demo restriction, the client's
    address): sessions, CSRF, the login policy, messages and htmx are about a browser's session, and
    such a call has none. It is the tablets' hot path: the skipped chain was ~0.5 ms of CPU a request.

    Everything else (pages, the API called with a session cookie, which the API refuses anyway) goes
    down the full chain."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.lean = _chain(settings.API_TOKEN_MIDDLEWARE)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.path_info.startswith("/api/")
            and request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return self.lean(request)
        return self.get_response(request)


def _chain(paths: list[str]) -> Callable[[HttpRequest], HttpResponseBase]:
    """A request handler over ``paths`` as Django builds MIDDLEWARE (sync middleware only): its own
    view, template-response and exception hooks, the same URLs and views."""
    handler: Any = BaseHandler()  # its chain's private parts, as load_middleware() sets them
    handler._view_middleware, handler._template_response_middleware = [], []
    handler._exception_middleware = []
    get_response = convert_exception_to_response(handler._get_response)
    for path in reversed(paths):
        middleware = import_string(path)(get_response)
        if hasattr(middleware, "process_view"):
            handler._view_middleware.insert(0, middleware.process_view)
        if hasattr(middleware, "process_template_response"):
            handler._template_response_middleware.append(middleware.process_template_response)
        if hasattr(middleware, "process_exception"):
            handler._exception_middleware.append(middleware.process_exception)
        get_response = convert_exception_to_response(middleware)
    return cast(Callable[[HttpRequest], HttpResponseBase], get_response)


class CSPMiddleware(PolicyMiddleware):
    """django-csp rebuilds the header from settings for every response (~0.15 ms of CPU); a response
    that uses no nonce and no per-view policy gets the same string each time, built once."""

    _PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in self._PER_VIEW)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (settings.CONTENT_SECURITY_POLICY or {}).get("EXCLUDE_URL_PREFIXES")
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        policy = _plain_policy()
        if policy and HEADER not in response:
            response[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not silence.
        setattr(request, "csp_nonce", CheckableLazyObject(self._csp_nonce_post_response))  # noqa: B010
        return response


@cache
def _plain_policy() -> str:
    return build_policy()


def _forget_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _plain_policy.cache_clear()


setting_changed.connect(_forget_policy)
