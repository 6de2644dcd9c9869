# Copied from generator/sdk/runtime/_response.py by `make generate`. Edit that file, not this copy.
"""The raw variant of every call: status, headers, request id, warnings and the typed data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

import httpx

from ._errors import (
    REQUEST_ID_HEADER,
    APIResponseValidationError,
    ErrorDetail,
    parse_error_details,
    parse_warnings,
)

# Covariant: an APIResponse[list[TargetGroup]] is usable where APIResponse[Sequence[...]] is.
T_co = TypeVar("T_co", covariant=True)

_UNPARSED: Any = object()


class APIResponse(Generic[T_co]):
    """A successful response, with the envelope parsed on first access.

    Parsing is lazy so that a body the models cannot read (a value this SDK version does not
    know yet) still gives access to ``status_code``, ``headers`` and ``json()``.
    """

    __slots__ = ("_body", "_data", "_parse", "http_response")

    def __init__(self, http_response: httpx.Response, parse: Callable[[Any], T_co]) -> None:
        self.http_response = http_response
        self._parse = parse
        self._body: Any = _UNPARSED
        self._data: Any = _UNPARSED

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.http_response.request.url.path}>"

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The ``X-Cap-Requestid`` header: quote it when asking Capillary about a call."""
        value: str | None = self.http_response.headers.get(REQUEST_ID_HEADER)
        return value

    @property
    def elapsed(self) -> float:
        """Seconds between sending the request and reading the response."""
        return self.http_response.elapsed.total_seconds()

    def json(self) -> Any:
        """The decoded body as sent by the server, unknown fields and values included."""
        if self._body is _UNPARSED:
            try:
                self._body = json.loads(self.http_response.content)
            except ValueError as exc:
                raise APIResponseValidationError(
                    f"Response body is not JSON: {exc}", response=self.http_response
                ) from exc
        return self._body

    @property
    def warnings(self) -> list[str]:
        """Messages of the envelope's ``warnings`` (empty when null)."""
        return parse_warnings(self.json())

    @property
    def errors(self) -> list[ErrorDetail]:
        """The envelope's ``errors``; normally empty on success."""
        return parse_error_details(self.json())

    @property
    def data(self) -> T_co:
        """The typed ``data`` of the envelope."""
        if self._data is _UNPARSED:
            body = self.json()
            try:
                self._data = self._parse(body)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise APIResponseValidationError(
                    f"Response body does not match the documented schema: {exc!r}",
                    response=self.http_response,
                ) from exc
        return cast(T_co, self._data)

    def parse(self) -> T_co:
        """Same as :attr:`data`."""
        return self.data
