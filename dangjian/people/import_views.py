"""Import pages: upload, the report that fills in while the worker checks, confirm, rejected rows.

No request reads the spreadsheet: the upload is stored and the check and the commit run as jobs,
so a 100,000-row file answers as fast as a 10-row one. The report polls its own partial (htmx).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.actors import Actor
from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.scoping import get_scoped_or_404, requires
from dangjian.jobs import files
from dangjian.jobs.models import Job
from dangjian.orgs.models import Level, Org
from dangjian.orgs.selectors import orgs_visible_to

from .forms import ImportForm
from .jobs import IMPORT_KIND, commit_member_import, is_clean, start_member_import

MAX_BRANCH_CHOICES = 200


def _branch_choices(actor: Actor) -> list[Org] | None:
    branches = list(
        orgs_visible_to(actor, "members.import")
        .filter(level=Level.BRANCH)
        .only("code", "name", "path")
        .order_by("path")[: MAX_BRANCH_CHOICES + 1]
    )
    return None if len(branches) > MAX_BRANCH_CHOICES else branches


def _job(request: HttpRequest, pk: int) -> Job:
    return get_scoped_or_404(
        Job.objects.select_related("org"), request.user, "members.import", pk=pk, kind=IMPORT_KIND
    )


@require_http_methods(["GET", "POST"])
@requires("members.import")
def import_page(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, actor=request.user)
    org = None
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["org"]
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            form.add_error("file", f"文件超过{settings.IMPORT_MAX_BYTES // (1024 * 1024)}MB上限")
        else:
            try:
                job = start_member_import(
                    actor=request.user, org=org, data=upload.read(), filename=upload.name
                )
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                return redirect("people:import_job", pk=job.pk)
    recent = (
        Job.objects.filter(kind=IMPORT_KIND, user=request.user)
        .select_related("org")
        .order_by("-created_at")[:10]
    )
    from .importers import MemberImporter

    context = {
        "form": form,
        "org": org,
        "branches": _branch_choices(request.user),
        "recent": recent,
        "columns": MemberImporter.columns,
        "limits": {
            "mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
            "rows": settings.IMPORT_MAX_ROWS,
            "columns": settings.IMPORT_MAX_COLUMNS,
            "chars": settings.IMPORT_MAX_CELL_CHARS,
        },
    }
    return render(request, "people/import.html", context)


@require_GET
@requires("members.import")
def import_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context = {"job": job, "clean": is_clean(job)}
    if request.htmx:
        return render(request, "people/import_job.html#status", context)
    return render(request, "people/import_job.html", context)


@require_POST
@requires("members.import")
def import_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        commit_member_import(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("people:import_job", pk=job.pk)


@require_GET
@requires("members.import")
def import_rejected(request: AuthedRequest, pk: int) -> HttpResponse:
    """The rejected rows as an xlsx (made by the check job): the original cells plus a 问题 column."""
    job = _job(request, pk)
    if not job.output:
        raise Http404
    response = HttpResponse(
        files.read(job.output),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = disposition(job.output_name or "问题行.xlsx")
    return response


# ---------------------------------------------------------------- a zone's rosters in one batch


def _batch(request: HttpRequest, pk: int) -> Job:
    from .batch import BATCH_KIND

    return get_scoped_or_404(
        Job.objects.select_related("org"), request.user, "members.import", pk=pk, kind=BATCH_KIND
    )


@require_http_methods(["GET", "POST"])
@requires("members.import")
def batch_page(request: AuthedRequest) -> HttpResponse:
    from .batch import BATCH_KIND, start_batch_import

    error = ""
    if request.method == "POST":
        org = get_scoped_or_404(
            Org.objects.all(),
            request.user,
            "members.import",
            code=request.POST.get("org", "").strip().upper(),
        )
        uploads = request.FILES.getlist("files")
        if sum(u.size or 0 for u in uploads) > settings.IMPORT_MAX_BYTES * 5:
            error = f"文件合计超过{settings.IMPORT_MAX_BYTES * 5 // (1024 * 1024)}MB上限"
        else:
            try:
                job = start_batch_import(
                    actor=request.user, org=org, uploads=[(u.name or "", u.read()) for u in uploads]
                )
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                return redirect("people:import_batch", pk=job.pk)
    orgs = list(
        orgs_visible_to(request.user, "members.import")
        .exclude(level__in=[Level.BRANCH, Level.GROUP])
        .only("code", "name", "path")
        .order_by("path")[:MAX_BRANCH_CHOICES]
    )
    recent = (
        Job.objects.filter(kind=BATCH_KIND, user=request.user)
        .select_related("org")
        .order_by("-created_at")[:10]
    )
    return render(request, "people/import_batch.html", {"orgs": orgs, "error": error, "recent": recent})


@require_GET
@requires("members.import")
def batch_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _batch(request, pk)
    files_ = job.result.get("files", [])
    context = {
        "job": job,
        "files": files_,
        "ready": [f for f in files_ if f.get("clean")],
        "branches": list(
            orgs_visible_to(request.user, "members.import")
            .filter(level=Level.BRANCH, path__startswith=job.org.path)
            .only("code", "name", "path")
            .order_by("path")[:500]
        )
        if any(f.get("state") in ("unmatched", "ambiguous") for f in files_)
        else [],
    }
    if request.htmx:
        return render(request, "people/import_batch_job.html#status", context)
    return render(request, "people/import_batch_job.html", context)


@require_POST
@requires("members.import")
def batch_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    from .batch import assign_branch

    job = _batch(request, pk)
    try:
        assign_branch(
            actor=request.user, job=job, name=request.POST.get("name", ""), code=request.POST.get("org", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("people:import_batch", pk=job.pk)


@require_POST
@requires("members.import")
def batch_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    from .batch import commit_batch_import

    job = _batch(request, pk)
    try:
        commit_batch_import(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("people:import_batch", pk=job.pk)
