"""The 奖惩台账 in the zone's ledger catalogue (core.ledgers): the year's 表彰 (campaign winners of the
org's subtree) and 处分 (留党察看 begun that year), both read from records."""

from __future__ import annotations

from dangjian.core.actors import Actor
from dangjian.core.ledgers import Column, Section
from dangjian.orgs.models import Org
from dangjian.people import selectors as people_selectors

from . import selectors

REWARD_COLUMNS = (
    Column("序号", 5),
    Column("评选活动", 16),
    Column("类别", 9),
    Column("当选对象", 16),
    Column("推荐党组织", 20),
    Column("名次", 5),
    Column("平均分", 7),
)
DISCIPLINE_COLUMNS = (
    Column("序号", 5),
    Column("姓名", 8),
    Column("所在党组织", 20),
    Column("处分", 10),
    Column("起始日期", 11),
    Column("期满日期", 11),
)


def sections(actor: Actor, org: Org, year: int) -> list[Section]:
    winners = (
        selectors.nominations_visible_to(actor)
        .filter(
            winner=True,
            campaign__status="published",
            campaign__year=year,
            org__path__startswith=org.path,
        )
        .select_related("campaign", "org")
        .order_by("campaign__name", "rank", "pk")
    )
    rewards = [
        [
            i,
            n.campaign.name,
            n.campaign.get_purpose_display(),
            n.nominee_name,
            n.org.name,
            n.rank,
            str(n.average) if n.average is not None else "",
        ]
        for i, n in enumerate(winners, start=1)
    ]
    watched = [
        [i, m.person.name, m.org.name, "留党察看", m.watch_from, m.watch_until]
        for i, m in enumerate(people_selectors.under_watch_in(actor, org, year), start=1)
    ]
    return [
        Section("表彰奖励", REWARD_COLUMNS, rewards, note=f"全年获评选表彰{len(rewards)}项（人）次。"),
        Section("党纪处分", DISCIPLINE_COLUMNS, watched, note=f"全年留党察看{len(watched)}人。"),
    ]
