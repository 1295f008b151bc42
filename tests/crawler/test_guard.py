"""SSRF guard: the pure check, and the downloader middleware inside a real Scrapy crawl."""

from __future__ import annotations

import ipaddress

import pytest

from crawler.addresses import AddressPolicy, AddressRefused, address_problem, check_url
from tests.crawler.probe import crawl_in_child, serve

NOBODY = AddressPolicy()


def public_resolver(host: str) -> list[str]:
    """A resolver for names used in tests: one public-looking, one pointing at loopback."""
    return {
        "news.example": ["93.184.215.14"],
        "sneaky.example": ["93.184.215.14", "127.0.0.1"],
        "mapped.example": ["::ffff:10.1.2.3"],
    }[host]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/feed", "loopback"),
        ("http://127.1.2.3:8080/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://192.168.1.10/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[::ffff:127.0.0.1]/", "ipv4-embedded-loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://100.64.0.1/", "non-global"),
        ("file:///etc/passwd", "scheme"),
        ("ftp://news.example/x", "scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "scheme"),
        ("http:///nohost", "bad-url"),
    ],
)
def test_refuses_non_public_targets(url: str, reason: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        check_url(url, NOBODY, resolve=public_resolver)
    assert refused.value.reason == reason
    assert url in str(refused.value)


def test_hostname_resolving_to_loopback_is_refused_with_real_dns() -> None:
    with pytest.raises(AddressRefused) as refused:
        check_url("http://localhost:8000/article", NOBODY)
    assert refused.value.reason == "loopback"
    assert "localhost resolves to" in refused.value.detail


def test_any_private_address_among_several_refuses() -> None:
    with pytest.raises(AddressRefused, match="loopback"):
        check_url("https://sneaky.example/", NOBODY, resolve=public_resolver)
    with pytest.raises(AddressRefused, match="ipv4-embedded-private"):
        check_url("https://mapped.example/", NOBODY, resolve=public_resolver)


def test_decimal_encoded_loopback_is_resolved_and_refused() -> None:
    with pytest.raises(AddressRefused, match="loopback"):
        check_url("http://2130706433/", NOBODY)


def test_public_host_passes() -> None:
    check_url("https://news.example/2025/09/04/story.html", NOBODY, resolve=public_resolver)


def test_allow_list_networks_and_hosts() -> None:
    policy = AddressPolicy.from_allow_list(["127.0.0.0/8", "intranet.local", "::1"])
    check_url("http://127.0.0.1:9/", policy, resolve=public_resolver)
    check_url("http://[::1]/", policy, resolve=public_resolver)
    check_url("http://[::ffff:127.0.0.1]/", policy, resolve=public_resolver)
    check_url("http://intranet.local/", policy, resolve=lambda h: ["10.9.9.9"])
    with pytest.raises(AddressRefused, match="private"):
        check_url("http://10.0.0.1/", policy, resolve=public_resolver)
    with pytest.raises(AddressRefused, match="scheme"):
        check_url("file:///etc/passwd", policy)


def test_allow_list_rejects_nonsense_entries() -> None:
    with pytest.raises(ValueError, match="neither a CIDR"):
        AddressPolicy.from_allow_list(["10.0.0.0/33"])
    with pytest.raises(ValueError, match="empty entry"):
        AddressPolicy.from_allow_list([" "])


def test_address_problem_accepts_public_addresses() -> None:
    assert address_problem(ipaddress.ip_address("8.8.8.8")) is None
    assert address_problem(ipaddress.ip_address("2001:4860:4860::8888")) is None


GUARDED = {
    "DOWNLOADER_MIDDLEWARES": {"crawler.guard.AddressGuardMiddleware": 50},
    "ROBOTSTXT_OBEY": False,
    "RETRY_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
}


def _redirect_to(target: str):
    return lambda handler: (302, {"Location": target}, b"")


def test_middleware_refuses_loopback_and_redirects_in_a_crawl() -> None:
    """Without an allow list nothing on 127.0.0.1 is fetched; with it, only listed targets."""
    ok = lambda handler: (200, {"Content-Type": "text/html"}, b"<html>ok</html>")
    routes = {
        "/ok": ok,
        "/to-metadata": _redirect_to("http://169.254.169.254/latest/meta-data/"),
        "/to-ten": _redirect_to("http://10.0.0.1/admin"),
        "/to-file": _redirect_to("file:///etc/passwd"),
    }
    with serve(routes) as base:
        port = base.rsplit(":", 1)[1]
        routes["/to-localhost"] = _redirect_to(f"http://localhost:{port}/ok")
        urls = [
            f"{base}/ok",
            f"{base}/to-metadata",
            f"{base}/to-ten",
            f"{base}/to-file",
            f"{base}/to-localhost",
            "http://[::1]:1/",
            "file:///etc/passwd",
        ]
        closed = crawl_in_child(urls, GUARDED)
        assert closed["fetched"] == []
        assert closed["stats"]["guard/refused"] == 7
        assert closed["stats"]["guard/refused/scheme"] == 1
        assert closed["stats"]["guard/refused/loopback"] == 6
        assert "address guard refused http://127.0.0.1" in closed["log"]

        allowed = crawl_in_child(
            urls, {**GUARDED, "NEWSMON_ALLOW_PRIVATE_NETWORKS": ["127.0.0.1/32"]}
        )
    fetched = {hit["url"] for hit in allowed["fetched"]}
    assert fetched == {f"{base}/ok", f"http://localhost:{port}/ok"}
    stats = allowed["stats"]
    assert stats["guard/refused/link-local"] == 1
    assert stats["guard/refused/private"] == 1
    assert stats["guard/refused/scheme"] == 1
    assert stats["guard/refused/loopback"] == 1  # [::1]; localhost -> 127.0.0.1 is allowed
    log = allowed["log"]
    assert "refused http://169.254.169.254/latest/meta-data/: link-local" in log
    assert f"redirected from {base}/to-metadata" in log
    assert "refused file:///etc/passwd: scheme" in log
    # Scrapy itself never follows a redirect to a non-http(s) scheme: the 302 is all we get.
    assert "file:///etc/passwd" not in {hit["url"] for hit in allowed["fetched"]}


def test_resolver_refuses_at_connect_time_even_without_the_middleware() -> None:
    """The connection-time check stands alone: what the name resolves to when connecting counts."""
    ok = lambda handler: (200, {"Content-Type": "text/html"}, b"<html>ok</html>")
    with serve({"/ok": ok}) as base:
        port = base.rsplit(":", 1)[1]
        urls = [f"http://localhost:{port}/ok", f"{base}/ok"]
        settings = {
            **GUARDED,
            "DOWNLOADER_MIDDLEWARES": {},
            "TWISTED_DNS_RESOLVER": "crawler.guard.GuardedResolver",
        }
        refused = crawl_in_child(urls, settings)
        allowed = crawl_in_child(
            urls, {**settings, "NEWSMON_ALLOW_PRIVATE_NETWORKS": ["127.0.0.0/8"]}
        )
    assert refused["fetched"] == []
    assert {e["error"] for e in refused["errors"]} == {"CannotResolveHostError"}
    assert "address guard refused connecting to localhost at 127.0.0.1: loopback" in refused["log"]
    assert sorted(hit["url"] for hit in allowed["fetched"]) == sorted(urls)


def test_resolver_policy_check() -> None:
    from crawler.guard import GuardedResolver

    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.policy = AddressPolicy.from_allow_list(["intranet.local"])
    assert resolver.checked("93.184.215.14", "news.example") == "93.184.215.14"
    assert resolver.checked("10.1.1.1", "intranet.local") == "10.1.1.1"
    from twisted.internet.error import DNSLookupError

    with pytest.raises(DNSLookupError, match="link-local"):
        resolver.checked("169.254.169.254", "rebind.example")
