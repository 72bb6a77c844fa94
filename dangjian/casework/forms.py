"""Forms for casework pages. Organizations and people are chosen with pickers (see pickers.py)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core import forms as core_forms
from dangjian.core.forms import RecordDateField, choice_field, limit_choices
from dangjian.core.pickers import OrgField, PersonField, PickField, PickMultipleField

from .models import Category, DayKind, OutputKind, Satisfaction, Source, TargetReason, VisiteeKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(core_forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not isinstance(field, PickField | PickMultipleField):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")


class RequestForm(StyledForm):
    org = OrgField(label="承办组织", capability="casework.edit")
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.none())
    source = forms.ChoiceField(label="来源", choices=[c for c in Source.choices if c[0] != Source.PUBLIC])
    description = forms.CharField(label="诉求内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    person = PersonField(capability="casework.view", label="提出人（本辖区居民）", required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    place = forms.CharField(label="地点", max_length=200, required=False)

    def __init__(self, *args, zone_path: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["category"], Category.objects.filter(zone__path=zone_path, active=True))


class TransferForm(StyledForm):
    to_org = OrgField(label="转办给", source="orgs.zone", capability="casework.edit")
    note = forms.CharField(label="转办说明", max_length=500, required=False)


class NoteForm(StyledForm):
    note = forms.CharField(label="办理记录", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(StyledForm):
    reply = forms.CharField(
        label="答复（群众凭查询码可见）", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(StyledForm):
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices, widget=forms.RadioSelect)
    feedback = forms.CharField(label="回访意见", max_length=500, required=False)


class VisitForm(StyledForm):
    org = OrgField(label="组织", capability="casework.edit")
    date = RecordDateField(label="走访日期", widget=DATE, initial=timezone.localdate)
    visitor_person = PersonField(capability="casework.view", label="走访人", required=False)
    visitor = forms.CharField(label="走访人（不在名册时填写姓名）", max_length=100, required=False)
    person = PersonField(capability="casework.view", label="走访对象", required=False)
    visitee = forms.CharField(label="走访对象（不在名册时填写姓名）", max_length=100, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    target = forms.TypedChoiceField(label="重点帮扶对象", required=False, coerce=int, empty_value=None)
    raised = forms.CharField(
        label="反映事项", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self.fields["target"]).choices = [("", "（不是帮扶对象）")] + [
            (t.pk, f"{t.name}（{t.get_reason_display()}）") for t in targets
        ]


class TargetForm(StyledForm):
    org = OrgField(label="村/社区", capability="casework.edit")
    person = PersonField(capability="casework.view", label="人员", required=False)
    name = forms.CharField(label="姓名（不在名册时填写）", max_length=50, required=False)
    reason = forms.ChoiceField(label="帮扶原因", choices=TargetReason.choices)
    detail = forms.CharField(label="具体情况", max_length=200, required=False)
    marked_on = forms.DateField(label="确定日期", widget=DATE, initial=timezone.localdate)


class ThemeForm(StyledForm):
    org = OrgField(label="牵头组织", capability="casework.edit")
    title = forms.CharField(label="课题名称", max_length=200)
    lead = forms.CharField(label="牵头领导", max_length=50, required=False)


class ResearchVisitForm(StyledForm):
    org = OrgField(label="走访组织", capability="casework.edit")
    date = forms.DateField(label="日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=200, required=False)
    visitors = forms.CharField(label="走访人", max_length=200)
    visitee_kind = forms.ChoiceField(label="走访对象类别", choices=VisiteeKind.choices)
    visitee = forms.CharField(label="走访对象（个人或座谈对象）", max_length=200)
    people_count = forms.IntegerField(label="人数", min_value=1, initial=1)
    notes = forms.CharField(label="调研情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProblemForm(StyledForm):
    visit = forms.TypedChoiceField(label="调研走访", coerce=int)
    description = forms.CharField(
        label="发现的问题", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    solved_on_site = forms.BooleanField(label="现场解决", required=False)
    solution = forms.CharField(label="解决情况", max_length=2000, required=False)
    hand_on_to = forms.ModelChoiceField(
        label="未现场解决的，转为诉求（类别）", queryset=Category.objects.none(), required=False
    )

    def __init__(self, *args, visits=(), zone_path: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self.fields["visit"]).choices = [
            (v.pk, f"{v.date:%Y-%m-%d} {v.visitee}") for v in visits
        ]
        limit_choices(self.fields["hand_on_to"], Category.objects.filter(zone__path=zone_path, active=True))


class OutputForm(StyledForm):
    kind = forms.ChoiceField(label="类别", choices=OutputKind.choices)
    title = forms.CharField(label="名称", max_length=200)
    date = forms.DateField(label="日期", widget=DATE)
    summary = forms.CharField(label="内容摘要", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CategoryForm(StyledForm):
    name = forms.CharField(label="类别名称", max_length=50)
    deadline_days = forms.IntegerField(label="办理时限（工作日）", min_value=1, max_value=90)
    active = forms.BooleanField(label="在用", required=False, initial=True)


class CalendarDayForm(StyledForm):
    day = forms.DateField(label="日期", widget=DATE)
    kind = forms.ChoiceField(
        label="类别", choices=[("", "恢复为正常周历")] + list(DayKind.choices), required=False
    )
    name = forms.CharField(label="名称", max_length=30, required=False)


class PublicRequestForm(core_forms.Form):
    """The resident's form: no account, no picker, every field checked again by the service."""

    category = forms.ChoiceField(label="诉求类别")
    description = forms.CharField(
        label="诉求内容", max_length=1000, widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"})
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "tel"}),
    )
    name = forms.CharField(
        label="姓名（选填）",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    place = forms.CharField(
        label="地点（选填）",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    # A field people never see (hidden by CSS); scripts that fill every field fill it.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self.fields["category"]).choices = [("", "请选择")] + [
            (c.code, c.name) for c in categories
        ]
        self.fields["category"].widget.attrs["class"] = "form-select"


class PublicLookupForm(core_forms.Form):
    tracking_code = forms.CharField(
        label="查询码",
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    phone_last4 = forms.CharField(
        label="手机号后四位",
        max_length=4,
        min_length=4,
        widget=forms.TextInput(
            attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
