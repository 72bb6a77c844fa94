"""The demo zone's 2023 payouts: figures 16 and 25 of seed/FIGURES.md, paid from the ledger, reconciled."""

import pytest
from django.db import transaction

from dangjian.core import metrics
from dangjian.core.models import AuditEntry
from dangjian.core.seeding import SeedContext
from dangjian.orgs import seed as orgs_seed
from dangjian.orgs.models import Org
from dangjian.payouts import seed as payouts_seed
from dangjian.payouts import selectors
from dangjian.payouts.models import Programme, Reversal
from dangjian.people import seed as people_seed

pytestmark = pytest.mark.django_db


def test_demo_payouts_reproduce_the_articles_figures_and_reconcile_and_a_second_run_changes_nothing():
    from dangjian.accounts import seed as accounts_seed

    ctx = SeedContext(say=lambda text: None)
    for module in (orgs_seed, accounts_seed, people_seed, payouts_seed):
        with transaction.atomic():
            module.run(ctx)
    zone = Org.objects.get(code="SFQ")
    value = {
        k: metrics.get(f"payouts.{k}").value(zone, 2023)
        for k in (
            "reward_total",
            "reward_beneficiaries",
            "dividend_total",
            "dividend_beneficiaries",
            "pension_total",
            "pension_beneficiaries",
        )
    }
    assert 6_000_000_00 <= value["reward_total"] < 6_100_000_00
    assert 3000 <= value["reward_beneficiaries"] < 3100
    assert (value["dividend_total"], value["dividend_beneficiaries"]) == (1_085_000_00, 1550)
    assert (value["pension_total"], value["pension_beneficiaries"]) == (159_200_00, 398)
    assert metrics.get_examples("payouts.dividend_orgs").fetch(zone, 2023) == ["三海社区"]
    programmes = Programme.objects.filter(year=2023)
    assert programmes.count() == 5
    unpaid = 0
    for programme in programmes:
        r = selectors.reconcile(programme)
        assert r.ok, (programme, r.problems)
        assert len({programme.prepared_by_id, programme.verified_by_id, programme.approved_by_id}) == 3
        unpaid += r.unpaid_count
    assert 0 < unpaid <= 40 and Reversal.objects.count() == 1
    counts = (Programme.objects.count(), AuditEntry.objects.count())
    with transaction.atomic():
        payouts_seed.run(SeedContext(say=lambda text: None))
    assert (Programme.objects.count(), AuditEntry.objects.count()) == counts
