"""The client address: the peer unless a trusted proxy forwarded the request."""

from __future__ import annotations

from bot.gateway.client_ip import client_address
from bot.gateway.ratelimit import client_key

PROXIES = ("10.0.0.0/8", "::1")


def test_peer_is_the_client_without_trusted_proxies() -> None:
    assert client_address("203.0.113.7", ["198.51.100.1"], ()) == "203.0.113.7"
    # Only a trusted peer may say who the client is.
    assert client_address("203.0.113.7", ["198.51.100.1"], PROXIES) == "203.0.113.7"


def test_forwarded_for_from_a_trusted_proxy() -> None:
    assert client_address("10.0.0.2", ["198.51.100.1"], PROXIES) == "198.51.100.1"
    # The client may prepend anything: the rightmost untrusted hop is the client.
    assert client_address("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.9"],
                          PROXIES) == "198.51.100.1"
    assert client_address("::1", ["198.51.100.1", "10.1.1.1"], PROXIES) == "198.51.100.1"
    assert client_address("10.0.0.2", ["[2001:db8::5]:4711"], PROXIES) == "2001:db8::5"
    # Nothing usable forwarded: the proxy itself.
    assert client_address("10.0.0.2", [], PROXIES) == "10.0.0.2"
    assert client_address("10.0.0.2", ["garbage"], PROXIES) == "10.0.0.2"


def test_odd_peers() -> None:
    assert client_address(None, [], ()) == "unknown"
    assert client_address("::ffff:192.0.2.1", [], ()) == "192.0.2.1"


def test_ipv6_clients_count_per_64() -> None:
    assert client_key("2001:db8:1:2:3:4:5:6") == client_key("2001:db8:1:2:ffff::1") \
        == "2001:db8:1:2::/64"
    assert client_key("192.0.2.1") == "192.0.2.1"
