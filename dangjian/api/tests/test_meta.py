"""Every page and every API operation declares the capability it needs (or that it is public)."""

from django.urls import URLPattern, URLResolver, get_resolver

from dangjian.accounts.roles import CAPABILITIES
from dangjian.api.api import api

# Django's own admin guards itself (staff only); the API's views are checked operation by operation.
EXEMPT_NAMESPACES = {"admin", "api"}
DECLARED = set(CAPABILITIES) | {"authenticated"}


def walk(resolver, namespace=None, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry, entry.namespace or namespace, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, prefix + str(entry.pattern), entry.callback


def undeclared_views() -> list[str]:
    missing = []
    for namespace, route, view in walk(get_resolver()):
        if namespace in EXEMPT_NAMESPACES:
            continue
        capability = getattr(view, "required_capability", "missing")
        if getattr(view, "is_public", False):
            continue
        if capability not in DECLARED:
            missing.append(f"{route} ({view.__module__}.{getattr(view, '__name__', view)}): {capability}")
    return missing


def api_operations():
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                yield path, operation


def test_every_page_declares_its_capability():
    assert undeclared_views() == []


def test_every_api_operation_declares_its_capability():
    missing = [
        f"{'/'.join(op.methods)} {path}"
        for path, op in api_operations()
        if getattr(op.view_func, "required_capability", None) not in DECLARED
        and not getattr(op.view_func, "is_public", False)
    ]
    assert missing == []


def test_every_public_api_operation_runs_without_a_token_and_every_other_needs_one():
    for path, op in api_operations():
        is_public = getattr(op.view_func, "is_public", False)
        assert (op.auth_param is None) == is_public, f"{'/'.join(op.methods)} {path}"


def test_the_walk_finds_the_pages_and_operations_it_checks():
    routes = {route for _, route, _ in walk(get_resolver())}
    assert "orgs/<str:code>/" in routes
    assert any(path == "/orgs/{code}" for path, _ in api_operations())


def test_a_view_without_declaration_would_be_reported(monkeypatch):
    from dangjian.orgs import views

    monkeypatch.setattr(views.detail, "required_capability", None)
    assert any(line.startswith("orgs/<str:code>/ ") for line in undeclared_views())
