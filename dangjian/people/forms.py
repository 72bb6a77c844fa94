from datetime import date

from django import forms

from dangjian.core import forms as core_forms
from dangjian.core.forms import PhoneField, RecordDateField
from dangjian.core.pickers import OrgField, PersonsField

from .models import DuesCategory, MemberStatus, Sex, WaiverKind, WaiverReason

DATE = core_forms.DateInput(attrs={"class": "form-control form-control-sm"})
TEXT = forms.TextInput(attrs={"class": "form-control form-control-sm"})
SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})
CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})
# A birth date is older than any record of the party's work.
EARLIEST = date(1900, 1, 1)


class ImportForm(core_forms.Form):
    # The code is the value, so the short list's <select> (few branches) and the picker agree.
    org = OrgField(
        label="导入到党支部", source="orgs.branch", capability="members.import", to_field_name="code"
    )
    file = forms.FileField(label="花名册文件（.xlsx / .xls / .ods / .csv）")


class TransferOutForm(core_forms.Form):
    applied_on = RecordDateField(label="申请日期", widget=DATE)
    months_away = forms.IntegerField(
        label="外出时间（月）",
        min_value=0,
        max_value=240,
        help_text="6个月及以下开具临时组织关系证明：在接收支部参加组织生活，组织关系、党费和表决权仍在本支部；"
        "超过6个月转接正式组织关系。",
    )
    # The receiving branch may be outside the sender's scope: any branch of the sender's zone.
    to_org = OrgField(
        label="接收党支部（平台内，输入名称选择）",
        source="orgs.zone_branch",
        capability="members.edit",
        required=False,
    )
    outside_org_name = forms.CharField(label="接收组织名称（平台外）", max_length=100, required=False)
    reason = forms.CharField(label="转接原因", max_length=200, required=False)
    valid_days = forms.IntegerField(label="介绍信有效期（天）", min_value=1, max_value=365, initial=90)


class TransferInForm(core_forms.Form):
    to_org = OrgField(label="接收党支部", source="orgs.branch", capability="members.edit")
    person_name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30)
    outside_org_name = forms.CharField(label="原所在组织", max_length=100)
    applied_on = RecordDateField(label="介绍信开具日期", widget=DATE)
    months_away = forms.IntegerField(label="外出时间（月）", min_value=0, max_value=240, initial=12)
    status = forms.ChoiceField(label="党员状态", choices=MemberStatus.choices)
    joined_on = RecordDateField(label="入党日期", widget=DATE)
    full_on = RecordDateField(label="转正日期", widget=DATE, required=False)


class StepForm(core_forms.Form):
    step = forms.CharField(max_length=30, required=False)
    on = RecordDateField(label="日期", widget=DATE, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)
    hours = forms.IntegerField(label="学时", min_value=1, required=False)
    months = forms.IntegerField(label="延长月数", min_value=1, max_value=24, required=False)
    introducers = PersonsField(
        label="入党介绍人或培养联系人（正式党员）", capability="members.edit", required=False
    )
    meeting = forms.IntegerField(label="支部党员大会", required=False)
    votes_for = forms.IntegerField(label="赞成", min_value=0, required=False)
    votes_against = forms.IntegerField(label="反对", min_value=0, required=False)
    votes_abstain = forms.IntegerField(label="弃权", min_value=0, required=False)
    refused = forms.BooleanField(label="不合格/不予批准", required=False)
    reason = forms.CharField(label="原因", max_length=200, required=False)


class ApplicationForm(core_forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput)
    applied_on = RecordDateField(label="递交申请日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)


class DuesPaymentForm(core_forms.Form):
    member_id = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.CharField(label="所属月份（YYYY-MM）", max_length=7)
    paid_on = RecordDateField(label="缴纳日期", widget=DATE)


class DuesAssessmentForm(core_forms.Form):
    member_id = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    category = forms.ChoiceField(label="类别", choices=DuesCategory.choices)
    monthly_income = forms.DecimalField(
        label="月税后收入（元）", min_value=0, decimal_places=2, required=False
    )


class ResidentForm(core_forms.Form):
    org = OrgField(label="村/社区", capability="members.edit")
    household_number = forms.CharField(label="户号", max_length=40)
    address = forms.CharField(label="地址（新户时填写）", max_length=200, required=False)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    phone = PhoneField(label="联系电话", max_length=20, required=False)
    is_shareholder = forms.BooleanField(label="集体经济组织成员（股东）", required=False)


class PersonEditForm(core_forms.VersionedForm):
    """The person's own fields; the ID number is not edited here, the phone only when retyped."""

    name = forms.CharField(label="姓名", max_length=50, widget=TEXT)
    sex = forms.ChoiceField(label="性别", choices=[("", "—"), *Sex.choices], required=False, widget=SELECT)
    birth_date = RecordDateField(label="出生日期", required=False, widget=DATE, earliest=EARLIEST)
    ethnicity = forms.CharField(label="民族", max_length=20, required=False, widget=TEXT)
    education = forms.CharField(label="学历", max_length=20, required=False, widget=TEXT)
    work_post = forms.CharField(label="工作单位及职务", max_length=100, required=False, widget=TEXT)
    address = forms.CharField(label="住址", max_length=200, required=False, widget=TEXT)
    phone = PhoneField(label="联系电话", help_text="不修改请留空", max_length=20, required=False, widget=TEXT)

    def __init__(self, *args, derived_from_id: bool = False, masked_phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if derived_from_id:
            # Sex and birth date are read off the ID number. The birth date is not shown here at all:
            # with the county code it rebuilds the masked ID (the page shows year and month instead).
            self.fields["sex"].disabled = True
            self.fields["sex"].help_text = "由身份证号确定"
            del self.fields["birth_date"]
        if masked_phone:
            self.fields["phone"].widget.attrs["placeholder"] = masked_phone

    def clean_name(self) -> str:
        name = "".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("请填写姓名。", code="required")
        return name


class MemberEditForm(core_forms.Versioned, core_forms.Form):
    # The person's form on the same page posts ``version``; the membership's is its own.
    version_field_name = "member_version"
    member_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    status = forms.ChoiceField(label="党员状态", choices=MemberStatus.choices, widget=SELECT)
    joined_on = RecordDateField(label="入党日期", required=False, widget=DATE)
    full_on = RecordDateField(label="转正日期", required=False, widget=DATE)
    party_post = forms.CharField(label="党内职务", max_length=50, required=False, widget=TEXT)
    is_village_cadre = forms.BooleanField(label="村（社区）两委干部", required=False, widget=CHECK)
    is_floating = forms.BooleanField(label="流动党员", required=False, widget=CHECK)
    dues_category = forms.ChoiceField(label="党费类别", choices=DuesCategory.choices, widget=SELECT)

    def __init__(self, *args, birth_date: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.birth_date = birth_date

    def clean(self):
        data = super().clean()
        joined, full, status = data.get("joined_on"), data.get("full_on"), data.get("status")
        if joined and full and full < joined:
            self.add_error("full_on", "转正日期不能早于入党日期。")
        if status == MemberStatus.PROBATIONARY and full:
            self.add_error("full_on", "预备党员没有转正日期。")
        # Admission needs the age of 18 (党章第一条).
        if joined and self.birth_date:
            b = self.birth_date
            age = joined.year - b.year - ((joined.month, joined.day) < (b.month, b.day))
            if age < 18:
                self.add_error("joined_on", "入党时应年满十八岁。")
        return data


REMOVE_REASONS = ["去世", "出党", "退党", "除名", "其他"]


class RemoveMemberForm(core_forms.Form):
    left_on = RecordDateField(label="离开日期", widget=DATE)
    reason = forms.ChoiceField(label="原因", choices=[(r, r) for r in REMOVE_REASONS], widget=SELECT)
    reason_text = forms.CharField(label="说明", max_length=40, required=False, widget=TEXT)

    def clean(self):
        data = super().clean()
        reason, text = data.get("reason"), (data.get("reason_text") or "").strip()
        if reason == "其他" and not text:
            self.add_error("reason_text", "请说明原因。")
        # The service stores one short reason: the choice, or the choice and its note.
        if reason:
            data["full_reason"] = (text if reason == "其他" else f"{reason}：{text}" if text else reason)[:50]
        return data


class DuesWaiverForm(core_forms.Form):
    """免交/少交 with its approval (2008 党费规定): who approved, when, and why."""

    member_id = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="方式", choices=WaiverKind.choices, widget=SELECT)
    reason = forms.ChoiceField(label="原因", choices=WaiverReason.choices, widget=SELECT)
    from_month = forms.CharField(
        label="起始月份",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "class": "form-control form-control-sm"}),
    )
    to_month = forms.CharField(
        label="截止月份（不填为长期）",
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "class": "form-control form-control-sm"}),
    )
    monthly = forms.DecimalField(
        label="少交后每月（元）", min_value=0, decimal_places=2, required=False, widget=TEXT
    )
    approved_by = forms.CharField(label="批准组织", max_length=100, widget=TEXT)
    approved_on = RecordDateField(label="批准日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False, widget=TEXT)

    @staticmethod
    def _month(text: str, label: str) -> date | None:
        if not text:
            return None
        try:
            year, month = (int(x) for x in text.split("-")[:2])
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(f"{label}格式应为“年-月”。", code="month") from None

    def clean_from_month(self):
        return self._month(self.cleaned_data.get("from_month", ""), "起始月份")

    def clean_to_month(self):
        return self._month(self.cleaned_data.get("to_month", ""), "截止月份")


class WatchForm(core_forms.Form):
    """留党察看 (党章 Article 40): from, until (the day the rights come back), and the decision."""

    started_on = forms.DateField(label="起始日期", widget=DATE)
    until = forms.DateField(label="期满日期（自该日起恢复党员权利）", widget=DATE)
    decision = forms.CharField(label="处分决定（批准机关、文号、事由）", max_length=200, widget=TEXT)
