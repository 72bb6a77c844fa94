from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from dangjian.core.net import client_ip

from . import services


def _ip(request: HttpRequest | None) -> str | None:
    return (client_ip(request) or None) if request is not None else None


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    services.record_login(user=user, username=user.get_username(), success=True, ip=_ip(request))


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs):
    services.record_login(username=str(credentials.get("username", ""))[:150], success=False, ip=_ip(request))
