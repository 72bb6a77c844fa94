"""The demo zone's 2023 organizational life and study, reproducing FIGURES.md rows 3, 5–8, 10 and 15, plus
every branch's ordinary monthly life with a realistic few gaps.

Steps are idempotent each on their own, so attendance and appraisal are added on a later run once the
people seed has put members on the rolls.
"""

from __future__ import annotations

from datetime import date, time

from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, fake_name
from dangjian.orgs.models import Kind as OrgKind
from dangjian.orgs.models import Level, Org
from dangjian.people.models import Member, Person

from .metrics import CHOIR_SERIES
from .models import (
    Activity,
    Appraisal,
    Attendance,
    Decision,
    Grade,
    Kind,
    Lecturer,
    LecturerKind,
    Participation,
    Status,
    ThemeCategory,
    Trainee,
    TrainingBase,
)
from .services import ensure_default_rules

CATEGORIES = ["出彩担当", "先锋践初心", "红色传承", "为民服务", "乡村振兴"]
LEADERS = ["张建华", "李振东", "王卫民", "赵国强", "刘永胜", "陈志国", "杨春生"]
DISTRICT_LECTURERS = ["周秀兰", "吴建军", "徐海燕", "孙明", "胡文学", "朱玉兰", "高德福", "林晓东", "何淑珍"]
# 18 lectures by the 9 district lecturers; the audiences add up to 5,060, which the summary phrases
# as the article does (受众5000余人: two significant digits kept, see core.cnnum).
AUDIENCES = [299, 263, 248, 323, 278, 283, 303, 268, 253, 288, 273, 298, 243, 313, 283, 258, 308, 278]
# (base, place, [(month, day, trainees, days, hours)]) — 610 trainees in all.
TRAINING = [
    ("浙江大学", "浙江杭州", [(4, 10, 120, 5, 40), (9, 11, 80, 5, 40)]),
    ("上海交大", "上海", [(5, 15, 100, 5, 40), (10, 16, 90, 5, 40)]),
    ("新乡先进群体教育基地", "河南新乡", [(6, 5, 60, 2, 16), (11, 6, 60, 2, 16)]),
    ("洛阳栾川县伏牛山乡村振兴实践基地", "河南洛阳栾川", [(7, 10, 100, 3, 24)]),
]
OFFICE_MEETINGS = [(4, 12), (5, 10), (6, 14), (7, 12), (8, 16), (10, 11), (12, 13)]
SEMINARS = 34  # 学习研讨30余次
THEME_DAYS = 22  # two in the months with a zone-wide push
CHOIR_YEARS = [2020, 2021, 2022, 2023]
ABSENCE_REASONS = ["外出务工", "身体原因", "家中有事", "值班执勤", "在外学习"]
LEAVE_REASONS = ["外出务工请假", "病假", "事假"]


def _zone_setup(ctx: SeedContext, zone: Org) -> dict:
    ensure_default_rules(zone)
    categories = {}
    for i, name in enumerate(CATEGORIES):
        categories[name], _ = ThemeCategory.objects.get_or_create(zone=zone, name=name, defaults={"order": i})
    leaders = [
        Lecturer.objects.get_or_create(
            zone=zone,
            name=n,
            kind=LecturerKind.LEADER,
            defaults={"title": "县级领导", "listed_from": date(2023, 1, 1)},
        )[0]
        for n in LEADERS
    ]
    district = [
        Lecturer.objects.get_or_create(
            zone=zone,
            name=n,
            kind=LecturerKind.DISTRICT,
            defaults={"title": "区级党课讲师", "listed_from": date(2022, 3, 1)},
        )[0]
        for n in DISTRICT_LECTURERS
    ]
    bases = {
        name: TrainingBase.objects.get_or_create(zone=zone, name=name, defaults={"place": place})[0]
        for name, place, _ in TRAINING
    }
    return {"categories": categories, "leaders": leaders, "district": district, "bases": bases}


def _branches(zone: Org) -> list[Org]:
    return list(
        Org.objects.filter(path__startswith=zone.path, level=Level.BRANCH, active=True).order_by("path")
    )


def _zone_records(ctx: SeedContext, zone: Org, refs: dict) -> int:
    """The zone-level and study figures of the article (rows 3, 5–8, 10, 15)."""
    year = ctx.year
    rng = ctx.rng("activities.zone")
    cats = refs["categories"]
    branches = _branches(zone)
    villages = [b for b in branches if b.kind == OrgKind.VILLAGE]
    made: list[Activity] = []

    def add(org, kind, title, day, participants=(), **fields):
        a = Activity(org=org, kind=kind, title=title, date=day, status=Status.HELD, **fields)
        vars(a)["_participants"] = list(participants)  # read back below, once the rows have keys
        made.append(a)
        return a

    hall = "示范区党群服务中心"
    add(
        zone,
        Kind.THEME_LEADING,
        "主题教育领导小组第一次会议",
        date(year, 4, 6),
        place=hall,
        host="党工委书记",
    )
    add(
        zone,
        Kind.THEME_PROMOTION,
        "主题教育动员部署暨推进会",
        date(year, 4, 8),
        place=hall,
        host="党工委书记",
    )
    add(zone, Kind.THEME_PROMOTION, "主题教育推进会", date(year, 7, 20), place=hall, host="党工委书记")
    for n, (m, d) in enumerate(OFFICE_MEETINGS, start=1):
        add(
            zone,
            Kind.THEME_OFFICE,
            f"主题教育办公室第{n}次会议",
            date(year, m, d),
            place=hall,
            host="办公室主任",
        )
    for i, leader in enumerate(refs["leaders"]):
        add(
            zone,
            Kind.LECTURE,
            f"县级领导讲专题党课（{leader.name}）",
            date(year, 4 + i, 18),
            place=hall,
            lecturer=leader,
            lecturer_name=leader.name,
            audience=rng.randint(80, 150),
            theme_category=cats["先锋践初心"],
        )
    for i, audience in enumerate(AUDIENCES):
        lecturer = refs["district"][i % len(refs["district"])]
        host = branches[(i * 7) % len(branches)]
        add(
            host,
            Kind.LECTURE,
            "学思想、强党性、重实践、建新功专题党课",
            date(year, 3 + i // 2, 8 + (i % 2) * 12),
            place=f"{host.name}党员活动室",
            lecturer=lecturer,
            lecturer_name=lecturer.name,
            audience=audience,
            theme_category=cats["先锋践初心"],
        )
    for i in range(SEMINARS):
        host = branches[(i * 5 + 3) % len(branches)]
        add(
            host,
            Kind.SEMINAR,
            "一线实践研讨学：" + rng.choice(["乡村振兴", "基层治理", "为民办实事", "产业发展", "作风建设"]),
            date(year, 1 + i % 12, 10 + i // 12),
            place=f"{host.name}会议室",
            host="支部书记",
            theme_category=cats["出彩担当"],
        )
    order = list(cats)
    for i in range(THEME_DAYS):
        month = 1 + i % 12
        day = 1 if i < 12 else 15
        group = rng.sample(branches, k=min(len(branches), rng.randint(12, 30)))
        add(
            zone,
            Kind.THEME_DAY,
            f"“{order[i % 5]}”主题党日",
            date(year, month, day),
            participants=sorted(group, key=lambda o: o.path),
            minutes_long=90,
            theme_category=cats[order[i % 5]],
        )
    for base_name, _place, sessions in TRAINING:
        for m, d, trainees, days, hours in sessions:
            a = add(
                zone,
                Kind.TRAINING,
                f"基层党组织书记能力提升培训（{base_name}）",
                date(year, m, d),
                training_base=refs["bases"][base_name],
                days=days,
                hours=hours,
                place=base_name,
                theme_category=cats["乡村振兴"],
            )
            a._trainees = [fake_name(rng) for _ in range(trainees)]
    for n, y in enumerate(CHOIR_YEARS, start=1):
        add(
            zone,
            Kind.CONTEST,
            f"第{n}届农村党员合唱比赛",
            date(y, 6, 28),
            participants=villages,
            series=CHOIR_SERIES,
            theme_category=cats["红色传承"],
        )
    add(
        zone,
        Kind.EXCHANGE,
        "书记交流会“晒妙招·开土方·传真经”",
        date(year, 11, 22),
        place=hall,
        host="党工委副书记",
        theme_category=cats["为民服务"],
    )
    Activity.objects.bulk_create(made)
    through = Activity.participants.through
    through.objects.bulk_create(
        through(activity_id=a.pk, org_id=o.pk) for a in made for o in getattr(a, "_participants", [])
    )
    Trainee.objects.bulk_create(
        Trainee(activity=a, name=name) for a in made for name in getattr(a, "_trainees", [])
    )
    return len(made)


def _ordinary_life(ctx: SeedContext, zone: Org) -> int:
    """Every branch's required meetings in the year, with a few gaps (a handful of branches lag)."""
    year = ctx.year
    rng = ctx.rng("activities.life")
    branches = _branches(zone)
    laggards = {b.pk for b in rng.sample(branches, k=min(4, len(branches)))}
    made = []
    for b in branches:
        miss = 0.25 if b.pk in laggards else 0.003
        room = f"{b.name}党员活动室"

        def add(kind, title, day, b=b, room=room, **fields):
            made.append(
                Activity(
                    org=b,
                    kind=kind,
                    title=title,
                    date=day,
                    status=Status.HELD,
                    place=room,
                    host="支部书记",
                    recorder="组织委员",
                    start_time=time(9, 0),
                    **fields,
                )
            )

        for month in range(1, 13):
            if rng.random() >= miss:
                add(Kind.COMMITTEE, f"{month}月支委会", date(year, month, rng.randint(3, 8)))
            if rng.random() >= miss:
                add(Kind.THEME_DAY, f"{month}月主题党日", date(year, month, 10), minutes_long=90)
            if month % 3 == 2:
                if rng.random() >= miss:
                    add(Kind.PARTY_CONGRESS, f"第{month // 3 + 1}季度支部党员大会", date(year, month, 20))
                if rng.random() >= miss:
                    add(
                        Kind.LECTURE,
                        f"第{month // 3 + 1}季度党课",
                        date(year, month, 25),
                        lecturer_name="支部书记",
                    )
        if rng.random() >= miss:
            add(Kind.LIFE_MEETING, "年度组织生活会暨民主评议党员", date(year, 12, 18))
    Activity.objects.bulk_create(made, batch_size=1000)
    return len(made)


def _attendance(ctx: SeedContext, zone: Org) -> int:
    year = ctx.year
    rng = ctx.rng("activities.attendance")
    roll: dict[int, list[Member]] = {}
    for m in Member.objects.filter(org__path__startswith=zone.path).order_by("pk"):
        roll.setdefault(m.org_id, []).append(m)
    if not roll:
        return 0
    activities = Activity.objects.filter(
        org__path__startswith=zone.path,
        org__level=Level.BRANCH,
        date__year=year,
        status=Status.HELD,
        kind__in=[
            Kind.COMMITTEE,
            Kind.THEME_DAY,
            Kind.PARTY_CONGRESS,
            Kind.LECTURE,
            Kind.LIFE_MEETING,
            Kind.SEMINAR,
        ],
    ).order_by("pk")
    rows = []
    for a in activities:
        members = [
            m
            for m in roll.get(a.org_id, [])
            if (m.joined_on is None or m.joined_on <= a.date) and (m.left_on is None or m.left_on > a.date)
        ]
        if a.kind == Kind.COMMITTEE:
            members = members[:5]  # the committee, not the whole roll
        for m in members:
            r = rng.random()
            if r < 0.86:
                status, reason = Participation.PRESENT, ""
            elif r < 0.95:
                status, reason = Participation.LEAVE, rng.choice(LEAVE_REASONS)
            else:
                status, reason = Participation.ABSENT, rng.choice(ABSENCE_REASONS)
            voting = m.has_vote_on(a.date)  # 预备党员 and members under 留党察看 have no vote
            rows.append(Attendance(activity=a, member=m, status=status, reason=reason, voting=voting))
    Attendance.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _appraisals(ctx: SeedContext, zone: Org) -> int:
    rng = ctx.rng("activities.appraisal")
    rows = []
    members = Member.objects.filter(org__path__startswith=zone.path, left_on__isnull=True).order_by(
        "org_id", "pk"
    )
    by_org: dict[int, list[Member]] = {}
    for m in members:
        by_org.setdefault(m.org_id, []).append(m)
    for org_id, ms in by_org.items():
        quota = len(ms) // 4  # comfortably under the one-third cap
        for i, m in enumerate(ms):
            draw = rng.random()
            grade = Grade.EXCELLENT if i < quota else (Grade.BASIC if draw < 0.03 else Grade.QUALIFIED)
            rows.append(Appraisal(org_id=org_id, year=ctx.year, member=m, grade=grade))
    Appraisal.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _demo_member_login() -> bool:
    """Link the demo login ``dangyuan`` to the longest-standing member of 姬庄村第一党支部, so QR check-in
    can be tried on the demo zone. Returns True when it made the link."""
    from dangjian.accounts.models import User

    user = User.objects.filter(username="dangyuan").first()
    if user is None or Person.objects.filter(user=user).exists():
        return False
    member = (
        Member.objects.filter(org__code="SFQ-V01-1", left_on__isnull=True, person__user__isnull=True)
        .select_related("person")
        .order_by("joined_on", "pk")
        .first()
    )
    if member is None:
        return False
    member.person.user = user
    member.person.save(update_fields=["user"])
    return True


def _rule_cases(ctx: SeedContext, zone: Org) -> int:
    """The organizational life of issue 13's cases in 姬庄村第一党支部 (people.seed._rule_cases): the
    member on a temporary relationship attends the host's meetings (home: on leave), the lapsed member
    attends nothing from July, and a 2024 or later admission of a probationary member was decided by a
    quorate 支部党员大会 with its counts. Rows of the demo year change only in attendance; no figure of
    FIGURES.md reads them."""
    from dangjian.people.development import RULES
    from dangjian.people.models import DevelopmentCase, DevelopmentStep, Stage, Transfer
    from dangjian.people.seed import RECORDER, RULES_BRANCH, rule_case_pool
    from dangjian.people.selectors import roll_on

    from .services import decision_for

    branch = Org.objects.filter(code=RULES_BRANCH, path__startswith=zone.path).first()
    if branch is None or Decision.objects.filter(activity__org__path__startswith=zone.path).exists():
        return 0
    year = ctx.year
    pool = rule_case_pool(branch, year)
    if len(pool) < 13:
        return 0
    lapsed, away = pool[5], pool[7]
    changed = Attendance.objects.filter(
        member=lapsed, activity__date__gte=date(year, 7, 1), activity__date__lt=date(year + 1, 1, 1)
    ).update(status=Participation.ABSENT, reason="外出未联系，未请假")
    stay = Transfer.objects.filter(member=away, kind="temporary", state="received").first()
    if stay is not None and stay.to_org is not None:
        window = {"activity__date__gte": stay.closed_on, "activity__date__lt": stay.host_until}
        changed += Attendance.objects.filter(member=away, **window).update(
            status=Participation.LEAVE, reason=f"临时组织关系在{stay.to_org.name}参加组织生活"
        )
        hosted = Activity.objects.filter(
            org=stay.to_org,
            status=Status.HELD,
            kind__in=[Kind.THEME_DAY, Kind.LECTURE, Kind.PARTY_CONGRESS],
            date__gte=stay.closed_on,
            date__lt=stay.host_until,
        )
        rows = [
            Attendance(activity=a, member=away, status=Participation.PRESENT, voting=False)
            for a in hosted
            if not Attendance.objects.filter(activity=a, member=away).exists()
        ]
        Attendance.objects.bulk_create(rows)
        changed += len(rows)

    # A probationary member admitted after the demo year: the admission meeting, its attendance
    # (from the roll of that day) and the decision with its counts.
    case = (
        DevelopmentCase.objects.filter(
            org__path__startswith=branch.path[: -Org.steplen],
            stage=Stage.PROBATIONARY,
            voted_on__gt=date(year, 12, 31),
        )
        .filter(voted_on__lte=timezone.localdate())
        .select_related("org", "person")
        .order_by("org__path", "voted_on")
        .first()
    )
    if case is None or case.voted_on is None:
        return changed
    voted_on = case.voted_on
    meeting = Activity.objects.create(
        org=case.org,
        kind=Kind.PARTY_CONGRESS,
        title="支部党员大会（讨论接收预备党员）",
        date=voted_on,
        status=Status.HELD,
        place=f"{case.org.name}党员活动室",
        host="支部书记",
        recorder="组织委员",
        start_time=time(9, 0),
        agenda=f"讨论{case.person.name}入党问题",
    )
    roll = list(roll_on(case.org, voted_on).exclude(person=case.person).order_by("pk"))
    marks = []
    for i, m in enumerate(roll):
        present = i % 7 != 3  # about six in seven attend
        marks.append(
            Attendance(
                activity=meeting,
                member=m,
                status=Participation.PRESENT if present else Participation.LEAVE,
                reason="" if present else "外出务工",
                voting=m.has_vote_on(voted_on),
            )
        )
    Attendance.objects.bulk_create(marks)
    voters = sum(1 for a in marks if a.voting and a.status == Participation.PRESENT)
    decision = decision_for(
        activity=meeting,
        kind="admit",
        subject=f"接收{case.person.name}为预备党员",
        votes_for=max(voters - 2, 0),
        votes_against=1 if voters > 2 else 0,
        votes_abstain=1 if voters > 2 else 0,
        person=case.person,
    )
    case.admission_decision = decision
    case.save(update_fields=["admission_decision"])
    DevelopmentStep.objects.filter(case=case, step="vote").update(
        decision=decision, rule=RULES["vote"], recorded_by_name=RECORDER
    )
    return changed + len(marks) + 1


@transaction.atomic
def run(ctx: SeedContext) -> None:
    zone = Org.objects.filter(code=ctx.zone_code).first()
    if zone is None:
        return
    year_activities = Activity.objects.filter(org__path__startswith=zone.path, date__year=ctx.year)
    done: dict[str, int] = {}
    if not year_activities.exists():
        refs = _zone_setup(ctx, zone)
        done["zone_records"] = _zone_records(ctx, zone, refs)
        done["ordinary_life"] = _ordinary_life(ctx, zone)
    members_exist = Member.objects.filter(org__path__startswith=zone.path).exists()
    if members_exist and not Attendance.objects.filter(activity__org__path__startswith=zone.path).exists():
        done["attendance"] = _attendance(ctx, zone)
    if (
        members_exist
        and not Appraisal.objects.filter(org__path__startswith=zone.path, year=ctx.year).exists()
    ):
        done["appraisals"] = _appraisals(ctx, zone)
    if members_exist and _demo_member_login():
        done["member_login"] = 1
    if members_exist:
        rule_cases = _rule_cases(ctx, zone)
        if rule_cases:
            done["rule_cases"] = rule_cases
    if done:
        log_action(actor=SYSTEM, action="activities.seed_demo", org=zone, data=done)
        ctx.say("组织生活：" + "，".join(f"{k} {v}" for k, v in done.items()))
