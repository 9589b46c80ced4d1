"""Who the client is, for throttling only: an opaque keyed hash, never an address.

Behind a reverse proxy every request comes from the proxy, so per-client limits would count
everybody together (20 failed sign-ins from one attacker paused all staff). The proxy's
``X-Forwarded-For`` names the real client, but anyone can send that header, so it is believed
only when the direct peer is one of ``VIGIL_TRUSTED_PROXIES``, and then read from the right:
each trusted proxy appends the address it saw, so the right-most address that is not a trusted
proxy is the first one no client could have forged. IPv6 clients are counted per /64, the
block one subscriber usually gets (otherwise each guess could come from a fresh address).
"""

from __future__ import annotations

import ipaddress

from fastapi import Request

from vigil.core.config import IPNetwork
from vigil.core.security import keyed_digest


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: tuple[IPNetwork, ...]) -> bool:
    address = _parse(text)
    return address is not None and any(address in network for network in networks)


def client_address(request: Request) -> str:
    """The client's address as the trusted proxies saw it (kept in memory only)."""
    peer = request.client.host if request.client else "unknown"
    networks = request.app.state.settings.trusted_proxy_networks
    if not _trusted(peer, networks):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer  # every hop is a trusted proxy: the first one asked


def _grouped(address: str) -> str:
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return address


def client_key(request: Request) -> str:
    """An opaque per-client value for throttling: the address is hashed at once, never kept."""
    secret = request.app.state.settings.secret
    return keyed_digest(secret, "client", _grouped(client_address(request)))
