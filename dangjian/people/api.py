"""The roll over the API: masked, scoped, paginated like every list ({"items", "count"})."""

from datetime import date

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema

from dangjian.api.common import ErrorOut, page, requires_api

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
    limit: int = 50,
    offset: int = 0,
    q: str = Query("", description="姓名、拼音首字母或完整身份证号"),
    org: str = Query("", description="党支部组织代码"),
    status: str = Query("", description="full 或 probationary"),
    age_band: str = Query("", description="u35、35-45、46-60、61-69、70+"),
    education: str = "",
    elder: bool = Query(False, description="只列70岁以上"),
    floating: bool = False,
    cadre: bool = False,
):
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
