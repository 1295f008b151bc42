"""Which addresses newsmon may fetch: the pure check behind the SSRF guard, without Scrapy.

Config validation and the CLI use this; ``crawler.guard`` applies it inside Scrapy (every
request and redirect, and the address actually connected to).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.errors import CrawlError

if TYPE_CHECKING:
    from typing import Self

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], list[str]]

ALLOWED_SCHEMES = frozenset({"http", "https"})


class AddressRefused(CrawlError):
    """A URL the guard will not fetch; ``reason`` is a short machine-friendly word."""

    def __init__(self, url: str, reason: str, detail: str) -> None:
        super().__init__(f"refused {url}: {reason} ({detail})")
        self.url = url
        self.reason = reason
        self.detail = detail


def resolve_host(host: str) -> list[str]:
    """All addresses getaddrinfo gives for a host (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]).split("%", 1)[0] for info in infos})


def address_problem(address: IPAddress) -> str | None:
    """Why an address is not a public unicast one (None when it is)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            problem = address_problem(embedded)
            return f"ipv4-embedded-{problem}" if problem else None
        if address.teredo is not None:
            return "teredo"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-global", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


@dataclass(frozen=True)
class AddressPolicy:
    """What the guard lets through beyond public addresses (from ``allow_private_networks``)."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_allow_list(cls, entries: Iterable[str]) -> Self:
        """Split an allow list into networks (CIDR or single address) and host names."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for raw in entries:
            entry = raw.strip()
            if not entry:
                raise ValueError("allow_private_networks: empty entry")
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if "/" in entry or " " in entry:
                    raise ValueError(
                        f"allow_private_networks: {raw!r} is neither a CIDR network nor a host name"
                    ) from None
                hosts.add(entry.lower().rstrip("."))
        return cls(networks=tuple(networks), hosts=frozenset(hosts))

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            candidates.append(address.ipv4_mapped)
        return any(
            a in net for a in candidates for net in self.networks if a.version == net.version
        )


def check_url(url: str, policy: AddressPolicy, resolve: Resolver = resolve_host) -> None:
    """Raise AddressRefused unless the URL is http(s) and its host resolves only to allowed addresses."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise AddressRefused(url, "bad-url", str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise AddressRefused(url, "scheme", f"scheme {scheme or '(none)'!r} is not http(s)")
    if not host:
        raise AddressRefused(url, "bad-url", "no host")
    host = host.lower().rstrip(".")
    if host in policy.hosts:
        return
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a) for a in resolve(host)]
        except (OSError, UnicodeError) as exc:
            raise AddressRefused(url, "unresolvable", f"{host}: {exc}") from None
        if not addresses:
            raise AddressRefused(url, "unresolvable", f"{host}: no addresses")
    for address in addresses:
        problem = address_problem(address)
        if problem and not policy.allows_address(address):
            raise AddressRefused(url, problem, f"{host} resolves to {address}")
