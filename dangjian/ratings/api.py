"""Ratings and evaluations over the JSON API: the same selectors and services as the pages."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dangjian.api.common import ApiRequest, ErrorOut, limit_param, offset_param, requires_api, year_param
from dangjian.core.actors import PUBLIC
from dangjian.core.scoping import get_scoped_or_404, public
from dangjian.core.years import default_year
from dangjian.orgs.models import Org

from . import selectors, services
from .models import Rating

router = Router(tags=["评星评议"])


class RatingOut(Schema):
    org_code: str
    org_name: str
    year: int
    stars: int
    status: str
    scheme_version: int
    published_at: datetime
    snapshot: dict


class RatingPage(Schema):
    items: list[RatingOut]
    count: int


class CampaignOut(Schema):
    id: int
    name: str
    year: int
    purpose: str
    status: str
    winners: list[dict]


class VoteIn(Schema):
    code: str = Field(..., min_length=4, max_length=20)
    choice: str = Field(..., max_length=20)


class VoteOut(Schema):
    code: str
    message: str


def _rating(r: Rating) -> dict:
    return {
        "org_code": r.org.code,
        "org_name": r.org.name,
        "year": r.year,
        "stars": r.stars,
        "status": r.status,
        "scheme_version": r.scheme_version,
        "published_at": r.published_at,
        "snapshot": r.snapshot,
    }


@router.get("/ratings", response={200: RatingPage, 401: ErrorOut, 404: ErrorOut}, summary="已公布的星级评定")
@requires_api("ratings.view")
def list_ratings(
    request: ApiRequest,
    year: int | None = year_param(),
    org: str | None = Query(None, max_length=50),
    limit: int = limit_param(100),
    offset: int = offset_param(),
) -> dict:
    qs = selectors.ratings_visible_to(request.auth).filter(year=year or default_year())
    if org:
        root = get_scoped_or_404(Org.objects.all(), request.auth, "ratings.view", code=org)
        qs = qs.filter(org__path__startswith=root.path)
    qs = qs.order_by("org__path")
    return {"items": [_rating(r) for r in qs[offset : offset + limit]], "count": qs.count()}


@router.get("/ratings/campaigns", response={200: list[CampaignOut], 401: ErrorOut}, summary="评选活动与结果")
@requires_api("ratings.view")
def list_campaigns(request: ApiRequest, year: int | None = year_param()) -> list[dict]:
    out = []
    for c in selectors.campaigns_visible_to(request.auth).filter(year=year or default_year()).order_by("pk"):
        winners = selectors.published_list(c) if c.status == "published" else []
        out.append(
            {
                "id": c.pk,
                "name": c.name,
                "year": c.year,
                "purpose": c.purpose,
                "status": c.status,
                "winners": winners,
            }
        )
    return out


@router.post(
    "/public/ratings/vote", auth=None, response={201: VoteOut, 400: ErrorOut}, summary="述诺测评投票（匿名）"
)
@public
def cast_vote(request: HttpRequest, data: VoteIn) -> tuple[int, dict]:
    services.cast_vote(actor=PUBLIC, code=data.code, choice=data.choice)
    return 201, {"code": "voted", "message": "投票成功。"}
