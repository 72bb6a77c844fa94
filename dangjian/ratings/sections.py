"""The person page's section: points of approved deeds and campaigns the person won."""

from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from dangjian.core.actors import Actor
from dangjian.core.scoping import scoped

from .models import Nomination, PointEntry

if TYPE_CHECKING:
    from dangjian.people.models import Person


def render_points(person: "Person", actor: Actor) -> str:
    entries = list(
        scoped(PointEntry.objects.filter(member__person=person), actor, "ratings.view")
        .select_related("rule")
        .order_by("-done_on", "-pk")[:20]
    )
    honours = list(
        scoped(Nomination.objects.filter(person=person, winner=True), actor, "ratings.view")
        .select_related("campaign")
        .order_by("-campaign__year")[:10]
    )
    if not entries and not honours:
        return ""
    return render_to_string("ratings/_person_section.html", {"entries": entries, "honours": honours})
