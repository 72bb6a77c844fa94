"""Ratings and evaluations: frozen results, anonymous single votes, judges' rules, the points ledger."""

from datetime import date

import pytest
import time_machine
from django.db import DatabaseError, transaction

from dangjian.activities.models import Activity, Kind, Status
from dangjian.core.actors import PUBLIC, SYSTEM
from dangjian.core.models import AuditEntry
from dangjian.core.scoping import OutOfScope
from dangjian.people.tests.factories import MemberFactory
from dangjian.ratings import selectors, services
from dangjian.ratings.models import Ballot, Choice, PointEntry, RatingStatus

from .factories import entered, scheme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles")]


def meeting(org, day):
    return Activity.objects.create(
        org=org, kind=Kind.PARTY_CONGRESS, title="党员大会", date=day, status=Status.HELD
    )


@pytest.fixture
def village_scheme(zone):
    return scheme(zone)


def test_a_published_rating_is_a_snapshot_that_later_records_do_not_change(
    admin_user, branch, village_scheme
):
    """DOMAIN: a year's result is frozen once published."""
    meeting(branch, date(2023, 3, 1))
    services.enter_score(
        actor=admin_user, org=branch, year=2023, indicator=entered(village_scheme), points=60, evidence="台账"
    )
    rating = services.publish_rating(actor=admin_user, org=branch, year=2023)
    first = rating.snapshot["stars"][0]
    assert first["points"] == 20 + 60 and first["earned"]  # one meeting of a target of two: half of 40

    meeting(branch, date(2023, 4, 1))  # the records move after publication …
    live = selectors.live_stars(branch, 2023, village_scheme)[0]
    assert live["points"] == 100
    rating.refresh_from_db()
    assert rating.snapshot["stars"][0]["points"] == 80  # … the published rating does not
    assert rating.scheme_version == 1


def test_a_score_cannot_be_entered_into_a_published_rating(admin_user, branch, village_scheme):
    services.publish_rating(actor=admin_user, org=branch, year=2023)
    with pytest.raises(services.RatingError) as exc:
        services.enter_score(
            actor=admin_user,
            org=branch,
            year=2023,
            indicator=entered(village_scheme),
            points=50,
            evidence="补报",
        )
    assert exc.value.code == "frozen"


def test_a_score_outside_the_indicators_range_is_refused(admin_user, branch, village_scheme):
    for points in (-1, 61):
        with pytest.raises(services.RatingError):
            services.enter_score(
                actor=admin_user,
                org=branch,
                year=2023,
                indicator=entered(village_scheme),
                points=points,
                evidence="x",
            )


def test_an_upheld_appeal_recomputes_only_the_appealed_star(admin_user, secretary, branch, village_scheme):
    """DOMAIN: an appeal reopens one star."""
    rating = services.publish_rating(actor=admin_user, org=branch, year=2023)
    assert rating.stars == 0
    # the records improve after publication: both stars' computed indicators reach their target
    meeting(branch, date(2023, 5, 1))
    meeting(branch, date(2023, 6, 1))
    appeal = services.file_appeal(actor=secretary, rating=rating, star_name="产业兴旺", reason="会议记录漏录")
    rating.refresh_from_db()
    assert rating.status == RatingStatus.REOPENED
    services.decide_appeal(actor=admin_user, appeal=appeal, upheld=True, decision="补录属实")
    rating.refresh_from_db()
    by_name = {s["name"]: s for s in rating.snapshot["stars"]}
    assert by_name["产业兴旺"]["points"] == 40 and by_name["支部过硬"]["points"] == 0
    assert rating.status == RatingStatus.PUBLISHED


def test_nobody_decides_their_own_appeal(admin_user, branch, village_scheme):
    rating = services.publish_rating(actor=admin_user, org=branch, year=2023)
    appeal = services.file_appeal(actor=admin_user, rating=rating, star_name="支部过硬", reason="x")
    with pytest.raises(services.RatingError) as exc:
        services.decide_appeal(actor=admin_user, appeal=appeal, upheld=True, decision="y")
    assert exc.value.code == "own_appeal"


@time_machine.travel(date(2024, 2, 1), tick=False)
def test_a_pledge_is_filed_for_this_year_not_for_a_past_one(secretary, branch, other_branch):
    with pytest.raises(services.RatingError):
        services.file_pledge(
            actor=secretary, org=branch, year=2023, target_stars=5, measures="m", responsible="r"
        )
    services.file_pledge(
        actor=secretary, org=branch, year=2024, target_stars=5, measures="m", responsible="r"
    )
    with pytest.raises(OutOfScope):
        services.file_pledge(
            actor=secretary, org=other_branch, year=2024, target_stars=5, measures="m", responsible="r"
        )


# --- campaigns ------------------------------------------------------------------------------------


@pytest.fixture
def campaign(admin_user, zone, secretary):
    return services.create_campaign(
        actor=admin_user,
        zone=zone,
        year=2023,
        name="示范集体",
        purpose="model",
        nominee_kind="org",
        criteria="作用突出",
        winners=1,
        judges=[admin_user, secretary],
    )


def test_a_judge_cannot_score_their_own_branch_nor_outside_the_range(
    admin_user, secretary, branch, other_branch, campaign
):
    own = services.nominate(actor=admin_user, campaign=campaign, org=branch, nominee_name="甲村", reason="r")
    other = services.nominate(
        actor=admin_user, campaign=campaign, org=other_branch, nominee_name="乙村", reason="r"
    )
    services.start_scoring(actor=admin_user, campaign=campaign)
    with pytest.raises(services.RatingError) as exc:
        services.score_nomination(actor=secretary, nomination=own, score=90)
    assert exc.value.code == "own_branch"
    with pytest.raises(services.RatingError):
        services.score_nomination(actor=secretary, nomination=other, score=101)
    services.score_nomination(actor=secretary, nomination=other, score=88)


def test_someone_who_is_not_a_judge_cannot_score(outsider, admin_user, branch, campaign):
    nomination = services.nominate(
        actor=admin_user, campaign=campaign, org=branch, nominee_name="甲村", reason="r"
    )
    services.start_scoring(actor=admin_user, campaign=campaign)
    with pytest.raises(services.RatingError) as exc:
        services.score_nomination(actor=outsider, nomination=nomination, score=80)
    assert exc.value.code == "not_a_judge"


def test_publishing_ranks_by_average_and_marks_the_winners(
    admin_user, secretary, branch, other_branch, campaign
):
    a = services.nominate(actor=admin_user, campaign=campaign, org=branch, nominee_name="甲村", reason="r")
    b = services.nominate(
        actor=admin_user, campaign=campaign, org=other_branch, nominee_name="乙村", reason="r"
    )
    services.start_scoring(actor=admin_user, campaign=campaign)
    services.score_nomination(actor=admin_user, nomination=a, score=80)
    services.score_nomination(actor=admin_user, nomination=b, score=95)
    services.score_nomination(actor=secretary, nomination=b, score=85)
    services.publish_campaign(actor=admin_user, campaign=campaign)
    b.refresh_from_db()
    a.refresh_from_db()
    assert (b.rank, b.winner, str(b.average)) == (1, True, "90.00")
    assert (a.rank, a.winner) == (2, False)
    with pytest.raises(services.RatingError):
        services.score_nomination(actor=admin_user, nomination=a, score=100)  # frozen once published


def test_the_public_list_masks_personal_names(admin_user, zone, branch):
    member = MemberFactory(org=branch, person__name="王凤侠")
    c = services.create_campaign(
        actor=admin_user,
        zone=zone,
        year=2023,
        name="示范岗",
        purpose="model",
        nominee_kind="person",
        criteria="c",
        judges=[admin_user],
    )
    n = services.nominate(
        actor=admin_user, campaign=c, org=branch, nominee_name="王凤侠", person=member.person, reason="r"
    )
    services.start_scoring(actor=admin_user, campaign=c)
    services.score_nomination(actor=admin_user, nomination=n, score=90)
    services.publish_campaign(actor=admin_user, campaign=c)
    assert selectors.published_list(c)[0]["name"] == "王*侠"


# --- 一定三诺两评 ----------------------------------------------------------------------------------


@pytest.fixture
def reported(admin_user, branch):
    with time_machine.travel(date(2023, 12, 20), tick=False):
        c = services.publish_commitment(
            actor=admin_user,
            org=branch,
            year=2023,
            secretary_name="张书记",
            goals="目标",
            promises=["承诺一"],
            published_on=date(2023, 2, 1),
        )
        return services.file_report(
            actor=admin_user,
            commitment=c,
            report="述诺",
            reported_on=date(2023, 12, 20),
            voting_closes_on=date(2023, 12, 28),
        )


@time_machine.travel(date(2023, 12, 22), tick=False)
def test_a_code_votes_once_and_the_ballot_keeps_no_trace_of_the_voter(admin_user, reported):
    codes = services.issue_voting_codes(actor=admin_user, commitment=reported, members=2, residents=0)
    code = codes[0][1]
    services.cast_vote(actor=PUBLIC, code=code, choice=Choice.DISSATISFIED)
    with pytest.raises(services.RatingError) as exc:
        services.cast_vote(actor=PUBLIC, code=code, choice=Choice.SATISFIED)
    assert exc.value.code == "used"
    ballot = Ballot.objects.get()
    assert {f.name for f in Ballot._meta.get_fields()} == {
        "id",
        "commitment",
        "voter_kind",
        "choice",
        "cast_on",
    }
    assert ballot.cast_on == date(2023, 12, 22)
    entry = AuditEntry.objects.filter(action="ratings.vote").get()
    assert "dissatisfied" not in str(entry.data) and entry.actor_name == "公众"


def test_a_vote_after_the_close_is_refused(admin_user, reported):
    with time_machine.travel(date(2023, 12, 22), tick=False):
        code = services.issue_voting_codes(actor=admin_user, commitment=reported, members=1, residents=0)[0][
            1
        ]
    with time_machine.travel(date(2023, 12, 29), tick=False), pytest.raises(services.RatingError) as exc:
        services.cast_vote(actor=PUBLIC, code=code, choice=Choice.SATISFIED)
    assert exc.value.code == "closed"
    assert not Ballot.objects.exists()


def test_a_wrong_code_is_refused_without_saying_more(reported):
    with time_machine.travel(date(2023, 12, 22), tick=False), pytest.raises(services.RatingError) as exc:
        services.cast_vote(actor=PUBLIC, code="ABCDEFGHJK", choice=Choice.SATISFIED)
    assert exc.value.code == "bad_code"


def test_thirty_percent_dissatisfied_raises_the_talk_warning_once_voting_closed(admin_user, reported):
    """DOMAIN: 30% or more 不满意 votes triggers a talk (诫勉谈话)."""
    with time_machine.travel(date(2023, 12, 22), tick=False):
        codes = services.issue_voting_codes(actor=admin_user, commitment=reported, members=10, residents=0)
        for i, (_, code) in enumerate(codes):
            services.cast_vote(
                actor=PUBLIC, code=code, choice=Choice.DISSATISFIED if i < 3 else Choice.SATISFIED
            )
        services.evaluate_by_org(actor=admin_user, commitment=reported, score=80)
        assert not selectors.evaluation_result(reported)["closed"]
    result = selectors.evaluation_result(reported, today=date(2023, 12, 29))
    assert result["closed"] and result["warning"] and result["dissatisfied_share"] == 30.0
    assert result["satisfaction"] == 70.0 and result["score"] == 74.0  # 70×0.6 + 80×0.4


# --- 积分制 ----------------------------------------------------------------------------------------


@pytest.fixture
def rule(admin_user, zone):
    return services.define_point_rule(
        actor=admin_user, zone=zone, item="走访困难群众", points=5, yearly_cap=10, evidence="走访记录"
    )


def test_points_stop_at_the_rules_yearly_cap(secretary, branch, rule):
    member = MemberFactory(org=branch)
    today = date.today()
    services.award_points(actor=secretary, member=member, rule=rule, deed="走访", done_on=today)
    services.award_points(actor=secretary, member=member, rule=rule, deed="走访", done_on=today)
    with pytest.raises(services.RatingError) as exc:
        services.award_points(actor=secretary, member=member, rule=rule, deed="走访", done_on=today)
    assert exc.value.code == "cap"


def test_time_in_the_app_likes_and_check_ins_never_earn_points(admin_user, zone):
    """The 2026 rules on government apps: no study time, likes, check-ins or quizzes as grounds."""
    for item in ("学习时长", "点赞", "签到打卡", "答题"):
        with pytest.raises(services.RatingError):
            services.define_point_rule(
                actor=admin_user, zone=zone, item=item, points=1, yearly_cap=10, evidence="x"
            )


def test_points_are_awarded_by_a_person_never_by_the_system(branch, rule):
    with pytest.raises(services.RatingError):
        services.award_points(
            actor=SYSTEM, member=MemberFactory(org=branch), rule=rule, deed="x", done_on=date.today()
        )


def test_the_points_ledger_refuses_update_and_delete_in_the_database(zone, branch, secretary):
    rule = services.define_point_rule(
        actor=SYSTEM, zone=zone, item="志愿服务", points=2, yearly_cap=10, evidence="记录"
    )
    entry = services.award_points(
        actor=secretary, member=MemberFactory(org=branch), rule=rule, deed="x", done_on=date.today()
    )
    for statement in (
        lambda: PointEntry.objects.filter(pk=entry.pk).update(points=99),
        lambda: PointEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    services.correct_points(actor=secretary, entry=entry, reason="重复登记")
    assert sum(PointEntry.objects.values_list("points", flat=True)) == 0


def test_approved_points_are_a_registered_figure_a_star_indicator_can_read(zone, branch, secretary, rule):
    """Points feed the 五星 indicators as evidence: through the metrics registry, like any figure."""
    from dangjian.core import metrics

    member = MemberFactory(org=branch)
    services.award_points(actor=secretary, member=member, rule=rule, deed="走访", done_on=date.today())
    assert metrics.get("ratings.points_awarded").value(zone, date.today().year) == 5
    scheme(zone, year=2030, metric_key="ratings.points_awarded")  # accepted as a computed indicator
