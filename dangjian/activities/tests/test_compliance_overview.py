"""Issue 11 (city scale): the compliance page computes the calendar only for the branches it shows and
finds the branches with a gap in the stored 应开未开 figure — and says exactly what computing every
branch's calendar said. Random zones (seeded, so a failure replays) are checked against the whole
matrix (``compliance_for``) and against the rule checks as they were computed per branch in Python."""

import random
from collections import defaultdict
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.activities import selectors, services
from dangjian.activities.models import Activity, ComplianceRule, Kind, Lecturer, Status
from dangjian.core import metrics
from dangjian.orgs.models import CommitteePost, CommitteeTerm, Level, Org, Post
from dangjian.orgs.models import Kind as OrgKind
from dangjian.people.models import Person

pytestmark = pytest.mark.django_db

YEAR = 2023
TODAYS = [date(2023, 1, 1), date(2023, 5, 15), date(2023, 12, 31), date(2024, 2, 1)]
NAMES = ["张三", "李四", "王五", "赵六"]


def _random_zone(zone: Org, seed: int) -> None:
    """Branches (some under a committee, some with 党小组, one inactive), a sub-zone with its own rule,
    secretaries on file by name or not at all, and a year of meetings of every kind, some planned,
    cancelled, too short or zone-wide with participants."""
    rnd = random.Random(seed)
    services.ensure_default_rules(zone)
    zone = Org.objects.get(pk=zone.pk)
    committee = Org.objects.add_child(
        zone, instance=Org(code="R-C", name="社区党委", level=Level.COMMITTEE, kind=OrgKind.COMMUNITY)
    )
    ComplianceRule.objects.create(
        zone=Org.objects.get(pk=committee.pk), kind=Kind.COMMITTEE, period="quarter", min_count=2,
        valid_from=date(2023, 7, 1),
    )  # fmt: skip
    someone = Person.objects.create(org=zone, name="钱七")
    listed = {"zone": zone, "listed_from": date(2020, 1, 1)}
    lecturers = [
        Lecturer.objects.create(name="书记讲师", kind="secretary", **listed),
        Lecturer.objects.create(name=NAMES[0], kind="district", **listed),
        Lecturer.objects.create(name="钱老师", kind="district", person=someone, **listed),
    ]
    branches = []
    for i in range(14):
        parent = Org.objects.get(pk=(committee if i % 3 == 0 else zone).pk)
        branch = Org.objects.add_child(
            parent,
            instance=Org(
                code=f"R-B{i:02d}",
                name=f"第{i}党支部",
                level=Level.BRANCH,
                kind=OrgKind.VILLAGE,
                active=i != 5,
            ),
        )
        if rnd.random() < 0.5:
            Org.objects.add_child(
                Org.objects.get(pk=branch.pk),
                instance=Org(
                    code=f"R-B{i:02d}-G", name=f"第{i}党小组", level=Level.GROUP, kind=OrgKind.VILLAGE
                ),
            )
        if rnd.random() < 0.7:
            term = CommitteeTerm.objects.create(
                org=branch, elected_on=date(2021, 3, 1), term_years=5, due_on=date(2026, 3, 1)
            )
            if rnd.random() < 0.3:  # on file as a person, not by name
                CommitteePost.objects.create(term=term, post=Post.SECRETARY, person=someone, holder_name="")
            else:
                CommitteePost.objects.create(term=term, post=Post.SECRETARY, holder_name=rnd.choice(NAMES))
        branches.append(Org.objects.get(pk=branch.pk))
    kinds = [Kind.COMMITTEE, Kind.THEME_DAY, Kind.PARTY_CONGRESS, Kind.LECTURE, Kind.LIFE_MEETING, Kind.GROUP]
    statuses = [Status.HELD] * 8 + [Status.PLANNED, Status.CANCELLED]
    rows = []
    for branch in branches:
        groups = list(Org.objects.filter(path__startswith=branch.path, level=Level.GROUP))
        for month in range(1, 13):
            for kind in kinds:
                if rnd.random() < 0.25:
                    continue  # a meeting not held: the gaps
                org = groups[0] if kind == Kind.GROUP and groups and rnd.random() < 0.7 else branch
                fields = {}
                if kind == Kind.THEME_DAY and rnd.random() < 0.2:
                    fields["minutes_long"] = 30
                if kind == Kind.LECTURE:
                    choice = rnd.random()
                    if choice < 0.3:
                        fields["lecturer_name"] = rnd.choice(NAMES)
                    elif choice < 0.4:
                        fields["lecturer_name"] = "支部书记"
                    elif choice < 0.6:
                        fields["lecturer"] = rnd.choice(lecturers)
                rows.append(
                    Activity(
                        org=org,
                        kind=kind,
                        status=rnd.choice(statuses),
                        title=f"{month}月{kind}",
                        date=date(YEAR, month, rnd.randint(1, 28)),
                        **fields,
                    )  # fmt: skip
                )
    Activity.objects.bulk_create(rows)
    for month in (3, 6, 9):  # zone-wide meetings the branches took part in
        wide = Activity.objects.create(
            org=zone, kind=Kind.THEME_DAY, status=Status.HELD, title="全区主题党日", date=date(YEAR, month, 1)
        )
        wide.participants.set(rnd.sample(branches, 6))


def _store_calendar_figures() -> None:
    from dangjian.reports import figures

    figures.rebuild([m for m in metrics.all_metrics() if m.key.startswith("activities.required_")], [YEAR])


def _all_pages(actor, roots, today, only_gaps) -> tuple[list, selectors.Overview]:
    first = selectors.compliance_overview(actor, roots, YEAR, only_gaps=only_gaps, per_page=4, today=today)
    rows = list(first.page.object_list)
    for number in range(2, first.page.paginator.num_pages + 1):
        shown = selectors.compliance_overview(
            actor, roots, YEAR, page=number, only_gaps=only_gaps, per_page=4, today=today
        )
        rows += shown.page.object_list
    return rows, first


def _seen(rows) -> list:
    return [(r.code, [(c.state, c.held, c.tooltip, c.missing) for c in r.cells], r.missed) for r in rows]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_page_lists_the_same_branches_cells_and_gaps_as_the_whole_matrix_stored_or_live(
    admin_user, zone, seed
):
    _random_zone(zone, seed)
    roots = [Org.objects.get(pk=zone.pk)]
    for stored in (False, True):
        if stored:
            _store_calendar_figures()
        for today in TODAYS:
            whole = selectors.compliance_for(admin_user, roots, YEAR, today)
            listed, overview = _all_pages(admin_user, roots, today, only_gaps=False)
            gaps, _ = _all_pages(admin_user, roots, today, only_gaps=True)
            assert (overview.taken_at is not None) == stored
            assert overview.branches == len(whole.rows) and overview.gaps == len(whole.overdue)
            assert _seen(listed) == _seen(whole.rows)
            assert _seen(gaps) == _seen(whole.overdue)
            assert _seen(overview.overdue) == _seen(whole.overdue[: selectors.OVERDUE_SHOWN])
    assert 0 < len(whole.overdue) < len(whole.rows)


def _rule_gaps_per_branch(root: Org, year: int, today: date) -> list[selectors.BranchRuleGaps]:
    """The rule checks as the page computed them before issue 11, branch by branch in Python (kept
    here, verbatim in substance, as the reference the SQL version must agree with)."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    branches = list(
        Org.objects.filter(path__startswith=root.path, level=Level.BRANCH, active=True).order_by("path")
    )
    groups = Org.objects.filter(path__startswith=root.path, level=Level.GROUP).values_list("path", flat=True)
    has_groups = {b.pk for b in branches if any(g.startswith(b.path) for g in groups)}
    held = Activity.objects.filter(
        org__path__startswith=root.path, kind=Kind.GROUP, status=Status.HELD, date__gte=start, date__lt=end
    ).values_list("org__path", "date")
    months_by_branch: dict[int, set[int]] = defaultdict(set)
    for path, day in held:
        for b in branches:
            if path.startswith(b.path):
                months_by_branch[b.pk].add(day.month)
    secretaries = defaultdict(set)
    for org_id, person_id, name in CommitteePost.objects.filter(
        term__org__in=branches, post=Post.SECRETARY, term__elected_on__lt=end
    ).values_list("term__org_id", "person_id", "holder_name"):
        secretaries[org_id] |= {x for x in (person_id, name) if x}
    lectures = Activity.objects.filter(
        org__in=branches, kind=Kind.LECTURE, status=Status.HELD, date__gte=start, date__lt=end
    ).values_list("org_id", "lecturer_name", "lecturer__kind", "lecturer__person_id", "lecturer__name")
    by_secretary: set[int] = set()
    for org_id, name, kind, person_id, lecturer_name in lectures:
        who = secretaries.get(org_id, set())
        if kind == "secretary" or name == "支部书记" or {name, person_id, lecturer_name} & who:
            by_secretary.add(org_id)
    last_month = 12 if today >= end else today.month - 1
    out = []
    for b in branches:
        missed = (
            [m for m in range(1, last_month + 1) if m not in months_by_branch[b.pk]]
            if b.pk in has_groups
            else []
        )
        lecture = True if b.pk in by_secretary else (False if today >= end else None)
        out.append(selectors.BranchRuleGaps(b, missed, lecture))
    return [g for g in out if g.group_months_missed or g.secretary_lecture is not True]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_group_meeting_and_secretary_lecture_gaps_are_those_computed_branch_by_branch(
    admin_user, zone, seed
):
    _random_zone(zone, seed)
    root = Org.objects.get(pk=zone.pk)
    branches = Org.objects.filter(path__startswith=root.path, level=Level.BRANCH, active=True).order_by(
        "path"
    )
    for today in TODAYS:
        expected = [
            (g.org.code, g.group_months_missed, g.secretary_lecture)
            for g in _rule_gaps_per_branch(root, YEAR, today)
        ]
        found, count = selectors.rule_gaps_in(branches, [root.path], YEAR, today)
        assert [(g.org.code, g.group_months_missed, g.secretary_lecture) for g in found] == expected
        assert count == len(expected)
    assert any(g.group_months_missed for g in _rule_gaps_per_branch(root, YEAR, date(2024, 1, 1)))


def _page_queries(client, **params) -> int:
    client.get(reverse("activities:compliance"), params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("activities:compliance"), params).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_issues_the_same_number_of_queries_for_a_small_and_a_larger_zone(admin_client, zone):
    services.ensure_default_rules(zone)
    _store_calendar_figures()
    small = _page_queries(admin_client, org="T", year=YEAR)
    _random_zone(zone, 4)
    _store_calendar_figures()
    assert _page_queries(admin_client, org="T", year=YEAR) == small
    assert _page_queries(admin_client, org="T", year=YEAR, gaps="1") == small


def test_the_page_says_when_the_gap_figures_were_taken_and_counts_from_them(admin_user, admin_client, zone):
    _random_zone(zone, 5)
    page = admin_client.get(reverse("activities:compliance"), {"org": "T", "year": YEAR}).content.decode()
    assert "缺项统计数据更新于" not in page  # not stored yet: computed live
    _store_calendar_figures()
    page = admin_client.get(reverse("activities:compliance"), {"org": "T", "year": YEAR}).content.decode()
    whole = selectors.compliance_for(admin_user, [Org.objects.get(pk=zone.pk)], YEAR)
    assert "缺项统计数据更新于" in page
    assert f"共{len(whole.rows)}个党支部，其中{len(whole.overdue)}个有未按要求召开的会议。" in page


# --- 党章 Article 9: the branches with a flag found through the stored members.lapse_* figures ----------


def _store_lapse_figures() -> None:
    from dangjian.reports import figures

    figures.rebuild([m for m in metrics.all_metrics() if m.key.startswith("members.lapse_")], [YEAR])
    figures.refresh()  # the worker takes in the marks the zone's set-up left


def _lapsed_zone(zone: Org, seed: int) -> None:
    """A random zone whose branches have members who paid or attended in the second half of the year,
    or did neither."""
    from dangjian.activities.models import Attendance
    from dangjian.people.models import DuesPayment
    from dangjian.people.tests.factories import MemberFactory

    _random_zone(zone, seed)
    rnd = random.Random(seed)
    for branch in Org.objects.filter(path__startswith=zone.path, level=Level.BRANCH):
        held = list(Activity.objects.filter(org=branch, status=Status.HELD, date__month__gte=7))
        for _ in range(rnd.randint(0, 3)):
            member = MemberFactory(org=branch)
            if rnd.random() < 0.5:
                month = date(YEAR, rnd.randint(7, 12), 1)
                DuesPayment.objects.create(member=member, month=month, amount_fen=100, paid_on=month)
            if held and rnd.random() < 0.5:
                Attendance.objects.create(activity=rnd.choice(held), member=member, status="present")


def _lapse_table(page: str) -> str:
    return page[page.index("<table", page.index('id="lapse"')) :]


def _flags(found) -> list:
    return [(o.code, f.unpaid, f.unpaid_names, f.lifeless, f.lifeless_names) for o, f in found.rows]


@pytest.mark.parametrize("seed", [6, 7])
def test_the_article_9_flags_found_through_the_stored_figures_are_those_found_member_by_member(
    admin_user, zone, seed
):
    from dangjian.people.selectors import lapse_in_view

    _lapsed_zone(zone, seed)
    root = Org.objects.get(pk=zone.pk)
    branches = selectors.branches_in_view(admin_user, [root], root)
    live = lapse_in_view(admin_user, branches, [root], YEAR, 6, 300)
    assert live.taken_at is None and live.rows
    _store_lapse_figures()
    stored = lapse_in_view(admin_user, branches, [root], YEAR, 6, 300)
    assert stored.taken_at is not None and not stored.recomputing
    assert _flags(stored) == _flags(live)
    assert _flags(lapse_in_view(admin_user, branches, [root], YEAR, 6, 2)) == _flags(live)[:2]


def test_the_page_says_when_the_article_9_figures_were_taken_and_computes_live_when_taken_in_another_month(
    admin_user, admin_client, zone
):
    from datetime import UTC, datetime

    from dangjian.core.models import FigureBuild
    from dangjian.people import dues
    from dangjian.people.models import Member

    _lapsed_zone(zone, 8)
    url, params = reverse("activities:compliance"), {"org": "T", "year": YEAR}
    live = admin_client.get(url, params).content.decode()
    assert "有提示的党支部据统计数据查找" not in live
    _store_lapse_figures()
    page = admin_client.get(url, params).content.decode()
    assert "有提示的党支部据统计数据查找，数据更新于" in page and "正在重新计算" not in page
    assert _lapse_table(page) == _lapse_table(live)

    # A payment waits for the worker: the page says so.
    member = Member.objects.filter(org__path__startswith=zone.path, dues_payments=None).first()
    dues.record_dues_payment(
        actor=admin_user, member=member, month=date(YEAR, 11, 1), paid_on=date(YEAR, 11, 5), amount_fen=100
    )
    assert "部分数据正在重新计算" in admin_client.get(url, params).content.decode()

    # Taken during the year (as of that day, not of the year's end): the window has moved since.
    FigureBuild.objects.filter(metric__startswith="members.lapse_").update(
        built_at=datetime(YEAR, 12, 1, tzinfo=UTC)
    )
    assert "有提示的党支部据统计数据查找" not in admin_client.get(url, params).content.decode()


def test_the_page_issues_the_same_number_of_queries_with_stored_article_9_figures(admin_client, zone, branch):
    from dangjian.people.tests.factories import MemberFactory

    services.ensure_default_rules(zone)
    MemberFactory(org=branch)  # paid nothing, attended nothing
    _store_calendar_figures()
    _store_lapse_figures()
    small = _page_queries(admin_client, org="T", year=YEAR)
    _lapsed_zone(zone, 9)
    _store_calendar_figures()
    _store_lapse_figures()
    assert _page_queries(admin_client, org="T", year=YEAR) == small


def test_the_rule_gap_table_pages_through_every_branch_with_a_gap(
    admin_user, admin_client, zone, monkeypatch
):
    from dangjian.activities import views

    monkeypatch.setattr(views, "RULE_GAPS_PER_PAGE", 4)
    _random_zone(zone, 1)
    root = Org.objects.get(pk=zone.pk)
    every, count = selectors.rule_gaps_in(
        selectors.branches_in_view(admin_user, [root], root), [root.path], YEAR
    )
    assert count == len(every) > 4
    url, seen = reverse("activities:compliance"), []
    for number in range(1, -(-count // 4) + 1):
        response = admin_client.get(url, {"org": "T", "year": YEAR, "rpage": number})
        assert (response.context["rule_page"], response.context["rule_gap_count"]) == (number, count)
        seen += [g.org.code for g in response.context["rule_gaps"]]
        assert f"&rpage={number + 1}#branch-rules" in response.content.decode() or len(seen) == count
    assert seen == [g.org.code for g in every]
    beyond = admin_client.get(url, {"org": "T", "year": YEAR, "rpage": 99})
    assert beyond.context["rule_page"] == 1 and [g.org.code for g in beyond.context["rule_gaps"]] == seen[:4]
