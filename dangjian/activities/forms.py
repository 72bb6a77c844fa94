from django import forms

from dangjian.orgs.models import Org

from .models import Activity, ComplianceRule, Lecturer, ThemeCategory, TrainingBase
from .services import EDITABLE_FIELDS

FORM_FIELDS = [f for f in EDITABLE_FIELDS]


class ActivityForm(forms.ModelForm):
    participant_codes = forms.CharField(
        label="参与组织代码",
        required=False,
        help_text="全区性活动填写参与的下级组织代码，用逗号分隔。",
        widget=forms.Textarea(attrs={"rows": 2}),
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
        self.fields["theme_category"].queryset = ThemeCategory.objects.filter(
            zone__path=zone_path, active=True
        )
        self.fields["lecturer"].queryset = Lecturer.objects.filter(
            zone__path=zone_path, listed_to__isnull=True
        )
        self.fields["training_base"].queryset = TrainingBase.objects.filter(zone__path=zone_path)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def codes(self) -> list[str]:
        raw = self.cleaned_data.get("participant_codes", "")
        return [c.strip().upper() for c in raw.replace("，", ",").split(",") if c.strip()]


class RuleForm(forms.ModelForm):
    class Meta:
        model = ComplianceRule
        fields = ["kind", "period", "min_count", "valid_from"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PhotoForm(forms.Form):
    image = forms.FileField(label="照片")
    caption = forms.CharField(label="说明", max_length=100, required=False)
