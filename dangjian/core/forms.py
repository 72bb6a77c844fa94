"""The base every form of the platform builds on: ``Form`` and ``ModelForm`` here, never Django's own.

What the base does for every field, so no app has to remember it (DESIGN.md, conventions 8):
- a date field renders as ``<input type="date">`` filled in ISO ``YYYY-MM-DD`` (the only format the
  browser's date input takes; anything else shows blank and an edit posts the date as empty);
- a length limit answers with the field's name and the limit, and a long text without a limit of its
  own gets ``LONG_TEXT_MAX_CHARS`` — checked here, with the text kept on the form, never cut short by
  the browser (no ``maxlength`` on a text area: pasting into one silently drops the rest);
- ``VersionedForm`` posts the record's version back hidden, so a stale save is refused, not applied.

Fields for one kind of value: ``RecordDateField`` (a date of something that happened, bounded by
``core.dates.check_record_date``) and ``PhoneField`` (``core.phones.clean_phone``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet

from .dates import PARTY_FOUNDED, RecordDateError, check_record_date
from .phones import PhoneError, clean_phone

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

    _FormBase = forms.BaseForm
else:
    _FormBase = object  # a mixin: the form class it is mixed into comes after it


__all__ = [
    "ISO_DATE",
    "DateInput",
    "Form",
    "ModelForm",
    "PhoneField",
    "RecordDateField",
    "Versioned",
    "VersionedForm",
    "VersionedModelForm",
    "harmonize",
    "error_summary",
    "length_message",
    "limit_choices",
    "choice_field",
    "model_choice_field",
    "choices_of",
]

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """``<input type="date">`` filled as ``YYYY-MM-DD`` whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002
        super().__init__(attrs, format=format or ISO_DATE)


def length_message(label: _StrOrPromise, limit: int) -> str:
    """The message of a length limit: names the field and the limit (and how long the text is)."""
    label = str(label).replace("%", "%%")
    return f"{label}最多{limit}个字，现有%(show_value)d个，请删减后再保存。"


def _bootstrap(widget: forms.Widget) -> None:
    """Bootstrap's class on a widget that has none, so every form reads alike (core/_fields.html)."""
    if "class" in widget.attrs or widget.is_hidden:
        return
    if isinstance(widget, forms.CheckboxInput):
        widget.attrs["class"] = "form-check-input"
    elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return
    elif isinstance(widget, forms.Select):
        widget.attrs["class"] = "form-select form-select-sm"
    elif isinstance(widget, forms.widgets.Input | forms.Textarea):
        widget.attrs["class"] = "form-control form-control-sm"


def harmonize(form: forms.BaseForm) -> None:
    """Apply the platform's rules (module docstring) to the fields of one form instance."""
    for name, field in form.fields.items():
        label = field.label or name
        _bootstrap(field.widget)
        if isinstance(field, forms.DateField) and isinstance(field.widget, forms.DateInput):
            field.widget.input_type = "date"
            field.widget.format = ISO_DATE
        if not isinstance(field, forms.CharField):
            continue
        long_text = isinstance(field.widget, forms.Textarea)
        if field.max_length is None and long_text:
            field.max_length = settings.LONG_TEXT_MAX_CHARS
            field.validators.append(MaxLengthValidator(field.max_length))
        if long_text:
            field.widget.attrs.pop("maxlength", None)
        field.validators = [
            MaxLengthValidator(v.limit_value, message=length_message(label, v.limit_value))
            if isinstance(v, MaxLengthValidator)
            else v
            for v in field.validators
        ]


class _Harmonized(_FormBase):
    """``actor=`` binds the form's pickers (``core.pickers``) to what that actor may pick."""

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        harmonize(self)
        if actor is not None:
            from .pickers import bind_pickers

            bind_pickers(self, actor)

    def clean(self) -> dict[str, Any]:
        """Django's own, which returns ``cleaned_data``; typed so (the stubs allow None) for the
        forms that extend it."""
        super().clean()
        return self.cleaned_data


class Form(_Harmonized, forms.Form):
    pass


class ModelForm(_Harmonized, forms.ModelForm):  # type: ignore[type-arg]
    pass


class Versioned(_FormBase):
    """A form editing one record: ``version`` is the record's version when the page was drawn.

    The view passes ``version=record.version`` (a ModelForm takes its instance's); the service gets
    ``cleaned_data["version"]`` and refuses the save if the record has changed since
    (``core.versioning``). After such a refusal the view calls ``take_version(current)``: the user's
    input stays on the form, and saving again (once they have looked at the other change) applies it.
    """

    version_field_name = "version"

    def __init__(self, *args: Any, version: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if version is None and instance is not None and instance.pk:
            version = instance.version
        if version is not None:
            self.fields[self.version_field_name].initial = version

    def take_version(self, current: int) -> None:
        if self.is_bound:
            # A bound form's data is a QueryDict (copy() is mutable); the stubs type it as a Mapping.
            data = self.data.copy()  # type: ignore[attr-defined]
            data[self.add_prefix(self.version_field_name)] = str(current)
            self.data = data


class VersionedForm(Versioned, Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class VersionedModelForm(Versioned, ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class RecordDateField(forms.DateField):
    """The date of something that happened (a meeting held, a join, a transfer): not before the
    party's founding (or ``earliest``), not after today unless ``future=True``."""

    widget = DateInput

    def __init__(self, *, future: bool = False, earliest: date = PARTY_FOUNDED, **kwargs: Any) -> None:
        self.future, self.earliest = future, earliest
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        try:
            check_record_date(value, str(self.label or "日期"), future=self.future, earliest=self.earliest)
        except RecordDateError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class PhoneField(forms.CharField):
    """A mainland mobile or a landline with its area code (``core.phones``); the cleaned number."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", "联系电话")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return clean_phone(text, label=str(self.label), required=self.required)
        except PhoneError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


def error_summary(form: forms.BaseForm) -> str:
    """Every error of a form in one line for a page message, each under its field's name (a length
    or date limit already names it; Django's "这个字段是必填项。" does not)."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label or name) if field is not None else ""
        for message in errors:
            text = str(message)  # ErrorList hands out each message as text
            parts.append(text if not label or label in text else f"{label}：{text}")
    return "；".join(parts)


def limit_choices(field: forms.Field, queryset: QuerySet[Any]) -> None:
    """Offer only ``queryset`` (scoped) in a model choice field a ModelForm made from a foreign key
    (typed as a plain ``Field`` in ``form.fields``)."""
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{field!r} is not a model choice field")
    field.queryset = queryset


def choice_field(field: forms.Field) -> forms.ChoiceField:
    """``form.fields[name]`` as the choice field it is (``form.fields`` types every field as ``Field``)."""
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{field!r} is not a choice field")
    return field


def model_choice_field(field: forms.Field) -> forms.ModelChoiceField[Any]:
    """``form.fields[name]`` as the model choice field it is."""
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{field!r} is not a model choice field")
    return field


def choices_of(field: forms.ChoiceField) -> list[Any]:
    """A choice field's choices as Django keeps them: normalized to a list of pairs (the stubs give
    the getter the setter's wider type)."""
    return list(field.choices)  # type: ignore[arg-type]
