import time

from django.conf import settings
from django.contrib.auth import logout


class IdleTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT_MINUTES without a request."""

    KEY = "last_activity"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                request.idle_logged_out = True
            else:
                request.session[self.KEY] = now
        return self.get_response(request)


class LoginPolicyMiddleware:
    """After login: set up or enter the second factor where required, then change an expired password.

    Until then only the pages that do that (and logout, static files) answer; everything else
    redirects there. API calls carry tokens, not sessions, and are not affected.
    """

    ALLOWED_PREFIXES = ("/accounts/otp/", "/accounts/password/", "/accounts/logout/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect

        from .policy import has_second_factor, needs_second_factor, password_change_reason

        user = getattr(request, "user", None)
        path = request.path
        if (
            settings.LOGIN_POLICY_ENFORCED
            and user is not None
            and user.is_authenticated
            and not path.startswith("/api/")
            and not path.startswith(self.ALLOWED_PREFIXES)
        ):
            if needs_second_factor(user) and not user.is_verified():
                return redirect("accounts:otp_verify" if has_second_factor(user) else "accounts:otp_setup")
            if password_change_reason(user):
                return redirect("accounts:password_change")
        return self.get_response(request)
