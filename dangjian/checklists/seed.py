"""The demo zone's 2023 key-task list with a realistic spread of done, late and still-open owners,
supervision visits by the 4 liaison groups to the 81 organizations with problems and rectification,
and the zone's five ledgers (FIGURES.md rows 4 and 14).

Reports and visits carry their 2023 dates, so the rows are written directly (as the other seeds do) and
the whole run leaves one audit entry. Progress reports cite the branch's own meetings of 2023 as evidence
(links to records already in the platform), never retyped text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, fake_name
from dangjian.orgs.models import Kind, Level, LiaisonGroup, Org

from .models import (
    Assignment,
    AssignmentState,
    Category,
    Evidence,
    EvidenceKind,
    KeyTask,
    LedgerEntry,
    Milestone,
    Problem,
    ProblemState,
    Report,
    ReportState,
    SupervisionVisit,
    TaskStatus,
    VisitStatus,
)

ALL_KINDS = [k.value for k in Kind if k != Kind.ZONE]
# (category, title, owners: kinds of branches or "committees", start, due, evidence, milestone or None)
TASKS: list[
    tuple[
        str, str, list[str] | str, tuple[int, int], tuple[int, int], str, tuple[str, tuple[int, int]] | None
    ]
] = [
    (
        Category.THEME_EDUCATION,
        "扎实开展学习贯彻习近平新时代中国特色社会主义思想主题教育",
        ALL_KINDS,
        (4, 1),
        (8, 31),
        "学习计划、研讨记录、照片",
        ("制定学习计划", (4, 30)),
    ),
    (
        Category.THEME_EDUCATION,
        "开展读书班专题学、组织生活集中学等“四学联动”",
        ALL_KINDS,
        (4, 10),
        (10, 31),
        "学习研讨记录",
        None,
    ),
    (
        Category.THEME_EDUCATION,
        "建立检视整改问题清单并逐项整改",
        ALL_KINDS,
        (6, 1),
        (11, 30),
        "问题清单、整改台账",
        ("形成问题清单", (7, 31)),
    ),
    (
        Category.ORG_BUILDING,
        "规范落实“三会一课”和主题党日制度",
        ALL_KINDS,
        (1, 1),
        (12, 20),
        "会议记录",
        None,
    ),
    (
        Category.ORG_BUILDING,
        "开展村（社区）“两委”班子运行分析研判",
        [Kind.VILLAGE, Kind.COMMUNITY],
        (2, 1),
        (5, 31),
        "研判报告",
        None,
    ),
    (Category.ORG_BUILDING, "发展党员工作规范化自查", "committees", (3, 1), (9, 30), "自查报告", None),
    (
        Category.EXCELLENCE,
        "开展“五星”支部创建",
        [Kind.VILLAGE, Kind.COMMUNITY],
        (3, 1),
        (11, 30),
        "创建方案、创建台账",
        ("报送创建方案", (4, 15)),
    ),
    (
        Category.EXCELLENCE,
        "参加农村“十面红旗”“和美社区”评选",
        [Kind.VILLAGE, Kind.COMMUNITY],
        (5, 1),
        (10, 15),
        "申报材料",
        None,
    ),
    (Category.EXCELLENCE, "选树“示范集体”“示范岗”先进典型", "committees", (4, 1), (9, 15), "推荐材料", None),
    (
        Category.PROJECTS,
        "推进“红色工地”党支部建设",
        [Kind.SITE],
        (2, 15),
        (6, 30),
        "支部成立批复、工地阵地照片",
        None,
    ),
    (
        Category.PROJECTS,
        "组建党员突击队攻坚重点项目",
        [Kind.SITE, Kind.ENTERPRISE, Kind.NON_PUBLIC, Kind.INDUSTRIAL],
        (3, 1),
        (8, 31),
        "突击队名单、攻坚记录",
        None,
    ),
    (
        Category.PROJECTS,
        "推进精品乡村示范带项目建设",
        [Kind.VILLAGE],
        (3, 1),
        (12, 15),
        "项目进度、照片",
        ("完成年度投资一半", (7, 31)),
    ),
    (
        Category.GOVERNANCE,
        "推行“24小时不打烊”政务服务进社区",
        [Kind.COMMUNITY],
        (3, 1),
        (7, 31),
        "服务站照片、服务记录",
        None,
    ),
    (
        Category.GOVERNANCE,
        "落实网格化管理和党员中心户联系群众",
        [Kind.VILLAGE, Kind.COMMUNITY],
        (3, 1),
        (9, 30),
        "网格划分、联系台账",
        None,
    ),
    (Category.GOVERNANCE, "开展“我为群众办实事”走访活动", ALL_KINDS, (2, 1), (12, 31), "走访记录", None),
]
LEDGERS = ["争先夺优台账", "项目建设台账", "组织生活台账", "走访台账", "奖惩台账"]
TOPICS = [
    "主题教育开展情况",
    "“三会一课”落实情况",
    "重点任务推进情况",
    "“五星”支部创建情况",
    "检视整改落实情况",
]
PROBLEMS = [
    "“三会一课”记录不规范，部分会议缺少签到",
    "主题党日活动内容单一，党员参与度不高",
    "党费收缴台账更新不及时",
    "学习研讨流于形式，缺少交流发言记录",
    "党员发展材料归档不完整",
    "阵地建设标识不统一",
    "检视问题清单整改时限不明确",
    "网格员联系群众记录不全",
    "组织生活会会前谈心谈话记录缺失",
]
PROGRESS = ["已制定工作方案并召开动员会", "按计划推进，已完成阶段任务", "已组织党员集中学习并开展研讨"]
FINAL = ["已全部完成，佐证材料已上传", "任务已完成，相关记录见平台会议记录", "按要求完成，请予审核销号"]
RETURN_REASONS = ["佐证材料不全，请补充会议记录", "完成情况描述不具体，请补充数据"]


def _at(day: date, hour: int = 10) -> datetime:
    # 10:00 in Beijing, stored in UTC.
    return datetime.combine(day, time(hour - 8)).replace(tzinfo=UTC)


def _owners(zone: Org, spec: list[str] | str) -> list[Org]:
    qs = Org.objects.filter(path__startswith=zone.path, active=True)
    if spec == "committees":
        return list(qs.filter(level__in=[Level.COMMITTEE, Level.GENERAL_BRANCH]).order_by("path"))
    return list(qs.filter(level=Level.BRANCH, kind__in=spec).order_by("path"))


def _meetings(zone: Org, year: int) -> dict[int, list[tuple[int, date, str]]]:
    """Held meetings of 2023 by org, to cite as evidence (read through the record registry's owner)."""
    from dangjian.core.ledgers import get_record_kind

    if get_record_kind("activities.activity") is None:
        return {}
    from dangjian.activities.selectors import held_under

    out: dict[int, list[tuple[int, date, str]]] = {}
    for pk, org_id, day, _kind, title in (
        held_under(zone, year).order_by("date", "pk").values_list("pk", "org_id", "date", "kind", "title")
    ):
        out.setdefault(org_id, []).append((pk, day, title))
    return out


def _label(day: date, title: str) -> str:
    return f"{day:%Y-%m-%d} {title}"[:200]


def _tasks(ctx: SeedContext, zone: Org, reviewer) -> dict:
    rng = ctx.rng("checklists.tasks")
    year = ctx.year
    meetings = _meetings(zone, year)
    counts = {"tasks": 0, "owners": 0, "done": 0, "late": 0, "open": 0}
    for number, (category, title, spec, start, due, evidence, milestone) in enumerate(TASKS, start=1):
        start_on, due_on = date(year, *start), date(year, *due)
        task = KeyTask.objects.create(
            zone=zone,
            year=year,
            number=number,
            category=category,
            title=title,
            description=f"{title}，按时限报送进展和佐证材料。",
            responsible_name=fake_name(rng),
            start_on=start_on,
            due_on=due_on,
            evidence_required=evidence,
            evidence_kinds=[EvidenceKind.FILE, EvidenceKind.PHOTO, EvidenceKind.LINK],
            owner_kinds=[] if spec == "committees" else list(spec),
            status=TaskStatus.PUBLISHED,
            published_at=_at(start_on - timedelta(days=3)),
            version=2,
        )
        counts["tasks"] += 1
        if milestone:
            Milestone.objects.create(task=task, title=milestone[0], due_on=date(year, *milestone[1]))
        owners = _owners(zone, spec)
        rows = Assignment.objects.bulk_create(Assignment(task=task, org=o) for o in owners)
        span = (due_on - start_on).days
        for a in rows:
            counts["owners"] += 1
            draw = rng.random()
            midway = start_on + timedelta(days=max(1, span // 2 - rng.randrange(0, max(1, span // 4))))
            progress = Report.objects.create(
                assignment=a,
                text=rng.choice(PROGRESS),
                submitted_at=_at(midway),
                state=ReportState.ACCEPTED,
                reviewed_by=reviewer,
                reviewed_at=_at(midway + timedelta(days=2), 15),
            )
            cited = [m for m in meetings.get(a.org_id, []) if start_on <= m[1] <= due_on + timedelta(days=30)]
            if cited:
                pk, day, mtitle = cited[rng.randrange(len(cited))]
                Evidence.objects.create(
                    report=progress,
                    kind=EvidenceKind.LINK,
                    record_kind="activities.activity",
                    record_id=pk,
                    label=_label(day, mtitle),
                )
            if draw < 0.74:  # done on time
                finished = due_on - timedelta(days=rng.randrange(0, max(1, min(45, span // 3))))
                state, accepted = AssignmentState.DONE, True
            elif draw < 0.86:  # done, but after the deadline
                finished = due_on + timedelta(days=rng.randrange(3, 40))
                state, accepted = AssignmentState.DONE, True
            elif draw < 0.91:  # final report waiting for review
                finished = min(due_on + timedelta(days=rng.randrange(5, 60)), date(year, 12, 28))
                state, accepted = AssignmentState.SUBMITTED, None
            elif draw < 0.95:  # returned with a reason, not yet resubmitted
                finished = min(due_on + timedelta(days=rng.randrange(0, 20)), date(year, 12, 20))
                state, accepted = AssignmentState.RETURNED, False
            else:  # nothing reported since the progress report
                state, accepted, finished = AssignmentState.OPEN, None, None
            if finished is not None:
                final = Report.objects.create(
                    assignment=a,
                    final=True,
                    text=rng.choice(FINAL),
                    submitted_at=_at(finished, 16),
                    state=(
                        ReportState.SUBMITTED
                        if accepted is None
                        else ReportState.ACCEPTED
                        if accepted
                        else ReportState.RETURNED
                    ),
                    reviewed_by=reviewer if accepted is not None else None,
                    reviewed_at=_at(finished + timedelta(days=3), 15) if accepted is not None else None,
                    review_note="" if accepted is not False else rng.choice(RETURN_REASONS),
                )
                later = [m for m in cited if m[1] <= finished]
                if later:
                    pk, day, mtitle = later[-1]
                    Evidence.objects.create(
                        report=final,
                        kind=EvidenceKind.LINK,
                        record_kind="activities.activity",
                        record_id=pk,
                        label=_label(day, mtitle),
                    )
            a.state = state
            a.completed_on = finished if state == AssignmentState.DONE else None
            if state == AssignmentState.DONE:
                assert finished is not None
                counts["done" if finished <= due_on else "late"] += 1
            else:
                counts["open"] += 1
        Assignment.objects.bulk_update(rows, ["state", "completed_on"])
    return counts


def _supervision(ctx: SeedContext, zone: Org, recorder) -> dict:
    rng = ctx.rng("checklists.supervision")
    year = ctx.year
    counts = {"visits": 0, "problems": 0, "rectified": 0}
    for group in LiaisonGroup.objects.filter(zone=zone, active=True).order_by("id"):
        team = f"{group.leader_name}、{fake_name(rng)}、{fake_name(rng)}"
        for org in group.orgs.order_by("path"):
            # Two rounds: during the theme education (spring) and before the year-end review (autumn).
            for month in (rng.choice([4, 5, 6]), rng.choice([9, 10, 11])):
                day = date(year, month, rng.randrange(3, 27))
                visit = SupervisionVisit.objects.create(
                    group=group,
                    org=org,
                    planned_on=day - timedelta(days=rng.randrange(3, 10)),
                    visited_on=day,
                    status=VisitStatus.DONE,
                    topic=rng.choice(TOPICS),
                    visitors=team,
                    summary=f"查阅{org.short_name or org.name}台账资料，召开座谈会听取情况汇报，实地查看阵地建设。",
                    recorded_by=recorder,
                )
                counts["visits"] += 1
                for text in rng.sample(PROBLEMS, rng.choice([0, 1, 1, 2, 2, 3])):
                    deadline = day + timedelta(days=30)
                    fixed = rng.random() < 0.86
                    rectified_on = day + timedelta(days=rng.randrange(7, 42)) if fixed else None
                    if rectified_on and rectified_on > date(year, 12, 31):
                        rectified_on = date(year, 12, 29)
                    Problem.objects.create(
                        visit=visit,
                        description=text,
                        rectify_by=deadline,
                        responsible_name=f"{org.short_name or org.name}书记",
                        state=ProblemState.RECTIFIED if fixed else ProblemState.OPEN,
                        rectified_on=rectified_on,
                        rectification="已完成整改并建立长效机制" if fixed else "",
                        closed_by=recorder if fixed else None,
                    )
                    counts["problems"] += 1
                    counts["rectified"] += fixed
    return counts


def _ledgers(zone: Org) -> int:
    made = 0
    for order, name in enumerate(LEDGERS, start=1):
        _, created = LedgerEntry.objects.get_or_create(zone=zone, name=name, defaults={"order": order})
        made += created
    return made


@transaction.atomic
def run(ctx: SeedContext) -> None:
    zone = Org.objects.filter(code=ctx.zone_code).first()
    if zone is None:
        return
    from dangjian.accounts.selectors import user_named

    reviewer = user_named("admin")
    liaison = user_named("liaison1")
    done: dict[str, Any] = {}
    ledgers = _ledgers(zone)
    if ledgers:
        done["ledgers"] = ledgers
    if not KeyTask.objects.filter(zone=zone, year=ctx.year).exists():
        done["tasks"] = _tasks(ctx, zone, reviewer)
    if not SupervisionVisit.objects.filter(group__zone=zone, visited_on__year=ctx.year).exists():
        done["supervision"] = _supervision(ctx, zone, liaison)
    if done:
        log_action(actor=SYSTEM, action="checklists.seed_demo", org=zone, data=done)
        tasks = done.get("tasks") or {}
        sup = done.get("supervision") or {}
        ctx.say(
            f"重点任务：{tasks.get('tasks', 0)}项，责任单位{tasks.get('owners', 0)}个"
            f"（按期完成{tasks.get('done', 0)}，逾期完成{tasks.get('late', 0)}，未完成{tasks.get('open', 0)}）；"
            f"督导{sup.get('visits', 0)}次，发现问题{sup.get('problems', 0)}个，已整改{sup.get('rectified', 0)}个；"
            f"台账{LedgerEntry.objects.filter(zone=zone, active=True).count()}本"
        )
