"""The JSON API at /api/v1: bearer tokens, scoped like the pages, errors as {"code", "message"}.

Each app's ``api.py`` exposes ``router`` (a ninja Router); it is mounted here under the app's label.
"""

import importlib
from collections.abc import Callable
from typing import cast

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpResponseBase
from django.urls import URLPattern, include, path
from django.urls.resolvers import RoutePattern
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .auth import BearerToken


def _docs_need_login(view):
    """The schema and its docs page describe every endpoint: only logged-in users read them."""
    return login_required(view)


class DangjianAPI(NinjaAPI):
    """The schema says what every operation may answer besides its own codes, in the shared
    ``{code, message}``: 401 without a valid token, 404 for anything out of the caller's scope (every
    operation answers so, DESIGN.md principle 2), 422 for input out of range (parameters, bodies,
    values the database refuses)."""

    def _get_urls(self):
        """The operations grouped by their first segment (``payouts/``, ``people/`` …): Django tries
        patterns one by one, and in ninja's flat list the counter's pay URL came 49th, ~0.1 ms of CPU
        a request. Same routes, names and views; no two groups can match the same path."""
        grouped: dict[str, list] = {}
        urls: list = []
        for pattern in super()._get_urls():
            head, slash, rest = str(pattern.pattern).partition("/")
            if (
                isinstance(pattern, URLPattern)
                and isinstance(pattern.pattern, RoutePattern)
                and slash
                and rest
                and "<" not in head
            ):
                if head not in grouped:
                    grouped[head] = []
                    urls.append(head)  # the group's place: where its first operation was
                view = cast(Callable[..., HttpResponseBase], pattern.callback)
                grouped[head].append(path(rest, view, pattern.default_args, name=pattern.name))
            else:
                urls.append(pattern)
        return [path(f"{u}/", include(grouped[u])) if isinstance(u, str) else u for u in urls]

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        error = {"$ref": "#/components/schemas/ErrorOut"}
        common = {
            401: "缺少或无效的访问令牌",
            404: "对象不存在，或不在调用者的组织范围内",
            422: "请求参数不正确或超出允许范围",
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in common.items():
                    if status == 401 and not operation.get("security"):
                        continue  # a public operation asks for no token
                    if status not in responses and str(status) not in responses:
                        responses[status] = {
                            "description": description,
                            "content": {"application/json": {"schema": error}},
                        }
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault("ErrorOut", ERROR_SCHEMA)
        return schema


ERROR_SCHEMA = {
    "title": "ErrorOut",
    "type": "object",
    "properties": {
        "code": {"title": "Code", "type": "string"},
        "message": {"title": "Message", "type": "string"},
    },
    "required": ["code", "message"],
}


api = DangjianAPI(
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


@api.exception_handler(IntegrityError)
@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def on_out_of_range(request, exc):
    """A value the schema let through but the database refuses (a number past its column, a CHECK):
    the service's transaction is rolled back, nothing is saved, and the caller learns it was the input."""
    return api.create_response(
        request, {"code": "out_of_range", "message": "提交的数值超出允许范围或与已有记录冲突。"}, status=422
    )


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
