"""Where webhooks may go: http(s) URLs whose addresses are all globally routable (with any IPv4 address an
IPv6 one wraps), or inside WEBHOOK_ALLOWED_NETWORKS.

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


# Not globally routable, yet `is_global` says otherwise on some Python versions: multicast is refused apart
# (is_multicast), and these are special-purpose per the IANA registries.
_NOT_GLOBAL = [
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use IPv4/IPv6 translation
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the low 32 bits are an IPv4 address
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, which a packet to it may end up reaching."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client)
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _global(address: IPAddress) -> bool:
    return (
        address.is_global
        and not address.is_multicast
        and not any(address in network for network in _NOT_GLOBAL)
    )


def permitted(address: IPAddress, allowed: list[IPNetwork]) -> bool:
    """Whether webhooks may be sent to `address`: it is inside an allowed network, or it and every IPv4
    address it wraps (6to4, Teredo server and client, NAT64, IPv4-compatible) are globally routable or
    allowed. An IPv4-mapped address is its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped

    def inside(a: IPAddress) -> bool:
        return any(a in network for network in allowed)

    if inside(address):
        return True
    return all(_global(a) or inside(a) for a in (address, *_embedded(address)))


def _written_out(host: str) -> list[IPAddress]:
    """An address written out as the host, which needs no lookup (getaddrinfo, run in a thread, would
    answer it unchanged); [] for a name, and for an IPv6 address with a zone, which the lookup reads."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return []
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        return []
    return [address]


async def _lookup(host: str, port: int) -> list[IPAddress]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:  # not a name IDNA can encode (an empty or over-long label)
        raise TargetRefused("field.url_invalid") from exc
    except OSError as exc:
        raise TargetRefused("field.url_unresolvable", host=host) from exc
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def resolve(url: str, allowed: list[IPNetwork]) -> Target:
    """The address to send to, after checking every address the host resolves to."""
    scheme, host, port, path = check_syntax(url)
    addresses = _written_out(host) or await _lookup(host, port)
    if not addresses:
        raise TargetRefused("field.url_unresolvable", host=host)
    if not all(permitted(address, allowed) for address in addresses):
        # The message does not say what the name resolved to: that would let a caller map internal DNS.
        raise TargetRefused("field.url_private")
    return Target(scheme, host, port, path, str(addresses[0]))
