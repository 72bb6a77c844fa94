"""Reads on persons and members, always starting from ``scoped(...)``. Other modules use
``members_visible_to`` and ``persons_visible_to`` to reach the roll."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.dates import add_years, month_start, months_back
from dangjian.core.scoping import scoped
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import orgs_visible_to

from .models import (
    DevelopmentCase,
    DuesWaiver,
    Household,
    Member,
    MembershipPeriod,
    MemberStatus,
    Person,
    Stage,
    Transfer,
    TransferKind,
    TransferState,
)

AGE_BANDS = {
    "u35": ("35岁以下", 0, 35),
    "35-45": ("35–45岁", 35, 46),
    "46-60": ("46–60岁", 46, 61),
    "61-69": ("61–69岁", 61, 70),
    "70+": ("70岁以上", 70, 200),
}


def _years_ago(day: date, years: int) -> date:
    return add_years(day, -years)


def persons_under(org: Org) -> QuerySet[Person]:
    """Everyone on file (members and residents) in ``org``'s subtree. Not scoped to an actor: for
    rules another app applies to a record it has already checked (a payout programme's list)."""
    return Person.objects.filter(org__path__startswith=org.path)


def members_on_roll_under(org: Org, *, joined_by: date | None = None) -> QuerySet[Member]:
    """Members on the roll today in ``org``'s subtree (who had joined by ``joined_by``, if given).
    Not scoped to an actor, like ``persons_under``."""
    qs = Member.objects.filter(org__path__startswith=org.path, left_on__isnull=True)
    return qs.exclude(joined_on__gt=joined_by) if joined_by else qs


def member_for_user(user) -> Member | None:
    """The member on the roll whose own login this is (``Person.user``), for the member's own pages."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(person__user=user, left_on__isnull=True).select_related("person").first()


def members_visible_to(
    actor: Actor, capability: str = "members.view", *, on_roll: bool = True
) -> QuerySet[Member]:
    """Members in the actor's scope (on the roll today unless ``on_roll`` is False)."""
    # Scope as a semi-join on the orgs in scope: the planner can then walk the (org, person) index
    # in order and stop after a page, instead of joining and sorting the whole roll.
    orgs = orgs_visible_to(actor, capability).values("pk")
    qs = Member.objects.filter(org__in=orgs)
    if on_roll:
        qs = qs.filter(left_on__isnull=True)
    return qs


def persons_visible_to(actor: Actor, capability: str = "members.view") -> QuerySet[Person]:
    return Person.objects.filter(org__in=orgs_visible_to(actor, capability).values("pk"))


def search_persons(qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    """The picker's search (core.pickers, registered in apps.py): name or pinyin initials."""
    return qs.filter(search_q(text)).select_related("org").order_by("name", "pk")


def households_visible_to(actor: Actor, capability: str = "members.view") -> QuerySet[Household]:
    return scoped(Household.objects.all(), actor, capability)


@dataclass
class RosterFilter:
    q: str = ""
    status: str = ""
    age_band: str = ""
    education: str = ""
    elder: bool = False
    floating: bool = False
    cadre: bool = False
    org_code: str = ""

    @classmethod
    def from_params(cls, params) -> RosterFilter:
        def flag(name: str) -> bool:
            return params.get(name) in ("1", "on", "true", "True")

        return cls(
            q=(params.get("q") or "").strip(),
            status=params.get("status") or "",
            age_band=params.get("age_band") or "",
            education=params.get("education") or "",
            elder=flag("elder"),
            floating=flag("floating"),
            cadre=flag("cadre"),
            org_code=(params.get("org") or "").strip(),
        )


ID_LIKE_DIGITS = 6


def looks_like_id(text: str) -> bool:
    """Six or more digits: part of an ID number (or a phone), which a GET search never matches."""
    return sum(ch.isdigit() for ch in unicodedata.normalize("NFKC", text or "")) >= ID_LIKE_DIGITS


def search_q(text: str) -> Q:
    """On Person: name or pinyin initials (``wfx`` finds 王凤侠).

    Never an ID number: a search by ID is a reveal (``services.find_person_by_id``, posted and
    audited), and numbers typed here would land in access logs through the query string.
    """
    text = text.strip()
    if not text:
        return Q()
    if looks_like_id(text):
        return Q(pk__in=[])
    if text.isascii() and text.isalpha():
        return initials_q(text)
    return Q(name__contains=text)


def initials_q(text: str, prefix: str = "") -> Q:
    """Initials starting with ``text`` (``WFX`` or ``wfx`` finds 王凤侠), on the field ``prefix``
    leads to. Initials are stored in lower case; a range rather than LIKE 'wfx%', because SQLite's
    LIKE is case-insensitive and skips the index while PostgreSQL's is case-sensitive."""
    low = text.strip().lower()
    high = low[:-1] + chr(ord(low[-1]) + 1)
    return Q(**{f"{prefix}name_initials__gte": low, f"{prefix}name_initials__lt": high})


def roster(actor: Actor, f: RosterFilter, today: date | None = None) -> QuerySet[Member]:
    """The roster rows for a filter: one query with person and org joined in, index-driven."""
    today = today or timezone.localdate()
    on_person = Q()
    if f.q:
        on_person &= search_q(f.q)
    if f.age_band in AGE_BANDS:
        _, low, high = AGE_BANDS[f.age_band]
        on_person &= Q(birth_date__lte=_years_ago(today, low), birth_date__gt=_years_ago(today, high))
    if f.elder:
        on_person &= Q(birth_date__lte=_years_ago(today, 70))
    if f.education:
        on_person &= Q(education=f.education)
    if on_person:
        # Conditions on the person are answered from the person's indexes (initials, blind index,
        # birth date) first, then each hit's membership is checked against the scope. "org_id + 0"
        # keeps SQLite from crossing the two IN-lists on the (org, person) index (orgs × hits probes).
        orgs = orgs_visible_to(actor, "members.view").values("pk")
        qs: QuerySet[Member] = (
            Member.objects.annotate(scope_org=F("org_id") + 0)
            .filter(scope_org__in=orgs, left_on__isnull=True)
            .filter(person_id__in=Person.objects.filter(on_person).values("pk"))
        )
    else:
        qs = members_visible_to(actor)
    qs = qs.select_related("person", "org")
    if f.org_code:
        qs = qs.filter(org__code=f.org_code)
    if f.status in MemberStatus.values:
        qs = qs.filter(status=f.status)
    if f.floating:
        qs = qs.filter(is_floating=True)
    if f.cadre:
        qs = qs.filter(is_village_cadre=True)
    # The roll's own order: branch by branch, members in the order they were entered (the 花名册's
    # 序号 order when imported). Index-backed, so a page costs the same on 60 or 500,000 members.
    return qs.order_by("org_id", "person_id")


def member_history(member: Member) -> QuerySet[MembershipPeriod]:
    return member.periods.select_related("org").order_by("started_on", "id")


def transfers_visible_to(actor: Actor, capability: str = "members.view") -> QuerySet[Transfer]:
    # Both the sending and the receiving side see a transfer between two branches on the platform
    # (Transfer.SCOPE_PATH names both keys).
    return scoped(Transfer.objects.select_related("member__person", "from_org", "to_org"), actor, capability)


def open_transfers(actor: Actor) -> QuerySet[Transfer]:
    return transfers_visible_to(actor).filter(
        state__in=[TransferState.APPLIED, TransferState.APPROVED, TransferState.IN_TRANSIT]
    )


def development_visible_to(actor: Actor, capability: str = "members.view") -> QuerySet[DevelopmentCase]:
    return scoped(DevelopmentCase.objects.select_related("person", "org"), actor, capability)


def conversions_due(actor: Actor, within_days: int = 60, today: date | None = None) -> list[DevelopmentCase]:
    """Probationary members whose 转正 falls due within ``within_days`` (or is overdue)."""
    from datetime import timedelta

    today = today or timezone.localdate()
    cases = development_visible_to(actor).filter(stage=Stage.PROBATIONARY, voted_on__isnull=False)
    horizon = today + timedelta(days=within_days)
    return sorted(
        (c for c in cases if c.conversion_due_on and c.conversion_due_on <= horizon),
        key=lambda c: c.conversion_due_on or horizon,  # never None: filtered above
    )


def _on_roll_since(day: date):
    """Members who were on one of the platform's rolls on ``day`` (so a whole window is theirs)."""
    return Exists(MembershipPeriod.objects.filter(period_on_q(day), member=OuterRef("pk")))


def unpaid_dues(actor: Actor, months: int = 6, today: date | None = None) -> QuerySet[Member]:
    """Members on the roll with no dues paid for the last ``months`` full months (自行脱党 warning,
    党章 Article 9). Months under an approved 免交/少交 are not unpaid; members who were not yet on a
    roll of the platform when the window began (joined, or transferred in from outside, since) are
    not flagged. People decide; the platform only flags."""
    return (
        _unpaid(members_visible_to(actor), months, today or timezone.localdate())
        .select_related("person", "org")
        .order_by("org__path", "person__name")
    )


def _unpaid(members: QuerySet[Member], months: int, today: date) -> QuerySet[Member]:
    cutoff = months_back(today, months)
    waived = DuesWaiver.objects.filter(member=OuterRef("pk"), from_month__lt=month_start(today)).filter(
        Q(to_month__isnull=True) | Q(to_month__gte=cutoff)
    )
    return (
        members.annotate(last_paid=Max("dues_payments__month"))
        .filter(Q(last_paid__lt=cutoff) | Q(last_paid__isnull=True))
        .filter(_on_roll_since(cutoff))
        .exclude(Exists(waived))
    )


def waivers_in_force(actor: Actor, month: date) -> QuerySet[DuesWaiver]:
    """免交/少交 in force in ``month`` for members in the actor's scope, branch by branch."""
    month = month_start(month)
    return (
        scoped(DuesWaiver.objects.all(), actor, "members.view")
        .filter(from_month__lte=month)
        .filter(Q(to_month__isnull=True) | Q(to_month__gte=month))
        .select_related("member__person", "member__org")
        .order_by("member__org__path", "member__person__name", "from_month")
    )


def without_organizational_life(actor: Actor, months: int = 6, today: date | None = None) -> QuerySet[Member]:
    """Members on the roll who took part in no organizational life for the last ``months`` full months
    (党章 Article 9) — at their branch, or where a temporary relationship placed them. Flagged, not
    decided."""
    return (
        _lifeless(members_visible_to(actor), months, today or timezone.localdate())
        .select_related("person", "org")
        .order_by("org__path", "person__name")
    )


def _lifeless(members: QuerySet[Member], months: int, today: date) -> QuerySet[Member]:
    from dangjian.activities.selectors import present_between

    cutoff = months_back(today, months)
    took_part = present_between(OuterRef("pk"), cutoff, month_start(today))
    return members.filter(_on_roll_since(cutoff)).exclude(Exists(took_part))


LAPSES = {"unpaid": _unpaid, "lifeless": _lifeless}
# The stored figures of the two flags (registered in people.metrics), by flag.
LAPSE_METRICS = {which: f"members.lapse_{which}" for which in LAPSES}


def lapse_as_of(year: int, today: date | None = None) -> date:
    """The day a year's Article 9 flags are taken on: today in the current year (or a later one),
    else the first day after the year."""
    today = today or timezone.localdate()
    return today if year >= today.year else date(year + 1, 1, 1)


def lapsed_members(which: str, year: int, months: int, today: date | None = None) -> QuerySet[Member]:
    """Unscoped: members on the roll flagged ``which`` ("unpaid" or "lifeless") as of
    ``lapse_as_of(year)``, for the stored figure (``people.metrics``) and its drill-down."""
    on_roll = Member.objects.filter(left_on__isnull=True)
    return LAPSES[which](on_roll, months, lapse_as_of(year, today))


def lapse_counts(root: Org, which: str, year: int, months: int, today: date | None = None):
    """(org path, "", members flagged) per org under ``root``: one grouped query."""
    from django.db.models import Count

    flagged = lapsed_members(which, year, months, today).filter(org__path__startswith=root.path)
    rows = (
        Member.objects.filter(pk__in=flagged.values("pk"))
        .values_list("org__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, n in rows:
        yield path, "", n


@dataclass
class LapseFlags:
    """A branch's members flagged under 党章 Article 9: six months without paying dues, six months
    without organizational life. Counts for every branch; names for the first ones only."""

    org_id: int
    unpaid: int = 0
    lifeless: int = 0
    unpaid_names: list = None  # type: ignore[assignment]
    lifeless_names: list = None  # type: ignore[assignment]

    def __post_init__(self):
        self.unpaid_names = self.unpaid_names or []
        self.lifeless_names = self.lifeless_names or []


def lapse_flags(
    actor: Actor,
    root,
    months: int = 6,
    today: date | None = None,
    names: int = 5,
    org_ids: Iterable[int] | None = None,
) -> dict[int, LapseFlags]:
    """org id → LapseFlags for branches under ``root`` (only ``org_ids`` when given) in the actor's
    scope; one query per flag (each branch's count and first names together, by window functions),
    whatever the size of the subtree."""
    from django.db.models import Count, Window
    from django.db.models.functions import RowNumber

    today = today or timezone.localdate()
    out: dict[int, LapseFlags] = {}
    members = members_visible_to(actor).filter(org__path__startswith=root.path)
    if org_ids is not None:
        members = members.filter(org_id__in=list(org_ids))
    for key, flagged_by in LAPSES.items():
        flagged = Member.objects.filter(pk__in=flagged_by(members, months, today).values("pk"))
        ranked = flagged.annotate(
            n=Window(Count("pk"), partition_by=["org_id"]),
            rank=Window(RowNumber(), partition_by=["org_id"], order_by=["person__name", "pk"]),
        ).filter(rank__lte=names)
        rows = ranked.order_by("org_id", "person__name", "pk").values_list(
            "org_id", "n", "person_id", "person__name"
        )
        for org_id, n, person_id, name in rows:
            flags = out.setdefault(org_id, LapseFlags(org_id))
            setattr(flags, key, n)
            getattr(flags, f"{key}_names").append((person_id, name))
    return out


@dataclass
class LapseInView:
    """The Article 9 section of a page: the first flagged branches with their flags, the day they are
    taken on, and when the stored figures that found them were taken (None: found live)."""

    rows: list[tuple[Org, LapseFlags]]
    as_of: date
    taken_at: datetime | None = None
    recomputing: bool = False


def lapse_in_view(
    actor: Actor,
    branches: QuerySet[Org],
    roots: list[Org],
    year: int,
    months: int,
    shown: int,
    today: date | None = None,
) -> LapseInView:
    """``lapse_flags`` for the first ``shown`` of ``branches`` (all under ``roots``) with a flag as of
    ``lapse_as_of(year)``. Which branches have one is read off the stored figures (members.lapse_*)
    when they were taken in the same month as that day — the six-month window moves by the month —
    and then only the branches shown are checked member by member; otherwise every member of the
    subtrees is checked live. Counts and names always come from the records, in the actor's scope."""
    from dangjian.core.figures import taken
    from dangjian.core.models import Figure

    today = today or timezone.localdate()
    as_of = lapse_as_of(year, today)
    under = [r.path for r in roots]
    taken_at, recomputing = taken(LAPSE_METRICS.values(), year, under, Org.steplen)
    if taken_at is not None and month_start(lapse_as_of(year, timezone.localdate(taken_at))) != month_start(
        as_of
    ):
        taken_at, recomputing = None, False
    flags: dict[int, LapseFlags] = {}
    if taken_at is None:
        for root in roots:
            flags |= lapse_flags(actor, root, months=months, today=as_of)
        candidates = list(branches.filter(pk__in=list(flags))[:shown])
    else:
        subtrees = Q(pk__in=[])
        for path in under:
            subtrees |= Q(path__startswith=path)
        stored = Figure.objects.filter(
            subtrees, metric__in=list(LAPSE_METRICS.values()), year=year, label="", value__gt=0
        )
        candidates = list(branches.filter(path__in=stored.values("path"))[:shown])
        if candidates:
            ids = [o.pk for o in candidates]
            for root in roots:
                flags |= lapse_flags(actor, root, months=months, today=as_of, org_ids=ids)
    rows = [(o, flags[o.pk]) for o in candidates if o.pk in flags]
    return LapseInView(rows, as_of, taken_at, recomputing)


# --- the roll on a day (MembershipPeriod), for quorum, attendance, appraisal, dues and yearly figures


def period_on_q(day, prefix: str = "") -> Q:
    """Periods covering ``day``: started on or before it (or start unknown), not ended by it."""
    return (Q(**{f"{prefix}started_on__lte": day}) | Q(**{f"{prefix}started_on__isnull": True})) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": day})
    )


def members_placed_on(paths: list[str], day: date) -> QuerySet[Member]:
    """Members on the roll of an org under any of ``paths`` on ``day`` (membership history, not today's
    branch), and members whose temporary relationship placed them there that day."""
    where = Q()
    for path in paths:
        where |= Q(org__path__startswith=path)
    periods = MembershipPeriod.objects.filter(where, period_on_q(day)).values("member_id")
    return Member.objects.filter(Q(pk__in=periods) | Q(pk__in=hosted_on(paths, day)))


def on_roll_during_year(org: Org, year: int, member_ids: Iterable[int]) -> set[int]:
    """Which of ``member_ids`` were on the roll of ``org``'s subtree at some time in ``year``."""
    return set(
        MembershipPeriod.objects.filter(org__path__startswith=org.path, member_id__in=list(member_ids))
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=date(year, 12, 31)))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=date(year, 1, 1)))
        .values_list("member_id", flat=True)
    )


def roll_periods_on(day: Any, org: Any, *, voting: bool = False) -> QuerySet[MembershipPeriod]:
    """Membership periods of ``org`` covering ``day`` (values or ``OuterRef``s, for another app's
    subquery); with ``voting``, only members who had a vote that day."""
    periods = MembershipPeriod.objects.filter(period_on_q(day), org=org)
    return periods.filter(voting_q(day, prefix="member__")) if voting else periods


def voting_q(day, prefix: str = "") -> Q:
    """Members with a vote on ``day`` (see ``Member.has_vote_on``)."""
    full = Q(**{f"{prefix}full_on__lte": day}) | Q(
        **{f"{prefix}full_on__isnull": True, f"{prefix}status": MemberStatus.FULL}
    )
    watched = Q(**{f"{prefix}watch_from__lte": day}) & (
        Q(**{f"{prefix}watch_until__isnull": True}) | Q(**{f"{prefix}watch_until__gt": day})
    )
    return full & ~watched


def roll_on(org, day: date, *, subtree: bool = False) -> QuerySet[Member]:
    """Members on ``org``'s roll on ``day`` (or on any roll in its subtree), read from the history —
    never from today's branch."""
    where = Q(org__path__startswith=org.path) if subtree else Q(org=org)
    periods = MembershipPeriod.objects.filter(where, period_on_q(day)).values("member_id")
    return Member.objects.filter(pk__in=periods)


def voting_roll_on(org, day: date) -> QuerySet[Member]:
    """应到 of a 支部党员大会: every member with a vote on the branch's roll on the day."""
    return roll_on(org, day).filter(voting_q(day))


def org_of_member_on(member: Member, day: date):
    """The org whose roll the member was on on ``day`` (None when off every roll)."""
    period = member.periods.filter(period_on_q(day)).select_related("org").order_by("-started_on").first()
    return period.org if period else None


def hosted_on(paths: list[str], day: date):
    """Member ids placed by a received temporary relationship with an org under one of ``paths`` on
    ``day``: the host records and counts their organizational life, nothing more."""
    where = Q()
    for path in paths:
        where |= Q(to_org__path__startswith=path)
    return (
        Transfer.objects.filter(where, kind=TransferKind.TEMPORARY, state=TransferState.RECEIVED)
        .filter(closed_on__lte=day)
        .filter(Q(host_until__isnull=True) | Q(host_until__gt=day))
        .values("member_id")
    )


def under_watch_in(actor: Actor, org, year: int) -> QuerySet[Member]:
    """Members of ``org``'s subtree whose 留党察看 began in ``year`` (the 奖惩台账's 处分 part)."""
    return (
        members_visible_to(actor, on_roll=False)
        .filter(org__path__startswith=org.path, watch_from__year=year)
        .select_related("person", "org")
        .order_by("watch_from", "pk")
    )


def temporary_placement(member: Member, day: date) -> Transfer | None:
    """The received temporary relationship placing ``member`` with a host branch on ``day``, if any."""
    return (
        Transfer.objects.filter(
            member=member, kind=TransferKind.TEMPORARY, state=TransferState.RECEIVED, closed_on__lte=day
        )
        .filter(Q(host_until__isnull=True) | Q(host_until__gt=day))
        .select_related("to_org")
        .order_by("-closed_on")
        .first()
    )


# ---------------------------------------------------------------- a member's own page


@dataclass
class OwnDues:
    """A member's dues for one year as they see it on 我的: the rate, the months paid and owed."""

    year: int
    monthly_fen: int | None
    paid: list  # DuesPayment rows of the year, by month
    unpaid_months: list[int]  # months of the year so far with no payment

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen for p in self.paid)


def own_dues(member: Member, year: int, today: date | None = None) -> OwnDues:
    """The member's own dues (no scope: a member always sees their own; callers pass the member
    linked to the logged-in account, never one taken from the request)."""
    today = today or timezone.localdate()
    assessment = member.dues_assessments.filter(year=year).first()
    paid = list(member.dues_payments.filter(month__year=year).order_by("month"))
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    first = member.joined_on.month if member.joined_on and member.joined_on.year == year else 1
    months = {p.month.month for p in paid}
    unpaid = [m for m in range(first, last + 1) if m not in months]
    return OwnDues(year, assessment.monthly_dues_fen if assessment else None, paid, unpaid)
