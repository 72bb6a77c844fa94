"""The person page's section on visits received, key assistance and requests raised (see apps.ready)."""

from django.template.loader import render_to_string

from dangjian.core.actors import Actor
from dangjian.core.scoping import has_capability

from . import selectors


def render_person_casework(person, actor: Actor) -> str:
    if not has_capability(actor, "casework.view"):
        return ""
    visits = selectors.person_visits(person, actor)
    requests = selectors.person_requests(person, actor)
    target = selectors.person_target(person, actor)
    if not (visits or requests or target):
        return ""
    return render_to_string(
        "casework/_person_section.html", {"visits": visits, "requests": requests, "target": target}
    )
