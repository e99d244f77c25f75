"""The client address of a request: the peer, or what a trusted reverse proxy says.

``X-Forwarded-For`` is believed only when the peer is one of ``KEFU_TRUSTED_PROXIES``
(comma-separated CIDRs, empty by default): walking the header from the right, the first
address that is not a trusted proxy is the client. Anything else could be forged by the
client itself. Shared by the rate limits and whatever else keys on the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from aiohttp import web

from bot.gateway import keys

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "1.2.3.4:5678"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             networks: tuple[Network, ...]) -> bool:
    return any(address in net for net in networks)


def client_address(peer: str | None, forwarded_for: list[str],
                   trusted: tuple[str, ...]) -> str:
    """The client of a connection from ``peer`` carrying these ``X-Forwarded-For`` header
    values, when ``trusted`` CIDRs are the proxies allowed to say so."""
    address = _address(peer or "")
    if address is None:
        return peer or UNKNOWN  # a Unix socket: nothing better to go on
    networks = _networks(tuple(trusted))
    if not networks or not _trusted(address, networks):
        return str(address)
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        hop_address = _address(hop)
        if hop_address is None:
            break  # garbage from further left is the client's own writing
        address = hop_address
        if not _trusted(address, networks):
            return str(address)
    return str(address)


def client_ip(request: web.Request) -> str:
    """The client address of ``request`` (see the module docstring)."""
    settings = request.config_dict[keys.SETTINGS]
    return client_address(request.remote, request.headers.getall("X-Forwarded-For", []),
                          settings.trusted_proxies)
