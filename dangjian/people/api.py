"""The roll over the API: masked, scoped, paginated like every list ({"items", "count"})."""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from dangjian.api.common import ErrorOut, limit_param, offset_param, page, requires_api
from dangjian.core.scoping import get_scoped_or_404
from dangjian.jobs.models import Job
from dangjian.orgs.models import Org

from . import selectors
from .models import Member
from .selectors import RosterFilter

router = Router(tags=["党员"])


class MemberOut(Schema):
    id: int
    person_id: int
    name: str
    sex: str
    age: int | None
    ethnicity: str
    education: str
    status: str
    status_display: str
    joined_on: date | None
    full_on: date | None
    standing_years: int | None
    party_post: str
    work_post: str
    phone: str
    id_number: str
    is_floating: bool
    is_village_cadre: bool
    org_code: str
    org_name: str


class MemberPage(Schema):
    items: list[MemberOut]
    count: int


def _out(member: Member, today: date) -> dict:
    p = member.person
    return {
        "id": member.pk,
        "person_id": p.pk,
        "name": p.name,
        "sex": p.sex,
        "age": p.age_on(today),
        "ethnicity": p.ethnicity,
        "education": p.education,
        "status": member.status,
        "status_display": member.get_status_display(),
        "joined_on": member.joined_on,
        "full_on": member.full_on,
        "standing_years": member.standing_years(today),
        "party_post": member.party_post,
        "work_post": p.work_post,
        # The API never reveals: full numbers only through the audited page action.
        "phone": p.masked_phone,
        "id_number": p.masked_id,
        "is_floating": member.is_floating,
        "is_village_cadre": member.is_village_cadre,
        "org_code": member.org.code,
        "org_name": member.org.name,
    }


@router.get("/members", response={200: MemberPage, 401: ErrorOut}, summary="党员列表")
@requires_api("members.view")
def list_members(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    q: str = Query("", description="姓名或拼音首字母（按身份证号查找请用 POST /members/find）"),
    org: str = Query("", description="党支部组织代码"),
    status: str = Query("", description="full 或 probationary"),
    age_band: str = Query("", description="u35、35-45、46-60、61-69、70+"),
    education: str = "",
    elder: bool = Query(False, description="只列70岁以上"),
    floating: bool = False,
    cadre: bool = False,
):
    if selectors.looks_like_id(q):
        # Query strings land in access logs: ID numbers travel only in a POST body.
        raise HttpError(400, "身份证号不能放在查询字符串中，请使用 POST /api/v1/members/find。")
    f = RosterFilter(
        q=q.strip(),
        status=status,
        age_band=age_band,
        education=education,
        elder=elder,
        floating=floating,
        cadre=cadre,
        org_code=org.strip(),
    )
    today = timezone.localdate()
    return page(selectors.roster(request.auth, f), limit, offset, convert=lambda m: _out(m, today))


class FindIn(Schema):
    id_number: str


@router.post(
    "/members/find",
    response={200: MemberOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="按身份证号查找党员（需查看完整信息权限，记入审计）",
)
@requires_api("pii.reveal")
def find_member(request, body: FindIn):
    """The number travels in the body, never the query string; the search is audited (masked)."""
    from .services import find_person_by_id

    person = find_person_by_id(actor=request.auth, id_number=body.id_number)
    member = (
        selectors.members_visible_to(request.auth, on_roll=False)
        .select_related("person", "org")
        .filter(person=person)
        .first()
        if person
        else None
    )
    if member is None:
        raise Http404
    return _out(member, timezone.localdate())


@router.get(
    "/members/{member_id}", response={200: MemberOut, 401: ErrorOut, 404: ErrorOut}, summary="党员详情"
)
@requires_api("members.view")
def get_member(request, member_id: int):
    member = (
        selectors.members_visible_to(request.auth, on_roll=False)
        .select_related("person", "org")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise Http404
    return _out(member, timezone.localdate())


# ---------------------------------------------------------------- imports (jobs)


class ImportStarted(Schema):
    id: int
    status: str


class ProgressOut(Schema):
    done: int
    total: int


class IssueOut(Schema):
    row: int
    column: str
    code: str
    message: str


class CountsOut(Schema):
    added: int = 0
    updated: int = 0
    unchanged: int = 0


class ImportOut(Schema):
    id: int
    status: str
    org_code: str
    filename: str
    progress: ProgressOut
    issues: list[IssueOut]
    issue_count: int
    warnings: list[IssueOut]
    counts: CountsOut
    error: str


def _import_job(request, import_id: int) -> Job:
    from .jobs import IMPORT_KIND

    return get_scoped_or_404(
        Job.objects.select_related("org"), request.auth, "members.import", pk=import_id, kind=IMPORT_KIND
    )


def _import_out(job: Job) -> dict:
    r = job.result or {}
    return {
        "id": job.pk,
        "status": job.status,
        "org_code": job.org.code,
        "filename": job.params.get("filename", ""),
        "progress": {"done": job.done, "total": job.total},
        "issues": r.get("issues", []),
        "issue_count": r.get("issue_count", 0),
        "warnings": r.get("warnings", []),
        "counts": r.get("counts", {}),
        "error": job.error,
    }


@router.post(
    "/imports/members",
    response={202: ImportStarted, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="上传党员花名册（后台检查）",
)
@requires_api("members.import")
def start_import(request, org: Form[str], file: File[UploadedFile]):
    """Stores the file and queues its check; follow ``GET /imports/{id}`` until status is ``checked``."""
    from .jobs import start_member_import

    branch = get_scoped_or_404(Org.objects.all(), request.auth, "members.import", code=org.strip().upper())
    job = start_member_import(actor=request.auth, org=branch, data=file.read(), filename=file.name or "")
    return 202, {"id": job.pk, "status": job.status}


@router.get(
    "/imports/{import_id}",
    response={200: ImportOut, 401: ErrorOut, 404: ErrorOut},
    summary="导入任务状态与检查结果",
)
@requires_api("members.import")
def get_import(request, import_id: int):
    return _import_out(_import_job(request, import_id))


@router.post(
    "/imports/{import_id}/commit",
    response={202: ImportStarted, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="确认导入检查无误的文件",
)
@requires_api("members.import")
def commit_import(request, import_id: int):
    from .jobs import commit_member_import

    job = _import_job(request, import_id)
    try:
        job = commit_member_import(actor=request.auth, job=job)
    except ValidationError as exc:
        return 409, {"code": "not_clean", "message": "；".join(exc.messages)}
    return 202, {"id": job.pk, "status": job.status}
