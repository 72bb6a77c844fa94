"""Casework API: requests and visits for staff (scoped like the pages) and the public request endpoints.

The public contract (no login):
- ``GET /public/request-categories`` → ``[{"code", "name"}]``
- ``GET /public/places`` → ``[{"name", "kind", "address", "opening_hours", "services", "phone"}]``: where
  to go in person (the public page's list)
- ``POST /public/requests`` ``{"category", "description", "phone", "name"?, "place"?}`` → 201 ``{"tracking_code"}``
- ``POST /public/requests/lookup`` ``{"tracking_code", "phone_last4"}`` → 200 ``{"tracking_code", "status",
  "category", "submitted_at", "reply"}``, or 404 with one body whatever was wrong.
Both POSTs are rate-limited per client address (429 with a Chinese message and ``Retry-After``).
"""

from datetime import date, datetime

from django.http import Http404, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja import Status as Reply

from dangjian.api.common import (
    MAX_LIMIT,
    ErrorOut,
    limit_param,
    offset_param,
    public_api,
    requires_api,
    year_param,
)
from dangjian.core.actors import PUBLIC
from dangjian.core.scoping import get_scoped_or_404
from dangjian.core.years import parse_year
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import orgs_visible_to

from . import public, selectors, services
from .models import DONE_STATUSES, Category, Request, Source, Visit

router = Router(tags=["走访调研与群众诉求"])


# --- public ---------------------------------------------------------------------------------------


class CategoryOut(Schema):
    code: str
    name: str


class PublicRequestIn(Schema):
    category: str = Field(max_length=30)
    description: str = Field(max_length=services.PUBLIC_MAX["description"])
    phone: str = Field(max_length=30)
    name: str = Field("", max_length=services.PUBLIC_MAX["name"])
    place: str = Field("", max_length=services.PUBLIC_MAX["place"])


class TrackingOut(Schema):
    tracking_code: str


class LookupIn(Schema):
    tracking_code: str = Field(max_length=64)
    phone_last4: str = Field(max_length=8)


class LookupOut(Schema):
    tracking_code: str
    status: str
    category: str
    submitted_at: datetime
    reply: str


def _too_many(exc: public.RateLimited) -> JsonResponse:
    response = JsonResponse(
        {"code": "rate_limited", "message": public.RATE_LIMITED},
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _not_found() -> JsonResponse:
    return JsonResponse(
        {"code": "not_found", "message": public.NOT_FOUND},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def _oversized(request) -> JsonResponse | None:
    if len(request.body) > public.MAX_BODY_BYTES:
        return JsonResponse(
            {"code": "too_large", "message": "提交内容过长。"},
            status=413,
            json_dumps_params={"ensure_ascii": False},
        )
    return None


@router.get("/public/request-categories", response=list[CategoryOut], auth=None, summary="诉求类别（公开）")
@public_api
def public_categories(request):
    return [{"code": c.code, "name": c.name} for c in selectors.public_categories()]


class PublicPlaceOut(Schema):
    name: str
    kind: str = Field(..., description="类型（中文名称，如 智慧服务站）")
    address: str
    opening_hours: str
    services: list[str]
    phone: str


@router.get(
    "/public/places", response=list[PublicPlaceOut], auth=None, summary="可前往办理的服务场所（公开）"
)
@public_api
def public_places(request):
    return [
        {
            "name": p.name,
            "kind": p.get_kind_display(),
            "address": p.address,
            "opening_hours": p.opening_hours,
            "services": p.service_list,
            "phone": p.phone,
        }
        for p in selectors.public_places()
    ]


@router.post(
    "/public/requests",
    response={201: TrackingOut, 400: ErrorOut, 413: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="群众提交诉求（公开）",
)
@public_api
def public_submit(request, body: PublicRequestIn):
    too_big = _oversized(request)
    if too_big is not None:
        return too_big
    try:
        public.guard_submit(request)
    except public.RateLimited as exc:
        return _too_many(exc)
    _, code = services.submit_public_request(
        actor=PUBLIC,
        category_code=body.category,
        description=body.description,
        phone=body.phone,
        name=body.name,
        place=body.place,
    )
    return Reply(201, {"tracking_code": code})


@router.post(
    "/public/requests/lookup",
    response={200: LookupOut, 404: ErrorOut, 413: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="凭查询码查询诉求（公开）",
)
@public_api
def public_lookup(request, body: LookupIn):
    too_big = _oversized(request)
    if too_big is not None:
        return too_big
    try:
        public.guard_lookup(request)
    except public.RateLimited as exc:
        return _too_many(exc)
    found = public.lookup(body.tracking_code, body.phone_last4)
    if found is None:
        return _not_found()
    return {
        "tracking_code": services.normalize_code(body.tracking_code),
        "status": selectors.PUBLIC_STATUS[found.status],
        "category": found.category.code,
        "submitted_at": found.received_at,
        "reply": found.reply if found.status in DONE_STATUSES else "",
    }


# --- staff ----------------------------------------------------------------------------------------


class StepOut(Schema):
    at: datetime
    action: str
    action_display: str
    status: str
    actor: str
    from_org: str | None
    to_org: str | None
    note: str


class RequestOut(Schema):
    id: int
    org_code: str
    org_name: str
    category: str
    category_name: str
    source: str
    status: str
    status_display: str
    description: str
    place: str
    name: str
    phone: str
    received_at: datetime
    deadline: date
    overdue: bool
    resolved_at: datetime | None
    reply: str
    satisfaction: str
    version: int


class RequestDetailOut(RequestOut):
    steps: list[StepOut]


class RequestPage(Schema):
    items: list[RequestOut]
    count: int


class RequestIn(Schema):
    org: str
    category: str
    description: str
    source: str = Source.WALK_IN
    phone: str = ""
    name: str = ""
    place: str = ""


class CreatedOut(RequestDetailOut):
    tracking_code: str


class TransferIn(Schema):
    to_org: str
    note: str = ""
    version: int | None = None


class NoteIn(Schema):
    note: str = ""
    version: int | None = None


class ResolveIn(Schema):
    reply: str
    version: int | None = None


class CloseIn(Schema):
    satisfaction: str
    feedback: str = ""
    version: int | None = None


def _out(r: Request, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    return {
        "id": r.pk,
        "org_code": r.org.code,
        "org_name": r.org.name,
        "category": r.category.code,
        "category_name": r.category.name,
        "source": r.source,
        "status": r.status,
        "status_display": r.get_status_display(),
        "description": r.description,
        "place": r.place,
        "name": r.name,
        "phone": r.masked_phone,
        "received_at": r.received_at,
        "deadline": r.deadline,
        "overdue": r.overdue_on(today),
        "resolved_at": r.resolved_at,
        "reply": r.reply,
        "satisfaction": r.satisfaction,
        "version": r.version,
    }


def _detail(r: Request) -> dict:
    steps = [
        {
            "at": s.at,
            "action": s.action,
            "action_display": s.get_action_display(),
            "status": s.status,
            "actor": s.actor_name,
            "from_org": s.from_org.code if s.from_org else None,
            "to_org": s.to_org.code if s.to_org else None,
            "note": s.note,
        }
        for s in selectors.history(r)
    ]
    return {**_out(r), "steps": steps}


def _request(request, pk: int) -> Request:
    return selectors.request_or_404(request.auth, pk)


@router.get("/casework/requests", response={200: RequestPage, 401: ErrorOut}, summary="群众诉求列表")
@requires_api("casework.view")
def list_requests(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    status: str | None = None,
    queue: str | None = None,
    org: str | None = None,
    year: int | None = year_param(),
):
    """``queue`` is ``new``, ``due_soon`` or ``overdue`` (the secretary's queue); otherwise every request
    in scope, including those the caller's organizations transferred away."""
    root = None
    if org:
        root = orgs_visible_to(request.auth, "casework.view").filter(code=org).first()
        if root is None:
            raise Http404
    if queue in ("new", "due_soon", "overdue"):
        qs = getattr(selectors.queue_for(request.auth, root), queue)
    else:
        qs = selectors.requests_visible_to(request.auth)
        if root is not None:
            qs = qs.filter(org__path__startswith=root.path)
        qs = qs.order_by("-received_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if parse_year(year):
        qs = qs.filter(received_at__year=year)
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    today = timezone.localdate()
    return {"items": [_out(r, today) for r in qs[offset : offset + limit]], "count": qs.count()}


@router.get(
    "/casework/requests/{request_id}",
    response={200: RequestDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="诉求详情",
)
@requires_api("casework.view")
def get_request(request, request_id: int):
    return _detail(_request(request, request_id))


@router.post(
    "/casework/requests",
    response={201: CreatedOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="登记群众诉求",
)
@requires_api("casework.edit")
def create_request(request, body: RequestIn):
    org = get_scoped_or_404(Org.objects.all(), request.auth, "casework.edit", code=body.org)
    category = Category.objects.filter(zone__path=org.path[: Org.steplen], code=body.category).first()
    if category is None:
        raise services.CaseworkError("诉求类别不存在。", code="category")
    created, code = services.create_request(
        actor=request.auth,
        org=org,
        category=category,
        description=body.description,
        source=body.source,
        phone=body.phone,
        name=body.name,
        place=body.place,
    )
    return Reply(201, {**_detail(_request(request, created.pk)), "tracking_code": code})


def _act(request, request_id: int, work) -> dict:
    item = _request(request, request_id)
    work(item)
    return _detail(_request(request, request_id))


@router.post(
    "/casework/requests/{request_id}/transfer",
    response={200: RequestDetailOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="转办",
)
@requires_api("casework.edit")
def transfer(request, request_id: int, body: TransferIn):
    item = _request(request, request_id)
    # Any organization of the request's zone may receive it; a code outside the zone is "not found".
    to_org = Org.objects.filter(code=body.to_org, path__startswith=item.org.path[: Org.steplen]).first()
    if to_org is None:
        raise Http404
    services.transfer_request(
        actor=request.auth, request=item, to_org=to_org, note=body.note, version=body.version
    )
    return _detail(_request(request, request_id))


@router.post(
    "/casework/requests/{request_id}/start",
    response={200: RequestDetailOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="开始办理",
)
@requires_api("casework.edit")
def start(request, request_id: int, body: NoteIn):
    return _act(
        request,
        request_id,
        lambda r: services.start_request(actor=request.auth, request=r, note=body.note, version=body.version),
    )


@router.post(
    "/casework/requests/{request_id}/resolve",
    response={200: RequestDetailOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="办结并答复",
)
@requires_api("casework.edit")
def resolve(request, request_id: int, body: ResolveIn):
    return _act(
        request,
        request_id,
        lambda r: services.resolve_request(
            actor=request.auth, request=r, reply=body.reply, version=body.version
        ),
    )


@router.post(
    "/casework/requests/{request_id}/close",
    response={200: RequestDetailOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="回访评价",
)
@requires_api("casework.edit")
def close(request, request_id: int, body: CloseIn):
    return _act(
        request,
        request_id,
        lambda r: services.close_request(
            actor=request.auth,
            request=r,
            satisfaction=body.satisfaction,
            feedback=body.feedback,
            version=body.version,
        ),
    )


class VisitOut(Schema):
    id: int
    org_code: str
    date: date
    visitor: str
    visitee: str
    address: str
    key_target: bool
    raised: str


class VisitPage(Schema):
    items: list[VisitOut]
    count: int


class VisitIn(Schema):
    org: str
    date: date
    visitor: str
    visitee: str
    address: str = ""
    raised: str = ""
    target_id: int | None = None


def _visit_out(v: Visit) -> dict:
    return {
        "id": v.pk,
        "org_code": v.org.code,
        "date": v.date,
        "visitor": v.visitor,
        "visitee": v.visitee,
        "address": v.address,
        "key_target": v.target_id is not None,
        "raised": v.raised,
    }


@router.get("/casework/visits", response={200: VisitPage, 401: ErrorOut}, summary="走访记录")
@requires_api("casework.view")
def list_visits(
    request,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    org: str | None = None,
    year: int | None = year_param(),
):
    qs = selectors.visits_visible_to(request.auth)
    if org:
        root = orgs_visible_to(request.auth, "casework.view").filter(code=org).first()
        if root is None:
            raise Http404
        qs = qs.filter(org__path__startswith=root.path)
    asked = parse_year(year)
    if asked:
        qs = qs.filter(date__gte=date(asked, 1, 1), date__lt=date(asked + 1, 1, 1))
    qs = qs.order_by("-date", "-id")
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    return {"items": [_visit_out(v) for v in qs[offset : offset + limit]], "count": qs.count()}


@router.post(
    "/casework/visits",
    response={201: VisitOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="登记走访",
)
@requires_api("casework.edit")
def create_visit(request, body: VisitIn):
    org = get_scoped_or_404(Org.objects.all(), request.auth, "casework.edit", code=body.org)
    target = None
    if body.target_id is not None:
        target = get_scoped_or_404(
            selectors.targets_visible_to(request.auth), request.auth, "casework.view", pk=body.target_id
        )
    visit = services.record_visit(
        actor=request.auth,
        org=org,
        date=body.date,
        visitor=body.visitor,
        visitee=body.visitee,
        address=body.address,
        raised=body.raised,
        target=target,
    )
    return Reply(201, _visit_out(visit))


class ThemeOut(Schema):
    id: int
    org_code: str
    year: int
    title: str
    lead: str
    visits: int
    people: int
    solved_on_site: int
    reports: int
    outcomes: int


@router.get("/casework/research-themes", response={200: list[ThemeOut], 401: ErrorOut}, summary="调研课题")
@requires_api("casework.view")
def list_themes(request, year: int = year_param(...)):
    qs = selectors.themes_with_counts(selectors.themes_visible_to(request.auth).filter(year=year)).order_by(
        "id"
    )
    return [
        {
            "id": t.pk,
            "org_code": t.org.code,
            "year": t.year,
            "title": t.title,
            "lead": t.lead,
            "visits": t.visit_count,
            "people": t.people,
            "solved_on_site": t.solved_count,
            "reports": t.report_count,
            "outcomes": t.outcome_count,
        }
        for t in qs
    ]
