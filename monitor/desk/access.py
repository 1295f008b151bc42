"""Who may use the desk: loopback by default, a login token elsewhere, CSRF on every POST.

A signed cookie (itsdangerous) holds a random session id, whether the holder logged in and the
name they gave; each form carries an HMAC of the session id as its CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "newsmon_desk"
MAX_AGE = 14 * 24 * 3600


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: the only binds allowed without a token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Visitor:
    """What the cookie says about the browser asking."""

    sid: str
    who: str
    authenticated: bool


class Access:
    """Signing, login and CSRF checks for one running desk."""

    def __init__(self, token: str | None, secret: bytes | None = None) -> None:
        self.token = token
        # A token-derived key keeps logins valid across restarts; else one key per process.
        key = secret or (
            hashlib.sha256(b"newsmon-desk:" + token.encode()).digest()
            if token
            else secrets.token_bytes(32)
        )
        self._key = key
        self._signer = URLSafeTimedSerializer(key, salt="newsmon-desk")

    @property
    def login_required(self) -> bool:
        return self.token is not None

    def read(self, cookie: str | None) -> Visitor | None:
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return None
        return Visitor(str(data["sid"]), str(data.get("who") or "analyst"), bool(data.get("auth")))

    def issue(self, who: str, authenticated: bool) -> tuple[Visitor, str]:
        visitor = Visitor(secrets.token_urlsafe(16), who, authenticated)
        cookie = self._signer.dumps({"sid": visitor.sid, "who": who, "auth": authenticated})
        return visitor, cookie

    def check_token(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(
            given.encode("utf-8"), self.token.encode("utf-8")
        )

    def sign_notice(self, message: str) -> str:
        """A message for the next page, signed so a link cannot make the desk say anything."""
        return self._signer.dumps(message, salt="notice")

    def read_notice(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            message = self._signer.loads(value, salt="notice", max_age=300)
        except BadSignature:
            return None
        return message if isinstance(message, str) else None

    def csrf_token(self, visitor: Visitor) -> str:
        return hmac.new(self._key, b"csrf:" + visitor.sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, visitor: Visitor | None, given: str | None) -> bool:
        if visitor is None or not given:
            return False
        return hmac.compare_digest(self.csrf_token(visitor), given)
