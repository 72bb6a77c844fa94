"""Forms of the projects module: money typed in 元 (stored in 分), orgs and parents picked by name."""

from __future__ import annotations

from typing import Any

from django import forms

from dangjian.core import forms as core_forms
from dangjian.core.forms import RecordDateField, choice_field, choices_of, limit_choices
from dangjian.core.money import fmt_yuan, yuan_to_fen

from .models import MAX_INVESTMENT_FEN, CommandoTeam, Enterprise, Initiative, Project, ServicePlace

DATE = {"type": "date"}


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        # Django's "---------" placeholder is not a word a secretary reads as "pick one".
        if isinstance(field, forms.ModelChoiceField) and field.empty_label == "---------":
            field.empty_label = "请选择"
        elif isinstance(field, forms.ChoiceField) and field.choices:
            choices = choices_of(field)
            if choices[0] == ("", "---------"):
                field.choices = [("", "请选择"), *choices[1:]]
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        else:
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class YuanField(forms.CharField):
    """An amount in 元 with at most two decimals ("4236万" is not accepted: type 42360000)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in ("", None):
            return 0
        try:
            fen = yuan_to_fen(value)
        except ValueError as exc:
            raise forms.ValidationError(f"{exc}。请填写金额（元），例如 42360000 或 1250.50。") from None
        if fen < 0:
            raise forms.ValidationError("金额不能为负数。")
        if fen > MAX_INVESTMENT_FEN:
            raise forms.ValidationError("金额超过1万亿元，请核对单位（元）。")
        return fen


class ProjectForm(core_forms.ModelForm):
    org = OrgChoiceField(label="责任组织", queryset=None)
    parent: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label="上级项目", queryset=None, required=False, empty_label="（无，独立项目）"
    )
    investment_yuan = YuanField(label="总投资（元）", required=False)

    class Meta:
        model = Project
        fields = [
            "org",
            "name",
            "kind",
            "initiative",
            "status",
            "parent",
            "weight",
            "started_on",
            "finished_on",
            "area",
            "area_unit",
            "description",
        ]
        widgets = {
            "started_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "finished_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, orgs, parents, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["org"], orgs)
        limit_choices(self.fields["parent"], parents)
        choice_field(self.fields["initiative"]).choices = Initiative.choices
        area_unit = choice_field(self.fields["area_unit"])
        area_unit.choices = [("", "（无）"), *choices_of(area_unit)[1:]]
        if self.instance.pk:
            self.fields["investment_yuan"].initial = fmt_yuan(self.instance.investment)
        self.order_fields(["org", "name", "kind", "initiative", "status", "investment_yuan"])
        _style(self)

    def values(self) -> dict:
        data = {f: self.cleaned_data[f] for f in self.Meta.fields if f not in ("org", "parent")}
        data["investment"] = self.cleaned_data["investment_yuan"]
        return data


class ProgressForm(core_forms.Form):
    progress = forms.IntegerField(label="当前进度（%）", min_value=0, max_value=100)
    reported_on = forms.DateField(label="填报日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    milestone: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="对应节点", queryset=None, required=False, empty_label="（不对应节点）"
    )
    note = forms.CharField(
        label="进展情况", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="进度回调原因", required=False, max_length=500, help_text="进度低于上次填报时必填"
    )
    # Checked, turned upright and stripped of its location by the service (core.images).
    photo = forms.FileField(
        label="现场照片",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text="可选，JPEG或PNG格式",
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["milestone"], project.milestones.all())
        _style(self)


class MilestoneForm(core_forms.Form):
    name = forms.CharField(label="节点名称", max_length=100)
    due_on = forms.DateField(label="计划完成日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    target = forms.IntegerField(label="目标进度（%）", min_value=1, max_value=100, initial=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class TeamForm(core_forms.ModelForm):
    org = OrgChoiceField(label="所属党组织", queryset=None)
    project: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label="承担项目", queryset=None, required=False, empty_label="（暂无）"
    )

    class Meta:
        model = CommandoTeam
        fields = ["org", "name", "project", "leader", "formed_on"]
        widgets = {"formed_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d")}

    def __init__(self, *args, orgs, projects, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["org"], orgs)
        limit_choices(self.fields["project"], projects)
        _style(self)


class DeedForm(core_forms.Form):
    done_on = RecordDateField(label="日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    description = forms.CharField(label="做了什么", max_length=500)
    people_count = forms.IntegerField(label="参与人数", min_value=0, max_value=10000, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class EnterpriseForm(core_forms.ModelForm):
    org = OrgChoiceField(label="服务党组织", queryset=None)

    class Meta:
        model = Enterprise
        fields = ["org", "name", "sector", "workers", "member_workers", "joined_on", "left_on"]
        widgets = {
            "joined_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "left_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        }

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["org"], orgs)
        _style(self)


class ServiceForm(core_forms.Form):
    served_on = RecordDateField(label="服务日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    title = forms.CharField(label="服务事项", max_length=200)
    note = forms.CharField(
        label="情况", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PlaceForm(core_forms.ModelForm):
    org = OrgChoiceField(label="所属党组织", queryset=None)

    class Meta:
        model = ServicePlace
        fields = ["org", "name", "kind", "address", "opening_hours", "phone", "services", "public"]
        widgets = {"services": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["org"], orgs)
        _style(self)
