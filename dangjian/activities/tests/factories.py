"""Small builders for activities tests (members are created directly: the people app owns their rules)."""

from datetime import date

from django.db import transaction

from dangjian.activities import services
from dangjian.activities.models import Kind
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Org
from dangjian.people.models import Member, MembershipPeriod, MemberStatus, Person


def member(org: Org, name: str, status: str = MemberStatus.FULL, joined_on: date | None = None) -> Member:
    person = Person.objects.create(org=org, name=name)
    joined_on = joined_on or date(2010, 7, 1)
    full_on = date(joined_on.year + 1, joined_on.month, 1) if status == MemberStatus.FULL else None
    m = Member.objects.create(person=person, org=org, status=status, joined_on=joined_on, full_on=full_on)
    MembershipPeriod.objects.create(member=m, org=org, started_on=joined_on)
    return m


def meeting(org: Org, kind: str = Kind.COMMITTEE, day: date = date(2023, 5, 10), **fields):
    with transaction.atomic():
        return services.record_activity(
            actor=SYSTEM, org=org, kind=kind, title=fields.pop("title", "五月支委会"), date=day, **fields
        )
