"""A background export's page (progress, then the download) and the download itself.

Only the user who asked sees either: the file holds the rows chosen for them. Another user, or a job
that is not an export, answers 404 like any record out of scope.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from dangjian.core.http import AuthedRequest, disposition
from dangjian.core.scoping import authenticated

from .exports import record_download
from .models import Job, JobStatus

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "csv": "text/csv; charset=utf-8",
}


def _export(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job.objects.select_related("org"), pk=pk, user=request.user, params__export=True)


@require_GET
@authenticated
def export_page(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _export(request, pk)
    context = {"job": job, "expired": job.status == JobStatus.DONE and not job.output}
    if request.htmx:
        return render(request, "jobs/export.html#status", context)
    return render(request, "jobs/export.html", context)


@require_GET
@authenticated
def export_download(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _export(request, pk)
    if job.status != JobStatus.DONE or not job.output:
        raise Http404
    try:
        data = record_download(actor=request.user, job=job)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(
        data, content_type=CONTENT_TYPES.get(job.output_name.rsplit(".", 1)[-1], "application/octet-stream")
    )
    response["Content-Disposition"] = disposition(job.output_name)
    return response
