"""Request validation against the spec: path, query, headers, then the JSON body.

Query, path and header values arrive as strings; they are coerced by the type the spec declares
(never by guessing), so `?limit=abc` stays a string and fails the schema with a message that names
the parameter.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import jsonschema_rs

from sandbox.errors import ApiError, bad_request
from sandbox.openapi import Operation, Param
from sandbox.rules import business_error

_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
MAX_ERRORS = 3


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []) or []:
            if isinstance(sub, dict):
                found = _types(sub)
                if found:
                    return found
    if "enum" in schema and all(isinstance(v, str) for v in schema["enum"]):
        return ["string"]
    return []


def coerce(value: str, schema: Mapping[str, Any]) -> Any:
    """Convert one string to the JSON type the schema declares; leave it as is when it cannot."""
    types = _types(schema)
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "integer" in types and len(value) <= 40 and _NUMBER.fullmatch(value):
        # JSON Schema counts 3283.0 and 1e3 as integers; the length cap keeps 1e999999 from
        # becoming a million-digit int.
        exact = Decimal(value)
        if exact == exact.to_integral_value() and exact.adjusted() < 40:
            return int(exact)
    if "number" in types and _NUMBER.fullmatch(value):
        # Keep "3" an int so an integer-valued number still passes `multipleOf` and `type` checks.
        if _INTEGER.fullmatch(value):
            return int(value)
        number = float(value)
        # "1e999" overflows to inf, which no JSON schema number accepts: leave it a string.
        return number if math.isfinite(number) else value
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    if "null" in types and value == "null" and "string" not in types:
        return None
    return value


def _coerce_param(param: Param, values: Sequence[str]) -> Any:
    schema = param.schema
    if "array" in _types(schema):
        items = schema.get("items", {})
        # Query arrays use the OpenAPI default (form, explode): one key per item. Path and header
        # arrays use the simple style: comma-separated.
        parts = list(values) if param.location == "query" else values[0].split(",")
        return [coerce(part, items if isinstance(items, dict) else {}) for part in parts]
    return coerce(values[0], schema)


def _describe(errors: list[jsonschema_rs.ValidationError], where: str) -> str:
    messages = []
    for error in errors[:MAX_ERRORS]:
        location = where + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path
        )
        messages.append(f"{location}: {error.message}")
    return "; ".join(messages)


def validate_params(
    operation: Operation,
    path_params: Mapping[str, str],
    query_getlist: Callable[[str], list[str]],
    headers: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return (path, query, header) values, typed, or raise a 400 naming the parameter."""
    out: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
    for param in operation.params:
        if param.location == "path":
            raw = path_params.get(param.name)
            values = [raw] if raw is not None else []
        elif param.location == "query":
            values = query_getlist(param.name)
        else:
            raw = headers.get(param.name.lower())
            values = [raw] if raw is not None else []
        if not values:
            if param.required:
                raise bad_request(f"{param.location} parameter '{param.name}' is required")
            continue
        value = _coerce_param(param, values)
        errors = list(param.validator.iter_errors(value))
        if errors:
            raise bad_request(
                f"Invalid {param.location} parameter '{param.name}': "
                + _describe(errors, param.name)
            )
        out[param.location][param.name] = value
    return out["path"], out["query"], out["header"]


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        # json.JSONDecodeError and UnicodeDecodeError are both ValueErrors.
        raise bad_request(f"Malformed JSON body: {exc}") from None


def is_json_media_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def validate_body(operation: Operation, content_type: str | None, raw: bytes) -> Any:
    """Parse and validate the JSON body; returns None when the operation takes none."""
    if operation.body_validator is None:
        return None
    if (raw or content_type) and not is_json_media_type(content_type):
        raise ApiError(415, "Unsupported media type: send Content-Type: application/json")
    if not raw:
        if operation.body_required:
            raise bad_request("Request body is required")
        return None
    body = parse_json(raw)
    errors = list(operation.body_validator.iter_errors(body))
    if errors:
        business = business_error(operation.operation_id, body)
        detail = _describe(errors, "body")
        if business is not None:
            business.message = f"{business.message} ({detail})"
            raise business
        raise bad_request("Invalid request body: " + detail)
    return body
