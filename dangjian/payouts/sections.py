"""The person page's section on payouts (registered in apps.ready)."""

from django.template.loader import render_to_string

from dangjian.core.actors import Actor
from dangjian.core.scoping import has_capability

from . import selectors


def render_payouts(person, actor: Actor) -> str:
    if not has_capability(actor, "payouts.view"):
        return ""
    rows = list(selectors.person_entitlements(person, actor)[:30])
    if not rows:
        return ""
    return render_to_string("payouts/_person_section.html", {"rows": rows})
