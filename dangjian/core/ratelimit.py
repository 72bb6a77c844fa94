"""Fixed-window rate limits kept in the cache (Redis when several app servers share the load).

``hit(scope, ident, limit, window)`` counts one attempt and answers whether it is still allowed.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, ident: str, window: int) -> str:
    slot = int(time.time()) // window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"dangjian:rl:{scope}:{digest}:{slot}"


def hit(scope: str, ident: str, limit: int, window: int) -> bool:
    """Count one attempt; False once more than ``limit`` attempts fell in the current window."""
    if limit <= 0:
        return True
    key = _key(scope, ident, window)
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def count(scope: str, ident: str, window: int) -> int:
    """Attempts so far in the current window (without counting one)."""
    return int(cache.get(_key(scope, ident, window)) or 0)


def seconds_left(window: int) -> int:
    return window - int(time.time()) % window
