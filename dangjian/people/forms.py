from django import forms

from .models import DuesCategory

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})


class ImportForm(forms.Form):
    org = forms.CharField(label="党支部代码", max_length=32)
    file = forms.FileField(label="花名册文件（.xlsx / .xls / .ods / .csv）")


class TransferOutForm(forms.Form):
    applied_on = forms.DateField(label="申请日期", widget=DATE)
    months_away = forms.IntegerField(label="外出时间（月）", min_value=0, max_value=240)
    to_org = forms.CharField(label="接收党支部代码（平台内）", max_length=32, required=False)
    outside_org_name = forms.CharField(label="接收组织名称（平台外）", max_length=100, required=False)
    reason = forms.CharField(label="转接原因", max_length=200, required=False)
    valid_days = forms.IntegerField(label="介绍信有效期（天）", min_value=1, max_value=365, initial=90)


class TransferInForm(forms.Form):
    to_org = forms.CharField(label="接收党支部代码", max_length=32)
    person_name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30)
    outside_org_name = forms.CharField(label="原所在组织", max_length=100)
    applied_on = forms.DateField(label="介绍信开具日期", widget=DATE)
    months_away = forms.IntegerField(label="外出时间（月）", min_value=0, initial=12)


class StepForm(forms.Form):
    on = forms.DateField(label="日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)
    hours = forms.IntegerField(label="学时", min_value=1, required=False)
    months = forms.IntegerField(label="延长月数", min_value=1, max_value=24, required=False)
    introducers = forms.CharField(
        label="入党介绍人（两名正式党员姓名，用顿号分隔）", max_length=100, required=False
    )


class ApplicationForm(forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput)
    applied_on = forms.DateField(label="递交申请日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)


class DuesPaymentForm(forms.Form):
    member_id = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.CharField(label="所属月份（YYYY-MM）", max_length=7)
    paid_on = forms.DateField(label="缴纳日期", widget=DATE)


class DuesAssessmentForm(forms.Form):
    member_id = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    category = forms.ChoiceField(label="类别", choices=DuesCategory.choices)
    monthly_income = forms.DecimalField(
        label="月税后收入（元）", min_value=0, decimal_places=2, required=False
    )


class ResidentForm(forms.Form):
    org = forms.CharField(label="村/社区组织代码", max_length=32)
    household_number = forms.CharField(label="户号", max_length=40)
    address = forms.CharField(label="地址（新户时填写）", max_length=200, required=False)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    is_shareholder = forms.BooleanField(label="集体经济组织成员（股东）", required=False)
