"""The client's address: ``REMOTE_ADDR``, or ``X-Forwarded-For`` only when the request came through a
proxy listed in ``DANGJIAN_TRUSTED_PROXIES`` (addresses or networks). Anyone can send the header, so it
is believed only from our own load balancer."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(value: str) -> _Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: _Address, networks: tuple[_Network, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_ip(request: HttpRequest) -> str:
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return ""
    networks = _networks(tuple(getattr(settings, "DANGJIAN_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    # Walk the chain from the nearest hop: the first address that is not one of our proxies is the client.
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        if not _trusted(address, networks):
            return str(address)
    return str(remote)
