"""Telling clients apart for throttling (``web.clients``): ``X-Forwarded-For`` only from
trusted proxies, read from the right; IPv6 per /64; only a keyed hash leaves the module."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from vigil.core.config import ConfigError, Settings, load_settings
from vigil.web.clients import client_address, client_key

SECRET = "k" * 48


def request_from(peer: str, *forwarded: str, trusted: str = "") -> Request:
    settings = Settings(secret_key=SECRET, trusted_proxies=trusted)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
        "client": (peer, 50000),
        "app": SimpleNamespace(state=SimpleNamespace(settings=settings)),
    }
    return Request(scope)


def test_forwarded_for_from_an_untrusted_peer_is_ignored():
    assert client_address(request_from("192.0.2.7", "203.0.113.1")) == "192.0.2.7"
    proxy_not_listed = request_from("10.0.0.2", "203.0.113.1", trusted="10.0.0.1")
    assert client_address(proxy_not_listed) == "10.0.0.2"


def test_the_right_most_untrusted_address_is_the_client():
    trusted = "10.0.0.0/8, 2001:db8::/32"
    # The client forged an entry; its own proxy appended the real address after it.
    assert client_address(request_from("10.0.0.1", "6.6.6.6, 203.0.113.9", trusted=trusted)) == (
        "203.0.113.9"
    )
    # Two trusted proxies in a row, over two header lines.
    chained = request_from("2001:db8::5", "198.51.100.4, 10.9.9.9", "10.1.1.1", trusted=trusted)
    assert client_address(chained) == "198.51.100.4"
    # The proxy sent nothing, or only proxies: the first hop, then the peer itself.
    assert client_address(request_from("10.0.0.1", trusted=trusted)) == "10.0.0.1"
    assert client_address(request_from("10.0.0.1", "10.2.2.2", trusted=trusted)) == "10.2.2.2"


def test_the_key_is_a_keyed_hash_and_ipv6_counts_per_64():
    key = client_key(request_from("2001:db8:1:2::1"))
    assert client_key(request_from("2001:db8:1:2:ffff::9")) == key
    assert client_key(request_from("2001:db8:1:3::1")) != key
    assert client_key(request_from("::ffff:192.0.2.1")) == client_key(request_from("192.0.2.1"))
    assert client_key(request_from("192.0.2.1")) != client_key(request_from("192.0.2.2"))
    assert "2001" not in key and len(key) == 64


@pytest.mark.parametrize("value", ["10.0.0.300", "proxy.example.org", "10.0.0.0/33"])
def test_a_bad_trusted_proxy_setting_is_refused(value, tmp_path):
    with pytest.raises(ConfigError, match="VIGIL_TRUSTED_PROXIES"):
        load_settings(data_dir=tmp_path, secret_key=SECRET, trusted_proxies=value)
