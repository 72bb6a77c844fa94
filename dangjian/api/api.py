"""The JSON API at /api/v1: bearer tokens, scoped like the pages, errors as {"code", "message"}.

Each app's ``api.py`` exposes ``router`` (a ninja Router); it is mounted here under the app's label.
"""

import importlib

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .auth import BearerToken


def _docs_need_login(view):
    """The schema and its docs page describe every endpoint: only logged-in users read them."""
    return login_required(view)


api = NinjaAPI(
    title="党建工作平台 API",
    version="1",
    description="所有接口均按调用者的组织范围过滤；列表接口接受 limit、offset，返回 {items, count}。",
    auth=BearerToken(),
    urls_namespace="api",
    docs_decorator=_docs_need_login,
)


@api.exception_handler(NinjaValidationError)
def on_invalid(request, exc):
    return api.create_response(
        request, {"code": "invalid", "message": "请求参数不正确。", "errors": exc.errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(
        request,
        {"code": "unauthorized", "message": "缺少或无效的访问令牌（Authorization: Bearer …）。"},
        status=401,
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "对象不存在。"}, status=404)


@api.exception_handler(DjangoValidationError)
def on_rule_broken(request, exc):
    code = getattr(exc, "code", None) or "invalid"
    return api.create_response(request, {"code": code, "message": "；".join(exc.messages)}, status=400)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return api.create_response(request, {"code": "error", "message": str(exc)}, status=exc.status_code)


def _mount_routers() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("dangjian.") or config.label == "api":
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        api.add_router("", module.router)


_mount_routers()
