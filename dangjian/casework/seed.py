"""The demo zone's 2023 casework, reproducing FIGURES.md rows 9 and 12: 46 research themes, 1,500 people
visited in research, 57 problems solved on the spot, 12 reports and 7 institutional outcomes; 6,512 visits
to residents, 430 key assistance targets visited, 3,046 livelihood matters resolved — with a realistic
tail of late and still-open matters, and a current batch (dated from the day the seed runs) so the queues
show new, due-soon and overdue requests.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, fake_name
from dangjian.orgs.models import Kind as OrgKind
from dangjian.orgs.models import Level, Org
from dangjian.people.selectors import members_on_roll_under, persons_under

from . import workdays
from .models import (
    Action,
    Category,
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
from .services import code_digest, ensure_default_categories, new_tracking_code

THEMES = [
    "村集体经济发展壮大路径",
    "农村人居环境整治长效机制",
    "城乡一体化示范区基层治理",
    "“五星”支部创建推进情况",
    "农村党员队伍结构优化",
    "流动党员教育管理",
    "社区物业服务质量提升",
    "“红色物业”建设",
    "15分钟便民生活圈建设",
    "老旧小区改造中的群众诉求",
    "工业社区党建服务企业",
    "非公企业党组织覆盖",
    "项目建设中的党员先锋作用",
    "“红色工地”党建模式",
    "乡村振兴人才队伍建设",
    "高素质农民培育",
    "食用菌产业发展",
    "精品乡村示范带建设",
    "文旅融合发展",
    "淇水关小镇建设运营",
    "农村养老服务体系",
    "留守儿童关爱服务",
    "残疾人帮扶救助",
    "防止返贫动态监测",
    "农村低保精准认定",
    "矛盾纠纷多元化解",
    "平安法治乡村建设",
    "移风易俗与文明乡风",
    "“孝善党建”品牌培育",
    "“乡贤联谊”作用发挥",
    "网格化管理服务",
    "党员中心户作用发挥",
    "“一定三诺两评”机制运行",
    "村“两委”干部履职能力",
    "基层减负与作风建设",
    "营商环境优化",
    "助企纾困政策落实",
    "就业创业服务",
    "职业技能培训",
    "农村道路建设与养护",
    "农村供水安全保障",
    "垃圾分类与资源化利用",
    "智慧服务站建设运行",
    "“24小时不打烊”政务服务",
    "社区食堂与助餐服务",
    "群众急难愁盼问题解决",
]
REPORT_THEMES = [0, 1, 2, 6, 8, 10, 20, 23, 25, 30, 36, 45]
OUTCOMES = [
    (0, "村集体经济项目收益分配管理办法"),
    (1, "人居环境整治“红黑榜”考评制度"),
    (6, "“红色物业”联席会议制度"),
    (10, "工业社区助企服务专员制度"),
    (25, "矛盾纠纷“三级调处”工作机制"),
    (30, "网格员日常走访工作规范"),
    (43, "智慧服务站24小时值守制度"),
]
RESEARCH_PEOPLE = 1500
SOLVED_ON_SITE = 57
HANDED_ON = 31
PROBLEMS = [
    "村内道路破损，雨天积水",
    "路灯损坏，夜间出行不便",
    "自来水水压不足",
    "垃圾清运不及时",
    "小区电梯故障频发",
    "楼道堆放杂物存在消防隐患",
    "高龄老人补贴申领手续繁琐",
    "低保政策咨询无门",
    "就业信息获取渠道少",
    "农产品销售渠道不畅",
    "停车位紧张",
    "邻里因宅基地界址发生纠纷",
    "社区活动场所不足",
    "医保报销流程不清楚",
    "下水道堵塞",
]
SOLUTIONS = [
    "现场协调相关单位处理",
    "当场讲解政策并帮助办理",
    "组织党员志愿者现场清理",
    "现场联系维修人员修复",
]
VISITS = 6512
TARGETS_MARKED = 452
TARGETS_VISITED = 430
RESOLVED_2023 = 3046
RESOLVED_NEXT_YEAR = 40
STUCK_2023 = 9
CURRENT_BATCH = 60
RAISED = [
    "反映院内排水不畅",
    "咨询高龄补贴政策",
    "希望增加公交班次",
    "反映房屋漏雨",
    "咨询医保缴费",
    "希望帮助联系就业岗位",
    "反映邻居噪音扰民",
    "无",
    "身体状况良好，无诉求",
    "希望子女入学咨询",
]
DETAILS = {
    TargetReason.LOW_INCOME: "家庭收入低于当地低保标准",
    TargetReason.EXTREME: "无劳动能力、无生活来源",
    TargetReason.DISABLED: "持证残疾人，生活需照料",
    TargetReason.ALONE_ELDER: "80岁以上独居",
    TargetReason.LEFT_BEHIND: "父母外出务工",
    TargetReason.ILLNESS: "家庭成员患重病，医疗支出大",
    TargetReason.RELAPSE: "收入不稳定，纳入监测",
}
REPLIES = [
    "已协调相关部门处理完毕，感谢您的反映。",
    "已安排人员上门维修，问题已解决。",
    "已为您办理相关手续，请留意短信通知。",
    "已向您详细解释相关政策，并协助完成申请。",
    "经现场调解，双方已达成一致。",
]


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _grassroots(zone: Org) -> list[Org]:
    return list(
        Org.objects.filter(
            path__startswith=zone.path,
            level=Level.BRANCH,
            kind__in=(OrgKind.VILLAGE, OrgKind.COMMUNITY),
        ).order_by("path")
    )


def _visitors_by_org(orgs: list[Org]) -> dict[int, list[tuple[int, str]]]:
    names: dict[int, list[tuple[int, str]]] = {o.pk: [] for o in orgs}
    if not orgs:
        return names
    zone = Org.objects.get(path=orgs[0].path[: Org.steplen])
    on_roll = members_on_roll_under(zone).filter(org__in=orgs)
    for org_id, person_id, name in on_roll.values_list("org_id", "person_id", "person__name"):
        names[org_id].append((person_id, name))
    return names


def _research(ctx: SeedContext, zone: Org, orgs: list[Org], categories: list[Category]) -> dict:
    rng = ctx.rng("casework.research")
    year = ctx.year
    leads = ["张建华", "李振东", "王卫民", "赵国强", "刘永胜", "陈志国", "杨春生"]
    themes = [
        ResearchTheme(org=zone, year=year, title=f"关于{t}的调研", lead=leads[i % len(leads)])
        for i, t in enumerate(THEMES)
    ]
    ResearchTheme.objects.bulk_create(themes)
    themes = list(ResearchTheme.objects.filter(org=zone, year=year).order_by("id"))
    # Visits: five or six per theme, a few group talks (座谈) among individual talks; people add up to 1,500.
    visits: list[ResearchVisit] = []
    for i, theme in enumerate(themes):
        for _ in range(5 + (i % 2)):
            org = orgs[rng.randrange(len(orgs))]
            group = rng.random() < 0.45
            kind = rng.choice(
                [VisiteeKind.MEMBER, VisiteeKind.CADRE, VisiteeKind.RESIDENT, VisiteeKind.RESIDENT]
            )
            day = date(year, 4, 1) + timedelta(days=rng.randrange(200))
            if group:
                label = {"member": "党员代表", "cadre": "村（社区）干部", "resident": "群众代表"}[kind]
                visitee, people = f"{org.name.removesuffix('党支部')}{label}座谈", rng.randint(6, 18)
            else:
                visitee, people = fake_name(rng), 1
            visits.append(
                ResearchVisit(
                    theme=theme,
                    org=org,
                    date=day,
                    place=org.name.removesuffix("党支部"),
                    visitors=f"{theme.lead}、{fake_name(rng)}",
                    visitee_kind=kind,
                    visitee=visitee,
                    people_count=people,
                    notes=f"围绕“{THEMES[i]}”听取意见建议。",
                )
            )
    # Bring the total to exactly 1,500 by adjusting the group talks.
    gap = RESEARCH_PEOPLE - sum(v.people_count for v in visits)
    groups = [v for v in visits if v.people_count > 1]
    k = 0
    while gap != 0:
        v = groups[k % len(groups)]
        step = 1 if gap > 0 else -1
        if 2 <= v.people_count + step <= 40:
            v.people_count += step
            gap -= step
        k += 1
    ResearchVisit.objects.bulk_create(visits)
    visits = list(ResearchVisit.objects.filter(theme__in=themes).order_by("id"))
    problems = []
    for n in range(SOLVED_ON_SITE + HANDED_ON + 20):
        visit = visits[(n * 7) % len(visits)]
        solved = n < SOLVED_ON_SITE
        problems.append(
            ResearchProblem(
                visit=visit,
                description=PROBLEMS[n % len(PROBLEMS)],
                solved_on_site=solved,
                solution=SOLUTIONS[n % len(SOLUTIONS)] if solved else "",
            )
        )
    ResearchProblem.objects.bulk_create(problems)
    outputs = [
        ResearchOutput(
            theme=themes[i],
            kind=OutputKind.REPORT,
            title=f"关于{THEMES[i]}的调研报告",
            date=date(year, 9, 1) + timedelta(days=7 * n),
        )
        for n, i in enumerate(REPORT_THEMES)
    ]
    outputs += [
        ResearchOutput(
            theme=themes[i],
            kind=OutputKind.OUTCOME,
            title=title,
            date=date(year, 10, 10) + timedelta(days=9 * n),
        )
        for n, (i, title) in enumerate(OUTCOMES)
    ]
    ResearchOutput.objects.bulk_create(outputs)
    return {"themes": len(themes), "research_visits": len(visits), "problems": len(problems)}


def _targets_and_visits(ctx: SeedContext, orgs: list[Org]) -> dict:
    rng = ctx.rng("casework.visits")
    year = ctx.year
    visitors = _visitors_by_org(orgs)
    sanhai = [o for o in orgs if o.code.startswith("SFQ-C01")]
    community = Org.objects.get(code="SFQ-C01")
    residents = list(
        persons_under(community)
        .filter(org=community, membership__isnull=True)
        .values_list("pk", "name", "address")[:2000]
    )
    reasons = list(DETAILS)
    targets = []
    target_people: set[int] = set()
    for n in range(TARGETS_MARKED):
        org = orgs[n % len(orgs)]
        person_id, name, address = None, fake_name(rng), ""
        if org in sanhai and residents:
            pick = residents[rng.randrange(len(residents))]
            if pick[0] not in target_people:
                person_id, name, address = pick
                target_people.add(person_id)
        reason = reasons[rng.randrange(len(reasons))]
        targets.append(
            KeyTarget(
                org=org,
                person_id=person_id,
                name=name,
                reason=reason,
                detail=DETAILS[reason],
                marked_on=date(year - 1 - rng.randrange(3), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            )
        )
    KeyTarget.objects.bulk_create(targets)
    targets = list(KeyTarget.objects.filter(org__in=orgs).order_by("id"))
    visits = []

    def visitor(org: Org) -> tuple[int | None, str]:
        pool = visitors.get(org.pk) or []
        return pool[rng.randrange(len(pool))] if pool else (None, fake_name(rng))

    def day() -> date:
        return date(year, 1, 3) + timedelta(days=rng.randrange(360))

    # Every one of the first 430 targets is visited at least once (most twice or more).
    for n, target in enumerate(targets[:TARGETS_VISITED]):
        for _ in range(1 + (n % 3 != 0) + (n % 5 == 0)):
            vp, vname = visitor(target.org)
            visits.append(
                Visit(
                    org=target.org,
                    date=day(),
                    visitor=vname,
                    visitor_person_id=vp,
                    person_id=target.person_id,
                    visitee=target.name,
                    target=target,
                    raised=RAISED[rng.randrange(len(RAISED))],
                )
            )
    while len(visits) < VISITS:
        org = orgs[rng.randrange(len(orgs))]
        vp, vname = visitor(org)
        person_id, name, address = (
            None,
            fake_name(rng),
            f"{org.name.removesuffix('党支部')}{1 + rng.randrange(9)}组",
        )
        if org in sanhai and residents:
            person_id, name, address = residents[rng.randrange(len(residents))]
        visits.append(
            Visit(
                org=org,
                date=day(),
                visitor=vname,
                visitor_person_id=vp,
                person_id=person_id,
                visitee=name,
                address=address or "",
                raised=RAISED[rng.randrange(len(RAISED))],
            )
        )
    Visit.objects.bulk_create(visits, batch_size=1000)
    return {"targets": len(targets), "visits": len(visits)}


def _phone(rng) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _requests(ctx: SeedContext, zone: Org, orgs: list[Org], categories: list[Category]) -> dict:
    """2023's matters (3,046 resolved in the year, 40 resolved in January, 9 still open and long overdue),
    then the current batch dated from today."""
    rng = ctx.rng("casework.requests")
    year = ctx.year
    cal = workdays.Calendar(date(year - 1, 12, 1), date(year + 1, 3, 31))
    # Requests are built first, steps after their ids are known.
    plans: list[tuple[Request, list[tuple]]] = []
    sources = [Source.PUBLIC] * 3 + [Source.VISIT] * 3 + [Source.PHONE] * 2 + [Source.WALK_IN, Source.GRID]

    def plan(received: datetime, outcome: str, today: date | None = None) -> None:
        category = categories[rng.randrange(len(categories))]
        org = orgs[rng.randrange(len(orgs))]
        source = sources[rng.randrange(len(sources))]
        deadline = (
            cal.add(received.date(), category.deadline_days)
            if today is None
            else workdays.add_working_days(received.date(), category.deadline_days)
        )
        request = Request(
            org=org if source != Source.PUBLIC or outcome != "new" else zone,
            category=category,
            source=source,
            status=Status.RECEIVED,
            code_digest=code_digest(new_tracking_code()),
            description=f"{PROBLEMS[rng.randrange(len(PROBLEMS))]}，请帮助解决。",
            place=org.name.removesuffix("党支部"),
            name=fake_name(rng),
            phone=_phone(rng),
            received_at=received,
            deadline=deadline,
        )
        steps: list[tuple] = [(received, Action.RECEIVE, Status.RECEIVED, None, None, "")]
        at = received
        if source == Source.PUBLIC and request.org != zone:
            at += timedelta(hours=2 + rng.randrange(20))
            steps.append((at, Action.TRANSFER, Status.ASSIGNED, zone, org, "转辖区党支部办理"))
            request.status = Status.ASSIGNED
        if outcome in ("new",):
            plans.append((request, steps))
            return
        at += timedelta(hours=3 + rng.randrange(24))
        steps.append((at, Action.START, Status.IN_PROGRESS, None, None, ""))
        request.status = Status.IN_PROGRESS
        if outcome in ("open",):
            plans.append((request, steps))
            return
        # Most within the limit; about one in sixteen late by a few working days.
        late = rng.random() < 0.06
        days = (
            category.deadline_days + 1 + rng.randrange(4)
            if late
            else 1 + rng.randrange(category.deadline_days)
        )
        done_day = (
            cal if today is None else workdays.Calendar(received.date(), received.date() + timedelta(days=60))
        ).add(received.date(), days)
        if outcome == "resolved_in_year" and done_day.year > year:
            done_day = date(year, 12, 29)
        if outcome == "resolved_next_year" and done_day.year == year:
            done_day = cal.add(date(year, 12, 31), 1 + rng.randrange(3))
        resolved = max(at + timedelta(hours=1), _aware(done_day, 9 + rng.randrange(8), rng.randrange(60)))
        reply = REPLIES[rng.randrange(len(REPLIES))]
        request.status, request.resolved_at, request.reply = Status.RESOLVED, resolved, reply
        steps.append((resolved, Action.RESOLVE, Status.RESOLVED, None, None, reply))
        if rng.random() < 0.85:
            roll = rng.random()
            satisfaction = (
                Satisfaction.SATISFIED
                if roll < 0.86
                else Satisfaction.BASIC
                if roll < 0.97
                else Satisfaction.UNSATISFIED
            )
            closed = resolved + timedelta(days=1 + rng.randrange(5))
            request.status, request.satisfaction, request.closed_at = Status.CLOSED, satisfaction, closed
            steps.append((closed, Action.CLOSE, Status.CLOSED, None, None, f"{satisfaction.label}。"))
        plans.append((request, steps))

    for _ in range(RESOLVED_2023):
        received_day = date(year, 1, 3) + timedelta(days=rng.randrange(335))
        plan(_aware(received_day, 8 + rng.randrange(12), rng.randrange(60)), "resolved_in_year")
    for _ in range(RESOLVED_NEXT_YEAR):
        received_day = date(year, 12, 22) + timedelta(days=rng.randrange(9))
        plan(_aware(received_day, 9 + rng.randrange(8)), "resolved_next_year")
    for _ in range(STUCK_2023):
        received_day = date(year, 10, 1) + timedelta(days=rng.randrange(80))
        plan(_aware(received_day, 10), "open")

    # The current batch: received over the last four weeks, in every state, so queues have something.
    today = timezone.localdate()
    current = 0
    for n in range(CURRENT_BATCH):
        received_day = today - timedelta(days=1 + rng.randrange(28))
        outcome = "new" if n % 4 == 0 else "open" if n % 4 in (1, 2) else "resolved"
        if outcome == "resolved" and received_day > today - timedelta(days=3):
            outcome = "open"
        plan(_aware(received_day, 8 + rng.randrange(12)), outcome, today=today)
        current += 1
    # A resolution planned after today would be in the future: keep those open.
    now = timezone.now()
    for request, steps in plans:
        if request.resolved_at and request.resolved_at > now:
            steps[:] = [s for s in steps if s[1] not in (Action.RESOLVE, Action.CLOSE)]
            request.status, request.resolved_at, request.reply = Status.IN_PROGRESS, None, ""
            request.satisfaction, request.closed_at = "", None
    Request.objects.bulk_create([r for r, _ in plans], batch_size=500)
    ids = list(
        Request.objects.filter(org__path__startswith=zone.path).order_by("id").values_list("pk", flat=True)
    )
    step_rows = []
    for (request, steps), pk in zip(plans, ids[-len(plans) :], strict=True):
        request.pk = pk
        for at, action, status, from_org, to_org, note in steps:
            step_rows.append(
                Step(
                    request_id=pk,
                    at=at,
                    actor_name="系统"
                    if action == Action.RECEIVE and request.source == Source.PUBLIC
                    else "办理人",
                    action=action,
                    status=status,
                    from_org=from_org,
                    to_org=to_org,
                    note=note,
                )
            )
    Step.objects.bulk_create(step_rows, batch_size=2000)
    # The research problems handed on are among 2023's resolved matters of the same kind of source.
    handed = list(
        ResearchProblem.objects.filter(visit__theme__org=zone, solved_on_site=False).order_by("id")[
            :HANDED_ON
        ]
    )
    candidates = [r for r, _ in plans[:RESOLVED_2023] if r.source == Source.VISIT][:HANDED_ON]
    for problem, request in zip(handed, candidates, strict=False):
        Request.objects.filter(pk=request.pk).update(source=Source.RESEARCH)
        problem.request_id = request.pk
    ResearchProblem.objects.bulk_update(handed, ["request"])
    return {"requests": len(plans), "steps": len(step_rows), "current": current}


@transaction.atomic
def run(ctx: SeedContext) -> None:
    zone = ctx.zone()
    ensure_default_categories(zone)
    if ResearchTheme.objects.filter(org=zone, year=ctx.year).exists():
        return
    categories = list(Category.objects.filter(zone=zone, active=True).order_by("order"))
    orgs = _grassroots(zone)
    data = {}
    data.update(_research(ctx, zone, orgs, categories))
    data.update(_targets_and_visits(ctx, orgs))
    data.update(_requests(ctx, zone, orgs, categories))
    log_action(actor=SYSTEM, action="casework.seed_demo", org=zone, data=data)
    ctx.say(
        f"走访调研：课题{data['themes']}项，走访记录{data['visits']}条，重点帮扶对象{data['targets']}名，"
        f"群众诉求{data['requests']}件"
    )
