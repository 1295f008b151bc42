"""SSRF guard: refuse URLs whose host resolves to a non-public address, unless allowed.

The crawler fetches URLs that strangers control (feed items, redirects, listing links), so
each request is checked before download: the scheme must be http(s) and every address the
host resolves to must be public, or be listed in ``allow_private_networks`` (CIDRs or host
names; the tests' local site on 127.0.0.1 is allowed that way, explicitly).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet._resolver import HostResolution, SimpleResolverComplexifier
from twisted.internet.address import IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IAddress, IHostnameResolver, IResolverSimple
from twisted.internet.threads import deferToThread
from zope.interface import implementer

from crawler.addresses import (
    ALLOWED_SCHEMES,
    AddressPolicy,
    AddressRefused,
    Resolver,
    address_problem,
    check_url,
    resolve_host,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


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
            if refused.reason == "unresolvable":  # not a refusal: the name has no address
                self.crawler.stats.inc_value("dns/failed")  # type: ignore[union-attr]
                logger.warning("DNS lookup failed for %s: %s", request.url, refused.detail)
                raise IgnoreRequest(f"DNS lookup failed: {refused.detail}") from refused
            self._record(refused, request)
            raise IgnoreRequest(f"refused by the address guard: {refused}") from refused

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


@implementer(IResolverSimple, IHostnameResolver)
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

    def install_on_reactor(self) -> None:
        """Also the reactor's name resolver, so an IPv6 literal host is connected to as IPv6."""
        super().install_on_reactor()
        me: Any = self  # zope interfaces: declared by @implementer, invisible to mypy
        self._names = SimpleResolverComplexifier(me)
        self.reactor.installNameResolver(me)

    def resolveHostName(
        self,
        receiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        """An IPv6 literal is its own address (checked); names go through ``getHostByName``."""
        literal = hostName.strip("[]")
        if ":" not in literal:
            return self._names.resolveHostName(
                receiver, hostName, portNumber, addressTypes, transportSemantics
            )
        resolution = HostResolution(hostName)
        receiver.resolutionBegan(resolution)
        try:
            address = self.checked(literal, literal) if self.enabled else literal
            receiver.addressResolved(IPv6Address("TCP", address, portNumber))
        except DNSLookupError:
            pass  # no address: the connection fails as a lookup failure, the refusal is logged
        receiver.resolutionComplete()
        return resolution

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
