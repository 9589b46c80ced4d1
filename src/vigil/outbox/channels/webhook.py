"""Alert webhooks, signed as the Standard Webhooks specification says
(https://www.standardwebhooks.com), so receivers verify them with an existing library.

Each attempt is a POST of the JSON payload with three headers:
- ``webhook-id``: the delivery's idempotency key, the same on every retry: receivers drop a
  duplicate by remembering the ids they have seen;
- ``webhook-timestamp``: the attempt's time (seconds since the epoch): receivers refuse a
  message older than their replay window (``standardwebhooks`` allows 5 minutes), which is
  why the signature is made afresh for every attempt;
- ``webhook-signature``: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` with the
  contact's ``whsec_…`` secret.

2xx means delivered. Timeouts, a closed connection, 5xx, 408, 425 and 429 are retried; any
other answer (a 404, a 410, a redirect) is a permanent failure that someone must look at.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from vigil.core.config import Environment, Settings
from vigil.outbox.channels import DeliveryFailed, Outgoing

RETRYABLE_STATUS = {408, 425, 429}


#: Blocks that are not on the public internet but that ``is_global`` of Python before 3.12.4
#: misses (CVE-2024-4032): IETF protocol assignments (192.0.0.0/24) and local-use NAT64
#: (RFC 8215).
NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("64:ff9b:1::/48"))
#: NAT64 (RFC 6052): the last 32 bits are the IPv4 address the gateway connects to.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and leads to: IPv4-mapped (``::ffff:a.b.c.d``),
    IPv4-compatible (``::a.b.c.d``), NAT64 (``64:ff9b::a.b.c.d``) or 6to4 (``2002:AABB:CCDD::``).
    Such an address reaches whatever its IPv4 address reaches, e.g. ``64:ff9b::a9fe:a9fe`` the
    cloud metadata service at 169.254.169.254, so that IPv4 address is what must be public."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or int(ip) >> 32 == 0:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def not_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True unless ``ip``, and the IPv4 address it embeds if any, are globally reachable.
    ``not is_global``, not ``is_private``: shared address space (100.64.0.0/10, carrier-grade
    NAT), reserved and documentation blocks are neither private nor public."""
    if not ip.is_global or any(ip in block for block in NOT_GLOBAL):
        return True
    inner = embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    return inner is not None and not_public(inner)


def private_address(host: str) -> bool:
    """True when ``host`` is, or resolves to, an address that is not on the public internet
    (loopback, private, link-local, shared, reserved, or an IPv6 form of one of those): in
    production a contact's webhook must not make the worker call into the deployment's own
    network. (A name that resolves differently later is not covered: a firewall rule for the
    worker is the real guard.)"""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # unresolvable: the request itself fails and is retried
    return any(not_public(ipaddress.ip_address(info[4][0])) for info in infos)


USER_AGENT = "Vigil-Webhooks/1"


def payload_body(outgoing: Outgoing) -> str:
    """The JSON body: the composed payload, or a minimal one built from the message."""
    payload = outgoing.content.get("payload") or {
        "type": f"alert.{outgoing.purpose}",
        "data": {
            "subject": outgoing.content.get("subject"),
            "text": outgoing.content.get("text"),
            "language": outgoing.language,
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signed_headers(secret: str, msg_id: str, now: datetime, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
    }


class WebhookChannel:
    """One HTTP client (connection pool) for a batch; redirects are not followed."""

    def __init__(self, settings: Settings) -> None:
        self.production = settings.env is Environment.production
        self.timeout = settings.webhook_timeout_seconds
        self._client: httpx.Client | None = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout, follow_redirects=False, headers={"accept": "*/*"}
            )
        return self._client

    def send(self, outgoing: Outgoing, *, now: datetime) -> None:
        url = urlsplit(outgoing.address)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise DeliveryFailed("the webhook URL is not an http(s) URL", permanent=True)
        if url.scheme == "http" and self.production:
            raise DeliveryFailed("webhooks must use https in production", permanent=True)
        if self.production and private_address(url.hostname):
            raise DeliveryFailed(
                "the webhook address is on a private network (refused in production)",
                permanent=True,
            )
        if not outgoing.webhook_secret:
            raise DeliveryFailed("the contact has no webhook secret", permanent=True)
        body = payload_body(outgoing)
        try:
            headers = signed_headers(outgoing.webhook_secret, outgoing.idempotency_key, now, body)
        except Exception:  # a malformed secret: say so, never print it
            raise DeliveryFailed(
                "the contact's webhook secret is malformed", permanent=True
            ) from None
        try:
            # Streamed and not read: only the status matters, whatever the receiver sends.
            with self._http().stream(
                "POST", outgoing.address, content=body.encode(), headers=headers
            ) as response:
                status, phrase = response.status_code, response.reason_phrase
        except httpx.TimeoutException:
            raise DeliveryFailed(f"timed out after {self.timeout:g} s") from None
        except httpx.RemoteProtocolError:
            raise DeliveryFailed("the connection was closed without a response") from None
        except httpx.ConnectError:
            raise DeliveryFailed("connection refused or host unreachable") from None
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"HTTP error: {type(error).__name__}") from None
        if 200 <= status < 300:
            return
        reason = f"HTTP {status} {phrase}".strip()
        permanent = status < 500 and status not in RETRYABLE_STATUS
        raise DeliveryFailed(reason, permanent=permanent)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
