"""The second factor: TOTP through django-otp, with ten single-use recovery codes.

Enrolment shows a QR code (an SVG drawn on the server: no outside service, no inline script) of the
``otpauth://`` URL; the first code typed confirms the device and the recovery codes are shown once.
Every enrolment, reset and failed code is audited.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.core import forms as core_forms
from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.http import AuthedRequest, safe_next
from dangjian.core.scoping import authenticated, get_scoped_or_404, requires

from .models import User
from .policy import has_second_factor, needs_second_factor
from .services import AccountError, _require_manage

RECOVERY_CODES = 10


class CodeForm(core_forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control",
                "autofocus": True,
            }
        ),
    )


# ---------------------------------------------------------------- services


@transaction.atomic
def start_enrolment(*, actor: User) -> TOTPDevice:
    """An unconfirmed TOTP device for the user (reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="身份验证器", confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(*, actor: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the device with its first code; returns the recovery codes (shown once)."""
    if device.user_id != actor.pk or device.confirmed:
        raise AccountError("该验证器不可用，请重新开始绑定。", code="device")
    if not device.verify_token(code.strip()):
        log_action(actor=actor, action="accounts.otp_failed", obj=actor, data={"stage": "enrol"})
        raise AccountError("验证码不正确，请核对手机上的时间后重试。", code="bad_code")
    TOTPDevice.objects.filter(user=actor, confirmed=True).delete()  # one authenticator at a time
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    log_action(actor=actor, action="accounts.otp_enrolled", obj=actor, org=actor.home_org)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


@transaction.atomic
def reset_second_factor(*, actor: Actor, user: User) -> None:
    """An account manager removes a user's authenticator (lost phone); they enrol again at next login."""
    if getattr(actor, "pk", None) == user.pk:
        raise AccountError("不能重置自己的二次验证。", code="self")
    _require_manage(actor, user.home_org)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    log_action(
        actor=actor, action="accounts.otp_reset", obj=user, org=user.home_org, data={"user": user.username}
    )


def check_code(request: AuthedRequest, code: str) -> bool:
    """A TOTP code or an unused recovery code (single use) completes the login."""
    device = match_token(request.user, code.strip())
    if device is None:
        with transaction.atomic():
            log_action(
                actor=request.user, action="accounts.otp_failed", obj=request.user, data={"stage": "login"}
            )
        return False
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        with transaction.atomic():
            log_action(actor=request.user, action="accounts.otp_recovery_used", obj=request.user)
    return True


def qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


# ---------------------------------------------------------------- pages


@require_http_methods(["GET", "POST"])
@authenticated
def setup(request: AuthedRequest) -> HttpResponse:
    # django-otp's OTPMiddleware gives the user is_verified(); the model does not declare it.
    if has_second_factor(request.user) and not request.user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:otp_verify")
    device = start_enrolment(actor=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_enrolment(actor=request.user, device=device, code=form.cleaned_data["code"])
        except AccountError as exc:
            form.add_error("code", "；".join(exc.messages))
        else:
            otp_login(request, device)
            return render(request, "accounts/otp_codes.html", {"codes": codes})
    context = {
        "form": form,
        # The SVG is built here from our own data (the otpauth URL), never from user input.
        "qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308
        "secret": _base32(device),
        "required": needs_second_factor(request.user),
    }
    return render(request, "accounts/otp_setup.html", context)


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode().rstrip("=")


@require_http_methods(["GET", "POST"])
@authenticated
def verify(request: AuthedRequest) -> HttpResponse:
    if not has_second_factor(request.user):
        return redirect("accounts:otp_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if check_code(request, form.cleaned_data["code"]):
            return redirect(safe_next(request, "core:home"))
        form.add_error("code", "验证码不正确或恢复码已使用。")
    return render(request, "accounts/otp_verify.html", {"form": form})


@require_POST
@requires("accounts.manage")
def reset(request: AuthedRequest, user_id: int) -> HttpResponse:
    from .selectors import users_visible_to

    target = get_scoped_or_404(users_visible_to(request.user), request.user, "accounts.manage", pk=user_id)
    try:
        reset_second_factor(actor=request.user, user=target)
    except AccountError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已重置该用户的二次验证，其下次登录时需重新绑定。")
    return redirect("accounts:user", user_id=target.pk)
