from typing import Any

from django import forms

from dangjian.core import forms as core_forms
from dangjian.core.forms import choice_field

from .models import Choice

DATE = {"type": "date"}


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class PledgeForm(core_forms.Form):
    target_stars = forms.TypedChoiceField(
        label="目标星级", coerce=int, choices=[(n, f"{n}星") for n in range(5, 0, -1)]
    )
    responsible = forms.CharField(label="责任人", max_length=50)
    measures = forms.CharField(label="主要措施", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class AppealForm(core_forms.Form):
    star_name = forms.ChoiceField(label="申诉的星", choices=())
    reason = forms.CharField(label="申诉理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, stars: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields["star_name"]).choices = [(s, s) for s in stars]
        _style(self)


class NominationForm(core_forms.Form):
    nominee_name = forms.CharField(label="推荐对象", max_length=100)
    reason = forms.CharField(label="推荐理由", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class VoteForm(core_forms.Form):
    code = forms.CharField(
        label="测评码",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    choice = forms.ChoiceField(label="您的评价", choices=Choice.choices, widget=forms.RadioSelect)


class ReportForm(core_forms.Form):
    report = forms.CharField(label="述诺报告", max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    reported_on = forms.DateField(label="述诺日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    voting_closes_on = forms.DateField(
        label="测评截止日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
