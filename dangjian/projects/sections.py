"""The person page's section: the commando teams a member serves on (with the team's branch)."""

from django.template.loader import render_to_string

from dangjian.core.actors import Actor
from dangjian.core.scoping import scoped

from .models import TeamMember


def render_teams(person, actor: Actor) -> str:
    rows = list(
        scoped(TeamMember.objects.filter(person=person), actor, "projects.view")
        .select_related("team__org", "team__project")
        .order_by("-joined_on")[:20]
    )
    if not rows:
        return ""
    return render_to_string("projects/_person_section.html", {"rows": rows})
