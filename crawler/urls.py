"""URL normalisation: one article, one key, whatever tracking decorations a feed adds."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl"
    r"|ocid|cmpid|smid|smtyp|ref|ref_src|ref_url|taid|guccounter|guce_referrer\w*|at_\w+"
    r"|__twitter_impression|share|sh|sr_share|rss|partner|xtor)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters.

    Path case is kept (servers treat it as significant); remaining query parameters are
    sorted so that the same page linked two ways gets one key.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


@functools.lru_cache(maxsize=65_536)
def domain_of(url: str | None) -> str | None:
    """The host without a leading ``www.``, for "also on dnyuz.com" lists and original choice
    (remembered: choosing a busy story's original looks at every member's URL per newcomer)."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host or None
