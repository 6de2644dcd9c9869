# Copied from generator/sdk/runtime/_errors.py by `make generate`. Edit that file, not this copy.
"""Typed exceptions raised by the SDK, one per class of HTTP status, plus transport failures.

Every status error carries what a support ticket needs: the envelope's ``errors`` list
(``code``, ``message``), the ``X-Cap-Requestid`` header, the status and the raw response.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import httpx

from ._retry import parse_retry_after

REQUEST_ID_HEADER = "X-Cap-Requestid"


class ErrorCode(IntEnum):
    """Business error codes Capillary documents for the target-group endpoints.

    ``ErrorDetail.code`` stays a plain ``int`` so codes added by the server later never raise;
    compare with these constants (``detail.code == ErrorCode.NAME_ALREADY_EXISTS``).
    """

    INVALID_INPUT = 300004
    TARGET_RULE_NAME_TOO_LONG = 310008
    INVALID_USER_ID = 310011
    INVALID_TARGET_ENTITY_TYPE_COMBINATION = 310033
    NAME_ALREADY_EXISTS = 310069
    TARGET_RULE_METADATA_REQUIRED = 310094
    LEADERBOARD_EVALUATION_TYPE_NOT_SUPPORTED = 310132
    LEADERBOARD_NOT_ENABLED = 310133
    INVALID_KEY = 310145
    INVALID_PROGRAM_ID = 310146
    INVALID_ALTERNATE_CURRENCY_IDENTIFIER = 310147


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of the envelope's ``errors`` list."""

    code: int | None
    message: str


def parse_error_details(body: Any) -> list[ErrorDetail]:
    """Read ``errors`` from a decoded envelope, tolerating any shape a proxy might send instead."""
    if not isinstance(body, dict):
        return []
    raw = body.get("errors")
    if not isinstance(raw, list):
        return []
    details = []
    for item in raw:
        if isinstance(item, dict):
            code = item.get("code")
            message = item.get("message")
            details.append(
                ErrorDetail(
                    code=code if isinstance(code, int) and not isinstance(code, bool) else None,
                    message=message if isinstance(message, str) else "",
                )
            )
    return details


def parse_warnings(body: Any) -> list[str]:
    """Read the messages of the envelope's ``warnings`` list (null and [] both mean none)."""
    if not isinstance(body, dict):
        return []
    raw = body.get("warnings")
    if not isinstance(raw, list):
        return []
    return [item["message"] for item in raw if isinstance(item, dict) and isinstance(item.get("message"), str)]


class CapillaryError(Exception):
    """Base class of every exception the SDK raises."""


class APIError(CapillaryError):
    """An error tied to one HTTP request."""

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """The request never got a response: DNS, refused connection, reset, protocol error."""

    def __init__(self, *, request: httpx.Request, message: str = "Connection error.") -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool), after all retries."""

    def __init__(self, *, request: httpx.Request) -> None:
        super().__init__(request=request, message="Request timed out.")


class APIResponseValidationError(APIError):
    """A success response whose body does not match the documented shape (not JSON, say)."""

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get(REQUEST_ID_HEADER)


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status.

    Subclasses name the classes of status callers handle differently; statuses without a
    subclass (405, 413, 415, ...) raise this class itself.
    """

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.request_id: str | None = response.headers.get(REQUEST_ID_HEADER)
        self.body = body
        self.errors: list[ErrorDetail] = parse_error_details(body)
        self.warnings: list[str] = parse_warnings(body)

    @property
    def codes(self) -> list[int]:
        """The business codes of ``errors``, in order (entries without a code are left out)."""
        return [detail.code for detail in self.errors if detail.code is not None]


class BadRequestError(APIStatusError):
    """400: validation or a business rule failed; see ``errors`` for the codes."""


class UnauthorizedError(APIStatusError):
    """401: missing or wrong credentials (raised after one token refresh for OAuth)."""


class ForbiddenError(APIStatusError):
    """403: the credentials lack access to this resource or operation."""


class NotFoundError(APIStatusError):
    """404: unknown id (an id of another org answers the same)."""


class ConflictError(APIStatusError):
    """409: the resource already exists (e.g. a target group name)."""


class RateLimitedError(APIStatusError):
    """429: too many requests, after the retries allowed by ``max_retries``.

    ``retry_after`` is the seconds the server asked to wait (None if it did not say), read when
    the response arrived; an HTTP-date ``Retry-After`` is measured against ``now``, the client's
    wall clock.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(message, response=response, body=body)
        self.retry_after: float | None = parse_retry_after(response.headers, now)


class ServerError(APIStatusError):
    """5xx: the server failed; idempotent calls were retried on 502, 503 and 504 first."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def status_error_from_response(response: httpx.Response, *, now: Callable[[], float] = time.time) -> APIStatusError:
    """Build the typed exception for a 4xx/5xx response (whose body has been read).

    ``now`` is the wall clock for ``RateLimitedError.retry_after`` (see there).
    """
    try:
        body: Any = json.loads(response.content) if response.content else None
    except ValueError:
        # Proxies and load balancers answer with HTML or plain text; keep it readable.
        body = response.text
    status = response.status_code
    if status >= 500:
        cls: type[APIStatusError] = ServerError
    else:
        cls = _STATUS_ERRORS.get(status, APIStatusError)
    details = parse_error_details(body)
    reason = response.reason_phrase or "Error"
    message = f"{status} {reason}"
    if details:
        message += ": " + "; ".join(f"[{d.code}] {d.message}" if d.code is not None else d.message for d in details)
    request_id = response.headers.get(REQUEST_ID_HEADER)
    if request_id:
        message += f" (request id {request_id})"
    if cls is RateLimitedError:
        return RateLimitedError(message, response=response, body=body, now=now)
    return cls(message, response=response, body=body)
