"""The person page's section on payouts (registered in apps.ready)."""

from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from dangjian.core.actors import Actor
from dangjian.core.scoping import has_capability

from . import selectors

if TYPE_CHECKING:
    from dangjian.people.models import Person


def render_payouts(person: "Person", actor: Actor) -> str:
    if not has_capability(actor, "payouts.view"):
        return ""
    rows = list(selectors.person_entitlements(person, actor)[:30])
    if not rows:
        return ""
    return render_to_string("payouts/_person_section.html", {"rows": rows})
