"""Pick an organization or a person by name (or pinyin initials), never by typing a code.

The widget is plain htmx: typing asks the server for a short scoped list; choosing an entry swaps the
widget for its chosen state (a hidden input with the id). The form field's queryset is the same scoped
queryset the search uses, so a posted id outside it is refused as an invalid choice.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from dangjian.core.actors import Actor
from dangjian.orgs.models import Org
from dangjian.orgs.selectors import orgs_visible_to
from dangjian.people.models import Person
from dangjian.people.selectors import persons_visible_to, search_q

MODES = {"view": "casework.view", "edit": "casework.edit"}


def org_choices(actor: Actor, mode: str = "view") -> QuerySet[Org]:
    """``view``/``edit``: organizations in scope with that capability; ``zone``: every active
    organization of the zones where the actor handles requests (a transfer may go to a branch the
    sender does not manage — only names are listed)."""
    if mode == "zone":
        zones = {
            p[: Org.steplen]
            for p in orgs_visible_to(actor, "casework.edit").values_list("path", flat=True)[:1000]
        }
        q = Q(pk__in=[])
        for z in sorted(zones):
            q |= Q(path__startswith=z)
        return Org.objects.filter(q, active=True)
    return orgs_visible_to(actor, MODES.get(mode, "casework.view")).filter(active=True)


def person_choices(actor: Actor) -> QuerySet[Person]:
    return persons_visible_to(actor, "casework.view")


def search(actor: Actor, kind: str, mode: str, text: str, limit: int = 15) -> list[tuple[int, str, str]]:
    """(id, label, hint) of the first matches."""
    text = text.strip()
    if not text:
        return []
    if kind == "org":
        rows = org_choices(actor, mode).filter(Q(name__contains=text) | Q(short_name__contains=text))
        return [(o.pk, o.name, "") for o in rows.order_by("path")[:limit]]
    people = person_choices(actor).filter(search_q(text)).select_related("org")
    return [(p.pk, p.name, p.org.name) for p in people.order_by("name", "pk")[:limit]]


def label_for(actor: Actor, kind: str, mode: str, pk) -> str:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return ""
    if kind == "org":
        return org_choices(actor, mode).filter(pk=pk).values_list("name", flat=True).first() or ""
    person = person_choices(actor).filter(pk=pk).select_related("org").first()
    return f"{person.name}（{person.org.name}）" if person else ""


class PickerWidget(forms.Widget):
    def __init__(self, kind: str, mode: str = "view", attrs=None):
        super().__init__(attrs)
        self.kind, self.mode = kind, mode
        self.actor: Actor | None = None  # bound by bind_pickers; unbound, nothing is in scope

    def render(self, name, value, attrs=None, renderer=None):
        label = (
            label_for(self.actor, self.kind, self.mode, value)
            if self.actor is not None and value not in (None, "")
            else ""
        )
        return render_to_string(
            "casework/_picker.html", picker_context(self.kind, self.mode, name, value if label else "", label)
        )


def picker_context(kind: str, mode: str, field: str, value, label: str) -> dict:
    return {
        "kind": kind,
        "mode": mode,
        "field": field,
        "value": value,
        "label": label,
        "url": reverse("casework:pick", args=[kind]),
        "placeholder": "输入组织名称" if kind == "org" else "输入姓名或拼音首字母",
    }


class OrgField(forms.ModelChoiceField):
    def __init__(self, *, mode: str = "view", **kwargs):
        super().__init__(queryset=Org.objects.none(), widget=PickerWidget("org", mode), **kwargs)
        self.mode = mode

    def bind(self, actor: Actor) -> None:
        self.queryset = org_choices(actor, self.mode)
        self.widget.actor = actor


class PersonField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Person.objects.none(), widget=PickerWidget("person"), **kwargs)

    def bind(self, actor: Actor) -> None:
        self.queryset = person_choices(actor)
        self.widget.actor = actor


def bind_pickers(form: forms.Form, actor: Actor) -> None:
    for field in form.fields.values():
        if isinstance(field, OrgField | PersonField):
            field.bind(actor)
