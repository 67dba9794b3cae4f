"""Where a webhook may be delivered: public addresses only, checked when subscribing and at every delivery.

The host is resolved once per check and the delivery connects to an address that passed (the Host
header and TLS name stay the original), so a name that later resolves elsewhere (DNS rebinding)
cannot reach an internal service. Loopback, private, link-local, shared (100.64/10), multicast,
reserved and unspecified ranges are refused, in IPv4 and IPv6, including IPv4-mapped forms.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from services.common.errors import Unprocessable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    pass


def public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(url: str, *, allow_private: bool) -> tuple[str, str]:
    """(a checked address to connect to, the original host name) or TargetRefused."""
    parts = urlsplit(url)
    if parts.hostname is None:
        raise TargetRefused("no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused("the host does not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or (not allow_private and not all(public(a) for a in addresses)):
        raise TargetRefused("the host is not a public address")
    return str(addresses[0]), parts.hostname


async def check_subscription(url: str, *, allow_private: bool) -> None:
    try:
        await resolve(url, allow_private=allow_private)
    except TargetRefused as exc:
        raise Unprocessable.field("url", str(exc), f"Webhooks are delivered to public addresses only: {exc}") from None


def pinned(url: str, address: str) -> str:
    """The URL with its host replaced by the checked address (IPv6 in brackets)."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = host + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
