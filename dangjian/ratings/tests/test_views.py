"""Ratings pages: scope (out of scope is 404), the anonymous vote page, the masked public list."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dangjian.core.actors import SYSTEM
from dangjian.ratings import services

from .factories import scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(roles, zone, branch, other_branch):
    scheme(zone)
    return {
        "own": services.publish_rating(actor=SYSTEM, org=branch, year=2023),
        "other": services.publish_rating(actor=SYSTEM, org=other_branch, year=2023),
    }


def test_secretary_opens_own_rating_and_not_another_branchs(secretary_client, rated, branch, other_branch):
    assert secretary_client.get(f"/ratings/org/{branch.code}/2023/").status_code == 200
    assert secretary_client.get(f"/ratings/org/{other_branch.code}/2023/").status_code == 404


def test_zone_admin_pages_of_the_module_render(admin_client, rated, branch):
    for url in [
        "/ratings/?year=2023",
        f"/ratings/org/{branch.code}/2023/",
        "/ratings/campaigns/?year=2023",
        "/ratings/commitments/?year=2023",
        "/ratings/points/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "五星" in response.content.decode() or "评" in response.content.decode()


def test_the_vote_page_works_without_a_login_and_refuses_a_bad_code(db):
    client = Client()
    assert client.get("/ratings/vote/").status_code == 200
    page = client.post("/ratings/vote/", {"code": "ABCDEFGHJK", "choice": "satisfied"}).content.decode()
    assert "测评码无效" in page


def test_the_vote_page_limits_tries_per_address(db, settings):
    settings.DANGJIAN_VOTE_TRIES_PER_HOUR = 3
    client = Client()
    for _ in range(3):
        client.post("/ratings/vote/", {"code": "ABCDEFGHJK", "choice": "satisfied"})
    page = client.post("/ratings/vote/", {"code": "ABCDEFGHJK", "choice": "satisfied"}).content.decode()
    assert "尝试次数过多" in page


def test_an_anonymous_reader_sees_only_published_campaign_lists(roles, zone, branch, admin_user):
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
    client = Client()
    assert client.get(f"/ratings/campaigns/{c.pk}/public/").status_code == 404
    n = services.nominate(actor=admin_user, campaign=c, org=branch, nominee_name="王凤侠", reason="r")
    services.start_scoring(actor=admin_user, campaign=c)
    services.score_nomination(actor=admin_user, nomination=n, score=90)
    services.publish_campaign(actor=admin_user, campaign=c)
    page = client.get(f"/ratings/campaigns/{c.pk}/public/").content.decode()
    assert "王*侠" in page and "王凤侠" not in page


@time_machine.travel(date(2023, 12, 22), tick=False)
def test_results_by_branch_show_only_once_the_vote_closes(admin_client, admin_user, branch):
    c = services.publish_commitment(
        actor=admin_user,
        org=branch,
        year=2023,
        secretary_name="张书记",
        goals="g",
        promises=["p"],
        published_on=date(2023, 2, 1),
    )
    services.file_report(
        actor=admin_user,
        commitment=c,
        report="r",
        reported_on=date(2023, 12, 20),
        voting_closes_on=date(2023, 12, 28),
    )
    page = admin_client.get(f"/ratings/commitments/{c.pk}/").content.decode()
    assert "测评截止后显示结果" in page


def test_the_commitments_list_issues_the_same_number_of_queries_for_2_and_6_villages(
    admin_client, admin_user, zone
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.orgs.models import Kind, Level, Org

    def add_villages(n: int) -> None:
        for _ in range(n):
            i = Org.objects.count()
            org = Org.objects.add_child(
                Org.objects.get(pk=zone.pk),
                instance=Org(code=f"T-V{i}", name=f"村{i}", level=Level.BRANCH, kind=Kind.VILLAGE),
            )
            with time_machine.travel(date(2023, 12, 22), tick=False):
                c = services.publish_commitment(
                    actor=admin_user,
                    org=org,
                    year=2023,
                    secretary_name="书记",
                    goals="g",
                    promises=["p"],
                    published_on=date(2023, 2, 1),
                )
                services.file_report(
                    actor=admin_user,
                    commitment=c,
                    report="r",
                    reported_on=date(2023, 12, 20),
                    voting_closes_on=date(2023, 12, 28),
                )
                services.issue_voting_codes(actor=admin_user, commitment=c, members=2, residents=0)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get("/ratings/commitments/?year=2023").status_code == 200
        return len(ctx.captured_queries)

    add_villages(2)
    few = count()
    add_villages(4)
    assert count() == few


@time_machine.travel(date(2023, 12, 1), tick=False)
def test_the_appraisal_page_shows_each_members_points_as_evidence_not_as_a_grade(
    admin_user, secretary_client, zone, branch
):
    from dangjian.people.tests.factories import MemberFactory

    weighed, _ = (
        MemberFactory(org=branch, person__name="有积分"),
        MemberFactory(org=branch, person__name="无积分"),
    )
    rule = services.define_point_rule(
        actor=admin_user, zone=zone, item="走访群众", points=5, yearly_cap=50, evidence="走访记录"
    )
    first = services.award_points(
        actor=admin_user, member=weighed, rule=rule, deed="走访3户", done_on=date(2023, 5, 1)
    )
    services.award_points(
        actor=admin_user, member=weighed, rule=rule, deed="走访2户", done_on=date(2023, 6, 1)
    )
    services.correct_points(actor=admin_user, entry=first, reason="重复登记")
    page = secretary_client.get(reverse("activities:appraisal", args=["T-A", 2023])).content.decode()
    assert "本年积分" in page
    assert "5分（1项事迹）" in page  # two deeds, one corrected away
    row = page[page.index("无积分") :].split("</tr>")[0]
    assert "分（" not in row and "—" in row


def test_the_zone_edits_its_scheme_on_a_page_and_each_edit_moves_the_version_on(
    admin_client, secretary_client, rated, zone
):
    from dangjian.ratings.models import Indicator, StarScheme

    url = "/ratings/schemes/?year=2023"
    page = admin_client.get(url).content.decode()
    assert "第1版" in page and "支部过硬" in page
    assert "activities.meetings_held" not in page  # the figure's name, never its key
    ind = Indicator.objects.filter(star__scheme__zone=zone, source="metric").first()
    star = ind.star
    admin_client.post(url, {"form": "indicator", "pk": ind.pk, "points": 30, "target": 4})
    admin_client.post(url, {"form": "star", "pk": star.pk, "threshold": 70})
    ind.refresh_from_db()
    star.refresh_from_db()
    assert (ind.points, ind.target, star.threshold) == (30, 4, 70)
    assert StarScheme.objects.get(pk=star.scheme_id).version == 3
    assert rated["own"].scheme_version == 1  # published before: keeps the version it was computed with
    too_many = admin_client.post(
        url, {"form": "indicator", "pk": ind.pk, "points": 99, "target": 4}, follow=True
    )
    assert "不能超过满分" in too_many.content.decode()
    # A branch secretary reads the scheme but cannot change it.
    assert 'name="threshold"' not in secretary_client.get(url).content.decode()
    assert secretary_client.post(url, {"form": "star", "pk": star.pk, "threshold": 10}).status_code == 404
    star.refresh_from_db()
    assert star.threshold == 70


def test_a_new_year_starts_from_the_last_years_scheme(admin_client, rated, zone):
    from dangjian.ratings.models import StarScheme

    page = admin_client.get("/ratings/schemes/?year=2024").content.decode()
    assert "沿用2023年" in page
    last = StarScheme.objects.get(zone=zone, year=2023)
    admin_client.post("/ratings/schemes/?year=2024", {"form": "copy", "pk": last.pk})
    new = StarScheme.objects.get(zone=zone, year=2024, kind=last.kind)
    assert new.name == "2024年方案" and new.stars.count() == last.stars.count()
