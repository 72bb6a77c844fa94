"""Small builders for activities tests (members are created directly: the people app owns their rules)."""

from datetime import date

from django.db import transaction

from dangjian.activities import services
from dangjian.activities.models import Kind
from dangjian.core.actors import SYSTEM
from dangjian.orgs.models import Org
from dangjian.people.models import Member, MemberStatus, Person


def member(org: Org, name: str, status: str = MemberStatus.FULL, joined_on: date | None = None) -> Member:
    person = Person.objects.create(org=org, name=name)
    return Member.objects.create(
        person=person, org=org, status=status, joined_on=joined_on or date(2010, 7, 1)
    )


def meeting(org: Org, kind: str = Kind.COMMITTEE, day: date = date(2023, 5, 10), **fields):
    with transaction.atomic():
        return services.record_activity(
            actor=SYSTEM, org=org, kind=kind, title=fields.pop("title", "五月支委会"), date=day, **fields
        )
