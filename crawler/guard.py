"""SSRF guard: refuse URLs whose host resolves to a non-public address, unless allowed.

The crawler fetches URLs that strangers control (feed items, redirects, listing links), so
each request is checked before download: the scheme must be http(s) and every address the
host resolves to must be public, or be listed in ``allow_private_networks`` (CIDRs or host
names; the tests' local site on 127.0.0.1 is allowed that way, explicitly).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.internet.threads import deferToThread
from zope.interface import implementer

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], list[str]]

ALLOWED_SCHEMES = frozenset({"http", "https"})


class AddressRefused(IgnoreRequest):
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


class _TTLCache:
    """Host -> addresses for a short time, so a crawl does not resolve per request."""

    def __init__(self, ttl: float, resolve: Resolver) -> None:
        self.ttl = ttl
        self._resolve = resolve
        self._entries: dict[str, tuple[float, list[str]]] = {}

    def cached(self, host: str) -> list[str] | None:
        hit = self._entries.get(host)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        return None

    def __call__(self, host: str) -> list[str]:
        hit = self.cached(host)
        if hit is not None:
            return hit
        addresses = self._resolve(host)
        self._entries[host] = (time.monotonic(), addresses)
        return addresses


class AddressGuardMiddleware:
    """Scrapy downloader middleware: every request, redirect target and robots.txt fetch is checked.

    Redirects come back through here because RedirectMiddleware returns a new Request that the
    engine schedules again. Resolution runs in a thread so it never blocks the reactor.
    Settings: ``NEWSMON_GUARD_ENABLED`` (default True), ``NEWSMON_ALLOW_PRIVATE_NETWORKS``
    (list of CIDRs / host names), ``NEWSMON_GUARD_DNS_TTL`` (seconds, default 60).
    """

    def __init__(self, crawler: Crawler, policy: AddressPolicy, resolve: _TTLCache) -> None:
        self.crawler = crawler
        self.policy = policy
        self.resolve = resolve

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_GUARD_ENABLED", True):
            raise NotConfigured("address guard disabled by NEWSMON_GUARD_ENABLED")
        policy = AddressPolicy.from_allow_list(settings.getlist("NEWSMON_ALLOW_PRIVATE_NETWORKS"))
        cache = _TTLCache(settings.getfloat("NEWSMON_GUARD_DNS_TTL", 60.0), resolve_host)
        return cls(crawler, policy, cache)

    async def process_request(self, request: Request) -> None:
        try:
            if self._answer_known(request.url):
                check_url(request.url, self.policy, self.resolve)
            else:  # a DNS lookup blocks: do it off the reactor thread
                await maybe_deferred_to_future(
                    deferToThread(check_url, request.url, self.policy, self.resolve)
                )
        except AddressRefused as refused:
            self._record(refused, request)
            raise

    def _answer_known(self, url: str) -> bool:
        """True when checking needs no DNS: a bad scheme, an address literal, a cached host."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return True
        if parts.scheme.lower() not in ALLOWED_SCHEMES or not host or host in self.policy.hosts:
            return True
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            return True
        except ValueError:
            return self.resolve.cached(host) is not None

    def _record(self, refused: AddressRefused, request: Request) -> None:
        stats: Any = self.crawler.stats
        stats.inc_value("guard/refused")
        stats.inc_value(f"guard/refused/{refused.reason}")
        redirected_from = request.meta.get("redirect_urls") or []
        logger.warning(
            "address guard refused %s: %s (%s)%s",
            request.url,
            refused.reason,
            refused.detail,
            f", redirected from {redirected_from[0]}" if redirected_from else "",
        )


@implementer(IResolverSimple)
class GuardedResolver(CachingThreadedResolver):
    """Scrapy's DNS resolver, re-checking the address it connects to (defeats DNS rebinding).

    The middleware checks before download; a hostile DNS server could answer differently when
    the connection is made, so the address actually used must pass the same policy.
    """

    policy: AddressPolicy = AddressPolicy()
    enabled: bool = True

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        settings = crawler.settings
        resolver.enabled = settings.getbool("NEWSMON_GUARD_ENABLED", True)
        resolver.policy = AddressPolicy.from_allow_list(
            settings.getlist("NEWSMON_ALLOW_PRIVATE_NETWORKS")
        )
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        resolved = super().getHostByName(name, timeout)
        if self.enabled:
            resolved.addCallback(self.checked, name)
        return resolved

    def checked(self, address: str, name: str) -> str:
        """The address, if the policy allows connecting to it; else a DNS lookup error."""
        if name.lower().rstrip(".") in self.policy.hosts:
            return address
        ip = ipaddress.ip_address(address)
        problem = address_problem(ip)
        if problem and not self.policy.allows_address(ip):
            logger.warning(
                "address guard refused connecting to %s at %s: %s", name, address, problem
            )
            raise DNSLookupError(
                f"{name} resolved to {address} ({problem}); refused by the address guard"
            )
        return address
