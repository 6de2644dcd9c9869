# Copied from generator/sdk/runtime/_auth.py by `make generate`. Edit that file, not this copy.
"""Capillary's two authentication schemes.

- Basic: ``Authorization: Basic base64(username:md5hex(password))``. Capillary hashes the
  password with MD5 before the usual Basic encoding; sending the plain password fails with 401.
- OAuth: a key/secret pair is exchanged at ``POST /v3/oauth/token/generate`` for a short-lived
  token sent as ``X-CAP-API-OAUTH-TOKEN``. The token is cached until shortly before it expires
  and fetched again once when the server rejects it with 401.

Nothing here logs or reprs a secret, a hash of one, or a token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

OAUTH_TOKEN_HEADER = "X-CAP-API-OAUTH-TOKEN"
TOKEN_PATH = "/v3/oauth/token/generate"

# Headers whose values are credentials; used to keep them out of logs and reprs.
SENSITIVE_HEADERS = frozenset({"authorization", OAUTH_TOKEN_HEADER.lower(), "cookie"})


def md5_hex(password: str) -> str:
    """The password as Capillary expects it inside Basic auth."""
    # MD5 is Capillary's wire format here, not our choice of password hashing.
    return hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest()


def basic_auth_header(username: str, password: str) -> str:
    """``Authorization`` value for Basic auth with the md5-password rule."""
    return basic_auth_header_from_md5(username, md5_hex(password))


def basic_auth_header_from_md5(username: str, password_md5: str) -> str:
    """``Authorization`` value from an already hashed password (lower-case hex MD5)."""
    raw = f"{username}:{password_md5.lower()}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """A copy of ``headers`` that is safe to log."""
    return {k: ("<redacted>" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


@dataclass(frozen=True, slots=True)
class Token:
    """An OAuth access token and the monotonic time after which it is no longer used."""

    value: str
    expires_at: float

    def __repr__(self) -> str:
        return f"Token(value=<redacted>, expires_at={self.expires_at!r})"


def refresh_margin(ttl_seconds: float) -> float:
    """How long before expiry a token is replaced.

    A request signed just before expiry can reach the server just after it; a tenth of the
    lifetime (at most 30 s) keeps that race rare without wasting short tokens.
    """
    return min(30.0, ttl_seconds / 10.0)


class Auth:
    """Base of the authentication strategies used by the clients."""

    #: Whether a 401 may be fixed by fetching a new credential and retrying once.
    refreshable: bool = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"


class NoAuth(Auth):
    """No credentials (only the token endpoint accepts this)."""


class BasicAuth(Auth):
    """Capillary Basic auth; the header is computed once, the password is not kept.

    Pass either the plain ``password`` or ``password_md5`` (for callers that store only the hash).
    """

    def __init__(self, username: str, password: str | None = None, *, password_md5: str | None = None) -> None:
        if (password is None) == (password_md5 is None):
            raise ValueError("pass exactly one of password= or password_md5=")
        if password_md5 is None:
            assert password is not None
            password_md5 = md5_hex(password)
        self._header = basic_auth_header_from_md5(username, password_md5)

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._header}


TokenFetcher = Callable[[str, str], tuple[str, float]]
AsyncTokenFetcher = Callable[[str, str], Awaitable[tuple[str, float]]]


class OAuth(Auth):
    """OAuth key/secret with a cached token.

    ``fetch(key, secret)`` returns ``(access_token, ttl_seconds)``; the client supplies it so the
    token request shares the connection pool, timeouts and retries of every other call.
    """

    refreshable = True

    def __init__(
        self,
        key: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = key
        self._secret = secret
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()
        # Created on first use: an asyncio.Lock must not outlive the event loop that used it.
        self._async_lock: asyncio.Lock | None = None

    @property
    def cached_token(self) -> Token | None:
        return self._token

    def _valid(self) -> Token | None:
        token = self._token
        if token is not None and self._clock() < token.expires_at:
            return token
        return None

    def _store(self, value: str, ttl_seconds: float) -> Token:
        token = Token(value, self._clock() + max(0.0, ttl_seconds - refresh_margin(ttl_seconds)))
        self._token = token
        return token

    def invalidate(self, token_value: str) -> None:
        """Forget ``token_value`` if it is still the cached one (another thread may have
        refreshed it already, and that newer token must be kept)."""
        if self._token is not None and self._token.value == token_value:
            self._token = None

    def token(self, fetch: TokenFetcher) -> str:
        """The cached token, fetched first if missing or about to expire (thread-safe)."""
        token = self._valid()
        if token is not None:
            return token.value
        with self._lock:
            token = self._valid()
            if token is None:
                token = self._store(*fetch(self._key, self._secret))
            return token.value

    async def atoken(self, fetch: AsyncTokenFetcher) -> str:
        """Async variant of :meth:`token`; concurrent tasks share one token request."""
        token = self._valid()
        if token is not None:
            return token.value
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        async with self._async_lock:
            token = self._valid()
            if token is None:
                token = self._store(*await fetch(self._key, self._secret))
            return token.value
