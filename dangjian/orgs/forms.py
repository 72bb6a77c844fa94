from django import forms
from django.contrib.auth import get_user_model

from dangjian.core import forms as core_forms
from dangjian.core.forms import RecordDateField, limit_choices
from dangjian.core.pickers import OrgField, OrgsField

from .models import CommitteeTerm, Org, Post

DATE = forms.DateInput(attrs={"type": "date"})


class OrgForm(core_forms.ModelForm):
    class Meta:
        model = Org
        fields = [
            "code",
            "name",
            "short_name",
            "level",
            "kind",
            "address",
            "founded_on",
            "brand",
            "term_years",
            "active",
        ]
        widgets = {"founded_on": DATE}


class OrgEditForm(core_forms.Versioned, OrgForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta(OrgForm.Meta):
        fields = [f for f in OrgForm.Meta.fields if f != "code"]


class MoveForm(core_forms.Form):
    target = OrgField(
        label="移到（新的上级组织）", capability="orgs.edit", placeholder="新的上级组织：输入名称"
    )


class TermForm(core_forms.ModelForm):
    class Meta:
        model = CommitteeTerm
        fields = ["elected_on", "term_years", "note"]
        widgets = {"elected_on": DATE}


class PostForm(core_forms.Form):
    post = forms.ChoiceField(label="职务", choices=Post.choices)
    holder_name = forms.CharField(label="姓名", max_length=50)
    started_on = RecordDateField(label="任职日期", required=False, widget=DATE)


class LiaisonGroupForm(core_forms.Form):
    name = forms.CharField(label="名称", max_length=50)
    leader_name = forms.CharField(label="组长", max_length=50, required=False)
    orgs = OrgsField(label="联系组织（可选多个）", capability="orgs.edit", required=False)
    members = forms.ModelMultipleChoiceField(
        label="组员账号", queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            limit_choices(self.fields["members"], users)
