from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.views.decorators.http import require_GET

from .scoping import authenticated, has_capability, public, requires
from .selectors import audit_entries_visible_to


@require_GET
@authenticated
def home(request: HttpRequest) -> HttpResponse:
    if has_capability(request.user, "reports.view"):
        try:
            return redirect("reports:dashboard")
        except NoReverseMatch:  # the dashboard arrives with the reports module
            pass
    if has_capability(request.user, "orgs.view"):
        return redirect("orgs:tree")
    return render(request, "core/home.html")


@require_GET
@public
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@requires("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = audit_entries_visible_to(request.user)
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"page": page, "action": action})
