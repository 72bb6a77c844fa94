from typing import Any

from django import forms

from dangjian.core import forms as core_forms
from dangjian.core.forms import limit_choices, model_choice_field
from dangjian.core.money import yuan_to_fen

from .models import Kind, Rule, Step


class YuanField(forms.CharField):
    """An amount typed in 元 ("1,234.56"), cleaned to integer 分."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return 0
        try:
            fen = yuan_to_fen(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if fen < 0:
            raise forms.ValidationError("金额不能为负数。")
        return fen


class StyledForm(core_forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class ProgrammeForm(StyledForm):
    org: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label="发放单位", empty_label=None
    )
    name = forms.CharField(label="项目名称", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=Kind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    budget_fen = YuanField(label="预算（元）", required=False)
    rule = forms.ChoiceField(label="发放条件", choices=Rule.choices)
    rule_min_age = forms.IntegerField(label="最低年龄", required=False, min_value=0, max_value=130)
    rule_age_on = forms.DateField(
        label="年龄计算日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rule_campaign: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label="评选活动（按评选结果发放时）", required=False, empty_label="——"
    )
    amount_fen = YuanField(label="每人金额（元）", required=False)
    scan_retention_days = forms.IntegerField(
        label="签领表扫描件保存天数", initial=365 * 3, min_value=30, max_value=36500
    )

    def __init__(self, *args, orgs, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["org"], orgs)
        # Django's documented hook, set per form: mypy takes the instance attribute for the bound method.
        model_choice_field(self.fields["org"]).label_from_instance = lambda o: o.name  # type: ignore[assignment]
        limit_choices(self.fields["rule_campaign"], campaigns)
        model_choice_field(self.fields["rule_campaign"]).label_from_instance = lambda c: (  # type: ignore[assignment]
            f"{c.year}年 {c.name}（{c.get_status_display()}）"
        )


class ListImportForm(StyledForm):
    file = forms.FileField(label="名单文件（xlsx/xls/ods/csv：姓名、身份证号、金额、股数、备注）")


class PlanForm(StyledForm):
    income_fen = YuanField(label="本年经营收入（元）")
    lump_sum_rent_fen = YuanField(label="一次性收取租金（元）", required=False)
    lump_sum_rent_years = forms.IntegerField(label="租金涵盖年数", min_value=1, initial=1)
    land_compensation_fen = YuanField(label="土地补偿费（元，不参与分红）", required=False)
    costs_fen = YuanField(label="本年成本费用（元）", required=False)
    undistributed_fen = YuanField(label="上年未分配余额（元）", required=False)
    losses_fen = YuanField(label="弥补亏损（元）", required=False)
    reserve_fen = YuanField(label="提取公积公益金（元）", required=False)
    by_representatives = forms.BooleanField(label="由成员代表会议决议", required=False)


class StepForm(StyledForm):
    step = forms.ChoiceField(label="环节", choices=Step.choices)
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", required=False, max_length=200)
    eligible = forms.IntegerField(label="应到人数", required=False, min_value=0)
    present = forms.IntegerField(label="实到人数", required=False, min_value=0)
    votes_for = forms.IntegerField(label="赞成票", required=False, min_value=0)


class ReasonForm(StyledForm):
    reason = forms.CharField(label="原因", max_length=200)


class SheetForm(StyledForm):
    title = forms.CharField(
        label="说明",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": "说明（可选），如：第一批签领表", "aria-label": "扫描件说明"}
        ),
    )
    file = forms.FileField(label="签领表扫描件（PDF/PNG/JPEG）")


class BankResultForm(StyledForm):
    file = forms.FileField(label="银行回盘文件（xlsx/csv）")
