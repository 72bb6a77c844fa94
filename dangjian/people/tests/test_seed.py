"""The demo roll: 1600余 members on the 2023 roll, 三海社区's shareholders, valid IDs, idempotent."""

import pytest

from dangjian.core import idcard, metrics
from dangjian.core.models import AuditEntry
from dangjian.core.seeding import SeedContext
from dangjian.orgs import seed as orgs_seed
from dangjian.orgs.models import Org
from dangjian.people import seed as people_seed
from dangjian.people.models import Member, Person

pytestmark = pytest.mark.django_db


def test_demo_zone_has_1600_odd_members_at_the_end_of_2023_and_a_second_run_changes_nothing():
    ctx = SeedContext(say=lambda text: None)
    orgs_seed.run(ctx)
    people_seed.run(ctx)
    zone = Org.objects.get(code="SFQ")
    on_roll = metrics.get("members.on_roll").value(zone, 2023)
    assert 1600 <= on_roll <= 1699
    assert Person.objects.filter(org__code="SFQ-C01", is_shareholder=True).count() >= 1550
    assert not Member.objects.exclude(org__level="branch").exists()
    for number in Person.objects.order_by("?").values_list("id_number", flat=True)[:200]:
        assert idcard.validate_id(number) == number
    counts = (Person.objects.count(), Member.objects.count(), AuditEntry.objects.count())
    people_seed.run(SeedContext(say=lambda text: None))
    assert (Person.objects.count(), Member.objects.count(), AuditEntry.objects.count()) == counts
