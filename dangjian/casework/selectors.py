"""Reads on casework, always scoped. Overdue is a predicate on the stored deadline, never a stored flag."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Aggregate, Count, Exists, F, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.http import Http404
from django.utils import timezone

from dangjian.core.actors import PUBLIC, Actor
from dangjian.core.scoping import require, scope_q, scoped
from dangjian.orgs.models import Org

from . import workdays
from .models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Action,
    Category,
    KeyTarget,
    OutputKind,
    Request,
    ResearchOutput,
    ResearchProblem,
    ResearchTheme,
    ResearchVisit,
    Status,
    Step,
    Visit,
)
from .services import code_digests, normalize_code

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _ThemeCounts(TypedDict):
        visit_count: int
        people: int
        solved_count: int
        report_count: int
        outcome_count: int

    ThemeWithCounts = WithAnnotations[ResearchTheme, _ThemeCounts]

DUE_SOON_WORKING_DAYS = 2


def requests_visible_to(actor: Actor, capability: str = "casework.view") -> QuerySet[Request]:
    """Requests of orgs in scope, and those an org in scope transferred away (the sender keeps read
    access to what it sent). Writes still need the capability on the request's current org."""
    sent = Step.objects.filter(
        scope_q(actor, capability, "from_org__path"), action=Action.TRANSFER, request=OuterRef("pk")
    )
    return Request.objects.select_related("org", "category").filter(
        scope_q(actor, capability, "org__path") | Q(Exists(sent))
    )


def request_or_404(actor: Actor, pk) -> Request:
    """One request the actor may read (its org in scope, or sent away by an org in scope); else 404."""
    try:
        return requests_visible_to(actor).get(pk=int(pk))
    except (Request.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def open_requests(qs: QuerySet[Request]) -> QuerySet[Request]:
    return qs.filter(status__in=OPEN_STATUSES)


def overdue_q(today: date) -> Q:
    return Q(status__in=OPEN_STATUSES, deadline__lt=today)


@dataclass
class Queue:
    new: QuerySet[Request]
    due_soon: QuerySet[Request]
    overdue: QuerySet[Request]
    today: date
    due_soon_until: date


def queue_for(actor: Actor, org: Org | None = None, today: date | None = None) -> Queue:
    """A secretary's or grid worker's queue: requests waiting to be taken up (已受理/已转办), due within two
    working days, and overdue — of the orgs the actor handles (not those only sent away)."""
    today = today or timezone.localdate()
    qs = scoped(Request.objects.select_related("org", "category"), actor, "casework.view")
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    until = workdays.add_working_days(today, DUE_SOON_WORKING_DAYS)
    return Queue(
        new=qs.filter(status__in=(Status.RECEIVED, Status.ASSIGNED)).order_by("deadline", "id"),
        due_soon=qs.filter(status__in=OPEN_STATUSES, deadline__gte=today, deadline__lte=until).order_by(
            "deadline", "id"
        ),
        overdue=qs.filter(overdue_q(today)).order_by("deadline", "id"),
        today=today,
        due_soon_until=until,
    )


def history(request: Request) -> QuerySet[Step]:
    return request.steps.select_related("from_org", "to_org").order_by("at", "id")


def lookup_public_request(*, actor: Actor = PUBLIC, tracking_code: str, phone_last4: str) -> Request | None:
    """The request whose code and phone's last four digits both match, else None — the same None for a
    wrong code, a wrong phone or both. The code is found through its keyed digest (so the index lookup
    leaks nothing about the code) and both are compared in constant time."""
    require(actor, "casework.public_lookup")
    code = normalize_code(tracking_code)[:64]
    digests = code_digests(code)  # one per blind-index key still configured, newest first
    row = Request.objects.select_related("category").filter(code_digest__in=digests).first()
    stored_digest = row.code_digest if row else "0" * 64
    stored_last4 = (row.phone or "")[-4:] if row else "\0\0\0\0"
    last4 = "".join(ch for ch in (phone_last4 or "") if ch.isdigit())[:4]
    code_ok = any([hmac.compare_digest(stored_digest.encode(), d.encode()) for d in digests])
    phone_ok = hmac.compare_digest(stored_last4.encode().ljust(4, b"\0"), last4.encode().ljust(4, b"\0"))
    if row is not None and code_ok and phone_ok and len(last4) == 4:
        return row
    return None


PUBLIC_STATUS: dict[str, str] = {
    Status.RECEIVED: "received",
    Status.ASSIGNED: "assigned",
    Status.IN_PROGRESS: "in_progress",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
}


def public_categories() -> list[Category]:
    from .services import public_zone

    return list(Category.objects.filter(zone=public_zone(), active=True).order_by("order", "id"))


PUBLIC_PLACES_SHOWN = 30  # a phone's page, not a directory: the zone's stations and centres first


def public_places() -> list:
    """Where a resident can go in person (智慧服务站, 党群服务中心, party venues): the zone's public
    places with their opening hours and services, read through the projects module's selector."""
    from dangjian.projects.selectors import public_places as places

    from .services import public_zone

    return list(places(public_zone().path)[:PUBLIC_PLACES_SHOWN])


# --- zone totals -------------------------------------------------------------------------------------


@dataclass
class Totals:
    by_category: list[dict]
    by_branch: list[dict]
    oldest_open: list[Request]
    total: dict


def zone_totals(actor: Actor, org: Org, year: int, today: date | None = None, oldest: int = 10) -> Totals:
    """Requests received in ``year`` under ``org``: per category and per child org, received / open /
    overdue / resolved / resolved on time / satisfied, each in one grouped query; and the oldest open."""
    today = today or timezone.localdate()
    qs = scoped(Request.objects.all(), actor, "casework.view").filter(
        org__path__startswith=org.path,
        received_at__gte=_start(year),
        received_at__lt=_start(year + 1),
    )
    measures = {
        "received": Count("pk"),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("pk", filter=overdue_q(today)),
        "resolved": Count("pk", filter=Q(status__in=DONE_STATUSES)),
        "on_time": Count("pk", filter=Q(status__in=DONE_STATUSES, resolved_date__lte=F("deadline"))),
        "satisfied": Count("pk", filter=Q(satisfaction__in=("satisfied", "basic"))),
        "rated": Count("pk", filter=~Q(satisfaction="")),
    }
    qs = qs.annotate(resolved_date=TruncDate("resolved_at", tzinfo=timezone.get_current_timezone()))
    names = dict(Category.objects.filter(zone__path=org.path[: Org.steplen]).values_list("pk", "name"))
    # Rows of values(): mappings, read by the measures' names.
    grouped: Iterable[Mapping[str, Any]] = (
        qs.values("category_id").annotate(**measures).order_by("category_id")
    )
    by_category = [
        {"name": names.get(row["category_id"], ""), **{k: row[k] for k in measures}} for row in grouped
    ]
    length = len(org.path) + Org.steplen
    rows: Iterable[Mapping[str, Any]] = (
        qs.annotate(child=Substr("org__path", 1, length))
        .values("child")
        .annotate(**measures)
        .order_by("child")
    )
    child_names = dict(Org.objects.filter(path__in=[r["child"] for r in rows]).values_list("path", "name"))
    by_branch = [
        {
            "name": child_names.get(r["child"], org.name if len(r["child"]) < length else ""),
            **{k: r[k] for k in measures},
        }
        for r in rows
    ]
    total = {k: sum(r[k] for r in by_category) for k in measures}
    oldest_open = list(
        scoped(Request.objects.select_related("org", "category"), actor, "casework.view")
        .filter(org__path__startswith=org.path, status__in=OPEN_STATUSES)
        .order_by("received_at", "id")[:oldest]
    )
    return Totals(by_category, by_branch, oldest_open, total)


def _start(year: int):
    from datetime import datetime

    return timezone.make_aware(datetime(year, 1, 1))


# --- research and visits ---------------------------------------------------------------------------------


def themes_visible_to(actor: Actor, capability: str = "casework.view") -> QuerySet[ResearchTheme]:
    return scoped(ResearchTheme.objects.select_related("org"), actor, capability)


def themes_with_counts(qs: QuerySet[ResearchTheme]) -> QuerySet[ThemeWithCounts]:
    """Visits, people visited, problems solved on site, reports and outcomes per theme, as subqueries
    (joins over two child tables would multiply each other's rows)."""

    def total(model: type[Model], field: Aggregate, path: str, **filters: Any) -> Coalesce:
        rows = model._default_manager.filter(**{path: OuterRef("pk")}, **filters).order_by().values(path)
        return Coalesce(Subquery(rows.annotate(v=field).values("v")), 0)

    return qs.annotate(
        visit_count=total(ResearchVisit, Count("pk"), "theme"),
        people=total(ResearchVisit, Sum("people_count"), "theme"),
        solved_count=total(ResearchProblem, Count("pk"), "visit__theme", solved_on_site=True),
        report_count=total(ResearchOutput, Count("pk"), "theme", kind=OutputKind.REPORT),
        outcome_count=total(ResearchOutput, Count("pk"), "theme", kind=OutputKind.OUTCOME),
    )


def theme_problems(theme: ResearchTheme) -> QuerySet[ResearchProblem]:
    return ResearchProblem.objects.filter(visit__theme=theme).select_related("visit", "request")


def theme_outputs(theme: ResearchTheme) -> QuerySet[ResearchOutput]:
    return theme.outputs.order_by("date", "id")


def visits_visible_to(actor: Actor, capability: str = "casework.view") -> QuerySet[Visit]:
    return scoped(Visit.objects.select_related("org", "target"), actor, capability)


def targets_visible_to(actor: Actor, capability: str = "casework.view") -> QuerySet[KeyTarget]:
    return scoped(KeyTarget.objects.select_related("org"), actor, capability)


def person_visits(person, actor: Actor, limit: int = 20) -> list[Visit]:
    return list(visits_visible_to(actor).filter(person=person).order_by("-date", "-id")[:limit])


def person_requests(person, actor: Actor, limit: int = 20) -> list[Request]:
    return list(requests_visible_to(actor).filter(person=person).order_by("-received_at")[:limit])


def person_target(person, actor: Actor) -> KeyTarget | None:
    return targets_visible_to(actor).filter(person=person, ended_on__isnull=True).first()


def research_theme_names(org: Org, year: int) -> list[str]:
    """Named examples for the summary: the year's themes with the most people visited first."""
    rows = (
        ResearchTheme.objects.filter(org__path__startswith=org.path, year=year)
        .annotate(people=Sum("visits__people_count"))
        .order_by(F("people").desc(nulls_last=True), "id")
        .values_list("title", flat=True)[:10]
    )
    return list(rows)


def days_open(request: Request, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return (today - timezone.localdate(request.received_at)).days


def overdue_days(request: Request, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return max(0, (today - request.deadline).days) if request.is_open else 0
