# Copied from generator/sdk/runtime/_base_client.py by `make generate`. Edit that file, not this copy.
"""The HTTP core shared by every resource method: authentication, retries, timeouts, errors, logs.

Resource methods build a request from the generated ``_get_kwargs`` of their operation and hand it
to :meth:`SyncAPIClient.send` / :meth:`AsyncAPIClient.send`, which returns a 2xx
``httpx.Response`` or raises a typed exception from ``_errors``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Literal, Self

import httpx
from httpx._client import USE_CLIENT_DEFAULT, UseClientDefault

from ._auth import TOKEN_PATH, Auth, BasicAuth, NoAuth, OAuth
from ._clock import SYSTEM_CLOCK, Clock
from ._errors import (
    REQUEST_ID_HEADER,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    CapillaryError,
    status_error_from_response,
)
from ._retry import DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, RetryPolicy, is_retryable_method
from ._types import NOT_GIVEN, NotGiven, RequestOptions, TimeoutTypes

log = logging.getLogger("capillary_target_groups")

Cluster = Literal["eu", "us", "apac", "apac2", "cn"]

# Capillary's documented API hosts; the same hosts serve v1.1, v2 and v3.
CLUSTERS: Mapping[str, str] = {
    "eu": "https://eu.api.capillarytech.com",
    "us": "https://us.api.capillarytech.com",
    "apac": "https://apac.api.capillarytech.com",
    "apac2": "https://apac2.api.capillarytech.com",
    "cn": "https://api.capillarytech.cn.com",
}

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2


def resolve_base_url(cluster: str | None, base_url: str | httpx.URL | None, clusters: Mapping[str, str]) -> str:
    """Exactly one of ``cluster`` (a name in ``clusters``) and ``base_url``."""
    if (cluster is None) == (base_url is None):
        raise ValueError("pass exactly one of cluster=... or base_url=...")
    if base_url is not None:
        return str(base_url).rstrip("/")
    assert cluster is not None
    try:
        return clusters[cluster]
    except KeyError:
        known = ", ".join(sorted(clusters))
        raise ValueError(f"unknown cluster {cluster!r}; known clusters: {known}") from None


def make_auth(
    username: str | None,
    password: str | None,
    oauth_key: str | None,
    oauth_secret: str | None,
    password_md5: str | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Auth:
    """Pick Basic or OAuth from the credentials given; mixing both is a mistake worth reporting.

    ``clock`` is the monotonic clock that an OAuth token's lifetime is measured with.
    """
    basic = username is not None or password is not None or password_md5 is not None
    oauth = oauth_key is not None or oauth_secret is not None
    if basic and oauth:
        raise ValueError("pass either username/password or oauth_key/oauth_secret, not both")
    if basic:
        if username is None or (password is None) == (password_md5 is None):
            raise ValueError("Basic auth needs username= and one of password= or password_md5=")
        return BasicAuth(username, password, password_md5=password_md5)
    if oauth:
        if oauth_key is None or oauth_secret is None:
            raise ValueError("OAuth needs both oauth_key= and oauth_secret=")
        return OAuth(oauth_key, oauth_secret, clock=clock)
    raise ValueError("pass credentials: username=/password= or oauth_key=/oauth_secret=")


def _as_timeout(value: TimeoutTypes) -> httpx.Timeout:
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)


def _parse_token(response: httpx.Response) -> tuple[str, float]:
    try:
        data = response.json()["data"]
        token = data["accessToken"]
        ttl = data["ttlSeconds"]
    except (ValueError, KeyError, TypeError) as exc:
        raise APIResponseValidationError(
            "token endpoint answered without data.accessToken/ttlSeconds", response=response
        ) from exc
    if not isinstance(token, str) or not isinstance(ttl, int | float):
        raise APIResponseValidationError("token endpoint answered with a malformed token", response=response)
    return token, float(ttl)


_OPTION_NAMES = frozenset(RequestOptions.__annotations__)


class _Attempt:
    """Per-call settings resolved once from the client defaults and the call's options."""

    __slots__ = ("extra_headers", "max_retries", "retry_allowed", "timeout")

    def __init__(self, client: BaseAPIClient, method: str, options: RequestOptions) -> None:
        if options and not options.keys() <= _OPTION_NAMES:
            # Methods take **options, so a misspelt parameter would otherwise vanish silently.
            unknown = ", ".join(sorted(options.keys() - _OPTION_NAMES))
            raise TypeError(f"unexpected keyword argument(s): {unknown}")
        self.timeout: httpx.Timeout | UseClientDefault = (
            _as_timeout(options["timeout"]) if "timeout" in options else client._default_timeout
        )
        self.max_retries = options.get("max_retries", client.max_retries)
        self.retry_allowed = is_retryable_method(method, retry_post=options.get("retry_post", client.retry_post))
        self.extra_headers = options.get("extra_headers")


class BaseAPIClient:
    """State and decisions shared by the sync and async clients (no I/O here)."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: Auth,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        retry_post: bool = False,
        default_headers: Mapping[str, str] | None = None,
        user_agent: str = "capillary-target-groups-python",
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url
        self.auth = auth
        self.timeout = DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else _as_timeout(timeout)
        self.max_retries = max_retries
        self.retry_policy = retry_policy
        self.retry_post = retry_post
        self._clock = clock
        self._headers = {"Accept": "application/json", "User-Agent": user_agent}
        if default_headers:
            self._headers.update(default_headers)
        # How requests pick up the base URL, the default headers and the timeout. An httpx
        # client we create carries them itself (nothing to merge per request, which is
        # measurable at Python speed); a client the caller passed in is left untouched and
        # gets them on every request instead. The subclasses set these.
        self._url_prefix = ""
        self._per_request_headers: dict[str, str] = {}
        self._default_timeout: httpx.Timeout | UseClientDefault = USE_CLIENT_DEFAULT

    def _http_settings(self, owned: bool) -> dict[str, Any]:
        """Arguments for an httpx client we create, or per-request fallbacks for a given one."""
        if owned:
            return {"base_url": self.base_url, "headers": self._headers, "timeout": self.timeout}
        self._url_prefix = self.base_url
        self._per_request_headers = self._headers
        self._default_timeout = self.timeout
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.base_url!r} auth={self.auth!r}>"

    def _build_headers(self, kwargs_headers: Mapping[str, str] | None, attempt: _Attempt) -> dict[str, str]:
        headers = dict(self._per_request_headers)
        if kwargs_headers:
            headers.update(kwargs_headers)
        if attempt.extra_headers:
            headers.update(attempt.extra_headers)
        return headers

    def _retry_delay(self, attempt: _Attempt, retries_taken: int, response: httpx.Response | None) -> float | None:
        """Seconds to sleep before another attempt, or None to stop and report the failure."""
        if not attempt.retry_allowed or retries_taken >= attempt.max_retries:
            return None
        if response is not None and response.status_code not in RETRYABLE_STATUSES:
            return None
        return self.retry_policy.delay(
            retries_taken, response.headers if response is not None else None, now=self._clock.time
        )

    @staticmethod
    def _log_request(request: httpx.Request, retries_taken: int) -> None:
        # Method and URL only: headers carry credentials and bodies may carry the OAuth secret.
        log.debug("request %s %s (retry %d)", request.method, request.url, retries_taken)

    def _log_response(self, response: httpx.Response, started: float) -> None:
        log.debug(
            "response %s %s -> %d in %.1f ms, request id %s",
            response.request.method,
            response.request.url,
            response.status_code,
            (self._clock.monotonic() - started) * 1000.0,
            response.headers.get(REQUEST_ID_HEADER),
        )

    @staticmethod
    def _log_retry(reason: str, delay: float, retries_taken: int, max_retries: int) -> None:
        log.debug("retrying in %.2f s after %s (%d/%d)", delay, reason, retries_taken + 1, max_retries)


class SyncAPIClient(BaseAPIClient):
    """Blocking HTTP core over one pooled ``httpx.Client``."""

    def __init__(
        self,
        *,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Every wait between attempts goes through here, so a caller can control time (_clock).
        self._sleep = sleep
        self._owns_http_client = http_client is None
        settings = self._http_settings(owned=http_client is None)
        self._http = http_client if http_client is not None else httpx.Client(**settings)

    def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _fetch_token(self, key: str, secret: str) -> tuple[str, float]:
        log.debug("fetching an OAuth token")
        # Exchanging a key for a token has no side effect, so it is retried like a GET.
        response = self.send(
            {"method": "POST", "url": TOKEN_PATH, "json": {"key": key, "secret": secret}},
            {"retry_post": True},
            authenticated=False,
        )
        return _parse_token(response)

    def _auth_headers(self) -> tuple[dict[str, str], str | None]:
        auth = self.auth
        if isinstance(auth, BasicAuth):
            return auth.headers(), None
        if isinstance(auth, OAuth):
            token = auth.token(self._fetch_token)
            return {"X-CAP-API-OAUTH-TOKEN": token}, token
        if isinstance(auth, NoAuth):
            return {}, None
        raise CapillaryError(f"unsupported auth {auth!r}")

    def send(
        self,
        kwargs: Mapping[str, Any],
        options: RequestOptions,
        *,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send one operation (``kwargs`` from a generated ``_get_kwargs``) and return a 2xx.

        Raises a subclass of ``APIStatusError`` for 4xx/5xx, ``APITimeoutError`` or
        ``APIConnectionError`` when no response came, after the retries allowed.
        """
        method: str = kwargs["method"].upper()
        attempt = _Attempt(self, method, options)
        headers = self._build_headers(kwargs.get("headers"), attempt)
        retries_taken = 0
        refreshed = False
        while True:
            token_used: str | None = None
            if authenticated:
                auth_headers, token_used = self._auth_headers()
                headers.update(auth_headers)
            request = self._http.build_request(
                method,
                self._url_prefix + kwargs["url"],
                # An empty dict is not None to httpx: it re-parses the URL to merge no params,
                # a measurable share of a small request.
                params=kwargs.get("params") or None,
                json=kwargs.get("json"),
                content=kwargs.get("content"),
                headers=headers,
                timeout=attempt.timeout,
            )
            debug = log.isEnabledFor(logging.DEBUG)
            if debug:
                self._log_request(request, retries_taken)
            started = self._clock.monotonic() if debug else 0.0
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                delay = self._retry_delay(attempt, retries_taken, None)
                if delay is None:
                    if isinstance(exc, httpx.TimeoutException):
                        raise APITimeoutError(request=request) from exc
                    raise APIConnectionError(request=request, message=str(exc) or type(exc).__name__) from exc
                self._log_retry(type(exc).__name__, delay, retries_taken, attempt.max_retries)
                self._sleep(delay)
                retries_taken += 1
                continue
            if debug:
                self._log_response(response, started)
            if response.is_success:
                return response
            if (
                response.status_code == 401
                and token_used is not None
                and isinstance(self.auth, OAuth)
                and not refreshed
            ):
                # The token may have been revoked or expired early: one fresh token, one retry.
                log.debug("401 with a cached OAuth token; fetching a new one")
                self.auth.invalidate(token_used)
                refreshed = True
                continue
            delay = self._retry_delay(attempt, retries_taken, response)
            if delay is None:
                raise status_error_from_response(response, now=self._clock.time)
            self._log_retry(str(response.status_code), delay, retries_taken, attempt.max_retries)
            self._sleep(delay)
            retries_taken += 1


class AsyncAPIClient(BaseAPIClient):
    """Asyncio HTTP core over one pooled ``httpx.AsyncClient``."""

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Every wait between attempts goes through here, so a caller can control time (_clock).
        self._sleep = sleep
        self._owns_http_client = http_client is None
        settings = self._http_settings(owned=http_client is None)
        self._http = http_client if http_client is not None else httpx.AsyncClient(**settings)

    async def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _fetch_token(self, key: str, secret: str) -> tuple[str, float]:
        log.debug("fetching an OAuth token")
        response = await self.send(
            {"method": "POST", "url": TOKEN_PATH, "json": {"key": key, "secret": secret}},
            {"retry_post": True},
            authenticated=False,
        )
        return _parse_token(response)

    async def _auth_headers(self) -> tuple[dict[str, str], str | None]:
        auth = self.auth
        if isinstance(auth, BasicAuth):
            return auth.headers(), None
        if isinstance(auth, OAuth):
            token = await auth.atoken(self._fetch_token)
            return {"X-CAP-API-OAUTH-TOKEN": token}, token
        if isinstance(auth, NoAuth):
            return {}, None
        raise CapillaryError(f"unsupported auth {auth!r}")

    async def send(
        self,
        kwargs: Mapping[str, Any],
        options: RequestOptions,
        *,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Async variant of :meth:`SyncAPIClient.send`."""
        method: str = kwargs["method"].upper()
        attempt = _Attempt(self, method, options)
        headers = self._build_headers(kwargs.get("headers"), attempt)
        retries_taken = 0
        refreshed = False
        while True:
            token_used: str | None = None
            if authenticated:
                auth_headers, token_used = await self._auth_headers()
                headers.update(auth_headers)
            request = self._http.build_request(
                method,
                self._url_prefix + kwargs["url"],
                # An empty dict is not None to httpx: it re-parses the URL to merge no params,
                # a measurable share of a small request.
                params=kwargs.get("params") or None,
                json=kwargs.get("json"),
                content=kwargs.get("content"),
                headers=headers,
                timeout=attempt.timeout,
            )
            debug = log.isEnabledFor(logging.DEBUG)
            if debug:
                self._log_request(request, retries_taken)
            started = self._clock.monotonic() if debug else 0.0
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                delay = self._retry_delay(attempt, retries_taken, None)
                if delay is None:
                    if isinstance(exc, httpx.TimeoutException):
                        raise APITimeoutError(request=request) from exc
                    raise APIConnectionError(request=request, message=str(exc) or type(exc).__name__) from exc
                self._log_retry(type(exc).__name__, delay, retries_taken, attempt.max_retries)
                await self._sleep(delay)
                retries_taken += 1
                continue
            if debug:
                self._log_response(response, started)
            if response.is_success:
                return response
            if (
                response.status_code == 401
                and token_used is not None
                and isinstance(self.auth, OAuth)
                and not refreshed
            ):
                log.debug("401 with a cached OAuth token; fetching a new one")
                self.auth.invalidate(token_used)
                refreshed = True
                continue
            delay = self._retry_delay(attempt, retries_taken, response)
            if delay is None:
                raise status_error_from_response(response, now=self._clock.time)
            self._log_retry(str(response.status_code), delay, retries_taken, attempt.max_retries)
            await self._sleep(delay)
            retries_taken += 1
