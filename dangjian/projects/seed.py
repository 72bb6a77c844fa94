"""The demo zone's projects of 2023 (figures 18 and 20–24 of seed/FIGURES.md), recorded through the
services so the demo data passes the same checks as a user's.

85 红色工地 projects (20 finished in 2023, among them 耕德电子产业园 at 102亿元; 65 under way), the
精品乡村示范带 (4200余万元) with its villages, 49 livelihood projects of the 15分钟生活圈 totalling
exactly 23亿元, four tourism projects totalling 25亿元, the 冰雪嘉年华 (8000万元), 35 commando teams,
the 工业社区's 27 enterprises with 1.2万余 workers, and the service places residents can go to.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.apps import apps
from django.db import transaction

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, fake_name
from dangjian.orgs.models import Org

from . import services
from .models import Initiative, PlaceKind, Project, ProjectKind, ProjectStatus

YI = 10**8 * 100  # 1亿元 in 分
WAN = 10**4 * 100  # 1万元 in 分

SITE_PREFIXES = [
    "智能终端",
    "电子信息",
    "新材料",
    "精密制造",
    "冷链物流",
    "食品加工",
    "装备制造",
    "光电",
    "新能源",
    "生物医药",
]
SITE_SUFFIXES = [
    "产业园",
    "标准化厂房",
    "研发中心",
    "配套道路",
    "仓储基地",
    "孵化园",
    "综合体",
    "智能工厂",
    "供应链中心",
]
LIFE_CIRCLE = [
    "社区卫生服务站",
    "便民菜市场",
    "口袋公园",
    "社区食堂",
    "养老服务中心",
    "幼儿托育点",
    "老旧小区改造",
]
# The 工业社区's 27 firms and their sectors; 耕德电子 first (the largest employer).
FIRMS = [
    ("耕德电子", "电子信息"),
    ("鹤淇发电", "能源"),
    ("宏达机械", "装备制造"),
    ("天宇新材", "新材料"),
    ("华润包装", "包装印刷"),
    ("淇河食品", "食品加工"),
    ("众诚物流", "物流"),
    ("博远科技", "软件"),
    ("金谷粮油", "粮油加工"),
    ("京东智能制造", "装备制造"),
    ("京富电子", "电子信息"),
    ("淇滨精密", "精密制造"),
    ("鹤鸣光电", "光电"),
    ("朝歌新能源", "新能源"),
    ("诗经食品", "食品加工"),
    ("淇水冷链", "物流"),
    ("恒信新材", "新材料"),
    ("瑞康生物", "生物医药"),
    ("同创智能", "装备制造"),
    ("金山电子", "电子信息"),
    ("天成包装", "包装印刷"),
    ("浦江软件", "软件"),
    ("鑫源精工", "精密制造"),
    ("聆海家居", "家居制造"),
    ("阳光光伏", "新能源"),
    ("富美服饰", "纺织服装"),
    ("瑞丰建材", "建材"),
]


def _day(rng, year: int, first_month: int = 1, last_month: int = 12) -> date:
    return date(year, rng.randint(first_month, last_month), rng.randint(1, 28))


def _project(
    org: Org, name: str, kind: str, initiative: str, fen: int, started: date | None, **extra
) -> Project:
    finished = extra.pop("finished_on", None)
    status = (
        ProjectStatus.IN_USE if finished else (ProjectStatus.BUILDING if started else ProjectStatus.PLANNING)
    )
    return services.register_project(
        actor=SYSTEM,
        org=org,
        name=name,
        kind=kind,
        initiative=initiative,
        status=status,
        investment=fen,
        started_on=started,
        finished_on=finished,
        **extra,
    )


def _red_sites(ctx: SeedContext, sites: list[Org]) -> list[Project]:
    rng = ctx.rng("projects.red_site")
    red = Initiative.RED_SITE
    made = [
        _project(
            sites[-1],  # 耕德电子产业园项目党支部, the branch built on its site
            "耕德电子产业园",
            ProjectKind.INDUSTRY,
            red,
            102 * YI,
            date(2021, 3, 18),
            finished_on=date(2023, 9, 26),
        ),
        _project(
            sites[0],
            "京东智能制造产业园",
            ProjectKind.INDUSTRY,
            red,
            38 * YI,
            date(2022, 5, 10),
            area="400000",
            area_unit="sqm",
        ),
        _project(
            sites[0],
            "京富电子",
            ProjectKind.INDUSTRY,
            red,
            45 * YI,
            date(2022, 8, 1),
            area="2520",
            area_unit="mu",
        ),
        _project(sites[0], "梦想小镇", ProjectKind.INDUSTRY, red, 30 * YI, date(2023, 2, 15)),
    ]
    names = [f"{p}{s}项目" for s in SITE_SUFFIXES for p in SITE_PREFIXES]
    rng.shuffle(names)
    # 19 more finished in 2023 (20 with 耕德), 62 more under way at the year's end (65 with the three above).
    for i in range(81):
        finished = i < 19
        started = _day(rng, rng.choice([2021, 2022]) if finished else rng.choice([2022, 2023]), 1, 9)
        end = max(_day(rng, 2023, 3, 12), started + timedelta(days=120)) if finished else None
        made.append(
            _project(
                sites[i % len(sites)],
                names[i],
                ProjectKind.INDUSTRY,
                red,
                rng.randint(2, 60) * 1000 * WAN,
                started,
                finished_on=end if end and end.year == 2023 else (date(2023, 12, 20) if finished else None),
            )
        )
    for project in made:
        if project.status == ProjectStatus.BUILDING:
            services.report_progress(
                actor=SYSTEM, project=project, progress=rng.randint(15, 90), reported_on=date(2023, 12, 25)
            )
    return made


def _demo_belt(ctx: SeedContext, owner: Org) -> None:
    belt = _project(
        owner, "精品乡村示范带", ProjectKind.RURAL, Initiative.DEMO_BELT, 4236 * WAN, date(2022, 4, 1)
    )
    villages = [
        ("魅力石佛寺村", "SFQ-V03", 1260 * WAN, 3, 85),
        ("森林乡村贯子村", "SFQ-V04", 980 * WAN, 2, 70),
        ("休闲度假靳庄村", "SFQ-V05", 860 * WAN, 2, 60),
        ("美丽乡村冯庄村", "SFQ-V06", 610 * WAN, 1, 40),
        ("特色农业大屯村", "SFQ-V07", 526 * WAN, 1, 35),
    ]
    for name, code, fen, weight, progress in villages:
        child = services.register_project(
            actor=SYSTEM,
            org=Org.objects.get(code=code),
            parent=belt,
            name=name,
            kind=ProjectKind.RURAL,
            initiative=Initiative.DEMO_BELT,
            status=ProjectStatus.BUILDING,
            investment=fen,
            started_on=date(2022, 5, 1),
            weight=weight,
        )
        services.add_milestone(
            actor=SYSTEM, project=child, name="村容村貌整治", due_on=date(2023, 6, 30), target=50
        )
        services.add_milestone(actor=SYSTEM, project=child, name="特色产业配套", due_on=date(2024, 6, 30))
        services.report_progress(
            actor=SYSTEM, project=child, progress=progress, reported_on=date(2023, 12, 20)
        )


def _life_circle(ctx: SeedContext, communities: list[Org]) -> None:
    rng = ctx.rng("projects.life_circle")
    progress_rng = ctx.rng("projects.life_circle.progress")
    total = 23 * YI
    shares = [rng.randint(20, 80) for _ in range(49)]
    amounts = [total * s // sum(shares) // WAN * WAN for s in shares]
    amounts[-1] += total - sum(amounts)  # the whole 23亿元 to the 分: no share lost to rounding
    for i, fen in enumerate(amounts):
        org = communities[i % len(communities)]
        place = org.name.removesuffix("党支部").removesuffix("党委")
        # 三海社区 + 社区食堂 is 三海社区食堂, not 三海社区社区食堂
        name = f"{place}{LIFE_CIRCLE[i % len(LIFE_CIRCLE)]}".replace("社区社区", "社区")
        started = _day(rng, rng.choice([2022, 2023]), 1, 10)
        done = rng.random() < 0.5
        project = _project(
            org,
            name if i < len(communities) * len(LIFE_CIRCLE) else f"{name}{i}",
            ProjectKind.LIVELIHOOD,
            Initiative.LIFE_CIRCLE,
            fen,
            started,
            finished_on=date(2023, 12, rng.randint(1, 28)) if done else None,
        )
        if not done:
            # A project under way has been reported on; its own generator keeps the amounts above stable.
            services.report_progress(
                actor=SYSTEM,
                project=project,
                progress=progress_rng.randint(20, 90),
                reported_on=date(2023, 12, 22),
                note="按计划推进",
            )


TOURISM = [  # name, investment, progress at the end of 2023: 25亿元 in all
    ("淇水关小镇", 18 * YI, 55),
    ("诗经长河·淇河夜游", 4 * YI, 80),
    ("红船游", 15000 * WAN, 90),
    ("河畔里露营", 15000 * WAN, 70),
]


def _tourism_and_rural(tourism: Org, snow: Org, fungi: Org) -> None:
    for name, fen, progress in TOURISM:
        project = _project(tourism, name, ProjectKind.TOURISM, Initiative.TOURISM, fen, date(2022, 9, 1))
        services.report_progress(
            actor=SYSTEM, project=project, progress=progress, reported_on=date(2023, 12, 18)
        )
    _project(
        snow,
        "热浪·冰雪嘉年华",
        ProjectKind.RURAL,
        Initiative.RURAL,
        8000 * WAN,
        date(2023, 6, 1),
        finished_on=date(2023, 12, 16),
    )
    fungi_base = _project(
        fungi, "乡村振兴食用菌种植示范基地", ProjectKind.RURAL, Initiative.RURAL, 0, date(2023, 3, 1)
    )
    services.report_progress(
        actor=SYSTEM, project=fungi_base, progress=40, reported_on=date(2023, 12, 15), note="一期菇棚建成"
    )


def _village(village: Org) -> None:
    """姬庄村's own venues (its 孝善党建 brand), so the village secretary's pages are not empty; no
    专项行动, so none of the article's figures moves."""
    _project(
        village,
        "姬庄村孝善文化广场",
        ProjectKind.VENUE,
        Initiative.NONE,
        180 * WAN,
        date(2023, 3, 10),
        finished_on=date(2023, 6, 18),
        area="3200",
        area_unit="sqm",
    )
    centre = _project(
        village, "姬庄村党群服务中心提升改造", ProjectKind.VENUE, Initiative.NONE, 95 * WAN, date(2023, 8, 1)
    )
    services.add_milestone(
        actor=SYSTEM, project=centre, name="主体改造", due_on=date(2023, 11, 30), target=60
    )
    services.add_milestone(actor=SYSTEM, project=centre, name="布展投用", due_on=date(2024, 5, 31))
    first = centre.milestones.get(name="主体改造")
    services.report_progress(
        actor=SYSTEM,
        project=centre,
        progress=65,
        reported_on=date(2023, 12, 8),
        note="主体改造完成，正在布置孝善文化展陈",
        milestone=first,
    )


def _teams(ctx: SeedContext, red: list[Project], zone: Org) -> None:
    rng = ctx.rng("projects.teams")
    Member = apps.get_model(
        "people", "Member"
    )  # the seed reads the roll directly; pages go through selectors
    pool = list(
        Member.objects.filter(org__path__startswith=zone.path, left_on__isnull=True)
        .select_related("org")
        .order_by("pk")[:600]
    )
    for i in range(35):
        project = red[i]
        # The site's own branch forms the team (支部建在工地一线); members come from any branch.
        team = services.form_team(
            actor=SYSTEM,
            org=project.org,
            name=f"{project.name.removesuffix('项目')}党员突击队",
            formed_on=max(project.started_on or date(2023, 1, 1), date(2022, 1, 1)),
            project=project,
            leader=fake_name(rng),
        )
        if pool:
            for member in rng.sample(pool, min(len(pool), rng.randint(4, 8))):
                services.add_team_member(
                    actor=SYSTEM, team=team, member=member, joined_on=max(team.formed_on, date(2023, 1, 1))
                )
        services.record_team_deed(
            actor=SYSTEM,
            team=team,
            done_on=max(team.formed_on, date(2023, rng.randint(6, 11), rng.randint(1, 28))),
            description=rng.choice(
                ["夜间抢工保节点", "汛期排查隐患", "攻坚设备安装", "协调群众诉求", "保障物资运输"]
            ),
            people_count=rng.randint(5, 30),
        )


def _enterprises(ctx: SeedContext, industrial: Org) -> None:
    rng = ctx.rng("projects.enterprises")
    workers = [rng.randint(120, 420) for _ in FIRMS]
    workers[0] = 12_480 - sum(workers[1:])  # 耕德电子 is by far the largest employer (1.2万余 in all)
    for i, (name, sector) in enumerate(FIRMS):
        enterprise = services.register_enterprise(
            actor=SYSTEM,
            org=industrial,
            name=name,
            sector=sector,
            workers=workers[i],
            member_workers=workers[i] // 25,
            joined_on=date(rng.choice([2021, 2022, 2023]), rng.randint(1, 6), 1),
        )
        services.record_enterprise_service(
            actor=SYSTEM,
            enterprise=enterprise,
            served_on=date(2023, rng.randint(7, 12), rng.randint(1, 28)),
            title=rng.choice(
                ["用工对接会", "职工子女入学协调", "党员职工教育培训", "安全生产政策宣讲", "职工食堂改善"]
            ),
        )


PLACE_PHONES = {  # made-up numbers of the demo city's area code
    "示范区党群服务中心": "0392-3316000",
    "三海社区智慧服务站": "0392-3316012",
    "工业社区党群服务中心": "0392-3316030",
}


def _places(zone: Org, sanhai: Org, industrial: Org, village: Org | None) -> None:
    places = [
        (
            zone,
            "示范区党群服务中心",
            PlaceKind.SERVICE_CENTER,
            "示范区行政服务中心一楼",
            "工作日 8:30-17:30",
            "党员组织关系转接\n入党咨询\n党费缴纳",
        ),
        (
            sanhai,
            "三海社区智慧服务站",
            PlaceKind.SERVICE_STATION,
            "三海社区党群服务中心东侧",
            "24小时",
            "自助政务办理\n证明开具\n诉求登记",
        ),
        (
            sanhai,
            "三海社区红色物业服务站",
            PlaceKind.PROPERTY,
            "三海社区3号楼底商",
            "每天 8:00-20:00",
            "报修\n邻里调解\n代收快递",
        ),
        (
            industrial,
            "工业社区党群服务中心",
            PlaceKind.SERVICE_CENTER,
            "产业园综合楼二楼",
            "工作日 8:30-18:00",
            "职工服务\n用工对接\n政策咨询",
        ),
        (
            zone,
            "示范区党性教育基地",
            PlaceKind.VENUE,
            "淇河湿地公园北门",
            "周二至周日 9:00-17:00",
            "主题党日\n党课教育",
        ),
    ]
    if village is not None:
        places.append(
            (
                village,
                "姬庄村党群服务中心",
                PlaceKind.SERVICE_CENTER,
                "姬庄村村委会院内",
                "每天 8:00-18:00",
                "孝善基金申领\n便民代办\n红白理事会登记",
            )
        )
    for org, name, kind, address, hours, offered in places:
        services.register_place(
            actor=SYSTEM,
            org=org,
            name=name,
            kind=kind,
            address=address,
            opening_hours=hours,
            services=offered,
            phone=PLACE_PHONES.get(name, ""),
            public=True,
        )


@transaction.atomic
def run(ctx: SeedContext) -> None:
    zone = Org.objects.filter(code=ctx.zone_code).first()
    if zone is None or Project.objects.filter(org__path__startswith=zone.path).exists():
        return
    codes = {o.code: o for o in Org.objects.filter(path__startswith=zone.path, code__regex=r"^SFQ-[PCI]")}
    sites = [codes[c] for c in sorted(codes) if c.startswith("SFQ-P") and c != "SFQ-P00"]
    communities = [codes[c] for c in sorted(codes) if c.startswith("SFQ-C") and c.count("-") == 1]
    red = _red_sites(ctx, [codes["SFQ-P00"], *sites[:1]] if sites else [zone])
    _demo_belt(ctx, codes.get("SFQ-P04", zone))
    _life_circle(ctx, communities or [zone])
    _tourism_and_rural(codes.get("SFQ-P02", zone), codes.get("SFQ-P03", zone), codes.get("SFQ-P06", zone))
    _teams(ctx, red, zone)
    _enterprises(ctx, codes.get("SFQ-I00", zone))
    village = Org.objects.filter(code="SFQ-V01").first()  # 姬庄村党总支
    if village is not None:
        _village(village)
    _places(zone, codes.get("SFQ-C01", zone), codes.get("SFQ-I00", zone), village)
    with transaction.atomic():
        log_action(
            actor=SYSTEM, action="projects.seed_demo", org=zone, data={"projects": Project.objects.count()}
        )
    ctx.say(
        f"项目：{Project.objects.filter(org__path__startswith=zone.path).count()}个，突击队35支，企业27家"
    )
