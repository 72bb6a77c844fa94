"""The form base every page builds on (issue 9, points 1, 3 and 8): ISO dates, named length limits,
long texts checked with the text kept, record dates bounded, phones checked; Django's refusals in Chinese."""

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
import time_machine
from django import forms
from django.utils import translation

import dangjian
from dangjian.core import forms as core_forms
from dangjian.core.dates import PARTY_FOUNDED, RecordDateError, check_record_date
from dangjian.core.phones import PhoneError, clean_phone


def _platform_form_classes():
    for info in pkgutil.walk_packages(dangjian.__path__, "dangjian."):
        if ".tests" in info.name or ".migrations" in info.name or ".management" in info.name:
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name and issubclass(cls, forms.BaseForm):
                yield cls


# Login forms come from django.contrib.auth and hold no dates or long texts.
NOT_OURS = {"LoginForm"}


def test_every_form_of_the_platform_builds_on_the_core_base():
    strays = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in _platform_form_classes()
        if cls.__name__ not in NOT_OURS and not issubclass(cls, core_forms.Form | core_forms.ModelForm)
    ]
    assert strays == []


def test_any_date_widget_renders_iso_in_chinese():
    with translation.override("zh-hans"):
        assert forms.DateInput().format_value(date(2023, 7, 1)) == "2023-07-01"
        assert core_forms.DateInput().format_value(date(2023, 7, 1)) == "2023-07-01"
        # What people type in the Chinese way is still understood.
        assert forms.DateField().clean("2023/7/1") == date(2023, 7, 1)


class Minutes(core_forms.Form):
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label="主题", max_length=10)
    minutes = forms.CharField(label="会议记录", widget=forms.Textarea, required=False)


def test_a_date_field_of_a_form_renders_as_an_iso_date_input():
    with translation.override("zh-hans"):
        html = str(Minutes(initial={"held_on": date(2023, 7, 1)})["held_on"])
    assert 'type="date"' in html and 'value="2023-07-01"' in html


def test_a_length_limit_names_the_field_and_the_limit():
    form = Minutes({"held_on": "2023-07-01", "title": "很长" * 6})
    assert not form.is_valid()
    assert form.errors["title"] == ["主题最多10个字，现有12个，请删减后再保存。"]


def test_a_long_text_over_the_limit_is_refused_by_name_and_kept(settings):
    settings.LONG_TEXT_MAX_CHARS = 1000
    text = "会" * 1001
    form = Minutes({"held_on": "2023-07-01", "title": "支委会", "minutes": text})
    assert not form.is_valid()
    assert "会议记录最多1000个字" in form.errors["minutes"][0]
    assert text in str(form["minutes"])  # the text is on the form to shorten, not lost
    assert "maxlength" not in str(form["minutes"])  # the browser would cut a paste short silently


def test_record_dates_are_bounded_by_the_party_and_today():
    today = date(2026, 5, 12)
    assert check_record_date(PARTY_FOUNDED, "入党日期", today=today) == PARTY_FOUNDED
    with pytest.raises(RecordDateError, match="会议日期不能早于1921年7月1日"):
        check_record_date(date(1899, 1, 1), "会议日期", today=today)
    with pytest.raises(RecordDateError, match="转入日期不能晚于今天"):
        check_record_date(date(2027, 1, 1), "转入日期", today=today)
    assert check_record_date(date(2027, 1, 1), "截止日期", today=today, future=True)
    assert check_record_date(None, "日期") is None


@time_machine.travel(date(2026, 5, 12))
def test_a_record_date_field_refuses_1899_and_next_year():
    class F(core_forms.Form):
        on = core_forms.RecordDateField(label="会议日期")

    assert F({"on": "1899-01-01"}).errors["on"] == ["会议日期不能早于1921年7月1日。"]
    assert F({"on": "2027-01-01"}).errors["on"] == ["会议日期不能晚于今天。"]
    assert F({"on": "2026-05-12"}).is_valid()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("0571-87654321", "0571-87654321"),
        ("(010)12345678", "01012345678"),
        ("+86 139-1234-5678", "13912345678"),
    ],
)
def test_phones_of_mainland_mobiles_and_landlines_are_taken(raw, clean):
    assert clean_phone(raw) == clean


@pytest.mark.parametrize(
    "raw", ["abc", "12345678901", "1391234567", "571-87654321", "0571-123", "139123456789"]
)
def test_other_phones_are_refused_by_name(raw):
    with pytest.raises(PhoneError, match="居民电话格式不正确"):
        clean_phone(raw, label="居民电话")


def test_a_phone_field_refuses_abc():
    class F(core_forms.Form):
        phone = core_forms.PhoneField(required=False)

    assert "联系电话格式不正确" in F({"phone": "abc"}).errors["phone"][0]
    assert F({"phone": ""}).is_valid()


@pytest.mark.django_db
def test_a_body_over_the_request_limit_answers_a_chinese_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/accounts/login/", {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 413
    page = response.content.decode()
    assert "提交的内容过大" in page and "Bad Request" not in page


def test_a_malformed_request_answers_a_chinese_400(client):
    response = client.get("/healthz", HTTP_HOST="bad host")
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()


def test_the_request_limit_lets_a_long_text_over_its_limit_reach_the_form():
    # A text one character over the limit, URL-encoded, still reaches the form to get its message.
    from django.conf import settings

    encoded = len("会".encode()) * 3 * (settings.LONG_TEXT_MAX_CHARS + 1)
    assert 2 * encoded <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_bare_field_gets_the_platforms_bootstrap_class_and_an_explicit_one_is_kept():
    from django import forms as dj

    from dangjian.core import forms as core_forms

    class Bare(core_forms.Form):
        code = dj.CharField()
        kind = dj.ChoiceField(choices=[("a", "甲")])
        flag = dj.BooleanField(required=False)
        own = dj.CharField(widget=dj.TextInput(attrs={"class": "mine"}))

    form = Bare()
    assert form.fields["code"].widget.attrs["class"] == "form-control form-control-sm"
    assert form.fields["kind"].widget.attrs["class"] == "form-select form-select-sm"
    assert form.fields["flag"].widget.attrs["class"] == "form-check-input"
    assert form.fields["own"].widget.attrs["class"] == "mine"


def test_the_transfer_in_and_resident_forms_use_the_shared_layout_not_djangos_bare_divs(admin_client):
    from django.urls import reverse

    for name in ("people:transfers", "people:households"):
        page = admin_client.get(reverse(name)).content.decode()
        assert 'class="form-label small mb-0"' in page, name
        assert 'class="form-control form-control-sm"' in page, name
