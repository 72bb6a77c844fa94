"""The one picker: choose an organization or a person by typing part of its name or its pinyin
initials, never by typing a code (issue #12).

Sources. The app owning the records registers a ``PickerSource`` from its ``AppConfig.ready()``
(``registry.register_picker``): orgs registers ``orgs.org`` (orgs in scope), ``orgs.grassroots``
(党委/党总支/党支部 in scope) and ``orgs.zone`` (every active org of the zones where the actor holds
the capability — a transfer may go to a branch the sender does not manage); people registers
``people.person``. A source answers ``choices(actor, capability)`` — the scoped queryset — and
``search(queryset, text)`` — that queryset narrowed by the typed text and ordered.

Fields. ``OrgField(capability="activities.edit")``, ``OrgsField`` (several), ``PersonField``,
``PersonsField``, or ``PickField``/``PickMultipleField`` with any source. The field's queryset is
the very queryset the search lists, so a posted id outside the actor's scope is refused with
``OUT_OF_SCOPE``. Forms built on ``core.forms.Form``/``ModelForm`` take ``actor=`` and bind their
pickers (``bind_pickers`` for any other form); an unbound picker raises when rendered or cleaned,
never lists or accepts everything. ``to_field_name="code"`` makes an org picker submit the org's
code, for GET filters that keep ``?org=CODE`` in the URL.

Widget (htmx, ``core/_picker.html``). The chosen values are chips, each holding a hidden input with
the value; typing asks ``core:pick`` for a short list; choosing one asks it for that chip, which
replaces the chip (one value) or joins the others (several). ``site.js`` clears the list, removes a
chip on its ×, and submits a filter form when ``submit=True``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from .actors import Actor

# No value in the message: an id or a code never reaches a page.
OUT_OF_SCOPE = "所选项不在您可选的范围内，请输入名称或拼音首字母从列表中选择。"
LIMIT = 15

Records = QuerySet[Any, Any]


def _no_hint(obj: Any) -> str:
    return ""


@dataclass(frozen=True)
class PickerSource:
    """What a picker lists.

    ``choices(actor, capability)`` returns the records the actor may pick (scoped by ``capability``,
    one query); ``search(queryset, text)`` narrows it by a name fragment or pinyin initials and
    orders it; ``label(obj)`` names a record, ``hint(obj)`` adds what tells two alike apart (a
    person's branch). ``values`` are the fields a picker may submit instead of the id.
    ``capabilities``, when given, are the only ones the source may be scoped by: a source that lists
    beyond the actor's own scope (the zone's branches a member may transfer to) serves only the
    forms that need it, never any capability the actor happens to hold.
    """

    key: str
    choices: Callable[[Any, str], Records]
    search: Callable[[Records, str], Records]
    label: Callable[[Any], str]
    hint: Callable[[Any], str] = field(default=_no_hint)
    placeholder: str = "输入名称或拼音首字母"
    values: tuple[str, ...] = ("pk",)
    capabilities: tuple[str, ...] = ()


def source(key: str) -> PickerSource:
    from . import registry

    found = registry.picker(key)
    if not isinstance(found, PickerSource):  # register_picker checks it; this tells mypy
        raise ImproperlyConfigured(f"picker source {key!r} is not a PickerSource")
    return found


def chip_label(src: PickerSource, obj: Any) -> str:
    hint = src.hint(obj)
    return f"{src.label(obj)}（{hint}）" if hint else src.label(obj)


def search(src: PickerSource, actor: Actor, capability: str, text: str, limit: int = LIMIT) -> list[Any]:
    """The first matches of ``text`` among what the actor may pick; nothing for an empty text."""
    text = text.strip()[:50]
    if not text:
        return []
    return list(src.search(src.choices(actor, capability), text)[:limit])


class PickerWidget(forms.Widget):
    """Chips of the chosen values and a search box (see the module docstring)."""

    template = "core/_picker.html#widget"

    def __init__(
        self,
        source_key: str,
        capability: str,
        *,
        multiple: bool,
        submit: bool = False,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.source_key, self.capability, self.multiple, self.submit = (
            source_key,
            capability,
            multiple,
            submit,
        )
        self.to_field_name = "pk"
        self.queryset: Records | None = None

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        if self.multiple:
            getlist = getattr(data, "getlist", None)
            return getlist(name) if getlist else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return False if self.multiple else name not in data

    def id_for_label(self, id_: str) -> str:
        return id_

    def chips(self, value: Any) -> list[tuple[str, str]]:
        """(value, label) of the chosen values the actor may pick, in the order given."""
        if self.queryset is None:
            raise ImproperlyConfigured(f"picker {self.source_key!r} rendered without an actor (bind_pickers)")
        given = value if isinstance(value, list | tuple) else [value]
        values = [str(v) for v in given if v not in (None, "")]
        if not values:
            return []
        src = source(self.source_key)
        try:
            rows = self.queryset.filter(**{f"{self.to_field_name}__in": values})
            found = {str(getattr(o, self.to_field_name)): o for o in rows}
        except (ValueError, TypeError):
            return []
        return [(v, chip_label(src, found[v])) for v in dict.fromkeys(values) if v in found]

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        box = attrs.get("id") or f"id_{name}"
        src = source(self.source_key)
        return render_to_string(
            self.template,
            {
                "name": name,
                "box": box,
                "chips": self.chips(value),
                "multiple": self.multiple,
                "submit": self.submit,
                "placeholder": attrs.get("placeholder") or src.placeholder,
                "invalid": "is-invalid" in attrs.get("class", ""),
                "url": pick_url(
                    self.source_key, self.capability, name, box, self.multiple, self.to_field_name
                ),
            },
        )


def pick_url(source_key: str, capability: str, field_name: str, box: str, multiple: bool, by: str) -> str:
    params = {"cap": capability, "field": field_name, "box": box}
    if multiple:
        params["multi"] = "1"
    if by != "pk":
        params["by"] = by
    return f"{reverse('core:pick', args=[source_key])}?{urlencode(params)}"


def _widget(source_key: str, capability: str, multiple: bool, submit: bool, placeholder: str) -> PickerWidget:
    widget = PickerWidget(source_key, capability, multiple=multiple, submit=submit)
    if placeholder:
        widget.attrs["placeholder"] = placeholder
    return widget


def _messages(kwargs: dict[str, Any]) -> dict[str, str]:
    messages = {"invalid_choice": OUT_OF_SCOPE, "invalid_pk_value": OUT_OF_SCOPE}
    messages.update(kwargs.pop("error_messages", {}))
    return messages


def _bind(picked: PickField | PickMultipleField, actor: Actor, capability: str | None) -> Records:
    widget = picked.picker
    if capability:
        picked.capability = widget.capability = capability
    src = source(picked.source_key)
    if src.capabilities and picked.capability not in src.capabilities:
        raise ImproperlyConfigured(f"picker {src.key!r} serves {src.capabilities}, not {picked.capability!r}")
    if widget.to_field_name not in src.values:
        raise ImproperlyConfigured(f"picker {src.key!r} does not submit {widget.to_field_name!r}")
    queryset = src.choices(actor, picked.capability)
    widget.queryset = queryset
    return queryset


def _unbound(picked: PickField | PickMultipleField, verb: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"picker {picked.source_key!r} {verb} without an actor (bind_pickers)")


class PickField(forms.ModelChoiceField[Model]):
    """One record from a registered source."""

    def __init__(
        self,
        source_key: str,
        *,
        capability: str,
        to_field_name: str | None = None,
        submit: bool = False,
        placeholder: str = "",
        **kwargs: Any,
    ) -> None:
        messages = _messages(kwargs)
        widget = _widget(source_key, capability, False, submit, placeholder)
        super().__init__(
            queryset=None, to_field_name=to_field_name, widget=widget, error_messages=messages, **kwargs
        )
        self.source_key, self.capability = source_key, capability
        self.picker.to_field_name = to_field_name or "pk"  # Field.__init__ copied the widget

    @property
    def picker(self) -> PickerWidget:
        assert isinstance(self.widget, PickerWidget)
        return self.widget

    def bind(self, actor: Actor, capability: str | None = None) -> None:
        """Scope the field to ``actor`` (and another capability than declared, when the form's use
        depends on the record): the queryset the search lists is the one a posted value must be in."""
        self.queryset = _bind(self, actor, capability)

    def clean(self, value: Any) -> Any:
        if self.queryset is None:
            raise _unbound(self, "cleaned")
        return super().clean(value)


class PickMultipleField(forms.ModelMultipleChoiceField[Model]):
    """Several records from a registered source (a list of model instances when cleaned)."""

    def __init__(
        self,
        source_key: str,
        *,
        capability: str,
        to_field_name: str | None = None,
        submit: bool = False,
        placeholder: str = "",
        **kwargs: Any,
    ) -> None:
        messages = _messages(kwargs)
        widget = _widget(source_key, capability, True, submit, placeholder)
        super().__init__(
            queryset=None, to_field_name=to_field_name, widget=widget, error_messages=messages, **kwargs
        )
        self.source_key, self.capability = source_key, capability
        self.picker.to_field_name = to_field_name or "pk"

    @property
    def picker(self) -> PickerWidget:
        assert isinstance(self.widget, PickerWidget)
        return self.widget

    def bind(self, actor: Actor, capability: str | None = None) -> None:
        """As ``PickField.bind``."""
        self.queryset = _bind(self, actor, capability)

    def clean(self, value: Any) -> Any:
        if self.queryset is None:
            raise _unbound(self, "cleaned")
        if value and not isinstance(value, list | tuple):
            value = [value]
        return list(super().clean(value))


def OrgField(*, capability: str, source: str = "orgs.org", **kwargs: Any) -> PickField:  # noqa: N802
    return PickField(source, capability=capability, **kwargs)


def OrgsField(*, capability: str, source: str = "orgs.org", **kwargs: Any) -> PickMultipleField:  # noqa: N802
    return PickMultipleField(source, capability=capability, **kwargs)


def PersonField(*, capability: str = "members.view", **kwargs: Any) -> PickField:  # noqa: N802
    return PickField("people.person", capability=capability, **kwargs)


def PersonsField(*, capability: str = "members.view", **kwargs: Any) -> PickMultipleField:  # noqa: N802
    return PickMultipleField("people.person", capability=capability, **kwargs)


def picker_fields(form: forms.BaseForm) -> Iterable[PickField | PickMultipleField]:
    return (f for f in form.fields.values() if isinstance(f, PickField | PickMultipleField))


def bind_pickers(form: forms.BaseForm, actor: Actor) -> None:
    for picked in picker_fields(form):
        picked.bind(actor)


def render_picker(
    actor: Actor,
    *,
    source: str,
    capability: str,
    name: str,
    value: Any = None,
    by: str = "pk",
    multiple: bool = False,
    submit: bool = False,
    placeholder: str = "",
    box: str = "",
) -> SafeString:
    """A picker outside a form class: a GET filter's ``?org=`` chosen by name (``submit=True`` sends
    the filter on a choice). The same field, bound the same way, so it lists the same scope."""
    cls: type[PickField | PickMultipleField] = PickMultipleField if multiple else PickField
    picked = cls(
        source,
        capability=capability,
        to_field_name=None if by == "pk" else by,
        submit=submit,
        placeholder=placeholder,
    )
    picked.bind(actor)
    if hasattr(value, "pk"):
        value = getattr(value, by)
    return picked.picker.render(name, value, attrs={"id": box or f"pick_{name}"})
