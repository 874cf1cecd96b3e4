"""Where webhooks may go: http(s) URLs whose addresses are public, or inside WEBHOOK_ALLOWED_NETWORKS.

The check is made on the addresses the name resolves to at send time, and the request is then sent to
that checked address (no second lookup an attacker's DNS could answer differently).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(Exception):
    """The URL may not be called; `reason` is a message key."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.reason, self.params = reason, params


def parse_networks(text: str) -> list[IPNetwork]:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()]


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str

    def pinned_url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def check_syntax(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("field.url_invalid") from exc
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("field.url_scheme")
    if not parts.hostname or parts.username or parts.password:
        raise TargetRefused("field.url_invalid")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def _public(address: IPAddress) -> bool:
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve(url: str, allowed: list[IPNetwork]) -> Target:
    """The address to send to, after checking every address the host resolves to."""
    scheme, host, port, path = check_syntax(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused("field.url_unresolvable", host=host) from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise TargetRefused("field.url_unresolvable", host=host)
    for address in addresses:
        if not _public(address) and not any(address in network for network in allowed):
            raise TargetRefused("field.url_private", address=str(address))
    return Target(scheme, host, port, path, str(addresses[0]))
