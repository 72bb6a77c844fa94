import re
from datetime import date
from typing import TypedDict

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import pickers, registry
from .http import AuthedRequest, Request
from .models import AuditEntry
from .scoping import authenticated, has_capability, public, requires, scoped
from .selectors import audit_entries_visible_to


@require_GET
@authenticated
def home(request: AuthedRequest) -> HttpResponse:
    from django.core.exceptions import ImproperlyConfigured

    from . import registry

    try:  # reports decides between 待办 and 工作台 (core knows neither the tree's levels nor roles)
        landing = registry.provider("home")(request.user)
    except ImproperlyConfigured:  # the reports module is not installed
        landing = None
    if landing:
        return redirect(landing)
    if has_capability(request.user, "orgs.view"):
        return redirect("orgs:tree")
    from .context_processors import member_home

    mine = member_home(request.user)
    if mine:  # a member without a role: their own page, not "no permissions"
        return redirect(mine)
    return render(request, "core/home.html")


@require_GET
@public
def healthz(request: Request) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class _AuditFilter(TypedDict):
    user: str
    action: str
    org: str
    start: date | None
    end: date | None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _audit_search(request: AuthedRequest) -> tuple[QuerySet[AuditEntry], _AuditFilter]:
    """The filtered entries (user, action, org, date range) and the filter values for the form."""
    from django.apps import apps

    from .audit_archive import entries_between

    f: _AuditFilter = {
        "user": (request.GET.get("user") or "").strip(),
        "action": (request.GET.get("action") or "").strip(),
        "org": (request.GET.get("org") or "").strip().upper(),
        "start": _day(request.GET.get("from")),
        "end": _day(request.GET.get("to")),
    }
    entries = audit_entries_visible_to(request.user)
    if f["user"]:
        entries = entries.filter(actor_name__icontains=f["user"])
    if f["action"]:
        entries = entries.filter(action__startswith=f["action"])
    if f["org"]:
        # The tree is the one model core reads, by name (it scopes everything); core imports no app.
        tree = apps.get_model("orgs", "Org").objects.filter(code=f["org"])
        org = scoped(tree, request.user, "audit.view").first()
        entries = entries.filter(org_path__startswith=org.path) if org else entries.none()
    return entries_between(entries, f["start"], f["end"]), f


def _object_label(object_type: str) -> str:
    """The Chinese name of an entry's object type ("people.member" → 党员), never the code."""
    from django.apps import apps

    if not object_type:
        return ""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return ""


@require_GET
@requires("audit.view")
def audit_log(request: AuthedRequest) -> HttpResponse:
    from .audit_labels import ACTION_LABELS, action_label, data_rows

    entries, f = _audit_search(request)
    page = Paginator(entries.select_related("actor").order_by("-id"), 50).get_page(request.GET.get("page"))
    for entry in page:
        # Each entry reads as a sentence (time, who, what, on what); its data is shown on demand.
        # Display-only attributes for the template, outside the model's fields (hence vars()).
        vars(entry).update(
            label=action_label(entry.action),
            who=(entry.actor.display_name if entry.actor else "") or entry.actor_name or "—",
            object_label=_object_label(entry.object_type),
            details=data_rows(entry.data),
        )
    context = {
        "page": page,
        "f": f,
        "action": f["action"],
        "actions": sorted(ACTION_LABELS.items(), key=lambda kv: kv[0]),
        # The org is picked by name; the URL (and the export's link) keep ?org=CODE.
        "org_picker": pickers.render_picker(
            request.user,
            source="orgs.org",
            capability="audit.view",
            name="org",
            value=f["org"] or None,
            by="code",
            box="a-org",
            placeholder="输入组织名称",
        ),
    }
    return render(request, "core/audit.html", context)


@require_GET
@requires("audit.view")
def audit_export(request: AuthedRequest) -> HttpResponseBase:
    """The filtered date range as a JSON Lines archive with every hash (verify_audit_archive checks it)."""
    from django.http import StreamingHttpResponse

    from .audit_archive import archive_lines, record_export

    entries, f = _audit_search(request)
    if f["start"] is None or f["end"] is None:
        from django.contrib import messages

        messages.error(request, "导出须选择起止日期。")
        return redirect("core:audit")
    rows = list(entries.order_by("id"))
    filters = {k: v for k, v in f.items() if k not in ("start", "end") and v}
    record_export(actor=request.user, start=f["start"], end=f["end"], count=len(rows), filters=filters)
    described = {"from": f["start"].isoformat(), "to": f["end"].isoformat(), "filters": filters}
    response = StreamingHttpResponse(
        archive_lines(rows, described=described), content_type="application/x-ndjson; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{f["start"]}-{f["end"]}.jsonl"'
    return response


def bad_request(request: Request, exception: Exception | None = None) -> HttpResponse:
    """Django's answer to a request it refuses before any view (``handler400``), in Chinese: a body
    over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 and says how much a form may carry."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        context = {
            "limit_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
            "max_chars": settings.LONG_TEXT_MAX_CHARS,
            "too_many_fields": isinstance(exception, TooManyFieldsSent),
        }
        return render(request, "413.html", context, status=413)
    return render(request, "400.html", status=400)


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")
_CAPABILITY = re.compile(r"^[a-z_]+\.[a-z_]+$")


@require_GET
@authenticated
def pick(request: AuthedRequest, source: str) -> HttpResponse:
    """The one picker's list (``?q=``) or a chosen value's chip (``?choose=``), from what the actor
    may pick with ``cap``: the same scoped queryset the form field checks a posted value against."""
    src = registry.picker_or_none(source)
    params = request.GET
    capability, field, box, by = (
        params.get("cap", ""),
        params.get("field", ""),
        params.get("box", ""),
        params.get("by", "pk"),
    )
    if (
        src is None
        or not _CAPABILITY.match(capability)
        or not _NAME.match(field)
        or not _NAME.match(box)
        or by not in src.values
    ):
        raise Http404
    if src.capabilities and capability not in src.capabilities:
        raise Http404
    multiple = params.get("multi") == "1"
    url = pickers.pick_url(source, capability, field, box, multiple, by)
    context = {"url": url, "box": box, "name": field, "multiple": multiple}
    if "choose" in params:
        try:
            obj = src.choices(request.user, capability).filter(**{by: params["choose"]}).first()
        except (ValueError, TypeError):
            obj = None
        if obj is None:
            raise Http404
        context.update(value=str(getattr(obj, by)), label=pickers.chip_label(src, obj))
        return render(request, "core/_picker.html#chip", context)
    text = params.get("q", "")
    rows = [
        (getattr(o, by), pickers.chip_label(src, o))
        for o in pickers.search(src, request.user, capability, text)
    ]
    context.update(rows=rows, searched=bool(text.strip()))
    return render(request, "core/_picker.html#results", context)
