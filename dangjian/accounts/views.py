from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core import forms as core_forms
from dangjian.core.http import AuthedRequest
from dangjian.core.scoping import authenticated, get_scoped_or_404, public, requires

from . import services
from .forms import GrantForm, LoginForm, UserCreateForm
from .models import ApiToken, RoleAssignment
from .policy import has_second_factor, password_change_reason, password_expires_on
from .selectors import assignments_of, users_visible_to

login = public(
    auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm)
)
logout = authenticated(auth_views.LogoutView.as_view())


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@require_http_methods(["GET", "POST"])
@requires("accounts.manage")
def users(request: AuthedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"已创建用户“{user.username}”。")
            return redirect("accounts:user", user_id=user.pk)
    return render(request, "accounts/users.html", {"users": users_visible_to(request.user), "form": form})


@require_http_methods(["GET", "POST"])
@requires("accounts.manage")
def user_detail(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = get_scoped_or_404(users_visible_to(request.user), request.user, "accounts.manage", pk=user_id)
    form = GrantForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_role(
                actor=request.user,
                user=target,
                role=data["role"],
                org=data["org"],
                subtree=data["subtree"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "授权已添加。")
            return redirect("accounts:user", user_id=target.pk)
    context = {"target": target, "assignments": assignments_of(target), "form": form}
    return render(request, "accounts/user_detail.html", context)


@require_POST
@requires("accounts.manage")
def end_assignment(request: AuthedRequest, assignment_id: int) -> HttpResponse:
    assignment = get_scoped_or_404(
        RoleAssignment.objects.select_related("org", "user", "role"),
        request.user,
        "accounts.manage",
        pk=assignment_id,
    )
    services.end_role(actor=request.user, assignment=assignment)
    messages.success(request, "授权已终止。")
    return redirect("accounts:user", user_id=assignment.user_id)


# ---------------------------------------------------------------- own account: password, tokens


class PasswordChangeForm(core_forms.Form):
    old_password = forms.CharField(
        label="原密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


@require_http_methods(["GET", "POST"])
@authenticated
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("core:home")
    context = {
        "form": form,
        "reason": password_change_reason(request.user),
        "help": password_validators_help_texts()[-1] if password_validators_help_texts() else "",
    }
    return render(request, "accounts/password_change.html", context)


@require_GET
@authenticated
def me(request: AuthedRequest) -> HttpResponse:
    return _me_page(request)


def _me_page(request: AuthedRequest, new_token: str = "") -> HttpResponse:
    context = {
        "tokens": request.user.api_tokens.order_by("-created_at"),
        "expires_on": password_expires_on(request.user),
        "has_2fa": has_second_factor(request.user),
        "now": timezone.now(),
        "max_days": settings.API_TOKEN_DAYS,
        "new_token": new_token,
    }
    return render(request, "accounts/me.html", context)


@require_POST
@authenticated
def issue_own_token(request: AuthedRequest) -> HttpResponse:
    name = (request.POST.get("name") or "").strip()
    try:
        days = int(request.POST.get("days") or settings.API_TOKEN_DAYS)
    except ValueError:
        days = settings.API_TOKEN_DAYS
    if not name:
        messages.error(request, "请填写令牌用途。")
        return redirect("accounts:me")
    raw = services.issue_token(actor=request.user, user=request.user, name=name, days=max(1, days))
    # Shown once, on this response only: never stored, never put in a URL.
    return _me_page(request, new_token=raw)


@require_POST
@authenticated
def revoke_own_token(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, "令牌已吊销。")
    return redirect("accounts:me")


# ---------------------------------------------------------------- managing others' logins


@require_POST
@requires("accounts.manage")
def set_active(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = get_scoped_or_404(users_visible_to(request.user), request.user, "accounts.manage", pk=user_id)
    try:
        services.set_user_active(actor=request.user, user=target, active=request.POST.get("active") == "1")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request, "账号已启用。" if target.is_active else "账号已停用，其会话和接口令牌已失效。"
        )
    return redirect("accounts:user", user_id=target.pk)


@require_POST
@requires("accounts.manage")
def reset_password(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = get_scoped_or_404(users_visible_to(request.user), request.user, "accounts.manage", pk=user_id)
    try:
        services.reset_password(
            actor=request.user, user=target, new_password=request.POST.get("password", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "密码已重置，该用户下次登录时须修改密码。")
    return redirect("accounts:user", user_id=target.pk)
