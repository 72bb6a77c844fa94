from django.http import Http404
from ninja import Query, Router, Schema

from dangjian.api.common import ApiRequest, ErrorOut, limit_param, offset_param, page, requires_api

from . import selectors
from .models import Org

router = Router(tags=["组织"])


class OrgOut(Schema):
    code: str
    name: str
    level: str
    level_display: str
    kind: str
    kind_display: str
    parent_code: str | None
    depth: int
    brand: str
    active: bool


class OrgPage(Schema):
    items: list[OrgOut]
    count: int


def _out(org: Org, parents: dict[str, str]) -> dict:
    return {
        "code": org.code,
        "name": org.name,
        "level": org.level,
        "level_display": org.get_level_display(),
        "kind": org.kind,
        "kind_display": org.get_kind_display(),
        "parent_code": parents.get(org.path[: -Org.steplen]),
        "depth": org.depth,
        "brand": org.brand,
        "active": org.active,
    }


def _parent_codes(orgs: list[Org]) -> dict[str, str]:
    paths = {o.path[: -Org.steplen] for o in orgs if o.depth > 1}
    return dict(Org.objects.filter(path__in=paths).values_list("path", "code"))


@router.get("/orgs", response={200: OrgPage, 401: ErrorOut}, summary="组织列表")
@requires_api("orgs.view")
def list_orgs(
    request: ApiRequest,
    limit: int = limit_param(50),
    offset: int = offset_param(),
    kind: str | None = None,
    level: str | None = None,
    under: str | None = Query(None, description="只列出该组织代码之下的组织"),
) -> dict:
    qs = selectors.orgs_visible_to(request.auth).order_by("path")
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if under:
        root = (
            qs.filter(code=under).first()
            or selectors.orgs_visible_to(request.auth).filter(code=under).first()
        )
        if root is None:
            raise Http404
        qs = qs.filter(path__startswith=root.path).exclude(pk=root.pk)
    result = page(qs, limit, offset)
    parents = _parent_codes(result["items"])
    result["items"] = [_out(o, parents) for o in result["items"]]
    return result


@router.get("/orgs/{code}", response={200: OrgOut, 401: ErrorOut, 404: ErrorOut}, summary="组织详情")
@requires_api("orgs.view")
def get_org(request: ApiRequest, code: str) -> dict:
    org = selectors.orgs_visible_to(request.auth).filter(code=code).first()
    if org is None:
        raise Http404
    return _out(org, _parent_codes([org]))
