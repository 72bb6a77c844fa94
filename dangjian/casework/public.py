"""What the public request page and the public API share: rate limits per client address, the lockout of
a tracking code after repeated failed look-ups, and the one answer for "not found"."""

from __future__ import annotations

from django.conf import settings

from dangjian.core import ratelimit
from dangjian.core.actors import PUBLIC
from dangjian.core.net import client_ip

from . import selectors
from .models import Request
from .services import code_digest, normalize_code

RATE_LIMITED = "操作过于频繁，请稍后再试。"
NOT_FOUND = "未找到该诉求，请核对查询码和手机号后四位。"
MAX_BODY_BYTES = 16 * 1024


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(RATE_LIMITED)
        self.retry_after = retry_after


def guard_submit(request) -> None:
    window = settings.DANGJIAN_PUBLIC_SUBMIT_WINDOW
    if not ratelimit.hit(
        "casework.submit", client_ip(request), settings.DANGJIAN_PUBLIC_SUBMIT_LIMIT, window
    ):
        raise RateLimited(ratelimit.seconds_left(window))


def guard_lookup(request) -> None:
    window = settings.DANGJIAN_PUBLIC_LOOKUP_WINDOW
    if not ratelimit.hit(
        "casework.lookup", client_ip(request), settings.DANGJIAN_PUBLIC_LOOKUP_LIMIT, window
    ):
        raise RateLimited(ratelimit.seconds_left(window))


def lookup(tracking_code: str, phone_last4: str) -> Request | None:
    """The request, or None. A code that failed too often in the window answers None even with the right
    phone, whether or not it exists, so spreading guesses over many addresses gains nothing."""
    key = code_digest(normalize_code(tracking_code)[:64])
    window, allowed = settings.DANGJIAN_PUBLIC_CODE_WINDOW, settings.DANGJIAN_PUBLIC_CODE_FAILURES
    locked = allowed > 0 and ratelimit.count("casework.code", key, window) >= allowed
    found = selectors.lookup_public_request(
        actor=PUBLIC, tracking_code=tracking_code, phone_last4=phone_last4
    )
    if found is None:
        ratelimit.hit("casework.code", key, allowed, window)
    return None if locked else found
