import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseForbidden

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
