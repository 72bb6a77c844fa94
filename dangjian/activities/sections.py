"""The person page's section on organizational life attended (registered in apps.ready)."""

from django.template.loader import render_to_string

from dangjian.core.actors import Actor
from dangjian.core.scoping import has_capability

from . import selectors


def render_attendance(person, actor: Actor) -> str:
    member = getattr(person, "membership", None)
    if member is None or not has_capability(actor, "activities.view"):
        return ""
    rows = list(selectors.member_attendance(member, actor, limit=20))
    totals = selectors.member_attendance_totals(member, actor)
    return render_to_string("activities/_person_section.html", {"rows": rows, **totals})
