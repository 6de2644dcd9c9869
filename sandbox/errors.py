"""The one error type handlers raise, and the envelope every response body uses."""

from __future__ import annotations

import json
from typing import Any

# Capillary's documented business codes. Transport-level failures (401, 403, 404, 405, 413, 415,
# 500) carry their HTTP status as the code: Capillary documents no codes for those, and a client
# can still switch on `errors[0].code` uniformly.
INVALID_INPUT = 300004
NAME_TOO_LONG = 310008
INVALID_USER_ID = 310011
INVALID_ENTITY_TYPE = 310033
NAME_EXISTS = 310069
RULE_METADATA_REQUIRED = 310094
LEADERBOARD_EVALUATION_TYPE = 310132
LEADERBOARD_NOT_ENABLED = 310133
INVALID_KEY = 310145


class ApiError(Exception):
    """A request the sandbox refuses; rendered as the envelope with one error."""

    def __init__(
        self,
        status: int,
        message: str,
        code: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = status if code is None else code
        self.message = message
        self.headers = headers or {}


def bad_request(message: str, code: int = INVALID_INPUT) -> ApiError:
    return ApiError(400, message, code)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def envelope(data: Any, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"data": data, "errors": errors, "warnings": None}


def error_body(error: ApiError) -> bytes:
    return dumps(envelope(None, [{"code": error.code, "message": error.message}]))


def dumps(value: Any) -> bytes:
    # Compact separators: the sandbox is benchmarked, and every byte is encoded per request.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
