"""The demo zone's roll: 1623 members on the roll at the end of 2023 ("1600余名党员") spread over the
SFQ branches, plus the residents and households of 三海社区 (SFQ-C01) with 1580 shareholders of the
collective. ID numbers are valid by GB 11643 and fictitious (county 410611, made by make_id)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.dates import add_years, month_start
from dangjian.core.idcard import make_id
from dangjian.core.seeding import SeedContext, fake_name
from dangjian.orgs.models import Grid, Kind, Level, Org

from .development import RULES
from .dues import monthly_dues_fen
from .models import (
    DevelopmentCase,
    DevelopmentStep,
    DuesAssessment,
    DuesCategory,
    DuesPayment,
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
    WaiverKind,
    WaiverReason,
)
from .services import prepare_person

ON_ROLL_2023 = 1623
NEW_IN_2023 = 38
LEFT_IN_2023 = 9  # died or transferred out during 2023: on the 2022 roll, not on the 2023 one
JOINED_LATER = 21  # joined in 2024 or later: on today's roll, not on the 2023 one
SANHAI_RESIDENTS = 1720
SANHAI_SHAREHOLDERS = 1580
SANHAI_HOUSEHOLDS = 640
COUNTY = "410611"

# Relative size of a branch's roll by kind (villages are the big ones).
WEIGHT: dict[str, int] = {
    Kind.VILLAGE: 34,
    Kind.COMMUNITY: 26,
    Kind.ORGAN: 16,
    Kind.SCHOOL: 14,
    Kind.ENTERPRISE: 12,
    Kind.NON_PUBLIC: 7,
    Kind.SITE: 6,
    Kind.SOCIAL: 5,
    Kind.INDUSTRIAL: 8,
}
EDUCATION = {
    Kind.VILLAGE: [("小学", 12), ("初中", 38), ("高中", 28), ("中专", 8), ("大专", 9), ("本科", 5)],
    "other": [("高中", 10), ("中专", 6), ("大专", 24), ("本科", 48), ("研究生", 12)],
}
ETHNICITY = [("汉族", 96), ("回族", 3), ("满族", 1)]
WORK: dict[str, list[str]] = {
    Kind.VILLAGE: ["村民", "个体", "务农", "退休", "村委委员", "外出务工"],
    Kind.COMMUNITY: ["居民", "个体", "退休", "社区工作者", "物业公司"],
    Kind.ORGAN: ["科员", "副科长", "科长", "干部"],
    Kind.SCHOOL: ["教师", "班主任", "教研组长"],
    Kind.ENTERPRISE: ["技术员", "工程师", "车间主任", "职员"],
    Kind.NON_PUBLIC: ["技术员", "职员", "班组长"],
    Kind.SITE: ["项目经理", "施工员", "安全员"],
    Kind.SOCIAL: ["社工", "志愿者", "职员"],
}


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


_first_of_month = month_start
_add_years = add_years


class _Ids:
    """Unique fictitious ID numbers drawn from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: date, sex: str) -> str:
        while True:
            number = make_id(COUNTY, birth, self.rng.randrange(100), sex)
            if number not in self.used:
                self.used.add(number)
                return number
            birth += timedelta(days=1)


def _person(rng, ids: _Ids, org: Org, birth: date, sex: str, kind: str, **extra) -> Person:
    education = _pick(rng, EDUCATION.get(kind, EDUCATION["other"]))
    if birth.year < 1950 and education in ("本科", "研究生"):
        education = "高中"
    person = Person(
        org=org,
        name=fake_name(rng),
        id_number=ids.make(birth, sex),
        ethnicity=_pick(rng, ETHNICITY),
        education=education,
        phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        work_post=rng.choice(WORK.get(kind, WORK[Kind.SOCIAL])),
        **extra,
    )
    return prepare_person(person)


def _allocate(branches: list[Org], total: int, rng: random.Random) -> list[int]:
    weights = [WEIGHT.get(b.kind, 8) * rng.uniform(0.75, 1.25) for b in branches]
    scale = total / sum(weights)
    counts = [max(3, int(w * scale)) for w in weights]
    i = 0
    while sum(counts) < total:
        counts[i % len(counts)] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(len(counts)), key=lambda k: counts[k])
        counts[j] -= 1
    return counts


def _members(ctx: SeedContext, zone: Org, ids: _Ids) -> list[Member]:
    rng = ctx.rng("people.members")
    year_end = date(ctx.year, 12, 31)
    branches = list(
        Org.objects.filter(path__startswith=zone.path, level=Level.BRANCH, active=True).order_by("path")
    )
    on_roll = _allocate(branches, ON_ROLL_2023 + LEFT_IN_2023, rng)
    plan: list[tuple[Org, str]] = []  # (branch, cohort)
    for branch, n in zip(branches, on_roll, strict=True):
        plan.extend((branch, "roll") for _ in range(n))
    rng.shuffle(plan)
    # Cohorts: the first NEW_IN_2023 joined in 2023, the next LEFT_IN_2023 left during 2023.
    cohorts = ["new"] * NEW_IN_2023 + ["left"] * LEFT_IN_2023
    plan = [(b, cohorts[i] if i < len(cohorts) else "roll") for i, (b, _) in enumerate(plan)]
    plan += [(rng.choice(branches), "later") for _ in range(JOINED_LATER)]
    persons, members = [], []
    for branch, cohort in plan:
        kind = branch.kind
        sex = "男" if rng.random() < (0.68 if kind == Kind.VILLAGE else 0.58) else "女"
        if cohort in ("new", "later"):
            birth = _rand_date(rng, date(1985, 1, 1), date(2003, 6, 30))
        elif kind == Kind.VILLAGE and rng.random() < 0.22:
            birth = _rand_date(rng, date(1933, 1, 1), date(1953, 12, 31))  # the villages' elders
        elif kind in (Kind.VILLAGE, Kind.COMMUNITY):
            birth = _rand_date(rng, date(1945, 1, 1), date(1998, 12, 31))
        else:
            birth = _rand_date(rng, date(1962, 1, 1), date(2000, 12, 31))
        persons.append(_person(rng, ids, branch, birth, sex, kind))
        if cohort == "new":
            joined = _rand_date(rng, date(ctx.year, 1, 10), date(ctx.year, 12, 20))
        elif cohort == "later":
            joined = _rand_date(rng, date(ctx.year + 1, 1, 10), date(ctx.year + 2, 12, 20))
        else:
            earliest = max(_add_years(birth, 19), date(1950, 1, 1))
            joined = _rand_date(rng, earliest, max(earliest, date(ctx.year - 1, 12, 1)))
        joined = _first_of_month(joined) if rng.random() < 0.6 else joined
        full_on = _add_years(joined, 1)
        status = MemberStatus.FULL if full_on <= date(ctx.year + 2, 6, 30) else MemberStatus.PROBATIONARY
        if cohort == "later" and rng.random() < 0.7:
            status = MemberStatus.PROBATIONARY
        member = Member(
            org=branch,
            status=status,
            joined_on=joined,
            full_on=full_on if status == MemberStatus.FULL else None,
            is_village_cadre=kind == Kind.VILLAGE and rng.random() < 0.12,
            is_floating=kind == Kind.VILLAGE and rng.random() < 0.06,
            dues_category=(
                DuesCategory.RETIRED
                if birth.year < 1963
                else DuesCategory.FARMER
                if kind == Kind.VILLAGE
                else DuesCategory.SALARIED
            ),
        )
        if cohort == "left":
            member.left_on = _rand_date(rng, date(ctx.year, 2, 1), date(ctx.year, 11, 30))
            member.left_reason = rng.choice(["去世", "转出"])
        members.append(member)
    Person.objects.bulk_create(persons, batch_size=500)
    by_index = dict(
        Person.objects.filter(id_index__in=[p.id_index for p in persons]).values_list("id_index", "pk")
    )
    for person, member in zip(persons, members, strict=True):
        member.person_id = by_index[person.id_index]
    Member.objects.bulk_create(members, batch_size=500)
    members = list(Member.objects.filter(person_id__in=by_index.values()).select_related("org", "person"))
    MembershipPeriod.objects.bulk_create(
        [
            MembershipPeriod(
                member=m,
                org=m.org,
                started_on=m.joined_on,
                ended_on=m.left_on,
                reason="入党",
            )
            for m in members
        ],
        batch_size=1000,
    )
    assert (
        sum(
            1
            for m in members
            if m.joined_on is not None
            and m.joined_on <= year_end
            and (m.left_on is None or m.left_on > year_end)
        )
        == ON_ROLL_2023
    )
    return members


def _residents(ctx: SeedContext, ids: _Ids) -> int:
    rng = ctx.rng("people.sanhai")
    sanhai = Org.objects.get(code="SFQ-C01")
    grids = list(Grid.objects.filter(org=sanhai).order_by("name"))
    households = [
        Household(
            org=sanhai,
            grid=grids[i % len(grids)] if grids else None,
            number=f"SH{i + 1:04d}",
            address=f"三海社区{(i % len(grids or [0])) * 3 + 1 + (i // 40) % 3}号楼{1 + (i % 6)}单元{101 + (i % 18)}室",
        )
        for i in range(SANHAI_HOUSEHOLDS)
    ]
    Household.objects.bulk_create(households)
    households = list(Household.objects.filter(org=sanhai).order_by("number"))
    persons = []
    for i in range(SANHAI_RESIDENTS):
        sex = "男" if rng.random() < 0.5 else "女"
        roll = rng.random()
        if roll < 0.16:
            birth = _rand_date(rng, date(1930, 1, 1), date(1953, 12, 31))  # 70 and over
        elif roll < 0.30:
            birth = _rand_date(rng, date(1954, 1, 1), date(1963, 12, 31))
        elif roll < 0.85:
            birth = _rand_date(rng, date(1964, 1, 1), date(2004, 12, 31))
        else:
            birth = _rand_date(rng, date(2005, 1, 1), date(2020, 12, 31))
        person = _person(
            rng,
            ids,
            sanhai,
            birth,
            sex,
            Kind.COMMUNITY,
            household=households[i % len(households)],
            is_shareholder=i < SANHAI_SHAREHOLDERS,
        )
        assert person.household is not None
        person.address = person.household.address
        if birth.year > 2004:
            person.phone, person.phone_index, person.work_post, person.education = "", "", "学生", "小学"
        persons.append(person)
    Person.objects.bulk_create(persons, batch_size=500)
    return len(persons)


def _development(ctx: SeedContext, zone: Org, ids: _Ids) -> int:
    """A pipeline in every stage for a few village branches, with conversions falling due."""
    rng = ctx.rng("people.development")
    branches = list(
        Org.objects.filter(path__startswith=zone.path, level=Level.BRANCH, kind=Kind.VILLAGE).order_by(
            "path"
        )[:8]
    )
    stages = [Stage.APPLICANT, Stage.ACTIVIST, Stage.ACTIVIST, Stage.CANDIDATE]
    count = 0
    for branch in branches:
        for stage in stages:
            birth = _rand_date(rng, date(1990, 1, 1), date(2004, 6, 30))
            person = _person(rng, ids, branch, birth, rng.choice(["男", "女"]), branch.kind)
            person.save()
            applied = _rand_date(rng, date(ctx.year - 2, 1, 1), date(ctx.year, 3, 1))
            case = DevelopmentCase(person=person, org=branch, stage=stage, applied_on=applied)
            steps = [("apply", applied), ("talk", applied + timedelta(days=rng.randint(5, 25)))]
            case.talked_on = steps[-1][1]
            if stage in (Stage.ACTIVIST, Stage.CANDIDATE):
                case.activist_on = applied + timedelta(days=rng.randint(60, 120))
                steps.append(("activist", case.activist_on))
                steps.append(("review", case.activist_on + timedelta(days=182)))
            if stage == Stage.CANDIDATE:
                assert case.activist_on is not None
                steps.append(("review", case.activist_on + timedelta(days=364)))
                candidate_on = case.activist_on + timedelta(days=rng.randint(370, 420))
                case.candidate_on = candidate_on
                steps.append(("candidate", candidate_on))
            case.save()
            DevelopmentStep.objects.bulk_create(DevelopmentStep(case=case, step=s, on=d) for s, d in steps)
            count += 1
    # Probationary members joined through the pipeline: their cases carry the conversion due date.
    for member in (
        Member.objects.filter(
            org__path__startswith=zone.path, status=MemberStatus.PROBATIONARY, left_on__isnull=True
        )
        .select_related("person")
        .order_by("pk")
    ):
        voted = member.joined_on
        assert voted is not None  # a probationary member has joined
        case = DevelopmentCase.objects.create(
            person=member.person,
            org=member.org,
            stage=Stage.PROBATIONARY,
            applied_on=voted - timedelta(days=900),
            talked_on=voted - timedelta(days=880),
            activist_on=voted - timedelta(days=800),
            candidate_on=voted - timedelta(days=200),
            training_hours=24,
            voted_on=voted,
            approved_on=voted + timedelta(days=30),
        )
        DevelopmentStep.objects.bulk_create(
            [
                DevelopmentStep(case=case, step="apply", on=case.applied_on),
                DevelopmentStep(case=case, step="vote", on=voted),
            ]
        )
        count += 1
    return count


def _transfers(ctx: SeedContext, members: list[Member]) -> int:
    rng = ctx.rng("people.transfers")
    on_roll = [m for m in members if m.left_on is None and m.status == MemberStatus.FULL]
    picks = rng.sample(on_roll, 6)
    rows = []
    for i, m in enumerate(picks):
        applied = date(ctx.year, 3 + i, 10)
        state = [
            TransferState.APPLIED,
            TransferState.APPROVED,
            TransferState.IN_TRANSIT,
            TransferState.IN_TRANSIT,
            TransferState.RETURNED,
            TransferState.IN_TRANSIT,
        ][i]
        issued = (
            applied + timedelta(days=7)
            if state in (TransferState.IN_TRANSIT, TransferState.RETURNED)
            else None
        )
        rows.append(
            Transfer(
                member=m,
                kind=TransferKind.FORMAL if i % 3 else TransferKind.TEMPORARY,
                state=state,
                from_org=m.org,
                outside_org_name=rng.choice(
                    ["郑州市金水区某社区党委", "新乡市红旗区某街道党工委", "上海市某企业党委"]
                ),
                person_name=m.person.name,
                reason="外出务工" if m.org.kind == Kind.VILLAGE else "工作调动",
                months_away=12 if i % 3 else 4,
                applied_on=applied,
                approved_on=applied + timedelta(days=3) if state != TransferState.APPLIED else None,
                issued_on=issued,
            )
        )
    Transfer.objects.bulk_create(rows)
    return len(rows)


def _dues(ctx: SeedContext, members: list[Member]) -> int:
    rng = ctx.rng("people.dues")
    assessments, payments = [], []
    for m in members:
        if m.left_on is not None or m.joined_on is None or m.joined_on.year > ctx.year:
            continue
        category = m.dues_category
        incomes: dict[str, int] = {
            DuesCategory.SALARIED: rng.randrange(2800, 9000) * 100,
            DuesCategory.RETIRED: rng.randrange(1500, 6000) * 100,
        }
        income = incomes.get(category, 0)
        monthly = monthly_dues_fen(category, income)
        assessments.append(
            DuesAssessment(
                member=m,
                year=ctx.year,
                category=category,
                monthly_income_fen=income,
                monthly_dues_fen=monthly,
            )
        )
        # A handful of members stopped paying mid-year: the six-month flag finds them in December.
        stop = 6 if rng.random() < 0.008 else 13
        for month in range(1, 13):
            first = date(ctx.year, month, 1)
            if month >= stop or first < _first_of_month(m.joined_on):
                continue
            payments.append(
                DuesPayment(member=m, month=first, amount_fen=monthly, paid_on=first + timedelta(days=9))
            )
    DuesAssessment.objects.bulk_create(assessments, batch_size=1000)
    DuesPayment.objects.bulk_create(payments, batch_size=2000)
    return len(payments)


# The branch where the demo secretary (jizhuang) meets each of issue 13's rules, and its neighbour.
RULES_BRANCH = "SFQ-V01-1"
RULES_HOST = "SFQ-V01-2"
RECORDER = "姬庄村党总支组织委员"


def rule_case_pool(branch: Org, year: int) -> list[Member]:
    """Long-standing full members of ``branch``, skipping the first (the demo member login's, see
    activities.seed); the activities seed reads the same list to give the cases their attendance."""
    return list(
        Member.objects.filter(
            org=branch, left_on__isnull=True, status=MemberStatus.FULL, joined_on__lt=date(year - 5, 1, 1)
        )
        .select_related("person")
        .order_by("joined_on", "pk")[1:40]
    )


def _rule_cases(ctx: SeedContext, ids: _Ids) -> dict:
    """One case of each rule of issue 13 in 姬庄村第一党支部, drawn after every other stream so the
    rest of the demo is the same: a member under 留党察看, a 低保 exemption, a member flagged for
    six months unpaid (and, in the activities seed, without organizational life), a temporary
    relationship with the neighbouring branch, and a development case with every step up to the vote.
    None of them changes a figure of FIGURES.md: nobody joins or leaves a roll."""
    branch = Org.objects.filter(code=RULES_BRANCH).first()
    host = Org.objects.filter(code=RULES_HOST).first()
    if branch is None or host is None:
        return {}
    y = ctx.year
    rng = ctx.rng("people.rule_cases")
    pool = rule_case_pool(branch, y)
    if len(pool) < 13:
        return {}
    watched, waived, lapsed, away = pool[1], pool[3], pool[5], pool[7]
    watched.watch_from, watched.watch_until = date(y, 4, 17), date(y + 1, 4, 17)
    watched.watch_decision = f"示范区纪工委 示纪〔{y}〕5号：违反廉洁纪律，给予留党察看一年处分"
    watched.save(update_fields=["watch_from", "watch_until", "watch_decision"])

    DuesWaiver.objects.create(
        member=waived,
        kind=WaiverKind.EXEMPT,
        reason=WaiverReason.LOW_INCOME,
        from_month=date(y, 7, 1),
        approved_by="姬庄村党总支（报示范区党工委备案）",
        approved_on=date(y, 6, 26),
        note="家庭纳入低保，本人申请免交",
    )
    DuesPayment.objects.filter(member__in=[waived, lapsed], month__gte=date(y, 7, 1)).delete()

    Transfer.objects.create(
        member=away,
        kind=TransferKind.TEMPORARY,
        state=TransferState.RECEIVED,
        from_org=branch,
        to_org=host,
        person_name=away.person.name,
        reason="在邻村合作社务工五个月",
        months_away=5,
        applied_on=date(y, 4, 20),
        approved_on=date(y, 4, 21),
        issued_on=date(y, 4, 22),
        closed_on=date(y, 5, 1),
        host_until=date(y, 10, 1),
    )

    # A candidate with every step up to the branch meeting's vote, entered late from the paper file.
    person = _person(rng, ids, branch, date(1996, 5, 12), "女", branch.kind)
    person.save()
    applied = date(y - 2, 3, 6)
    steps = [
        ("apply", applied, ""),
        ("talk", date(y - 2, 4, 20), "申请人外出务工，返乡后谈话"),  # later than a month: overdue
        ("activist", date(y - 2, 5, 10), ""),
        ("activist_filed", date(y - 2, 5, 16), ""),
        ("mentors", date(y - 2, 5, 18), "、".join(m.person.name for m in pool[9:11])),
        ("review", date(y - 2, 11, 8), ""),
        ("review", date(y - 1, 5, 6), ""),
        ("candidate", date(y - 1, 5, 20), ""),
        ("candidate_filed", date(y - 1, 5, 26), ""),
        ("introducers", date(y - 1, 6, 2), "、".join(m.person.name for m in pool[11:13])),
        ("political_review", date(y - 1, 9, 15), "合格"),
        ("training", date(y - 1, 10, 20), "24学时 区委党校发展对象培训班"),
        ("committee_review", date(y - 1, 11, 3), ""),
        ("pre_review", date(y - 1, 11, 24), ""),
        ("application_form", date(y - 1, 12, 8), ""),
    ]
    case = DevelopmentCase.objects.create(
        person=person,
        org=branch,
        stage=Stage.CANDIDATE,
        applied_on=applied,
        talked_on=steps[1][1],
        activist_on=steps[2][1],
        candidate_on=steps[7][1],
        training_hours=24,
        political_review_passed=True,
    )
    case.mentors.set(pool[9:11])
    case.introducers.set(pool[11:13])
    DevelopmentStep.objects.bulk_create(
        DevelopmentStep(
            case=case,
            step=step,
            on=on,
            note=f"补录：据纸质档案登记。{note}".strip("。") if i == 0 else note,
            rule=RULES.get(step, ""),
            overdue=step == "talk",
            late_entry=True,
            recorded_by_name=RECORDER,
        )
        for i, (step, on, note) in enumerate(steps)
    )
    return {"watched": watched.pk, "waived": waived.pk, "lapsed": lapsed.pk, "away": away.pk, "case": case.pk}


@transaction.atomic
def run(ctx: SeedContext) -> None:
    zone = ctx.zone()
    if Member.objects.filter(org__path__startswith=zone.path).exists():
        return
    ids = _Ids(ctx.rng("people.ids"))
    members = _members(ctx, zone, ids)
    residents = _residents(ctx, ids)
    cases = _development(ctx, zone, ids)
    transfers = _transfers(ctx, members)
    payments = _dues(ctx, members)
    rule_cases = _rule_cases(ctx, ids)
    data = {
        "rule_cases": rule_cases,
        "members": len(members),
        "on_roll_year_end": ON_ROLL_2023,
        "residents": residents,
        "development_cases": cases,
        "transfers": transfers,
        "dues_payments": payments,
    }
    log_action(actor=SYSTEM, action="people.seed_demo", org=zone, data=data)
    ctx.say(f"党员：{len(members)}名（{ctx.year}年末在册{ON_ROLL_2023}名）；三海社区居民{residents}人")
