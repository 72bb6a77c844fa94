from django import forms
from django.contrib.auth.forms import AuthenticationForm

from dangjian.core import forms as core_forms
from dangjian.core.pickers import OrgField

from .models import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账号已停用。",
    }


class UserCreateForm(core_forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50, required=False)
    phone = forms.CharField(label="电话", max_length=20, required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, strip=False)
    org = OrgField(label="所属组织", capability="accounts.manage")


class GrantForm(core_forms.Form):
    role = forms.ModelChoiceField(label="角色", queryset=Role.objects.all())
    org = OrgField(label="组织", capability="accounts.manage")
    subtree = forms.BooleanField(label="含下级组织", required=False, initial=True)
    valid_from = forms.DateField(
        label="生效日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label="失效日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
