"""Unit tests of the SDK runtime: no sockets, no server."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import inspect
import logging
import time

import httpx
import pytest
from capillary_target_groups import AsyncCapillaryTargetGroups, CapillaryTargetGroups
from capillary_target_groups.sdk import SYSTEM_CLOCK, _auth, _base_client, _errors, _retry
from capillary_target_groups.sdk._base_client import (
    CLUSTERS,
    make_auth,
    resolve_base_url,
)

from .fake_time import START_WALL, FakeTime

# The worked example of Capillary's Basic-authentication page (quoted in the spec too).
DOCUMENTED_HEADER = "Basic c3RvcmUxMjM6YmRjODdiOWM4OTRkYTUxNjgwNTllMDBlYmZmYjkwNzc="


def test_basic_auth_header_uses_md5_of_the_password() -> None:
    # base64("store123:" + md5("Pass123")), md5("Pass123") = 2f23fa3579f3f75175793649115c1b25.
    assert (
        _auth.basic_auth_header("store123", "Pass123")
        == "Basic c3RvcmUxMjM6MmYyM2ZhMzU3OWYzZjc1MTc1NzkzNjQ5MTE1YzFiMjU="
    )


def test_documented_example_is_username_and_an_md5_hash() -> None:
    # The documented header decodes to "store123:bdc87b9c...", which is NOT md5("Pass123"): the
    # docs' example pairs the header with another password. Its shape is the md5 rule, and the
    # same hash given as password_md5 reproduces the documented header byte for byte.
    decoded = base64.b64decode(DOCUMENTED_HEADER.removeprefix("Basic ")).decode()
    username, _, digest = decoded.partition(":")
    assert username == "store123"
    assert len(digest) == 32 and set(digest) <= set("0123456789abcdef")
    assert digest != _auth.md5_hex("Pass123")
    auth = _auth.BasicAuth("store123", password_md5=digest)
    assert auth.headers() == {"Authorization": DOCUMENTED_HEADER}


def test_basic_auth_does_not_keep_or_show_the_password() -> None:
    auth = _auth.BasicAuth("store123", "Pass123")
    assert "Pass123" not in repr(auth)
    assert "Pass123" not in str(vars(auth) if hasattr(auth, "__dict__") else "")
    assert auth.headers() == {"Authorization": _auth.basic_auth_header("store123", "Pass123")}


def test_make_auth_picks_one_scheme() -> None:
    assert isinstance(make_auth("u", "p", None, None), _auth.BasicAuth)
    assert isinstance(make_auth(None, None, "k", "s"), _auth.OAuth)
    with pytest.raises(ValueError, match="not both"):
        make_auth("u", "p", "k", "s")
    assert isinstance(make_auth("u", None, None, None, password_md5="0" * 32), _auth.BasicAuth)
    with pytest.raises(ValueError, match="needs username"):
        make_auth("u", None, None, None)
    with pytest.raises(ValueError, match="credentials"):
        make_auth(None, None, None, None)


def test_clusters_and_base_url() -> None:
    assert resolve_base_url("eu", None, CLUSTERS) == "https://eu.api.capillarytech.com"
    assert resolve_base_url(None, "http://127.0.0.1:8080/", CLUSTERS) == "http://127.0.0.1:8080"
    with pytest.raises(ValueError, match="known clusters: apac, apac2, cn, eu, us"):
        resolve_base_url("mars", None, CLUSTERS)
    with pytest.raises(ValueError, match="exactly one"):
        resolve_base_url("eu", "http://x", CLUSTERS)


def test_oauth_token_is_cached_until_shortly_before_expiry() -> None:
    clock = FakeTime()
    fetched: list[str] = []

    def fetch(key: str, secret: str) -> tuple[str, float]:
        fetched.append(key)
        return f"tok-{len(fetched)}", 300.0

    auth = _auth.OAuth("k", "s", clock=clock.monotonic)
    assert auth.token(fetch) == "tok-1"
    clock.advance(269)  # 300 s lifetime minus a 30 s margin
    assert auth.token(fetch) == "tok-1"
    clock.advance(2)
    assert auth.token(fetch) == "tok-2"
    assert fetched == ["k", "k"]
    assert "tok-2" not in repr(auth.cached_token)


def test_oauth_invalidate_keeps_a_newer_token() -> None:
    tokens = iter(["tok-1", "tok-2"])
    auth = _auth.OAuth("k", "s", clock=FakeTime().monotonic)
    auth.token(lambda k, s: (next(tokens), 300.0))
    auth.invalidate("tok-0")  # a stale token seen by another thread: keep the cached one
    assert auth.token(lambda k, s: ("unused", 300.0)) == "tok-1"
    auth.invalidate("tok-1")
    assert auth.token(lambda k, s: (next(tokens), 300.0)) == "tok-2"


def test_make_auth_gives_oauth_the_clock_it_is_passed() -> None:
    clock = FakeTime()
    auth = make_auth(None, None, "k", "s", clock=clock.monotonic)
    assert isinstance(auth, _auth.OAuth)
    assert auth.token(lambda k, s: ("tok-1", 100.0)) == "tok-1"
    assert auth.cached_token == _auth.Token("tok-1", clock.mono + 90.0)


def test_refresh_margin_is_a_tenth_capped_at_30_seconds() -> None:
    assert _auth.refresh_margin(60) == 6
    assert _auth.refresh_margin(3600) == 30


# --- retries ------------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_ceiling_with_bounded_jitter() -> None:
    policy = _retry.RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25)
    no_jitter = [policy.backoff(n, rand=lambda: 0.0) for n in range(6)]
    assert no_jitter == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    full_jitter = [policy.backoff(n, rand=lambda: 1.0) for n in range(3)]
    assert full_jitter == [0.375, 0.75, 1.5]
    for n in range(6):
        delay = policy.backoff(n)
        assert no_jitter[n] * 0.75 <= delay <= no_jitter[n]


def test_retry_after_seconds_date_and_ms() -> None:
    parse = _retry.parse_retry_after
    assert parse(httpx.Headers({"Retry-After": "3"})) == 3.0
    assert parse(httpx.Headers({"Retry-After": "0.25"})) == 0.25
    assert parse(httpx.Headers({"Retry-After-Ms": "1500", "Retry-After": "9"})) == 1.5
    assert parse(httpx.Headers({"Retry-After": "-4"})) == 0.0
    assert parse(httpx.Headers({"Retry-After": "soon"})) is None
    assert parse(httpx.Headers({})) is None
    date = email.utils.formatdate(1_000_010.0, usegmt=True)
    assert parse(httpx.Headers({"Retry-After": date}), now=lambda: 1_000_000.0) == 10.0
    assert parse(httpx.Headers({"Retry-After": date}), now=lambda: 2_000_000.0) == 0.0


def test_retry_after_wins_over_backoff_unless_too_long() -> None:
    policy = _retry.RetryPolicy(max_retry_after=60.0)
    assert policy.delay(0, httpx.Headers({"Retry-After": "7"})) == 7.0
    assert policy.delay(0, httpx.Headers({"Retry-After": "61"})) is None
    date = httpx.Headers({"Retry-After": email.utils.formatdate(START_WALL + 7, usegmt=True)})
    assert policy.delay(0, date, now=lambda: START_WALL) == 7.0
    assert policy.delay(0, date, now=lambda: START_WALL - 60.0) is None
    assert policy.delay(0, httpx.Headers({}), rand=lambda: 0.0) == 0.5
    assert policy.delay(1, None, rand=lambda: 0.0) == 1.0


def test_only_idempotent_methods_retry_unless_post_is_allowed() -> None:
    for method in ("GET", "PUT", "DELETE"):
        assert _retry.is_retryable_method(method, retry_post=False)
    assert not _retry.is_retryable_method("POST", retry_post=False)
    assert _retry.is_retryable_method("POST", retry_post=True)
    assert not _retry.is_retryable_method("PATCH", retry_post=True)
    assert {429, 502, 503, 504} == _retry.RETRYABLE_STATUSES


# --- error mapping ------------------------------------------------------------------------------


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("GET", "http://test/v3/targetGroups/1")
    return httpx.Response(status, content=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, _errors.BadRequestError),
        (401, _errors.UnauthorizedError),
        (403, _errors.ForbiddenError),
        (404, _errors.NotFoundError),
        (409, _errors.ConflictError),
        (429, _errors.RateLimitedError),
        (500, _errors.ServerError),
        (503, _errors.ServerError),
        (413, _errors.APIStatusError),
        (415, _errors.APIStatusError),
    ],
)
def test_status_maps_to_exception_class(status: int, cls: type[_errors.APIStatusError]) -> None:
    error = _errors.status_error_from_response(_response(status, b"{}"))
    assert type(error) is cls
    assert error.status_code == status


def test_error_carries_codes_request_id_and_raw_response() -> None:
    body = (
        b'{"data": null, "errors": [{"code": 310069, "message": "Target group name already '
        b'exists"}], "warnings": [{"message": "careful"}]}'
    )
    response = _response(409, body, {"X-Cap-Requestid": "abc-123"})
    error = _errors.status_error_from_response(response)
    assert isinstance(error, _errors.ConflictError)
    assert error.errors == [_errors.ErrorDetail(310069, "Target group name already exists")]
    assert error.codes == [_errors.ErrorCode.NAME_ALREADY_EXISTS]
    assert error.warnings == ["careful"]
    assert error.request_id == "abc-123"
    assert error.response is response
    assert str(error) == (
        "409 Conflict: [310069] Target group name already exists (request id abc-123)"
    )


def test_error_from_a_non_json_body_keeps_the_text() -> None:
    error = _errors.status_error_from_response(_response(502, b"<html>Bad gateway</html>"))
    assert isinstance(error, _errors.ServerError)
    assert error.errors == []
    assert error.body == "<html>Bad gateway</html>"


def test_rate_limited_error_exposes_retry_after() -> None:
    error = _errors.status_error_from_response(_response(429, b"", {"Retry-After": "120"}))
    assert isinstance(error, _errors.RateLimitedError)
    assert error.retry_after == 120.0


def test_rate_limited_error_reads_an_http_date_with_the_clock_it_is_given() -> None:
    date = email.utils.formatdate(START_WALL + 45, usegmt=True)
    response = _response(429, b"", {"Retry-After": date})
    error = _errors.status_error_from_response(response, now=lambda: START_WALL)
    assert isinstance(error, _errors.RateLimitedError)
    assert error.retry_after == 45.0
    late = _errors.status_error_from_response(response, now=lambda: START_WALL + 50)
    assert isinstance(late, _errors.RateLimitedError)
    assert late.retry_after == 0.0  # a date in the past: retry now


# --- time ---------------------------------------------------------------------------------------


def test_the_system_clock_reads_the_time_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 111.0)
    monkeypatch.setattr(time, "monotonic", lambda: 222.0)
    assert (SYSTEM_CLOCK.time(), SYSTEM_CLOCK.monotonic()) == (111.0, 222.0)


@pytest.mark.parametrize(
    ("cls", "real_sleep"),
    [(CapillaryTargetGroups, time.sleep), (AsyncCapillaryTargetGroups, asyncio.sleep)],
)
def test_clients_default_to_the_real_sleep_and_clock(cls: type[object], real_sleep: object) -> None:
    parameters = inspect.signature(cls).parameters
    assert parameters["sleep"].default is real_sleep
    assert parameters["clock"].default is SYSTEM_CLOCK
    assert parameters["sleep"].kind is parameters["clock"].kind is inspect.Parameter.KEYWORD_ONLY


def test_malformed_error_entries_do_not_raise() -> None:
    body = {"errors": [{"code": "x", "message": 5}, "oops", {"code": True}]}
    assert _errors.parse_error_details(body) == [
        _errors.ErrorDetail(None, ""),
        _errors.ErrorDetail(None, ""),
    ]
    assert _errors.parse_error_details(None) == []
    assert _errors.parse_warnings({"warnings": None}) == []


def test_redact_headers() -> None:
    headers = {"Authorization": "Basic x", "X-CAP-API-OAUTH-TOKEN": "t", "Accept": "a"}
    assert _auth.redact_headers(headers) == {
        "Authorization": "<redacted>",
        "X-CAP-API-OAUTH-TOKEN": "<redacted>",
        "Accept": "a",
    }


def test_logger_name_is_the_package(caplog: pytest.LogCaptureFixture) -> None:
    assert _base_client.log.name == "capillary_target_groups"
    with caplog.at_level(logging.DEBUG, logger="capillary_target_groups"):
        _base_client.log.debug("hello")
    assert caplog.records[0].name == "capillary_target_groups"
