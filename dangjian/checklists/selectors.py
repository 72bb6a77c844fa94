"""Reads on key tasks and supervision, always scoped. The task × branch matrix is one grouped query by
path prefix (the shape of ``Metric.rollup``), so a zone of 10,000 branches costs what a village does
plus the rows it groups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from dangjian.core.actors import Actor, acting_user
from dangjian.core.ledgers import RecordRef
from dangjian.core.scoping import grants_for, scope_q, scoped
from dangjian.orgs.models import GRASSROOTS_LEVELS, LiaisonGroup, Org

from .models import (
    Assignment,
    AssignmentState,
    KeyTask,
    LedgerEntry,
    Problem,
    ProblemState,
    Report,
    ReportState,
    SupervisionVisit,
    TaskStatus,
    VisitStatus,
)

DONE = Q(state=AssignmentState.DONE)


def late_q(today: date, prefix: str = "") -> Q:
    """Overdue: done after the deadline, or not done and the deadline has passed."""
    p = prefix
    return Q(**{f"{p}state": AssignmentState.DONE, f"{p}completed_on__gt": F(f"{p}task__due_on")}) | (
        ~Q(**{f"{p}state": AssignmentState.DONE}) & Q(**{f"{p}task__due_on__lt": today})
    )


def open_overdue_q(today: date) -> Q:
    return ~DONE & Q(task__due_on__lt=today)


# --- tasks -----------------------------------------------------------------------------------------------


def assignments_visible_to(actor: Actor, capability: str = "checklists.view") -> QuerySet[Assignment]:
    return scoped(Assignment.objects.select_related("task", "org"), actor, capability)


def tasks_visible_to(actor: Actor) -> QuerySet[KeyTask]:
    """Tasks of a zone the actor oversees (drafts only for those who manage the list), and published
    tasks the actor's orgs own."""
    owned = scoped(Assignment.objects.filter(task=OuterRef("pk")), actor, "checklists.view")
    return KeyTask.objects.filter(
        (scope_q(actor, "checklists.manage", "zone__path"))
        | (
            Q(status=TaskStatus.PUBLISHED)
            & (scope_q(actor, "checklists.view", "zone__path") | Q(Exists(owned)))
        )
    ).select_related("zone")


def zones_for(actor: Actor, capability: str = "checklists.view") -> QuerySet[Org]:
    """The zones (党工委) where the actor's scope lies, for the list's "publisher" choice."""
    prefixes = {
        g.path[: Org.steplen]
        for g in grants_for(actor)
        if capability in g.capabilities or "*" in g.capabilities
    }
    return Org.objects.filter(path__in=prefixes).order_by("path")


@dataclass
class Cell:
    total: int = 0
    done: int = 0
    late: int = 0
    submitted: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def state(self) -> str:
        """A css-friendly word for the cell's colour: all done, some late, waiting review, in progress."""
        if not self.total:
            return "none"
        if self.late and self.done < self.total:
            return "late"
        if self.done == self.total:
            return "done"
        if self.submitted:
            return "review"
        return "open"

    def add(self, other: Cell) -> None:
        self.total += other.total
        self.done += other.done
        self.late += other.late
        self.submitted += other.submitted


@dataclass
class Column:
    org: Org | None  # None: the root's own tasks ("本级")
    path: str

    @property
    def name(self) -> str:
        return (self.org.short_name or self.org.name) if self.org else "本级"


@dataclass
class Row:
    task: KeyTask
    cells: list[Cell]
    total: Cell = field(default_factory=Cell)


@dataclass
class TaskMatrix:
    root: Org
    year: int
    today: date
    columns: list[Column]
    rows: list[Row]
    totals: list[Cell]
    grand: Cell


def task_matrix(actor: Actor, root: Org, year: int, today: date | None = None) -> TaskMatrix:
    """Published tasks of ``year`` owned in ``root``'s subtree × ``root``'s children (and ``root`` itself),
    each cell counting owners done, late and waiting review in that child's subtree. Two queries for the
    cells plus one each for the tasks and the column orgs, whatever the size of the tree."""
    today = today or timezone.localdate()
    length = len(root.path) + Org.steplen
    grouped = (
        scoped(Assignment.objects.all(), actor, "checklists.view")
        .filter(org__path__startswith=root.path, task__year=year, task__status=TaskStatus.PUBLISHED)
        .annotate(col=Substr("org__path", 1, length))
        .values("task_id", "col")
        .annotate(
            total=Count("pk"),
            # not "done": Assignment has a property of that name, which an annotation may not shadow
            done_n=Count("pk", filter=DONE),
            late=Count("pk", filter=late_q(today)),
            submitted=Count("pk", filter=Q(state=AssignmentState.SUBMITTED)),
        )
        .order_by()
    )
    cells: dict[tuple[int, str], Cell] = {}
    for g in grouped:
        cells[(g["task_id"], g["col"])] = Cell(g["total"], g["done_n"], g["late"], g["submitted"])
    task_ids = {t for t, _ in cells}
    paths = sorted({c for _, c in cells})
    orgs = {o.path: o for o in Org.objects.filter(path__in=[p for p in paths if p != root.path])}
    columns = [Column(None if p == root.path else orgs.get(p), p) for p in paths]
    columns = [c for c in columns if c.org is not None or c.path == root.path]
    tasks = KeyTask.objects.filter(pk__in=task_ids).order_by("number", "pk")
    rows: list[Row] = []
    totals = [Cell() for _ in columns]
    grand = Cell()
    for task in tasks:
        row = Row(task, [])
        for i, column in enumerate(columns):
            cell = cells.get((task.pk, column.path), Cell())
            row.cells.append(cell)
            row.total.add(cell)
            totals[i].add(cell)
        grand.add(row.total)
        rows.append(row)
    return TaskMatrix(root, year, today, columns, rows, totals, grand)


def my_assignments(actor: Actor, org: Org, year: int) -> QuerySet[Assignment]:
    """What an owner must do: its published tasks of the year, overdue and open first."""
    return (
        assignments_visible_to(actor)
        .filter(org=org, task__year=year, task__status=TaskStatus.PUBLISHED)
        .order_by("state", "task__due_on", "task__number")
    )


def overdue_assignments(
    actor: Actor, root: Org, year: int, today: date | None = None
) -> QuerySet[Assignment]:
    today = today or timezone.localdate()
    return (
        assignments_visible_to(actor)
        .filter(org__path__startswith=root.path, task__year=year, task__status=TaskStatus.PUBLISHED)
        .filter(open_overdue_q(today))
        .order_by("task__due_on", "org__path")
    )


def reports_visible_to(actor: Actor, capability: str = "checklists.view") -> QuerySet[Report]:
    return scoped(
        Report.objects.select_related("assignment__task", "assignment__org", "submitted_by", "milestone"),
        actor,
        capability,
    )


def pending_reviews(actor: Actor, root: Org | None = None) -> QuerySet[Report]:
    """Reports waiting for review that the actor may review (never their own)."""
    qs = reports_visible_to(actor, "checklists.review").filter(state=ReportState.SUBMITTED)
    if root is not None:
        qs = qs.filter(assignment__org__path__startswith=root.path)
    user = acting_user(actor)
    if user is not None and user.pk:
        qs = qs.exclude(submitted_by=user)
    return qs.order_by("submitted_at")


# --- supervision -----------------------------------------------------------------------------------------


def visits_visible_to(actor: Actor, capability: str = "checklists.view") -> QuerySet[SupervisionVisit]:
    return scoped(SupervisionVisit.objects.select_related("group", "org"), actor, capability)


def problems_visible_to(actor: Actor, capability: str = "checklists.view") -> QuerySet[Problem]:
    return scoped(Problem.objects.select_related("visit__org", "visit__group"), actor, capability)


def groups_for(actor: Actor) -> QuerySet[LiaisonGroup]:
    """Liaison groups whose page the actor may open: their own, or every group of a zone they oversee."""
    mine = Q(members=actor) if getattr(actor, "pk", None) else Q(pk__in=[])
    return (
        LiaisonGroup.objects.filter(active=True)
        .filter(
            mine
            | scope_q(actor, "checklists.manage", "zone__path")
            | scope_q(actor, "checklists.view", "zone__path")
        )
        .distinct()
        .order_by("zone__path", "id")
    )


@dataclass
class GroupOrgRow:
    org: Org
    visits: int = 0
    last_visit: date | None = None
    problems: int = 0
    open_problems: int = 0
    overdue_problems: int = 0
    tasks: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0


def group_board(group: LiaisonGroup, year: int, today: date | None = None) -> list[GroupOrgRow]:
    """The state of every org the group supervises: visits, problems and key tasks, a fixed number of
    grouped queries (one per figure) whatever the number of orgs."""
    today = today or timezone.localdate()
    orgs = list(group.orgs.order_by("path"))
    rows = {o.path: GroupOrgRow(o) for o in orgs}

    def owner(path: str) -> GroupOrgRow | None:
        for p in range(len(path), 0, -Org.steplen):
            row = rows.get(path[:p])
            if row is not None:
                return row
        return None

    under = Q(pk__in=[])
    for o in orgs:
        under |= Q(org__path__startswith=o.path)
    for v in SupervisionVisit.objects.filter(
        under, group=group, status=VisitStatus.DONE, visited_on__year=year
    ).values("org__path", "visited_on"):
        row = owner(v["org__path"])
        if row:
            row.visits += 1
            row.last_visit = max(filter(None, [row.last_visit, v["visited_on"]]))
    problem_under = Q(pk__in=[])
    for o in orgs:
        problem_under |= Q(visit__org__path__startswith=o.path)
    for p in Problem.objects.filter(problem_under, visit__visited_on__year=year).values(
        "visit__org__path", "state", "rectify_by"
    ):
        row = owner(p["visit__org__path"])
        if row:
            row.problems += 1
            if p["state"] == ProblemState.OPEN:
                row.open_problems += 1
                row.overdue_problems += p["rectify_by"] < today
    for a in (
        Assignment.objects.filter(under, task__year=year, task__status=TaskStatus.PUBLISHED)
        .values("org__path")
        .annotate(
            n=Count("pk"), done_n=Count("pk", filter=DONE), late=Count("pk", filter=open_overdue_q(today))
        )
    ):
        row = owner(a["org__path"])
        if row:
            row.tasks += a["n"]
            row.tasks_done += a["done_n"]
            row.tasks_overdue += a["late"]
    return list(rows.values())


def _visit_ref(v: SupervisionVisit) -> RecordRef:
    day = v.visited_on or v.planned_on
    return RecordRef(
        pk=v.pk,
        label=f"{day:%Y-%m-%d} {v.group.name}督导 {v.topic}",
        org_path=v.org.path,
        url=reverse("checklists:visit", args=[v.pk]),
    )


def search_visits(actor: Actor, org: Org, text: str, year: int | None = None) -> list[RecordRef]:
    qs = visits_visible_to(actor).filter(org__path__startswith=org.path, status=VisitStatus.DONE)
    if year:
        qs = qs.filter(visited_on__year=year)
    if text.strip():
        qs = qs.filter(topic__contains=text.strip())
    return [_visit_ref(v) for v in qs.order_by("-visited_on", "-id")[:20]]


def get_visit_ref(actor: Actor, pk) -> RecordRef | None:
    v = visits_visible_to(actor).filter(pk=pk).first()
    return _visit_ref(v) if v is not None else None


# --- ledgers ---------------------------------------------------------------------------------------------


def catalogue(org: Org) -> QuerySet[LedgerEntry]:
    """The ledgers kept by ``org``'s zone (a branch prints its own part of each)."""
    return LedgerEntry.objects.filter(zone__path=org.path[: Org.steplen], active=True).order_by("order", "id")


def ledger_names(org: Org, year: int) -> list[str]:
    """The zone's ledgers as the overview quotes them ("争先夺优", "项目建设" …), in the office's order."""
    if org.depth != 1:
        return []
    return [e.short_name for e in catalogue(org)]


# --- pickers ---------------------------------------------------------------------------------------------


def pick_orgs(
    actor: Actor,
    text: str,
    capability: str,
    within: Org | None = None,
    limit: int = 15,
    grassroots: bool = False,
) -> list[Org]:
    """Orgs in scope whose name contains ``text`` (or whose code starts with it), for the name pickers;
    ``grassroots`` keeps only 党委/党总支/党支部 (the orgs a key task can be given to)."""
    qs = scoped(Org.objects.filter(active=True), actor, capability)
    if grassroots:
        qs = qs.filter(level__in=GRASSROOTS_LEVELS)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    text = text.strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(short_name__contains=text) | Q(code__istartswith=text))
    return list(qs.order_by("path")[:limit])


def group_rows(groups: QuerySet[LiaisonGroup]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for gid, name in groups.values_list("pk", "orgs__name"):
        if name:
            names[gid].append(name)
    return names
