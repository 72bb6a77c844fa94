"""Forms of the checklists pages. Orgs and people are chosen with the one picker (core.pickers): the user
types a name, the field accepts only what the actor may pick."""

from __future__ import annotations

from django import forms

from dangjian.core import forms as core_forms
from dangjian.core.forms import RecordDateField, choice_field
from dangjian.core.pickers import OrgsField, PersonField
from dangjian.orgs.models import Kind

from .models import ALL_EVIDENCE_KINDS, Category, EvidenceKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OWNER_KINDS = [(k.value, k.label) for k in Kind if k not in (Kind.ZONE,)]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class TaskForm(core_forms.Form):
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    title = forms.CharField(label="任务", max_length=200)
    description = forms.CharField(label="工作要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start_on = forms.DateField(label="开始日期", widget=DATE)
    due_on = forms.DateField(label="完成时限", widget=DATE)
    evidence_required = forms.CharField(label="佐证材料要求", max_length=300, required=False)
    evidence_kinds = forms.MultipleChoiceField(
        label="可提交的佐证类型",
        choices=EvidenceKind.choices,
        initial=ALL_EVIDENCE_KINDS,
        widget=forms.CheckboxSelectMultiple,
    )
    owner_kinds = forms.MultipleChoiceField(
        label="按类型分配（该类型的全部党支部）",
        choices=OWNER_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    responsible = PersonField(label="责任人", required=False)
    owners = OrgsField(
        label="责任单位", source="orgs.grassroots", capability="checklists.manage", required=False
    )
    responsible_name = forms.CharField(label="责任人（不在名册中时填写）", max_length=50, required=False)
    m1_title = forms.CharField(label="节点一", max_length=100, required=False)
    m1_due = forms.DateField(label="节点一时限", required=False, widget=DATE)
    m2_title = forms.CharField(label="节点二", max_length=100, required=False)
    m2_due = forms.DateField(label="节点二时限", required=False, widget=DATE)
    publish = forms.BooleanField(label="保存后立即发布", required=False)

    def __init__(self, *args, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:
            for name in ("owners", "owner_kinds", "m1_title", "m1_due", "m2_title", "m2_due", "publish"):
                del self.fields[name]
        _style(self)

    def clean(self):
        data = super().clean()
        for i in (1, 2):
            title, due = data.get(f"m{i}_title"), data.get(f"m{i}_due")
            if bool(title) != bool(due):
                self.add_error(f"m{i}_due", "节点名称和时限需同时填写。")
        return data

    def milestones(self):
        from .services import MilestoneIn

        out = []
        for i in (1, 2):
            title, due = self.cleaned_data.get(f"m{i}_title"), self.cleaned_data.get(f"m{i}_due")
            if title and due:
                out.append(MilestoneIn(title, due))
        return out


class ReportForm(core_forms.Form):
    text = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 4}))
    milestone = forms.TypedChoiceField(label="对应节点", required=False, coerce=int, empty_value=None)
    final = forms.BooleanField(label="任务已全部完成，申请销号", required=False)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")]
        if task is not None:
            choices += [(m.pk, str(m)) for m in task.milestones.all()]
        choice_field(self.fields["milestone"]).choices = choices
        _style(self)


class ReviewForm(core_forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "通过"), ("return", "退回")])
    note = forms.CharField(label="审核意见", max_length=300, required=False)


class VisitForm(core_forms.Form):
    planned_on = forms.DateField(label="计划日期", widget=DATE)
    topic = forms.CharField(label="督导内容", max_length=200)
    visitors = forms.CharField(label="督导人员", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class RecordVisitForm(core_forms.Form):
    visited_on = RecordDateField(label="督导日期", widget=DATE)
    visitors = forms.CharField(label="督导人员", max_length=200, required=False)
    summary = forms.CharField(label="督导情况", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ProblemForm(core_forms.Form):
    description = forms.CharField(label="发现的问题", max_length=300)
    rectify_by = forms.DateField(label="整改时限", widget=DATE)
    responsible_name = forms.CharField(label="整改责任人", max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CloseProblemForm(core_forms.Form):
    rectified_on = RecordDateField(label="整改完成日期", widget=DATE)
    rectification = forms.CharField(label="整改情况", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class LedgerEntryForm(core_forms.Form):
    name = forms.CharField(label="台账名称", max_length=50)
    source = forms.ChoiceField(label="数据来源", required=False)
    order = forms.IntegerField(label="排序", min_value=0, initial=0)
    active = forms.BooleanField(label="在用", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        from dangjian.core.ledgers import all_ledgers

        super().__init__(*args, **kwargs)
        choice_field(self.fields["source"]).choices = [("", "按名称自动匹配")] + [
            (item.key, f"{item.name}（{item.description}）" if item.description else item.name)
            for item in all_ledgers()
        ]
        _style(self)
