"""The demo zone's 2023 ratings: a plausible star distribution, the four campaigns, the secretaries'
evaluations, and the overview's sentences read from them."""

import importlib

import pytest
from django.db import transaction

from dangjian.core import metrics
from dangjian.core.models import AuditEntry
from dangjian.core.seeding import SeedContext
from dangjian.orgs.models import Org
from dangjian.ratings.models import Campaign, Commitment, Rating

pytestmark = pytest.mark.django_db


def _seed() -> None:
    ctx = SeedContext(say=lambda text: None)
    for app in ("orgs", "accounts", "people", "ratings"):
        module = importlib.import_module(f"dangjian.{app}.seed")
        with transaction.atomic():
            module.run(ctx)


@pytest.fixture
def zone(db):
    _seed()
    return Org.objects.get(code="SFQ")


def test_the_demo_zone_is_rated_with_a_spread_of_stars_and_four_published_campaigns(zone):
    stars = list(Rating.objects.filter(year=2023).values_list("stars", flat=True))
    assert len(stars) >= 30 and len(set(stars)) >= 3  # not everyone five stars, not everyone none
    campaigns = Campaign.objects.filter(zone=zone, year=2023)
    assert set(campaigns.values_list("name", flat=True)) == {"十面红旗", "和美社区", "示范集体", "示范岗"}
    assert all(c.status == "published" and c.nominations.filter(winner=True).exists() for c in campaigns)
    assert Commitment.objects.filter(year=2023).count() == metrics.get("ratings.secretary_commitments").value(
        zone, 2023
    )


def test_the_overview_reads_its_campaign_names_and_winners_from_the_records(zone):
    # The whole demo's overview (e2e/test_modules.py) prints them in the article's sentences.
    def names(key):
        return metrics.get_examples(key).fetch(zone, 2023)

    assert names("ratings.reward_campaigns") == ["十面红旗", "和美社区"]
    assert names("ratings.model_campaigns") == ["示范集体", "示范岗"]
    assert len(names("ratings.model_winners")) >= 3
    assert metrics.get("ratings.star_ratings").value(zone, 2023) > 0


def test_seeding_again_changes_nothing(zone):
    audits = AuditEntry.objects.count()
    _seed()
    assert AuditEntry.objects.count() == audits
