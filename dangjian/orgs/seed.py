"""The demo zone's tree: 示范区党工委 with 81 grassroots organizations of every kind."""

from datetime import date

from django.db import transaction

from dangjian.core.actors import SYSTEM
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, fake_name

from .models import CommitteePost, CommitteeTerm, Grid, Kind, Level, LiaisonGroup, Org, Post

VILLAGES = [
    "姬庄村",
    "王屯村",
    "石佛寺村",
    "贯子村",
    "靳庄村",
    "冯庄村",
    "大屯村",
    "李庄村",
    "赵庄村",
    "孙庄村",
    "前进村",
    "后营村",
    "东张村",
    "西张村",
    "南湖村",
    "北河村",
    "新安村",
    "柳林村",
    "杨庄村",
    "刘庄村",
    "马庄村",
    "高庄村",
    "郭庄村",
    "申庄村",
    "许家沟村",
    "黄庄村",
    "田庄村",
    "韩庄村",
    "小屯村",
    "河口村",
]
BRANDS = {
    "姬庄村": "孝善党建",
    "王屯村": "乡贤联谊",
    "石佛寺村": "魅力石佛寺",
    "贯子村": "森林乡村",
    "靳庄村": "休闲度假",
}
COMMUNITIES = [
    "三海社区",
    "聆海御园社区",
    "浦江社区",
    "朝歌里社区",
    "淇水湾社区",
    "鹤鸣社区",
    "金山社区",
    "新城社区",
    "阳光社区",
    "富美社区",
]
ENTERPRISES = [
    "耕德电子",
    "鹤淇发电",
    "宏达机械",
    "天宇新材",
    "华润包装",
    "淇河食品",
    "众诚物流",
    "博远科技",
    "金谷粮油",
    "瑞丰建材",
]
SCHOOLS = ["明志中小学", "示范区第一小学", "示范区实验中学", "示范区幼儿园"]
SITES = [
    "耕德电子产业园项目",
    "淇水关小镇项目",
    "冰雪嘉年华项目",
    "精品乡村示范带项目",
    "15分钟生活圈项目",
    "食用菌种植示范基地项目",
]
SOCIAL = ["示范区志愿者协会", "示范区商会", "示范区社会工作服务中心"]


def _node(parent, code, name, level, kind, **extra):
    node = Org(code=code, name=name, level=level, kind=kind, **extra)
    return Org.objects.add_child(parent, instance=node)


def _build_tree(zone: Org) -> None:
    B, GB, C = Level.BRANCH, Level.GENERAL_BRANCH, Level.COMMITTEE
    for i, village in enumerate(VILLAGES, start=1):
        code = f"SFQ-V{i:02d}"
        brand = BRANDS.get(village, "")
        if village in ("姬庄村", "王屯村"):
            total = _node(zone, code, f"{village}党总支", GB, Kind.VILLAGE, brand=brand, term_years=5)
            _node(total, f"{code}-1", f"{village}第一党支部", B, Kind.VILLAGE, term_years=5)
            _node(total, f"{code}-2", f"{village}第二党支部", B, Kind.VILLAGE, term_years=5)
        else:
            _node(zone, code, f"{village}党支部", B, Kind.VILLAGE, brand=brand, term_years=5)
    for i, community in enumerate(COMMUNITIES, start=1):
        code = f"SFQ-C{i:02d}"
        if community == "三海社区":
            committee = _node(zone, code, f"{community}党委", C, Kind.COMMUNITY, term_years=5)
            for j, name in enumerate(["第一", "第二", "第三"], start=1):
                branch = _node(
                    committee, f"{code}-{j}", f"{community}{name}党支部", B, Kind.COMMUNITY, term_years=5
                )
                if j == 1:
                    _node(
                        branch,
                        f"{code}-{j}-G1",
                        f"{community}{name}党支部第一党小组",
                        Level.GROUP,
                        Kind.COMMUNITY,
                    )
                    _node(
                        branch,
                        f"{code}-{j}-G2",
                        f"{community}{name}党支部第二党小组",
                        Level.GROUP,
                        Kind.COMMUNITY,
                    )
        else:
            _node(zone, code, f"{community}党支部", B, Kind.COMMUNITY, term_years=5)
    industrial = _node(zone, "SFQ-I00", "工业社区党委", C, Kind.INDUSTRIAL, term_years=5)
    for i, firm in enumerate(ENTERPRISES, start=1):
        kind = Kind.ENTERPRISE if i <= 2 else Kind.NON_PUBLIC
        _node(industrial, f"SFQ-E{i:02d}", f"{firm}党支部", B, kind, term_years=3)
    for i, school in enumerate(SCHOOLS, start=1):
        _node(zone, f"SFQ-S{i:02d}", f"{school}党支部", B, Kind.SCHOOL, term_years=3)
    organs = _node(zone, "SFQ-G00", "示范区机关党委", C, Kind.ORGAN, term_years=5)
    for i, office in enumerate(
        [
            "党群工作部",
            "经济发展局",
            "社会事业局",
            "自然资源局",
            "城市管理局",
            "财政局",
            "应急管理局",
            "综合执法局",
        ],
        start=1,
    ):
        _node(organs, f"SFQ-G{i:02d}", f"{office}党支部", B, Kind.ORGAN, term_years=3)
    projects = _node(zone, "SFQ-P00", "项目建设党总支", GB, Kind.SITE, term_years=3)
    for i, site in enumerate(SITES, start=1):
        _node(projects, f"SFQ-P{i:02d}", f"{site}党支部", B, Kind.SITE, term_years=3)
    for i, org in enumerate(SOCIAL, start=1):
        _node(zone, f"SFQ-O{i:02d}", f"{org}党支部", B, Kind.SOCIAL, term_years=3)


def _committees(ctx: SeedContext, zone: Org) -> None:
    rng = ctx.rng("orgs.terms")
    posts = [Post.SECRETARY, Post.DEPUTY, Post.ORGANIZATION, Post.PROPAGANDA, Post.DISCIPLINE]
    for org in (
        Org.objects.filter(path__startswith=zone.path, depth__gt=zone.depth)
        .exclude(level=Level.GROUP)
        .order_by("path")
    ):
        if org.kind in (Kind.VILLAGE, Kind.COMMUNITY):
            # The 2021 village and community elections: their five-year terms fall due around now.
            elected = date(2021, rng.randint(3, 12), rng.randint(1, 28))
        else:
            elected = date(rng.choice([2022, 2023, 2024]), rng.randint(1, 12), rng.randint(1, 28))
        term = CommitteeTerm.objects.create(
            org=org,
            elected_on=elected,
            term_years=org.term_years,
            due_on=CommitteeTerm.due_date(elected, org.term_years),
        )
        size = 5 if org.level != Level.BRANCH or org.kind in (Kind.VILLAGE, Kind.COMMUNITY) else 3
        CommitteePost.objects.bulk_create(
            CommitteePost(term=term, post=p, holder_name=fake_name(rng), started_on=elected)
            for p in posts[:size]
        )


def _liaison_groups(zone: Org) -> None:
    tops = list(Org.objects.filter(path__startswith=zone.path, depth=zone.depth + 1).order_by("path"))
    names = ["第一联络组", "第二联络组", "第三联络组", "第四联络组"]
    leaders = ["赵建国", "钱志明", "孙卫东", "李秀英"]
    for i, name in enumerate(names):
        group = LiaisonGroup.objects.create(zone=zone, name=name, leader_name=leaders[i])
        group.orgs.set(tops[i::4])


def _grids(zone: Org) -> None:
    sanhai = Org.objects.get(code="SFQ-C01")
    Grid.objects.bulk_create(
        Grid(org=sanhai, name=f"第{n}网格", leader_name="", buildings=f"{n * 3 - 2}-{n * 3}号楼")
        for n in range(1, 9)
    )


@transaction.atomic
def run(ctx: SeedContext) -> None:
    if Org.objects.filter(code=ctx.zone_code).exists():
        return
    zone = Org.objects.add_root(
        instance=Org(
            code=ctx.zone_code,
            name="示范区党工委",
            short_name="示范区",
            level=Level.WORKING_COMMITTEE,
            kind=Kind.ZONE,
            address="市城乡一体化示范区",
        )
    )
    _build_tree(zone)
    _committees(ctx, zone)
    _liaison_groups(zone)
    _grids(zone)
    count = Org.objects.filter(path__startswith=zone.path).count()
    log_action(actor=SYSTEM, action="orgs.seed_demo", org=zone, data={"orgs": count})
    ctx.say(f"组织：{count}个（含党工委与党小组）")
