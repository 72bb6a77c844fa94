"""Reads on organizational life, always scoped; the compliance calendar is derived here, never stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.models import Figure
from dangjian.core.scoping import scoped
from dangjian.orgs.models import Level, Org

from .models import (
    Activity,
    Appraisal,
    Attendance,
    ComplianceRule,
    Kind,
    Participation,
    Period,
    Status,
    ThemeCategory,
    Trainee,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Counts(TypedDict):
        expected: int
        present: int
        marked: int
        on_leave: int
        voting_expected: int
        voting_present: int

    # An activity annotated by ``with_counts`` (应到, 实到 and the voting members among them).
    CountedActivity = WithAnnotations[Activity, _Counts]


def activities_visible_to(actor: Actor, capability: str = "activities.view") -> QuerySet[Activity]:
    return scoped(Activity.objects.select_related("org", "theme_category", "lecturer"), actor, capability)


def held_under(org: Org, year: int) -> QuerySet[Activity]:
    """Meetings and activities held in ``org``'s subtree in ``year``. Not scoped to an actor: for
    another app's seed or report that has already checked the org."""
    return Activity.objects.filter(org__path__startswith=org.path, date__year=year, status="held")


def page_with_counts(qs: QuerySet[Activity], limit: int, offset: int) -> tuple[list[CountedActivity], int]:
    """One page of ``qs`` with 应到/实到: the count and the slice run on the plain query, and the
    attendance is aggregated only for the page's rows (never for the whole city's)."""
    ids = list(qs.values_list("pk", flat=True)[offset : offset + limit])
    annotated = with_counts(
        Activity.objects.filter(pk__in=ids).select_related("org", "theme_category", "lecturer")
    )
    by_id = {a.pk: a for a in annotated}
    return [by_id[pk] for pk in ids], qs.count()


# Who should attend (应到), by who holds the meeting (支部工作条例 Articles 9 and 10, 党章 Articles 7, 40):
#   "roll"      — a branch's own meeting: every member on its roll that day (MembershipPeriod), the
#                 voting ones (full members not under 留党察看) deciding a 支部党员大会's quorum;
#   "committee" — a branch's 支委会: the committee members holding a post that day;
#   "marked"    — anything else (a zone-wide activity): the members who were asked, i.e. marked.
# ``Attendance.voting`` keeps, per row, whether that person counted toward the quorum that day.
ROLL, COMMITTEE, MARKED = "roll", "committee", "marked"


def present_between(member: Any, since: Any, before: Any) -> QuerySet[Attendance]:
    """Attendance marked present at held meetings from ``since`` until before ``before``, for ``member``
    (values or ``OuterRef``s: another app's selector uses it as a subquery)."""
    return Attendance.objects.filter(
        member=member,
        status=Participation.PRESENT,
        activity__status=Status.HELD,
        activity__date__gte=since,
        activity__date__lt=before,
    )


def quorum_basis(activity: Activity) -> str:
    if activity.org.level != Level.BRANCH:
        return MARKED
    return COMMITTEE if activity.kind == Kind.COMMITTEE else ROLL


def _roll_count(voting: bool):
    from dangjian.people.selectors import roll_periods_on

    periods = roll_periods_on(OuterRef("date"), OuterRef("org"), voting=voting)
    return Coalesce(
        Subquery(periods.order_by().values("org").annotate(c=Count("member", distinct=True)).values("c")[:1]),
        0,
    )


def _committee_count():
    from dangjian.orgs.models import CommitteePost, CommitteeTerm

    term = (
        CommitteeTerm.objects.filter(
            org=OuterRef(OuterRef("org")), elected_on__lte=OuterRef(OuterRef("date"))
        )
        .order_by("-elected_on")
        .values("pk")[:1]
    )
    day = OuterRef("date")
    posts = (
        CommitteePost.objects.filter(term=Subquery(term), person__isnull=False)
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=day))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    )
    return Coalesce(
        Subquery(posts.order_by().values("term").annotate(c=Count("person", distinct=True)).values("c")[:1]),
        0,
    )


def _attendance_count(**filters: Any) -> Coalesce:
    rows = Attendance.objects.filter(activity=OuterRef("pk"), **filters).order_by()
    return Coalesce(Subquery(rows.values("activity").annotate(c=Count("pk")).values("c")[:1]), 0)


def with_counts(qs: QuerySet[Activity]) -> QuerySet[CountedActivity]:
    """应到, 实到, and the voting members among them, as annotations (see ``quorum_basis``).

    Every count is a subquery of its own, not a join: with the attendance rows joined and grouped, the
    roll and committee subqueries ran once per attendance row instead of once per meeting (a zone's
    year of 2,500 meetings took 3 s on SQLite instead of 0.3)."""
    branch = Q(org__level=Level.BRANCH)
    committee = Q(kind=Kind.COMMITTEE)
    present = Participation.PRESENT
    return qs.annotate(
        expected=Case(
            When(branch & committee, then=_committee_count()),
            When(branch, then=_roll_count(voting=False)),
            default=_attendance_count(),
        ),
        present=_attendance_count(status=present),
        marked=_attendance_count(),
        on_leave=_attendance_count(status=Participation.LEAVE),
        voting_expected=Case(
            When(branch & committee, then=_committee_count()),
            When(branch, then=_roll_count(voting=True)),
            default=_attendance_count(voting=True),
        ),
        voting_present=_attendance_count(voting=True, status=present),
    )


@dataclass(frozen=True)
class Turnout:
    expected: int
    present: int
    absent: int
    leave: int
    voting_expected: int
    voting_present: int
    kind: str
    basis: str = MARKED
    unlinked: int = 0  # committee posts naming nobody on file
    marked: int = 0  # attendance rows recorded so far

    @property
    def quorate(self) -> bool | None:
        """A branch's 支部党员大会: more than half of the voting members on its roll that day present;
        its 支委会: more than half of the committee present. Anything else has no quorum. Before any
        attendance is recorded (a meeting just planned or entered) it cannot be judged: None."""
        if not self.marked:
            return None
        if self.kind == Kind.PARTY_CONGRESS and self.basis == ROLL:
            return self.voting_present * 2 > self.voting_expected
        if self.kind == Kind.COMMITTEE and self.basis == COMMITTEE:
            if self.unlinked or not self.voting_expected:
                return None  # cannot be judged until every post is linked to a person
            return self.voting_present * 2 > self.voting_expected
        return None

    @property
    def rate(self) -> int | None:
        return round(self.present * 100 / self.expected) if self.expected else None


def turnout(activity: Activity) -> Turnout:
    basis = quorum_basis(activity)
    rows = Attendance.objects.filter(activity=activity).aggregate(
        marked=Count("pk"),
        present=Count("pk", filter=Q(status=Participation.PRESENT)),
        absent=Count("pk", filter=Q(status=Participation.ABSENT)),
        leave=Count("pk", filter=Q(status=Participation.LEAVE)),
        voting_marked=Count("pk", filter=Q(voting=True)),
        voting_present=Count("pk", filter=Q(voting=True, status=Participation.PRESENT)),
    )
    marked, voting_marked = rows.pop("marked"), rows.pop("voting_marked")
    unlinked = 0
    if basis == ROLL:
        from dangjian.people.selectors import roll_on, voting_roll_on

        expected = roll_on(activity.org, activity.date).count()
        voting_expected = voting_roll_on(activity.org, activity.date).count()
    elif basis == COMMITTEE:
        from dangjian.orgs.selectors import committee_on

        persons, unlinked = committee_on(activity.org, activity.date)
        expected = voting_expected = len(persons)
    else:
        expected, voting_expected = marked, voting_marked
    return Turnout(
        kind=activity.kind,
        basis=basis,
        unlinked=unlinked,
        marked=marked,
        expected=expected,
        voting_expected=voting_expected,
        **rows,
    )


def quorate(activity) -> bool | None:
    """For an activity annotated by ``with_counts`` (see ``Turnout.quorate``)."""
    if not activity.marked:
        return None
    if activity.org.level != Level.BRANCH:
        return None
    if activity.kind not in (Kind.PARTY_CONGRESS, Kind.COMMITTEE):
        return None
    if activity.kind == Kind.COMMITTEE and not activity.voting_expected:
        return None
    return activity.voting_present * 2 > activity.voting_expected


def training_bases(org: Org, year: int) -> list[str]:
    """Names of the training destinations used in ``year`` in ``org``'s subtree, in order of first use."""
    rows = (
        Activity.objects.filter(
            org__path__startswith=org.path,
            kind=Kind.TRAINING,
            status=Status.HELD,
            date__year=year,
            training_base__isnull=False,
        )
        .order_by("training_base_id")
        .values_list("training_base__name", flat=True)
        .distinct()
    )
    return list(rows)


def theme_category_names(org: Org, year: int) -> list[str]:
    """Theme categories of the year's activities in ``org``'s subtree, in the zone's order."""
    used = Activity.objects.filter(
        org__path__startswith=org.path, status=Status.HELD, date__year=year, theme_category__isnull=False
    ).values("theme_category_id")
    return list(
        ThemeCategory.objects.filter(pk__in=used).order_by("order", "id").values_list("name", flat=True)
    )


def member_attendance(member, actor: Actor, limit: int = 50) -> QuerySet[Attendance]:
    return scoped(
        Attendance.objects.filter(member=member).select_related("activity", "activity__org"),
        actor,
        "activities.view",
    ).order_by("-activity__date")[:limit]


def member_attendance_totals(member, actor: Actor) -> dict[str, int]:
    return scoped(Attendance.objects.filter(member=member), actor, "activities.view").aggregate(
        total=Count("pk"), present=Count("pk", filter=Q(status=Participation.PRESENT))
    )


def appraisals_for(org: Org, year: int) -> dict[int, str]:
    return dict(Appraisal.objects.filter(org=org, year=year).values_list("member_id", "grade"))


# --- Compliance calendar ---------------------------------------------------------------------------

QUARTER_END = {3: 1, 6: 2, 9: 3, 12: 4}


@dataclass(slots=True)
class Requirement:
    kind: str
    label: str
    period: str
    period_no: int  # month 1-12, quarter 1-4, or 1 for the year
    min_count: int
    held: int
    state: str  # met | missed | due | future


def _state(n: int, minimum: int, start: date, end: date, today: date) -> str:
    if n >= minimum:
        return "met"
    if end <= today:
        return "missed"
    return "due" if start <= today else "future"


class Cell:
    """One branch-month. Its state is computed eagerly (cheap); the list of requirements behind it only
    when a page or export shows the cell, so a 10,000-branch matrix builds no million small objects."""

    __slots__ = ("month", "held", "state", "_checks", "_per_kind", "_today", "_requirements")

    def __init__(self, month: int, held: int, state: str, checks=(), per_kind=None, today=None):
        self.month, self.held, self.state = month, held, state
        self._checks, self._per_kind, self._today = checks, per_kind or {}, today
        self._requirements: list[Requirement] | None = None

    @property
    def requirements(self) -> list[Requirement]:
        if self._requirements is None:
            out = []
            for kind, label, period, number, first, last, minimum, start, end in self._checks:
                n = sum(self._per_kind.get(kind, _EMPTY)[first : last + 1])
                out.append(
                    Requirement(
                        kind, label, period, number, minimum, n, _state(n, minimum, start, end, self._today)
                    )
                )
            self._requirements = out
        return self._requirements

    @property
    def missing(self) -> list[str]:
        return [r.label for r in self.requirements if r.state in ("missed", "due")]

    @property
    def tooltip(self) -> str:
        return "；".join(f"{r.label} {r.held}/{r.min_count}" for r in self.requirements)


@dataclass
class BranchRow:
    org_id: int
    code: str
    name: str
    path: str
    cells: list[Cell]

    @property
    def has_gap(self) -> bool:
        return any(c.state == "gap" for c in self.cells)

    @property
    def missed(self) -> list[Requirement]:
        return [r for c in self.cells if c.state == "gap" for r in c.requirements if r.state == "missed"]


@dataclass
class Matrix:
    root: Org | None
    year: int
    today: date
    rows: list[BranchRow]

    @property
    def overdue(self) -> list[BranchRow]:
        return [r for r in self.rows if r.has_gap]


def _period_bounds(year: int, period: str, number: int) -> tuple[date, date]:
    if period == Period.MONTH:
        start = date(year, number, 1)
        end = date(year + (number == 12), number % 12 + 1, 1)
    elif period == Period.QUARTER:
        start = date(year, 3 * number - 2, 1)
        end = date(year + (number == 4), (3 * number) % 12 + 1, 1)
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return start, end  # end is exclusive


def _rules_for(root: Org) -> dict[str, list[dict]]:
    """Rules of the zones above or inside ``root``, keyed by zone path, newest first per kind."""
    ancestors = [root.path[: i * Org.steplen] for i in range(1, root.depth + 1)]
    rules = ComplianceRule.objects.filter(
        Q(zone__path__in=ancestors) | Q(zone__path__startswith=root.path)
    ).values("zone__path", "kind", "period", "min_count", "valid_from")
    by_zone: dict[str, list] = defaultdict(list)
    for r in sorted(rules, key=lambda r: r["valid_from"], reverse=True):
        by_zone[r["zone__path"]].append(r)
    return by_zone


def _in_force(rules: list[dict], start: date) -> dict[str, dict]:
    """The rule of each kind in force on ``start`` (``rules`` newest first)."""
    chosen: dict[str, dict] = {}
    for r in rules:
        if r["valid_from"] <= start and r["kind"] not in chosen:
            chosen[r["kind"]] = r
    return {k: r for k, r in chosen.items() if r["min_count"] > 0}


def _month_counts(year: int, date_field: str) -> dict:
    """Twelve conditional counts, one per month, so a grouped query returns one row per (org, kind)
    instead of one per (org, kind, month) — a tenth of the rows to ship and convert at city scale."""
    out = {}
    for m in range(1, 13):
        start, end = date(year, m, 1), date(year + (m == 12), m % 12 + 1, 1)
        out[f"m{m}"] = Count("pk", filter=Q(**{f"{date_field}__gte": start, f"{date_field}__lt": end}))
    return out


def held_counts(
    root: Org, year: int, org_ids: Collection[int] | None = None
) -> dict[int, dict[str, list[int]]]:
    """org id → kind → meetings held per month (index 1–12), over the subtree (or only the orgs
    ``org_ids`` in it), in two grouped queries whatever its size: the org's own activities and the
    zone-wide ones it took part in."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    only = Q() if org_ids is None else Q(org_id__in=list(org_ids))
    counts: dict[int, dict[str, list[int]]] = defaultdict(dict)
    months = [f"m{m}" for m in range(1, 13)]

    def add(org_id: int, kind: str, row: Mapping[str, Any]) -> None:
        per_kind = counts[org_id]
        if kind not in per_kind:
            per_kind[kind] = [0] * 13
        totals = per_kind[kind]
        for m, key in enumerate(months, start=1):
            totals[m] += row[key]

    # A 主题党日 shorter than the local minimum does not count (unknown length counts).
    short = Q(kind=Kind.THEME_DAY, minutes_long__lt=settings.THEME_DAY_MIN_MINUTES)
    own = (
        Activity.objects.filter(
            only, org__path__startswith=root.path, date__gte=start, date__lt=end, status=Status.HELD
        )
        .exclude(short)
        .values("org_id", "kind")
        .annotate(**_month_counts(year, "date"))
        .order_by()
    )
    for row in own:
        add(row["org_id"], row["kind"], row)
    through = Activity.participants.through
    joined = (
        through.objects.filter(
            only,
            org__path__startswith=root.path,
            activity__date__gte=start,
            activity__date__lt=end,
            activity__status=Status.HELD,
        )
        .exclude(activity__kind=Kind.THEME_DAY, activity__minutes_long__lt=settings.THEME_DAY_MIN_MINUTES)
        .values("org_id", "activity__kind")
        .annotate(**_month_counts(year, "activity__date"))
        .order_by()
    )
    for through_row in joined:
        add(through_row["org_id"], through_row["activity__kind"], through_row)
    return counts


_EMPTY = [0] * 13


def _checks(rules: list[dict], year: int) -> list[list[tuple]]:
    """Per month (index 1–12): the (kind, label, period, number, first month, last month, min, start, end)
    of every requirement whose period ends that month, under the rules in force for that period."""
    labels = {value: str(label) for value, label in Kind.choices}
    out: list[list[tuple]] = [[] for _ in range(13)]
    for month in range(1, 13):
        periods = [(Period.MONTH, month, month, month)]
        if month in QUARTER_END:
            q = QUARTER_END[month]
            periods.append((Period.QUARTER, q, 3 * q - 2, 3 * q))
        if month == 12:
            periods.append((Period.YEAR, 1, 1, 12))
        for period, number, first, last in periods:
            start, end = _period_bounds(year, period, number)
            for kind, rule in _in_force(rules, start).items():
                if rule["period"] == period:
                    out[month].append(
                        (kind, labels[kind], period, number, first, last, rule["min_count"], start, end)
                    )
    return out


def compliance_matrix(
    root: Org, year: int, today: date | None = None, org_ids: Collection[int] | None = None
) -> Matrix:
    """Branches under ``root`` (or only those of ``org_ids``: a page's) × months of ``year``: which
    required meetings were held, are due, were missed. A fixed number of queries (branches, rules, two
    grouped counts) whatever the branch count; the rules in force are resolved once per zone, not per
    branch."""
    today = today or timezone.localdate()
    branches = Org.objects.filter(path__startswith=root.path, level=Level.BRANCH, active=True)
    if org_ids is not None:
        branches = branches.filter(pk__in=list(org_ids))
    branches = branches.order_by("path").values_list("id", "code", "name", "path")
    rules_by_zone = _rules_for(root)
    zone_paths = sorted(rules_by_zone, key=len, reverse=True)
    checks_by_zone = {z: _checks(rules_by_zone[z], year) for z in zone_paths}
    no_checks: list[list[tuple]] = [[] for _ in range(13)]
    counts = held_counts(root, year, org_ids)
    future_month = [date(year, m, 1) > today if m else False for m in range(13)]
    rows = []
    for org_id, code, name, path in branches:
        zone_path = next((z for z in zone_paths if path.startswith(z)), None)
        checks = checks_by_zone[zone_path] if zone_path is not None else no_checks
        per_kind = counts.get(org_id, {})
        totals = [0] * 13
        for monthly in per_kind.values():
            for m in range(1, 13):
                totals[m] += monthly[m]
        cells = []
        for month in range(1, 13):
            month_checks = checks[month]
            missed = due = future = False
            for kind, _label, _period, _number, first, last, minimum, start, end in month_checks:
                monthly = per_kind.get(kind, _EMPTY)
                n = monthly[first] if first == last else sum(monthly[first : last + 1])
                if n >= minimum:
                    continue
                if end <= today:
                    missed = True
                elif start <= today:
                    due = True
                else:
                    future = True
            if missed:
                cell_state = "gap"
            elif due:
                cell_state = "due"
            elif future or (not month_checks and future_month[month]):
                cell_state = "future"
            else:
                cell_state = "ok" if month_checks else "none"
            cells.append(Cell(month, totals[month], cell_state, month_checks, per_kind, today))
        rows.append(BranchRow(org_id, code, name, path, cells))
    return Matrix(root=root, year=year, today=today, rows=rows)


def compliance_for(actor: Actor, roots: list[Org], year: int, today: date | None = None) -> Matrix:
    """The matrix over each of ``roots`` (a liaison group's assigned orgs, say), keeping only branches the
    actor may see: a grant on a committee alone (not its subtree) shows none of its branches."""
    visible = set(
        scoped(Org.objects.filter(level=Level.BRANCH), actor, "activities.view", "path").values_list(
            "id", flat=True
        )
    )
    # One matrix over the roots' nearest common ancestor keeps the query count fixed however many orgs a
    # liaison group supervises; the visible set then trims it to the actor's branches.
    common = roots[0].path
    for root in roots[1:]:
        while not root.path.startswith(common):
            common = common[: -Org.steplen]
    if common:
        top = roots[0] if common == roots[0].path else Org.objects.get(path=common)
        rows = [r for r in compliance_matrix(top, year, today).rows if r.org_id in visible]
    else:  # roots in different trees (several cities): one matrix each
        rows = [r for root in roots for r in compliance_matrix(root, year, today).rows if r.org_id in visible]
    return Matrix(
        root=roots[0] if len(roots) == 1 else None, year=year, today=today or timezone.localdate(), rows=rows
    )


# --- the compliance page at city scale -------------------------------------------------------------

REQUIRED_MISSED = "activities.required_missed"  # see metrics.py


@dataclass
class Overview:
    """The compliance page: how many branches are in view and how many missed a required meeting, one
    page of their rows and the first ``OVERDUE_SHOWN`` branches with a gap. Only the rows shown are
    computed from the records; which branches have a gap is read off the stored figures (taken at
    ``taken_at``, ``recomputing`` while a write waits for the worker), or computed live over every
    branch when the year's figures are not stored (``taken_at`` None)."""

    year: int
    today: date
    branches: int
    gaps: int
    page: Page
    overdue: list[BranchRow]
    taken_at: datetime | None = None
    recomputing: bool = False


OVERDUE_SHOWN = 200


def common_root(roots: list[Org]) -> Org | None:
    """The roots' nearest common ancestor (one of them when it is), None for roots in different trees."""
    common = roots[0].path
    for root in roots[1:]:
        while not root.path.startswith(common):
            common = common[: -Org.steplen]
    if not common:
        return None
    return next((r for r in roots if r.path == common), None) or Org.objects.get(path=common)


def branches_in_view(actor, roots: list[Org], top: Org | None) -> QuerySet[Org]:
    """The active branches the page lists, by path: under the roots' common ancestor (each root's
    subtree when they share none) and in the actor's scope."""
    under = Q(path__startswith=top.path) if top is not None else Q(pk__in=[])
    if top is None:
        for root in roots:
            under |= Q(path__startswith=root.path)
    return scoped(
        Org.objects.filter(under, level=Level.BRANCH, active=True), actor, "activities.view", "path"
    ).order_by("path")


def _ended_months(year: int, today: date) -> list[int]:
    return [m for m in range(1, 13) if date(year + (m == 12), m % 12 + 1, 1) <= today]


def _stored_gap_paths(under: list[str], year: int, today: date) -> QuerySet:
    """Paths of the branches with a month that has ended short of a requirement: the stored 应开未开
    figure keeps a row only for a branch-month short of one, so these are the rows of the months
    ended by ``today`` (the cells' 缺)."""
    labels = [f"={m}月" for m in _ended_months(year, today)]  # reports.figures' SPLIT + MONTH_LABELS
    where = Q(pk__in=[])
    for path in under:
        where |= Q(path__startswith=path)
    return Figure.objects.filter(where, metric=REQUIRED_MISSED, year=year, label__in=labels).values("path")


def _taken(year: int, under: list[str]) -> tuple[datetime | None, bool]:
    """When the year's 应开未开 figures were last complete (None: not stored), and whether a write
    under (or above) ``under`` still waits for the worker."""
    from dangjian.core.figures import taken

    return taken([REQUIRED_MISSED], year, under, Org.steplen)


def compliance_overview(
    actor,
    roots: list[Org],
    year: int,
    *,
    page: str | int | None = None,
    only_gaps: bool = False,
    per_page: int = 100,
    today: date | None = None,
) -> Overview:
    """The compliance page for ``roots`` in a fixed number of queries whatever the number of branches:
    counts and the page's branch ids in the database, the matrix for the branches shown only."""
    today = today or timezone.localdate()
    top = common_root(roots)
    under = [top.path] if top is not None else [r.path for r in roots]
    taken_at, recomputing = _taken(year, under)
    if taken_at is None:
        matrix = compliance_for(actor, roots, year, today)
        overdue = matrix.overdue
        live = Paginator(overdue if only_gaps else matrix.rows, per_page).get_page(page)
        return Overview(year, today, len(matrix.rows), len(overdue), live, overdue[:OVERDUE_SHOWN])
    branches = branches_in_view(actor, roots, top)
    with_gaps = branches.filter(path__in=_stored_gap_paths(under, year, today))
    paginator = Paginator((with_gaps if only_gaps else branches).values_list("pk", flat=True), per_page)
    shown = paginator.get_page(page)
    ids = list(shown.object_list)
    overdue_ids = list(with_gaps.values_list("pk", flat=True)[:OVERDUE_SHOWN])
    wanted = {*ids, *overdue_ids}
    if top is not None:
        rows = compliance_matrix(top, year, today, wanted).rows
    else:
        rows = [r for root in roots for r in compliance_matrix(root, year, today, wanted).rows]
    by_id = {r.org_id: r for r in rows}
    shown.object_list = [by_id[pk] for pk in ids if pk in by_id]
    count: int = paginator.count
    return Overview(
        year,
        today,
        branches=branches.count() if only_gaps else count,
        gaps=count if only_gaps else with_gaps.count(),
        page=shown,
        overdue=[by_id[pk] for pk in overdue_ids if pk in by_id],
        taken_at=taken_at,
        recomputing=recomputing,
    )


def trainees_of(activity: Activity) -> QuerySet[Trainee]:
    return activity.trainees.order_by("id")


def congresses_of(actor: Actor, org_ids: list[int], since: date) -> dict[int, list[Activity]]:
    """Held 支部党员大会 of these branches since ``since``, newest first, per org (for decision forms)."""
    rows = activities_visible_to(actor).filter(
        org_id__in=set(org_ids), kind=Kind.PARTY_CONGRESS, status=Status.HELD, date__gte=since
    )
    out: dict[int, list[Activity]] = defaultdict(list)
    for a in rows.order_by("-date", "-id")[:2000]:
        out[a.org_id].append(a)
    return out


@dataclass
class BranchRuleGaps:
    """What a branch missed of the rules the frequency calendar does not hold: the monthly 党小组会
    (支部工作条例 Article 11, for a branch with 党小组) and the secretary's yearly 党课 (Article 12)."""

    org: Org
    group_months_missed: list[int]
    secretary_lecture: bool | None  # None: the year is not over and none was given yet


RULE_GAPS_SHOWN = 300


def rule_gaps_in(
    branches: QuerySet[Org],
    under: list[str],
    year: int,
    today: date | None = None,
    *,
    offset: int = 0,
    limit: int = RULE_GAPS_SHOWN,
) -> tuple[list[BranchRuleGaps], int]:
    """``branch_rule_gaps`` for a page: ``limit`` of the ``branches`` (by path, all under one of the
    paths ``under``; from the ``offset``-th) that missed a monthly 党小组会 or whose secretary gave no 党课,
    and how many did in all (0 past the last) — two queries whatever the number of branches. A branch's 党小组会 are those
    held by the branch or by its 党小组 (one sits directly under its branch: ``orgs.services``)."""
    from django.db.models import BooleanField, ExpressionWrapper, F, Window
    from django.db.models.functions import ExtractMonth, Length, Substr

    from dangjian.orgs.models import Post

    today = today or timezone.localdate()
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    last_month = 12 if today >= end else today.month - 1
    subtree = Q(pk__in=[])
    for path in under:
        subtree |= Q(path__startswith=path)
    parent_path = Substr("path", 1, Length("path") - Org.steplen)
    with_groups = Org.objects.filter(subtree, level=Level.GROUP).annotate(parent=parent_path).values("parent")
    group_meetings = (
        Activity.objects.filter(kind=Kind.GROUP, status=Status.HELD, date__gte=start, date__lt=end)
        .filter(**{"org__in": Org.objects.filter(subtree)})
        .annotate(
            branch=Case(
                When(org__level=Level.GROUP, then=Substr("org__path", 1, Length("org__path") - Org.steplen)),
                default="org__path",
            )
        )
    )
    if last_month > 0:
        # Branches whose 党小组会 were held in every month that has ended.
        every_month = (
            group_meetings.filter(date__lt=date(year + (last_month == 12), last_month % 12 + 1, 1))
            .values("branch")
            .annotate(months=Count(ExtractMonth("date"), distinct=True))
            .filter(months__gte=last_month)
            .values("branch")
        )
        missed_a_month = Q(path__in=with_groups) & ~Q(path__in=every_month)
    else:
        missed_a_month = Q(pk__in=[])

    # Lectures given by the branch's secretary, as two sets computed once (not a subquery per branch):
    # by the lecturer's kind or the 主讲人 "支部书记", and by a name or person matching a secretary's post
    # on the lecture's own branch (a join, in one filter() so that post is one row).
    def lectured_in(orgs: Q) -> Q:
        lectures = Activity.objects.filter(
            orgs, kind=Kind.LECTURE, status=Status.HELD, date__gte=start, date__lt=end
        )
        by_role = lectures.filter(Q(lecturer__kind="secretary") | Q(lecturer_name="支部书记"))
        post = "org__terms__posts__"
        by_post = lectures.filter(
            Q(**{f"{post}holder_name__gt": "", f"{post}holder_name": F("lecturer_name")})
            | Q(**{f"{post}holder_name__gt": "", f"{post}holder_name": F("lecturer__name")})
            | Q(**{f"{post}person__isnull": False, f"{post}person_id": F("lecturer__person_id")}),
            org__terms__elected_on__lt=end,
            **{f"{post}post": Post.SECRETARY},
        )
        return Q(pk__in=by_role.values("org_id")) | Q(pk__in=by_post.values("org_id"))

    lectured = lectured_in(Q(org__in=Org.objects.filter(subtree, level=Level.BRANCH)))
    gaps = list(
        branches.filter(missed_a_month | ~lectured)
        .annotate(total=Window(Count("pk")))
        .order_by("path")[offset : offset + limit]
    )
    if not gaps:
        return [], 0
    # What the list says of each branch shown, asked for those branches only.
    ids = [b.pk for b in gaps]
    facts = Org.objects.filter(pk__in=ids).annotate(
        lectured=ExpressionWrapper(lectured_in(Q(org_id__in=ids)), output_field=BooleanField()),
        grouped=ExpressionWrapper(Q(path__in=with_groups), output_field=BooleanField()),
    )
    by_branch = {
        pk: (lectured, grouped) for pk, lectured, grouped in facts.values_list("pk", "lectured", "grouped")
    }
    held: dict[str, set[int]] = defaultdict(set)
    shown = [b.path for b in gaps if by_branch[b.pk][1]]
    for path, month in group_meetings.filter(branch__in=shown).values_list("branch", ExtractMonth("date")):
        held[path].add(month)
    out = []
    for b in gaps:
        was_lectured, grouped = by_branch[b.pk]
        missed = [m for m in range(1, last_month + 1) if m not in held[b.path]] if grouped else []
        out.append(BranchRuleGaps(b, missed, True if was_lectured else (False if today >= end else None)))
    return out, gaps[0].total


# ---------------------------------------------------------------- a member's own page

# Kinds that count as study on 我的 (党课, 读书班, 学习研讨, 宣讲, 培训).
STUDY_KINDS = (Kind.LECTURE, Kind.READING_CLASS, Kind.SEMINAR, Kind.PREACH, Kind.TRAINING)


@dataclass
class OwnLife:
    """A member's organizational life in one year, as they see it on 我的."""

    year: int
    attended: list  # Attendance rows of the year, newest first
    upcoming: list  # planned activities of the member's branch from today on
    present: int
    expected: int
    study: list  # the attended rows that are study

    @property
    def absent(self) -> int:
        return self.expected - self.present


def own_life(member, year: int, today: date | None = None) -> OwnLife:
    """The member's own meetings, attendance and study (no scope: a member always sees their own;
    callers pass the member linked to the logged-in account, never one taken from the request)."""
    today = today or timezone.localdate()
    rows = list(
        Attendance.objects.filter(member=member, activity__date__year=year)
        .exclude(activity__status=Status.CANCELLED)
        .select_related("activity", "activity__org")
        .order_by("-activity__date", "-activity_id")
    )
    upcoming = list(
        Activity.objects.filter(org=member.org, date__gte=today, status=Status.PLANNED)
        .select_related("org")
        .order_by("date", "id")[:10]
    )
    present = sum(1 for r in rows if r.status == Participation.PRESENT)
    study = [r for r in rows if r.activity.kind in STUDY_KINDS and r.status == Participation.PRESENT]
    return OwnLife(year, rows, upcoming, present, len(rows), study)
