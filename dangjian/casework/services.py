"""Writes on casework: each a ``verb_noun(*, actor, …)`` in one transaction with one audit entry.

Rules broken raise ``CaseworkError`` (a ValidationError) with a Chinese message and a ``code``.
"""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from datetime import date, datetime
from hashlib import sha256

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core import phones
from dangjian.core.actors import PUBLIC, Actor, acting_user
from dangjian.core.audit import log_action
from dangjian.core.pii import index_keys
from dangjian.core.scoping import require
from dangjian.orgs.models import Org

from . import workdays
from .models import (
    OPEN_STATUSES,
    Action,
    CalendarDay,
    Category,
    DayKind,
    KeyTarget,
    OutputKind,
    Request,
    ResearchOutput,
    ResearchProblem,
    ResearchTheme,
    ResearchVisit,
    Satisfaction,
    Source,
    Status,
    Step,
    TargetReason,
    Visit,
    VisiteeKind,
)


class CaseworkError(ValidationError):
    pass


# --- tracking codes -------------------------------------------------------------------------------

# No 0/O, 1/I/L or U/V: a code read over the phone or copied from a slip cannot be mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 12  # 29**12 ≈ 3.5e17 codes (58 bits)


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """Upper-case, full-width folded, spaces and hyphens dropped (residents copy codes as they like)."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(ch for ch in text if ch not in " -_\t\r\n")


def code_digest(code: str, *, key: str | None = None) -> str:
    """A keyed digest: the database holds no code, and a stolen copy of it gives none away.

    Under the newest blind-index key unless ``key`` is given; codes issued before a rotation of that
    key are found under the older keys still configured (``code_digests``)."""
    secret = (key or index_keys()[0]).encode()
    return hmac.new(secret, f"tracking:{normalize_code(code)}".encode(), sha256).hexdigest()


def code_digests(code: str) -> list[str]:
    return [code_digest(code, key=k) for k in index_keys()]


# --- input checks -------------------------------------------------------------------------------

PUBLIC_MAX = {"description": 1000, "name": 30, "place": 100}
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)


def clean_phone(raw: str, *, required: bool = True) -> str:
    """``core.phones.clean_phone`` (the one phone check of the platform) as this module's error."""
    try:
        return phones.clean_phone(raw, required=required)
    except phones.PhoneError as exc:
        raise CaseworkError(exc.message, code="phone") from None


def clean_text(value: str, label: str, max_length: int, *, required: bool = False) -> str:
    """NFKC-normalized, trimmed text without markup or control characters, within ``max_length``."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if required and not text:
        raise CaseworkError(f"请填写{label}。", code="required")
    if len(text) > max_length:
        raise CaseworkError(f"{label}不能超过{max_length}个字。", code="too_long")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise CaseworkError(f"{label}含有不允许的字符。", code="control")
    if _MARKUP.search(text):
        raise CaseworkError(f"{label}不能包含网页代码。", code="markup")
    return text


def _zone_of(org: Org) -> Org:
    return org if org.depth == 1 else Org.objects.get(path=org.path[: Org.steplen])


def public_zone() -> Org:
    """The zone the public page serves (``DANGJIAN_ZONE_CODE``)."""
    zone = Org.objects.filter(code=settings.DANGJIAN_ZONE_CODE, depth=1).first()
    if zone is None:
        zone = Org.objects.filter(depth=1).order_by("path").first()
    if zone is None:
        raise CaseworkError("平台尚未设置组织。", code="no_zone")
    return zone


# --- requests -------------------------------------------------------------------------------------


def _step(
    request: Request, actor: Actor, action: str, *, note: str = "", from_org=None, to_org=None, at=None
) -> Step:
    user = acting_user(actor)
    return Step.objects.create(
        request=request,
        at=at or timezone.now(),
        actor=user,
        actor_name=(str(user) if user else getattr(actor, "label", "")),
        action=action,
        status=request.status,
        from_org=from_org,
        to_org=to_org,
        note=note,
    )


def _insert_request(**fields) -> tuple[Request, str]:
    """Insert with a fresh tracking code; a digest collision (never seen in practice) draws again."""
    for _ in range(5):
        code = new_tracking_code()
        try:
            with transaction.atomic():
                request = Request.objects.create(code_digest=code_digest(code), **fields)
        except IntegrityError:
            continue
        return request, code
    raise CaseworkError("生成查询码失败，请重试。", code="code")


def _deadline(category: Category, received_at: datetime) -> date:
    return workdays.add_working_days(timezone.localdate(received_at), category.deadline_days)


@transaction.atomic
def submit_public_request(
    *,
    actor: Actor = PUBLIC,
    category_code: str,
    description: str,
    phone: str,
    name: str = "",
    place: str = "",
) -> tuple[Request, str]:
    """A resident's own request from the public page or API: lands at the zone as 已受理 with a deadline.
    Returns the request and the tracking code (shown once, never stored)."""
    require(actor, "casework.public_submit")
    zone = public_zone()
    category = Category.objects.filter(zone=zone, code=(category_code or "").strip(), active=True).first()
    if category is None:
        raise CaseworkError("请选择诉求类别。", code="category")
    values = {
        "description": clean_text(description, "诉求内容", PUBLIC_MAX["description"], required=True),
        "name": clean_text(name, "姓名", PUBLIC_MAX["name"]),
        "place": clean_text(place, "地点", PUBLIC_MAX["place"]),
        "phone": clean_phone(phone),
    }
    now = timezone.now()
    request, code = _insert_request(
        org=zone,
        category=category,
        source=Source.PUBLIC,
        status=Status.RECEIVED,
        received_at=now,
        deadline=_deadline(category, now),
        **values,
    )
    _step(request, actor, Action.RECEIVE, note="群众通过智慧服务站提交", at=now)
    log_action(
        actor=actor,
        action="casework.submit_public_request",
        obj=request,
        org=zone,
        data={"category": category.code, "deadline": request.deadline},
    )
    return request, code


@transaction.atomic
def create_request(
    *,
    actor: Actor,
    org: Org,
    category: Category,
    description: str,
    source: str = Source.WALK_IN,
    phone: str = "",
    name: str = "",
    place: str = "",
    person=None,
    visit: Visit | None = None,
    received_at: datetime | None = None,
) -> tuple[Request, str]:
    """Staff record a request raised in person, by phone, on a visit or by a grid worker."""
    require(actor, "casework.edit", org)
    request, code = _new_request(
        actor,
        org=org,
        category=category,
        description=description,
        source=source,
        phone=phone,
        name=name,
        place=place,
        person=person,
        visit=visit,
        received_at=received_at,
    )
    log_action(
        actor=actor,
        action="casework.create_request",
        obj=request,
        org=org,
        data={"category": category.code, "source": source, "deadline": request.deadline},
    )
    return request, code


def _new_request(actor: Actor, *, org: Org, category: Category, description: str, source: str, **extra):
    if not category.zone.path == org.path[: Org.steplen] or not category.active:
        raise CaseworkError("所选诉求类别不属于本区或已停用。", code="category")
    if source not in Source.values:
        raise CaseworkError("请选择诉求来源。", code="source")
    received_at = extra.pop("received_at", None) or timezone.now()
    request, code = _insert_request(
        org=org,
        category=category,
        source=source,
        status=Status.RECEIVED,
        received_at=received_at,
        deadline=_deadline(category, received_at),
        description=clean_text(description, "诉求内容", 4000, required=True),
        name=clean_text(extra.pop("name", ""), "姓名", 50),
        place=clean_text(extra.pop("place", ""), "地点", 200),
        phone=clean_phone(extra.pop("phone", ""), required=False),
        **extra,
    )
    _step(request, actor, Action.RECEIVE, at=received_at)
    return request, code


def _check_version(request: Request, version: int | None) -> None:
    if version is not None and version != request.version:
        raise CaseworkError("该诉求已被他人更新，请刷新页面后再办理。", code="stale")


def _lock(request: Request) -> Request:
    return Request.objects.select_for_update().select_related("org", "category").get(pk=request.pk)


def _advance(request: Request, status: str, **fields) -> None:
    request.status = status
    for key, value in fields.items():
        setattr(request, key, value)
    request.version += 1
    request.save()


@transaction.atomic
def transfer_request(
    *, actor: Actor, request: Request, to_org: Org, note: str = "", version: int | None = None
) -> Request:
    """转办: hand an open request to another organization of the zone. The history goes with it and the
    sending organization keeps read access through the transfer step."""
    request = _lock(request)
    require(actor, "casework.edit", request.org)
    _check_version(request, version)
    if request.status not in OPEN_STATUSES:
        raise CaseworkError("已办结的诉求不能转办。", code="state")
    if not to_org.path.startswith(request.org.path[: Org.steplen]) or not to_org.active:
        raise CaseworkError("只能转办给本区的组织。", code="to_org")
    if to_org.pk == request.org_id:
        raise CaseworkError("诉求已在该组织办理。", code="same_org")
    from_org = request.org
    _advance(request, Status.ASSIGNED, org=to_org)
    _step(
        request, actor, Action.TRANSFER, note=clean_text(note, "说明", 500), from_org=from_org, to_org=to_org
    )
    log_action(
        actor=actor,
        action="casework.transfer_request",
        obj=request,
        org=from_org,
        data={"from": from_org.code, "to": to_org.code},
    )
    return request


@transaction.atomic
def start_request(*, actor: Actor, request: Request, note: str = "", version: int | None = None) -> Request:
    request = _lock(request)
    require(actor, "casework.edit", request.org)
    _check_version(request, version)
    if request.status not in (Status.RECEIVED, Status.ASSIGNED):
        raise CaseworkError("该诉求不在待办理状态。", code="state")
    _advance(request, Status.IN_PROGRESS)
    _step(request, actor, Action.START, note=clean_text(note, "说明", 500))
    log_action(actor=actor, action="casework.start_request", obj=request, org=request.org)
    return request


@transaction.atomic
def note_request(*, actor: Actor, request: Request, note: str) -> Request:
    """A progress note on an open request (the resident does not see it)."""
    request = _lock(request)
    require(actor, "casework.edit", request.org)
    if request.status not in OPEN_STATUSES:
        raise CaseworkError("已办结的诉求不能再登记办理记录。", code="state")
    _step(request, actor, Action.NOTE, note=clean_text(note, "办理记录", 2000, required=True))
    log_action(actor=actor, action="casework.note_request", obj=request, org=request.org)
    return request


@transaction.atomic
def resolve_request(*, actor: Actor, request: Request, reply: str, version: int | None = None) -> Request:
    """办结 with the reply the resident will read."""
    request = _lock(request)
    require(actor, "casework.edit", request.org)
    _check_version(request, version)
    if request.status not in OPEN_STATUSES:
        raise CaseworkError("该诉求已办结。", code="state")
    reply = clean_text(reply, "答复", 2000, required=True)
    now = timezone.now()
    _advance(request, Status.RESOLVED, reply=reply, resolved_at=now)
    late = timezone.localdate(now) > request.deadline
    _step(request, actor, Action.RESOLVE, note=reply, at=now)
    log_action(
        actor=actor, action="casework.resolve_request", obj=request, org=request.org, data={"late": late}
    )
    return request


@transaction.atomic
def close_request(
    *, actor: Actor, request: Request, satisfaction: str, feedback: str = "", version: int | None = None
) -> Request:
    """回访评价: the resident's satisfaction after the request was resolved."""
    request = _lock(request)
    require(actor, "casework.edit", request.org)
    _check_version(request, version)
    if request.status != Status.RESOLVED:
        raise CaseworkError("只有已办结的诉求才能回访评价。", code="state")
    if satisfaction not in Satisfaction.values:
        raise CaseworkError("请选择满意度。", code="satisfaction")
    feedback = clean_text(feedback, "回访意见", 500)
    _advance(request, Status.CLOSED, satisfaction=satisfaction, feedback=feedback, closed_at=timezone.now())
    _step(
        request,
        actor,
        Action.CLOSE,
        note=f"{Satisfaction(satisfaction).label}。{feedback}".rstrip("。") + "。",
    )
    log_action(
        actor=actor,
        action="casework.close_request",
        obj=request,
        org=request.org,
        data={"satisfaction": satisfaction},
    )
    return request


# --- configuration ---------------------------------------------------------------------------------

DEFAULT_CATEGORIES = [
    # code, name, working days
    ("infrastructure", "基础设施（道路、路灯、供水）", 10),
    ("environment", "环境卫生", 5),
    ("property", "物业服务", 5),
    ("social_security", "社会保障（低保、医保、养老）", 10),
    ("elderly", "养老助残", 7),
    ("employment", "就业创业", 10),
    ("dispute", "矛盾纠纷", 5),
    ("policy", "政策咨询", 3),
    ("other", "其他", 7),
]


def ensure_default_categories(zone: Org) -> int:
    """Seed helper (called inside a service or a seed's transaction): the default categories a zone
    starts from; never changes an existing one."""
    created = 0
    for order, (code, name, days) in enumerate(DEFAULT_CATEGORIES):
        _, was = Category.objects.get_or_create(
            zone=zone, code=code, defaults={"name": name, "deadline_days": days, "order": order}
        )
        created += was
    return created


@transaction.atomic
def save_category(
    *,
    actor: Actor,
    zone: Org,
    name: str,
    deadline_days: int,
    code: str = "",
    active: bool = True,
    category: Category | None = None,
) -> Category:
    """Add a category or change one's name, time limit or use; a new limit applies to requests
    received from now on (those received keep the deadline they were given)."""
    require(actor, "casework.configure", zone)
    name = clean_text(name, "类别名称", 50, required=True)
    if not 1 <= int(deadline_days) <= 90:
        raise CaseworkError("办理时限应为1至90个工作日。", code="deadline_days")
    if category is None:
        code = (code or "").strip().lower() or f"c{Category.objects.filter(zone=zone).count() + 1}"
        if not re.fullmatch(r"[a-z0-9_]{1,30}", code):
            raise CaseworkError("类别标识只能使用小写字母、数字和下划线。", code="code")
        if Category.objects.filter(zone=zone, code=code).exists():
            raise CaseworkError("类别标识已存在。", code="duplicate")
        order = Category.objects.filter(zone=zone).count()
        category = Category.objects.create(
            zone=zone, code=code, name=name, deadline_days=deadline_days, active=active, order=order
        )
        before = None
    else:
        if category.zone_id != zone.pk:
            raise CaseworkError("该类别不属于本区。", code="foreign")
        before = {"name": category.name, "deadline_days": category.deadline_days, "active": category.active}
        category.name, category.deadline_days, category.active = name, deadline_days, active
        category.save()
    log_action(
        actor=actor,
        action="casework.save_category",
        obj=category,
        org=zone,
        data={
            "before": before,
            "after": {"name": name, "deadline_days": deadline_days, "active": active},
            "code": category.code,
        },
    )
    return category


@transaction.atomic
def set_calendar_day(*, actor: Actor, zone: Org, day: date, kind: str | None, name: str = "") -> None:
    """Mark ``day`` as a holiday or a weekend day worked, or (``kind`` None) back to the ordinary week.
    The calendar is national; editing it needs the capability on a zone."""
    require(actor, "casework.configure", zone)
    before = CalendarDay.objects.filter(date=day).values_list("kind", flat=True).first()
    if kind is None:
        CalendarDay.objects.filter(date=day).delete()
    elif kind in DayKind.values:
        CalendarDay.objects.update_or_create(
            date=day, defaults={"kind": kind, "name": clean_text(name, "名称", 30)}
        )
    else:
        raise CaseworkError("请选择放假或调休上班。", code="kind")
    log_action(
        actor=actor,
        action="casework.set_calendar_day",
        org=zone,
        data={"date": day, "before": before, "after": kind, "name": name},
    )


@transaction.atomic
def load_default_calendar(*, actor: Actor, zone: Org, year: int) -> int:
    """Fill ``year`` with the published arrangement shipped with the platform (days already set stay)."""
    require(actor, "casework.configure", zone)
    rows = workdays.default_days(year)
    if not rows:
        raise CaseworkError(f"平台未内置{year}年的放假安排，请逐日录入。", code="no_default")
    existing = set(
        CalendarDay.objects.filter(date__in=[d for d, _, _ in rows]).values_list("date", flat=True)
    )
    new = [CalendarDay(date=d, kind=k, name=n) for d, k, n in rows if d not in existing]
    CalendarDay.objects.bulk_create(new)
    log_action(
        actor=actor, action="casework.load_default_calendar", org=zone, data={"year": year, "added": len(new)}
    )
    return len(new)


# --- research -------------------------------------------------------------------------------------


@transaction.atomic
def create_theme(*, actor: Actor, org: Org, year: int, title: str, lead: str = "") -> ResearchTheme:
    require(actor, "casework.edit", org)
    title = clean_text(title, "课题名称", 200, required=True)
    if ResearchTheme.objects.filter(org=org, year=year, title=title).exists():
        raise CaseworkError("本年度已有同名调研课题。", code="duplicate")
    theme = ResearchTheme.objects.create(
        org=org, year=year, title=title, lead=clean_text(lead, "牵头领导", 50)
    )
    log_action(
        actor=actor, action="casework.create_theme", obj=theme, org=org, data={"year": year, "title": title}
    )
    return theme


@transaction.atomic
def record_research_visit(
    *,
    actor: Actor,
    theme: ResearchTheme,
    org: Org,
    date: date,
    visitors: str,
    visitee_kind: str,
    visitee: str,
    people_count: int = 1,
    place: str = "",
    person=None,
    notes: str = "",
) -> ResearchVisit:
    require(actor, "casework.edit", org)
    if not (org.path.startswith(theme.org.path) or theme.org.path.startswith(org.path)):
        raise CaseworkError("走访组织不在该课题的牵头组织之下。", code="foreign")
    if visitee_kind not in VisiteeKind.values:
        raise CaseworkError("请选择走访对象类别。", code="visitee_kind")
    if date.year != theme.year:
        raise CaseworkError(f"走访日期应在{theme.year}年内。", code="year")
    if date > timezone.localdate():
        raise CaseworkError("走访日期不能晚于今天。", code="future")
    if int(people_count) < 1:
        raise CaseworkError("走访人数至少为1。", code="people_count")
    visit = ResearchVisit.objects.create(
        theme=theme,
        org=org,
        date=date,
        visitors=clean_text(visitors, "走访人", 200, required=True),
        visitee_kind=visitee_kind,
        visitee=clean_text(visitee, "走访对象", 200, required=True),
        people_count=people_count,
        place=clean_text(place, "地点", 200),
        person=person,
        notes=clean_text(notes, "调研情况", 4000),
    )
    log_action(
        actor=actor,
        action="casework.record_research_visit",
        obj=visit,
        org=org,
        data={"theme": theme.pk, "date": date, "people": people_count},
    )
    return visit


@transaction.atomic
def add_problem(
    *,
    actor: Actor,
    visit: ResearchVisit,
    description: str,
    solved_on_site: bool = False,
    solution: str = "",
    hand_on_to: Category | None = None,
) -> ResearchProblem:
    """A problem found on a research visit: solved on the spot, or handed on as a request of the
    visiting organization (``hand_on_to`` names its category)."""
    require(actor, "casework.edit", visit.org)
    description = clean_text(description, "问题", 2000, required=True)
    if solved_on_site and hand_on_to is not None:
        raise CaseworkError("现场已解决的问题无需转为诉求。", code="both")
    problem = ResearchProblem(
        visit=visit,
        description=description,
        solved_on_site=solved_on_site,
        solution=clean_text(solution, "解决情况", 2000),
    )
    request = None
    if hand_on_to is not None:
        request, _ = _new_request(
            actor, org=visit.org, category=hand_on_to, description=description, source=Source.RESEARCH
        )
        problem.request = request
    problem.save()
    log_action(
        actor=actor,
        action="casework.add_problem",
        obj=problem,
        org=visit.org,
        data={"solved_on_site": solved_on_site, "request": request.pk if request else None},
    )
    return problem


@transaction.atomic
def record_output(
    *, actor: Actor, theme: ResearchTheme, kind: str, title: str, date: date, summary: str = ""
) -> ResearchOutput:
    require(actor, "casework.edit", theme.org)
    if kind not in OutputKind.values:
        raise CaseworkError("请选择调研报告或制度成果。", code="kind")
    output = ResearchOutput.objects.create(
        theme=theme,
        kind=kind,
        title=clean_text(title, "名称", 200, required=True),
        date=date,
        summary=clean_text(summary, "内容摘要", 4000),
    )
    log_action(
        actor=actor,
        action="casework.record_output",
        obj=output,
        org=theme.org,
        data={"kind": kind, "title": output.title},
    )
    return output


# --- visits and key assistance targets --------------------------------------------------------------


@transaction.atomic
def mark_key_target(
    *,
    actor: Actor,
    org: Org,
    name: str,
    reason: str,
    marked_on: date,
    person=None,
    detail: str = "",
) -> KeyTarget:
    require(actor, "casework.edit", org)
    if reason not in TargetReason.values:
        raise CaseworkError("请选择帮扶原因。", code="reason")
    if person is not None and KeyTarget.objects.filter(person=person, ended_on__isnull=True).exists():
        raise CaseworkError(f"{person.name}已是重点帮扶对象。", code="duplicate")
    target = KeyTarget.objects.create(
        org=org,
        person=person,
        name=clean_text(name or (person.name if person else ""), "姓名", 50, required=True),
        reason=reason,
        detail=clean_text(detail, "具体情况", 200),
        marked_on=marked_on,
    )
    log_action(actor=actor, action="casework.mark_key_target", obj=target, org=org, data={"reason": reason})
    return target


@transaction.atomic
def end_key_target(*, actor: Actor, target: KeyTarget, ended_on: date, end_reason: str) -> KeyTarget:
    require(actor, "casework.edit", target.org)
    if target.ended_on is not None:
        raise CaseworkError("该帮扶对象已解除。", code="state")
    if ended_on < target.marked_on:
        raise CaseworkError("解除日期不能早于确定日期。", code="date")
    target.ended_on, target.end_reason = ended_on, clean_text(end_reason, "解除原因", 100, required=True)
    target.save(update_fields=["ended_on", "end_reason"])
    log_action(
        actor=actor, action="casework.end_key_target", obj=target, org=target.org, data={"ended_on": ended_on}
    )
    return target


@transaction.atomic
def record_visit(
    *,
    actor: Actor,
    org: Org,
    date: date,
    visitor: str,
    visitee: str = "",
    person=None,
    visitor_person=None,
    address: str = "",
    target: KeyTarget | None = None,
    raised: str = "",
) -> Visit:
    """A visit to a household or person; a key assistance target visited is named through ``target``."""
    require(actor, "casework.edit", org)
    if date > timezone.localdate():
        raise CaseworkError("走访日期不能晚于今天。", code="future")
    if target is not None and not target.org.path.startswith(org.path[: Org.steplen]):
        raise CaseworkError("帮扶对象不属于本区。", code="foreign")
    visitee = visitee or (person.name if person else "") or (target.name if target else "")
    visit = Visit.objects.create(
        org=org,
        date=date,
        visitor=clean_text(
            visitor or (visitor_person.name if visitor_person else ""), "走访人", 100, required=True
        ),
        visitor_person=visitor_person,
        person=person or (target.person if target else None),
        visitee=clean_text(visitee, "走访对象", 100, required=True),
        address=clean_text(address, "住址", 200),
        target=target,
        raised=clean_text(raised, "反映事项", 2000),
    )
    log_action(
        actor=actor,
        action="casework.record_visit",
        obj=visit,
        org=org,
        data={"date": date, "target": bool(target)},
    )
    return visit
