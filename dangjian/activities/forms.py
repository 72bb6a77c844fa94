from django import forms

from dangjian.core import forms as core_forms
from dangjian.core.forms import limit_choices
from dangjian.core.pickers import OrgsField
from dangjian.orgs.models import Org

from .models import Activity, ComplianceRule, DecisionKind, Lecturer, ThemeCategory, TrainingBase
from .services import EDITABLE_FIELDS

FORM_FIELDS = [f for f in EDITABLE_FIELDS]


class ActivityForm(core_forms.VersionedModelForm):
    participants = OrgsField(
        label="参与组织",
        capability="activities.view",
        required=False,
        help_text="全区性活动选择参与的下级组织，输入名称或拼音首字母，可选多个。",
    )

    class Meta:
        model = Activity
        fields = FORM_FIELDS
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        zone_path = org.path[: Org.steplen]
        limit_choices(
            self.fields["theme_category"], ThemeCategory.objects.filter(zone__path=zone_path, active=True)
        )
        limit_choices(
            self.fields["lecturer"], Lecturer.objects.filter(zone__path=zone_path, listed_to__isnull=True)
        )
        limit_choices(self.fields["training_base"], TrainingBase.objects.filter(zone__path=zone_path))
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class RuleForm(core_forms.ModelForm):
    class Meta:
        model = ComplianceRule
        fields = ["kind", "period", "min_count", "valid_from"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PhotoForm(core_forms.Form):
    image = forms.FileField(label="照片")
    caption = forms.CharField(label="说明", max_length=100, required=False)


class DecisionForm(core_forms.Form):
    """A vote at a 支部党员大会: what is decided, and the counts. Who could vote and who was there are
    read from the roll and the attendance, never typed."""

    kind = forms.ChoiceField(label="表决事项", choices=DecisionKind.choices)
    case = forms.IntegerField(label="发展对象或预备党员", required=False)
    subject = forms.CharField(label="其他事项内容", max_length=200, required=False)
    months = forms.IntegerField(label="延长预备期（月）", min_value=6, max_value=12, required=False)
    reason = forms.CharField(label="取消预备党员资格的原因", max_length=200, required=False)
    votes_for = forms.IntegerField(label="赞成", min_value=0)
    votes_against = forms.IntegerField(label="反对", min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label="弃权", min_value=0, initial=0)
    note = forms.CharField(label="说明（补录时填写）", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == DecisionKind.OTHER and not (data.get("subject") or "").strip():
            self.add_error("subject", "请填写表决事项的内容。")
        if kind and kind != DecisionKind.OTHER and not data.get("case"):
            self.add_error("case", "请选择表决涉及的发展对象或预备党员。")
        if kind == DecisionKind.EXTEND and not data.get("months"):
            self.add_error("months", "请填写延长预备期的月数（6至12个月）。")
        if kind == DecisionKind.CANCEL and not (data.get("reason") or "").strip():
            self.add_error("reason", "请填写取消预备党员资格的原因。")
        return data
