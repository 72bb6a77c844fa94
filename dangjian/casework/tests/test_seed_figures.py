"""The demo zone's 2023 reproduces figures 9 and 12 of FIGURES.md through the metrics registry, with a
realistic tail of late and open matters, and the seed is idempotent."""

import importlib

import pytest
from django.db import transaction

from dangjian.casework import selectors
from dangjian.casework.models import Request, ResearchTheme, Status
from dangjian.core import metrics
from dangjian.core.seeding import SeedContext
from dangjian.orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone_seeded(db):
    ctx = SeedContext(say=lambda text: None)
    for app in ("orgs", "accounts", "people", "casework"):
        module = importlib.import_module(f"dangjian.{app}.seed")
        with transaction.atomic():
            module.run(ctx)
    return Org.objects.get(code="SFQ")


def test_the_demo_zone_2023_reproduces_figures_9_and_12(zone_seeded):
    def figure(key):
        return metrics.get(key).value(zone_seeded, 2023)

    assert figure("casework.research_themes") == 46
    assert figure("casework.research_visits") == 1500
    assert figure("casework.problems_solved_on_site") == 57
    assert figure("casework.research_reports") == 12
    assert figure("casework.institutional_outcomes") == 7
    assert 6500 <= figure("casework.visited_residents") < 6600
    assert figure("casework.key_assistance_targets") == 430
    assert 3000 <= figure("casework.matters_resolved") < 3100
    # A realistic tail: some late, some still open at year end.
    assert figure("casework.resolved_on_time") < figure("casework.matters_resolved")
    assert figure("casework.requests_open") > 0


def test_the_demo_queues_have_new_and_overdue_matters(zone_seeded):
    from dangjian.accounts.models import User

    q = selectors.queue_for(User.objects.get(username="admin"))
    assert q.new.exists() and q.overdue.exists()
    assert Request.objects.filter(status=Status.CLOSED).exclude(satisfaction="").exists()


def test_the_seed_runs_twice_without_change(zone_seeded):
    from dangjian.casework import seed

    before = (ResearchTheme.objects.count(), Request.objects.count())
    with transaction.atomic():
        seed.run(SeedContext(say=lambda text: None))
    assert (ResearchTheme.objects.count(), Request.objects.count()) == before
