"""The demo zone's 2023 payouts (seed/FIGURES.md figures 16 and 25).

Three reward programmes of the working committee pay 600余万元 to 3000余 people (members, residents of
70 and over, the 评选 winners), a few lines left unpaid; 三海社区 pays its collective dividend of
108.5万元 to 1,550 of its 1,580 shareholders (30 not collected by year end) after 四议两公开, and its
pension of 15.92万元 to 398 elders. One dividend payment is reversed (a relative collected without
an ID) and paid again to the proxy with ID. Lists go through three different people; the bulk of the
counter payments are inserted in one go (each with its signature image) and audited per programme.
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from PIL import Image, ImageDraw

from dangjian.accounts.seed import demo_user
from dangjian.accounts.selectors import user_named
from dangjian.core.audit import log_action
from dangjian.core.seeding import SeedContext, fake_name
from dangjian.orgs.models import Org
from dangjian.people.selectors import persons_under

from . import services
from .models import Kind, Method, Payment, Programme, Rule, Step

if TYPE_CHECKING:
    from dangjian.accounts.models import User


SHANGHAI = ZoneInfo("Asia/Shanghai")
REWARD_TARGET_YUAN = 6_050_000
REWARD_PEOPLE = 3_050
REWARD_UNPAID = 6
DIVIDEND_PER_SHARE_YUAN = 700
DIVIDEND_UNPAID = 30
PENSIONERS = 398
PENSION_YUAN = 400
STAFF = [
    ("chuna", "区财政所出纳", "SFQ"),
    ("kuaiji", "区财政所会计", "SFQ"),
]


def signature_png(rng: random.Random) -> bytes:
    """A small scrawl standing in for a resident's signature drawn on the tablet."""
    img = Image.new("L", (160, 60), 255)
    draw = ImageDraw.Draw(img)
    x, y = 8, 30
    points = [(x, y)]
    for _ in range(rng.randint(6, 12)):
        x = min(152, x + rng.randint(6, 18))
        y = max(6, min(54, y + rng.randint(-16, 16)))
        points.append((x, y))
    draw.line(points, fill=0, width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _staff(zone: Org) -> dict[str, User]:
    users = {
        username: demo_user(username, display, "staff", Org.objects.get(code=code))
        for username, display, code in STAFF
    }
    for username in ("admin", "sanhai"):
        user = user_named(username)
        assert user is not None, f"the accounts seed makes {username}"
        users[username] = user
    return users


def _signed_off(programme: Programme, *signers: User) -> None:
    for user in signers:
        services.advance_list(actor=user, programme=programme)


def _pay_in_bulk(ctx: SeedContext, programme: Programme, skip: int, day: date, recorder: User) -> int:
    """Counter payments of every line but the last ``skip``, each with its own signature image."""
    rng = ctx.rng(f"payouts.signatures.{programme.pk}")
    lines = list(programme.entitlements.order_by("line_no"))
    paid = lines[: len(lines) - skip] if skip else lines
    start = datetime.combine(day, time(8, 30), tzinfo=SHANGHAI)
    rows = []
    for i, e in enumerate(paid):
        png = signature_png(rng)
        rows.append(
            Payment(
                entitlement=e,
                amount_fen=e.amount_fen,
                method=Method.COUNTER,
                paid_at=start + timedelta(days=i // 400, seconds=40 * (i % 400)),
                recorded_by=recorder,
                recorded_by_name=recorder.get_username(),
                signature_png=base64.b64encode(png).decode(),
                signature_sha256=hashlib.sha256(png).hexdigest(),
                idempotency_key=f"seed-{programme.pk}-{e.pk}",
            )
        )
    Payment.objects.bulk_create(rows, batch_size=500)
    log_action(
        actor=recorder,
        action="payouts.pay_batch",
        obj=programme,
        org=programme.org,
        data={"payments": len(rows), "total_fen": sum(r.amount_fen for r in rows), "seed": True},
    )
    return len(rows)


def _rewards(ctx: SeedContext, zone: Org, users: dict) -> tuple[int, int]:
    year_end = date(ctx.year, 12, 31)
    members = services.create_programme(
        actor=users["chuna"],
        org=zone,
        name="党员干部年度奖励",
        kind=Kind.REWARD,
        year=ctx.year,
        rule=Rule.MEMBERS,
        amount_fen=2000_00,
    )
    services.generate_list(actor=users["chuna"], programme=members)
    elders = services.create_programme(
        actor=users["chuna"],
        org=zone,
        name="70岁以上老人敬老奖励",
        kind=Kind.REWARD,
        year=ctx.year,
        rule=Rule.AGE,
        rule_min_age=70,
        rule_age_on=year_end,
        amount_fen=1000_00,
    )
    services.generate_list(actor=users["chuna"], programme=elders)
    covered = set(members.entitlements.values_list("person_id", flat=True))
    covered |= set(elders.entitlements.values_list("person_id", flat=True))
    spent = sum(p.entitlements.count() * p.amount_fen for p in (members, elders))
    others = list(
        persons_under(zone)
        .exclude(pk__in=covered)
        .select_related("org")
        .order_by("pk")[: REWARD_PEOPLE - len(covered)]
    )
    each = (REWARD_TARGET_YUAN * 100 - spent) // len(others) // 100 * 100
    winners = services.create_programme(
        actor=users["chuna"],
        org=zone,
        name="“十面红旗”“和美社区”评选奖励",
        kind=Kind.REWARD,
        year=ctx.year,
        rule=Rule.LISTED,
        amount_fen=each,
    )
    services.generate_list(
        actor=users["chuna"],
        programme=winners,
        lines=[services.Line(p, each, note="和美家庭") for p in others],
    )
    paid = 0
    schedule = (
        (members, 0, date(ctx.year, 12, 18)),
        (elders, 0, date(ctx.year, 12, 20)),
        (winners, REWARD_UNPAID, date(ctx.year, 12, 22)),
    )
    for programme, skip, day in schedule:
        _signed_off(programme, users["chuna"], users["kuaiji"], users["admin"])
        paid += _pay_in_bulk(ctx, programme, skip, day, users["kuaiji"])
    return paid, len(covered) + len(others)


def _dividend(ctx: SeedContext, users: dict) -> Programme:
    sanhai = Org.objects.get(code="SFQ-C01")
    programme = services.create_programme(
        actor=users["sanhai"],
        org=sanhai,
        name="集体经济年终分红",
        kind=Kind.DIVIDEND,
        year=ctx.year,
        rule=Rule.SHAREHOLDERS,
        budget_fen=1_106_000_00,
    )
    plan = services.save_dividend_plan(
        actor=users["sanhai"],
        programme=programme,
        income_fen=1_650_000_00,
        lump_sum_rent_fen=600_000_00,
        lump_sum_rent_years=3,
        land_compensation_fen=800_000_00,
        costs_fen=520_000_00,
        undistributed_fen=36_000_00,
        reserve_fen=260_000_00,
    )
    services.generate_list(actor=users["sanhai"], programme=programme)
    shareholders = programme.entitlements.count()
    for step, day, extra in (
        (Step.PROPOSAL, date(ctx.year, 12, 1), {"note": "党支部提出年终分红方案"}),
        (Step.COMMITTEES, date(ctx.year, 12, 4), {"note": "“两委”联席会议商议"}),
        (Step.PARTY_MEETING, date(ctx.year, 12, 6), {"note": "党员大会审议通过"}),
        (
            Step.ASSEMBLY,
            date(ctx.year, 12, 9),
            {
                "note": "集体经济组织成员大会表决",
                "eligible": shareholders,
                "present": 1212,
                "votes_for": 1187,
            },
        ),
        (Step.DECISION_PUBLISHED, date(ctx.year, 12, 10), {"note": "决议在公开栏和微信群公示5天"}),
    ):
        services.record_plan_step(actor=users["sanhai"], plan=plan, step=step, held_on=day, **extra)
    _signed_off(programme, users["sanhai"], users["kuaiji"], users["admin"])
    _pay_in_bulk(ctx, programme, DIVIDEND_UNPAID, date(ctx.year, 12, 26), users["sanhai"])
    # The one reversal: a relative collected for 第5户 without an ID; reversed, then paid to the proxy.
    wrong = Payment.objects.filter(entitlement__programme=programme).order_by("entitlement__line_no")[4]
    request = services.request_reversal(
        actor=users["kuaiji"], payment=wrong, reason="亲属代领未登记身份证号，冲正后按代领重新发放"
    )
    services.decide_reversal(actor=users["admin"], request=request, approve=True)
    rng = ctx.rng("payouts.proxy")
    proxy = (
        persons_under(sanhai)
        .filter(org=sanhai, is_shareholder=False, birth_date__lt=date(1990, 1, 1))
        .order_by("pk")
        .first()
    )
    services.pay_entitlement(
        actor=users["sanhai"],
        entitlement=wrong.entitlement,
        method=Method.PROXY,
        signature_png=signature_png(rng),
        proxy_name=proxy.name if proxy else fake_name(rng),
        proxy_id_number=proxy.id_number if proxy else "",
    )
    services.record_plan_step(
        actor=users["sanhai"],
        plan=plan,
        step=Step.RESULT_PUBLISHED,
        held_on=date(ctx.year, 12, 29),
        note="发放结果公示",
    )
    return programme


def _pensions(ctx: SeedContext, users: dict) -> Programme:
    sanhai = Org.objects.get(code="SFQ-C01")
    oldest = list(
        persons_under(sanhai)
        .filter(org=sanhai, birth_date__isnull=False, membership__isnull=True)
        .select_related("org")
        .order_by("birth_date", "pk")[:PENSIONERS]
    )
    programme = services.create_programme(
        actor=users["sanhai"],
        org=sanhai,
        name="集体经济组织养老金",
        kind=Kind.PENSION,
        year=ctx.year,
        rule=Rule.LISTED,
        amount_fen=PENSION_YUAN * 100,
        budget_fen=PENSIONERS * PENSION_YUAN * 100,
    )
    services.generate_list(
        actor=users["sanhai"],
        programme=programme,
        lines=[services.Line(p, PENSION_YUAN * 100) for p in oldest],
    )
    _signed_off(programme, users["sanhai"], users["kuaiji"], users["admin"])
    _pay_in_bulk(ctx, programme, 0, date(ctx.year, 12, 27), users["sanhai"])
    return programme


@transaction.atomic
def run(ctx: SeedContext) -> None:
    zone = ctx.zone()
    if Programme.objects.filter(org__path__startswith=zone.path, year=ctx.year).exists():
        return
    if not persons_under(zone).exists():
        return
    users = _staff(zone)
    paid, people = _rewards(ctx, zone, users)
    _dividend(ctx, users)
    _pensions(ctx, users)
    ctx.say(f"资金发放：奖励资金{paid}笔（{people}人），三海社区分红与养老金已发放")
